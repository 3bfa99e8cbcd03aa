"""GitHub Actions workflows of the reference spec, checked by the tools GitHub users run:
actionlint, the workflow JSON schema and Checkov's github_actions framework."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from checkov_runner import scan
from ruamel.yaml import YAML

from compiler.emitters.workflows.common import ACTIONS, shell_words
from conftest import ROOT, build_tree, require_tool

SPEC = ROOT / "spec" / "multicloud.yaml"
HOSTILE = "$(rm -rf /); echo ${{ github.token }} `id` 'quote' \"dq\" ${HOME} \\ end"
OIDC_ACTIONS = {ACTIONS[key][0] for key in ("aws-credentials", "gcp-auth", "azure-login")}


def _yaml() -> YAML:
    return YAML(typ="safe", pure=True)


def _workflows(repo: Path) -> list[Path]:
    spec = _yaml().load(SPEC.read_text())
    found = sorted((repo / spec["ci"]["workflows_dir"]).glob("mcc-*.yml"))
    assert found, f"no workflows under {repo}"
    return found


@pytest.fixture(scope="module")
def workflows(reference_tree: Path) -> dict[str, dict[str, Any]]:
    return {path.name: _yaml().load(path.read_text()) for path in _workflows(reference_tree)}


def _variant(tmp_path: Path, change: dict[str, Any]) -> Path:
    """The reference spec with ``ci`` keys replaced, built into ``tmp_path``."""
    yaml = YAML()  # round trip: keeps the rest of the spec as written
    data = yaml.load(SPEC.read_text())
    data["ci"].update(change)
    spec = tmp_path / "multicloud.yaml"
    with spec.open("w") as stream:
        yaml.dump(data, stream)
    return build_tree(spec, tmp_path / "repo", "spec/multicloud.yaml")


def test_every_workflow_is_there(workflows: dict[str, dict[str, Any]]) -> None:
    assert sorted(workflows) == ["mcc-ci.yml", "mcc-deploy.yml", "mcc-image.yml",
                                 "mcc-matrix.yml", "mcc-terraform.yml"]


def test_actionlint_reports_nothing(reference_tree: Path) -> None:
    actionlint = require_tool("actionlint")
    files = [str(path) for path in _workflows(reference_tree)]
    result = subprocess.run([actionlint, "-no-color", *files], cwd=reference_tree,
                            capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_workflow_schema(reference_tree: Path) -> None:
    checker = require_tool("check-jsonschema")
    files = [str(path) for path in _workflows(reference_tree)]
    result = subprocess.run([checker, "--builtin-schema", "vendor.github-workflows", *files],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_finds_nothing(reference_tree: Path) -> None:
    report = scan(reference_tree, "github_actions")
    failed = [(check.check_id, check.file) for check in report.failed]
    assert failed == []
    assert report.summary.get("passed", 0) > 0, "Checkov scanned no workflow"


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for job in workflow["jobs"].values() for s in job["steps"]]


def test_no_expression_inside_run(workflows: dict[str, dict[str, Any]]) -> None:
    """Expressions in a script are pasted in before the shell parses it: pass them via env."""
    for name, workflow in workflows.items():
        for each in _steps(workflow):
            assert "${{" not in each.get("run", ""), f"{name}: {each['name']}"


def test_permissions_start_empty_and_oidc_only_where_used(
        workflows: dict[str, dict[str, Any]]) -> None:
    for name, workflow in workflows.items():
        assert workflow["permissions"] == {}, name
        assert "concurrency" in workflow, name
        for job_id, job in workflow["jobs"].items():
            assert isinstance(job["timeout-minutes"], int), f"{name}: {job_id}"
            assert "write-all" not in str(job["permissions"])
            uses = {s.get("uses") for s in job["steps"]}
            wants_token = job["permissions"].get("id-token") == "write"
            signs = ACTIONS["cosign-installer"][0] in uses
            assert wants_token == bool(uses & OIDC_ACTIONS or signs), f"{name}: {job_id}"


def test_actions_pinned_to_commit(workflows: dict[str, dict[str, Any]]) -> None:
    pinned = {ref for ref, _ in ACTIONS.values()}
    for name, workflow in workflows.items():
        for each in _steps(workflow):
            if "uses" in each:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", each["uses"]), name
                assert each["uses"] in pinned, name


def test_checkout_leaves_no_token(workflows: dict[str, dict[str, Any]]) -> None:
    for workflow in workflows.values():
        for each in _steps(workflow):
            if each.get("uses") == ACTIONS["checkout"][0]:
                assert each["with"]["persist-credentials"] is False


def test_hostile_test_argument_stays_inert(tmp_path: Path) -> None:
    """A spec string reaches the shell as one literal word, and GitHub never sees ``${{``."""
    repo = _variant(tmp_path, {"tests": {"command": ["printf", "%s\\n", HOSTILE],
                                         "python": ["3.12"]}})
    matrix = _yaml().load((repo / "generated/.github/workflows/mcc-matrix.yml").read_text())
    run = next(s["run"] for s in _steps(matrix) if s["name"] == "Run the tests")
    assert "${{" not in run
    result = subprocess.run(["bash", "-c", run], capture_output=True, text=True, check=True,
                            cwd=tmp_path)
    assert result.stdout == HOSTILE + "\n"
    actionlint = require_tool("actionlint")
    lint = subprocess.run([actionlint, "-no-color", *map(str, _workflows(repo))], cwd=repo,
                          capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout


@pytest.mark.parametrize("word", ["${{", "a${{b", "$", "{{", "'${{'", "${{ x }}${{"])
def test_shell_words_round_trip(word: str) -> None:
    line = shell_words(["printf", "%s", word])
    assert "${{" not in line
    result = subprocess.run(["bash", "-c", line], capture_output=True, text=True, check=True)
    assert result.stdout == word


def test_atlantis_takes_over_terraform(tmp_path: Path) -> None:
    repo = _variant(tmp_path, {"gitops": "atlantis"})
    names = [path.name for path in _workflows(repo)]
    assert "mcc-terraform.yml" not in names
    assert "mcc-deploy.yml" in names


def test_image_is_scanned_signed_and_tagged_by_sha(workflows: dict[str, dict[str, Any]]) -> None:
    steps = _steps(workflows["mcc-image.yml"])
    push = next(s for s in steps if s.get("id") == "build")
    assert push["with"]["tags"].count(":${{ github.sha }}") == 3  # ECR, Artifact Registry, ACR
    assert push["with"]["sbom"] is True and push["with"]["provenance"] == "mode=max"
    scans = [s for s in steps if s.get("uses") == ACTIONS["trivy"][0]
             and s["with"]["format"] == "table"]
    assert {s["with"]["severity"] for s in scans} == {"HIGH,CRITICAL"}
    assert all(s["with"]["exit-code"] == "1" for s in scans)
