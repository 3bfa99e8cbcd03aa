"""atlantis.yaml: valid against Atlantis' repo-config structure (the subset mccompile writes,
as a JSON schema taken from the Atlantis reference), one project per generated root stack,
and autoplan on every file each stack depends on."""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from compiler.emitters import atlantis
from compiler.pipeline import compile_project
from conftest import ROOT, build_tree

SCHEMA = Path(__file__).parent / "schemas" / "atlantis-repo-config.schema.json"
CASE = ROOT / "tests" / "cases" / "atlantis" / "multicloud.yaml"
SOURCE = re.compile(r'source\s*=\s*"(\.\.?/[^"]+)"')
FILE_READ = re.compile(r'\$\{path\.root\}/((?:\.\./)+[^"]+)"')


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tree(CASE, tmp_path_factory.mktemp("atlantis"), "tests/cases/atlantis/multicloud.yaml")


@pytest.fixture(scope="module")
def config(repo: Path) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe", pure=True).load((repo / "atlantis.yaml").read_text())
    return data


def _stacks(repo: Path) -> list[str]:
    return sorted(p.parent.relative_to(repo).as_posix()
                  for p in repo.glob("generated/terraform/*/*/versions.tf")
                  if p.parent.parent.name != "modules")


def _inputs(stack: Path, seen: set[Path] | None = None) -> set[Path]:
    """Every module directory and file a root stack uses, transitively."""
    seen = set() if seen is None else seen
    for tf in sorted(stack.glob("*.tf")):
        text = tf.read_text()
        for source in SOURCE.findall(text):
            module = (stack / source).resolve()
            if module not in seen:
                seen.add(module)
                _inputs(module, seen)
        seen.update((stack / path).resolve() for path in FILE_READ.findall(text))
    return seen


def test_validates_against_the_atlantis_repo_config_schema(config: dict[str, Any]) -> None:
    jsonschema.validate(config, json.loads(SCHEMA.read_text()))


def test_one_project_per_generated_root_stack(repo: Path, config: dict[str, Any]) -> None:
    dirs = [project["dir"] for project in config["projects"]]
    assert sorted(dirs) == _stacks(repo)
    names = [project["name"] for project in config["projects"]]
    assert len(set(names)) == len(names)
    for project in config["projects"]:
        assert project["apply_requirements"] == ["approved", "mergeable"]
        assert project["autoplan"]["enabled"] is True


def test_autoplan_watches_every_module_and_file_a_stack_uses(repo: Path,
                                                             config: dict[str, Any]) -> None:
    for project in config["projects"]:
        stack = repo / project["dir"]
        patterns = project["autoplan"]["when_modified"]
        watched = [p.as_posix() for p in stack.glob("*.tf")]
        for used in _inputs(stack):
            files = sorted(used.glob("*.tf")) if used.is_dir() else [used]
            watched += [f.as_posix() for f in files]
        for path in watched:
            relative = posixpath.relpath(path, stack.resolve().as_posix())
            assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), \
                f"{project['name']}: {relative} changes without a plan"


def test_global_stacks_apply_after_their_environment_cloud_stacks(config: dict[str, Any]) -> None:
    projects = {project["name"]: project for project in config["projects"]}
    for name, project in projects.items():
        if name.endswith("-global"):
            env = name.removesuffix("-global")
            clouds = sorted(n for n in projects if n.startswith(f"{env}-") and n != name)
            assert sorted(project["depends_on"]) == clouds
            assert all(projects[c]["execution_order_group"] < project["execution_order_group"]
                       for c in clouds)
    groups = [project["execution_order_group"] for project in config["projects"]]
    assert groups == sorted(groups), "environments apply in promotion order"


def test_cloud_run_stacks_replan_when_the_collector_config_changes(tmp_path: Path) -> None:
    text = (ROOT / "spec" / "multicloud.yaml").read_text().replace(
        "gitops: actions", "gitops: atlantis")
    spec = tmp_path / "multicloud.yaml"
    spec.write_text(text)
    project = compile_project(spec, "multicloud.yaml")
    [artifact] = atlantis.emit(project)
    data = YAML(typ="safe", pure=True).load(artifact.content)
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    gcp = next(p for p in data["projects"] if p["name"] == "production-gcp")
    assert "../../../observability/otel-collector.yaml" in gcp["autoplan"]["when_modified"]
    assert artifact.root == "repo" and artifact.path == "atlantis.yaml"


def test_only_when_the_spec_chooses_atlantis(repo: Path) -> None:
    reference = compile_project(ROOT / "spec" / "multicloud.yaml", "spec/multicloud.yaml")
    assert atlantis.emit(reference) == []
    # With Atlantis, the Terraform workflow is not generated: one tool applies.
    assert not list(repo.rglob("mcc-terraform.yml"))
