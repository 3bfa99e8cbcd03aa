"""docker/: the Dockerfile and compose stack, checked by the real tools (hadolint, the compose
specification, Checkov's secret scan) and against the env-var contract derived from the IR."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from checkov_runner import failed_checks
from ruamel.yaml import YAML

from compiler.contract import LOCAL_TARGET, service_env
from compiler.model import Project
from compiler.pipeline import compile_project
from compiler.render import code_span
from conftest import ROOT, build_tree, require_tool

TREES = {
    "minimal": ("examples/minimal.yaml", "examples/minimal.yaml"),
    "hostile": ("tests/cases/hostile/multicloud.yaml", "tests/cases/hostile/multicloud.yaml"),
}


@pytest.fixture(scope="session")
def trees(reference_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The reference spec, every example and the hostile case, each built once."""
    built = {"reference": reference_tree}
    for name, (spec, display) in TREES.items():
        built[name] = build_tree(ROOT / spec, tmp_path_factory.mktemp(name), display)
    return built


def spec_of(name: str) -> tuple[Path, str]:
    if name == "reference":
        return ROOT / "spec" / "multicloud.yaml", "spec/multicloud.yaml"
    spec, display = TREES[name]
    return ROOT / spec, display


def project_of(name: str) -> Project:
    return compile_project(*spec_of(name))


def load_compose(tree: Path) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(tree / "generated" / "docker" / "compose.yaml")
    return data


def hadolint(dockerfile: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """hadolint with an explicit config: nothing ignored, and even style findings fail."""
    config = tmp_path / "hadolint.yaml"
    config.write_text("failure-threshold: style\nignored: []\n")
    return subprocess.run([require_tool("hadolint"), "--no-color", "--config", str(config),
                           str(dockerfile)], capture_output=True, text=True, check=False)


def secret_findings(tree: Path) -> list[str]:
    """Checkov's secrets framework over every file (by default it skips .md, .env.*, ...)."""
    findings = failed_checks(tree, "secrets", "--enable-secret-scan-all-files")
    return [f"{f.file}:{f.lines[0] if f.lines else 0}: {f.check_id}" for f in findings]


@pytest.mark.parametrize("name", ["reference", *TREES])
def test_hadolint_finds_nothing(trees: dict[str, Path], name: str, tmp_path: Path) -> None:
    result = hadolint(trees[name] / "generated" / "docker" / "Dockerfile", tmp_path)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_hadolint_is_really_checking(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install flask\n")
    assert hadolint(bad, tmp_path).returncode != 0


@pytest.mark.parametrize("name", ["reference", *TREES])
def test_compose_follows_the_compose_specification(trees: dict[str, Path], name: str) -> None:
    compose = trees[name] / "generated" / "docker" / "compose.yaml"
    result = subprocess.run(
        [require_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(compose)],
        capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["reference", *TREES])
def test_no_generated_file_contains_a_secret(trees: dict[str, Path], name: str) -> None:
    assert secret_findings(trees[name]) == []


def test_the_secret_scan_finds_a_planted_secret(reference_tree: Path,
                                                tmp_path_factory: pytest.TempPathFactory) -> None:
    planted = tmp_path_factory.mktemp("planted")
    docker = planted / "generated" / "docker"
    docker.mkdir(parents=True)
    text = (reference_tree / "generated" / "docker" / ".env.example").read_text()
    (docker / ".env.example").write_text(
        text + 'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n')
    assert secret_findings(planted), "the secret scan must see .env.example"


def unescape(value: str) -> str:
    return value.replace("$$", "$")


@pytest.mark.parametrize("name", ["reference", *TREES])
def test_compose_environment_is_the_contract(trees: dict[str, Path], name: str) -> None:
    project = project_of(name)
    services = load_compose(trees[name])["services"]
    for service in project.services:
        expected = {}
        for var in service_env(project, service, LOCAL_TARGET):
            expected[var.name] = var.value if var.value is not None else "secret"
        written = {key: "secret" if value.startswith(f"${{{key}?") else unescape(value)
                   for key, value in services[service.name]["environment"].items()}
        assert written == expected, service.name


LOCAL_ROW = re.compile(r"^\| `(?P<name>[A-Z0-9_]+)` \| (?P<value>.*?) \| .* \|$")


def env_md_local(tree: Path) -> dict[str, dict[str, str]]:
    """The 'Local (docker compose)' tables of ENV.md: service -> variable -> value cell."""
    text = (tree / "generated" / "ENV.md").read_text()
    local = text.split("## Local (docker compose)", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, dict[str, str]] = {}
    current = ""
    for line in local.splitlines():
        if line.startswith("### "):
            current = line[4:].strip()
            tables[current] = {}
        elif (row := LOCAL_ROW.match(line)) and current:
            tables[current][row["name"]] = row["value"]
    return tables


@pytest.mark.parametrize("name", ["reference", *TREES])
def test_env_md_local_section_matches_compose(trees: dict[str, Path], name: str) -> None:
    documented = env_md_local(trees[name])
    services = load_compose(trees[name])["services"]
    assert set(documented) == {service.name for service in project_of(name).services}
    for service, variables in documented.items():
        environment = services[service]["environment"]
        assert set(variables) == set(environment), service
        for variable, cell in variables.items():
            value = environment[variable]
            if value.startswith(f"${{{variable}?"):
                assert cell.startswith("secret"), (service, variable)
            else:
                assert cell == code_span(unescape(value)), (service, variable)


@pytest.mark.parametrize("name", ["reference", *TREES])
def test_local_urls_point_at_compose_services(trees: dict[str, Path], name: str) -> None:
    services = load_compose(trees[name])["services"]
    for service in project_of(name).services:
        for var in service_env(project_of(name), service, LOCAL_TARGET):
            if not var.value or "://" not in var.value:
                continue
            url = urlsplit(var.value)
            # An s3:// URL names the bucket; the server is its endpoint parameter.
            endpoint = re.search(r"endpoint=https?://([^:/&]+)", url.query)
            host = endpoint[1] if url.scheme == "s3" and endpoint else url.hostname
            assert host in services, (service.name, var.name, host)
        depends = services[service.name]["depends_on"]
        assert set(depends) <= set(services)
