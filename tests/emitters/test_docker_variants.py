"""docker/ for variations of a small spec: own Dockerfile, pinned digest, system packages,
PostgreSQL, names that collide with the local stand-ins, public services sharing a port."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from test_docker import hadolint

from compiler.contract import LOCAL_TARGET, service_env
from compiler.emitters import docker, emit_all
from compiler.model import Project
from compiler.pipeline import compile_project
from conftest import ROOT, require_tool

DIGEST = "sha256:" + "ab" * 32


def variant(tmp_path: Path, change: dict[str, Any]) -> Project:
    """examples/minimal.yaml with top-level sections merged in from ``change``."""
    yaml = YAML(typ="safe", pure=True)  # YAML 1.2, as mccompile reads specs
    data = yaml.load(ROOT / "examples" / "minimal.yaml")
    for key, value in change.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    spec = tmp_path / "multicloud.yaml"
    with spec.open("w") as stream:
        yaml.dump(data, stream)
    return compile_project(spec, "multicloud.yaml")


def files(project: Project) -> dict[str, str]:
    return {artifact.path: artifact.content for artifact in docker.emit(project)}


def compose_of(project: Project) -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe").load(files(project)["docker/compose.yaml"])
    return loaded


def check_compose(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(files(project)["docker/compose.yaml"])
    result = subprocess.run(
        [require_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def check_hadolint(project: Project, tmp_path: Path) -> str:
    text = files(project)["docker/Dockerfile"]
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    result = hadolint(path, tmp_path)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout
    return text


def stages(dockerfile: str) -> list[list[str]]:
    """Instructions per stage, continuation lines joined."""
    found: list[list[str]] = []
    for line in dockerfile.replace("\\\n", " ").splitlines():
        if line.startswith("FROM "):
            found.append([])
        if line and not line.startswith("#") and found:
            found[-1].append(line)
    return found


def test_own_dockerfile_means_none_generated(tmp_path: Path) -> None:
    project = variant(tmp_path, {"image": {"dockerfile": "app/Dockerfile", "context": "app"}})
    written = files(project)
    assert "docker/Dockerfile" not in written and "docker/Dockerfile.dockerignore" not in written
    build = compose_of(project)["services"]["web"]["build"]
    assert build == {"context": "../../app", "dockerfile": "Dockerfile"}


def test_generated_dockerfile_is_found_from_the_repository_root(tmp_path: Path) -> None:
    build = compose_of(variant(tmp_path, {}))["services"]["web"]["build"]
    assert build == {"context": "../..", "dockerfile": "generated/docker/Dockerfile"}


def test_base_digest_pins_every_stage(tmp_path: Path) -> None:
    text = check_hadolint(variant(tmp_path, {"image": {"base_digest": DIGEST}}), tmp_path)
    froms = [line for line in text.splitlines() if line.startswith("FROM ")]
    assert len(froms) == 2
    assert all(re.match(rf"FROM python:3\.12-slim-\w+@{DIGEST} AS \w+$", line) for line in froms)


def test_runtime_stage_is_small_unprivileged_and_probed(tmp_path: Path) -> None:
    project = variant(tmp_path, {"image": {"start": ["python", "-m", "hello"]}})
    builder, runtime = stages(check_hadolint(project, tmp_path))
    assert any("pip install --no-cache-dir" in line for line in builder)
    assert not any(re.search(r"pip install|gcc|build-essential", line) for line in runtime)
    user = [line for line in runtime if line.startswith("USER ")][-1]
    assert all(int(part) >= 10000 for part in user.split()[1].split(":"))
    assert runtime[-1] == 'CMD ["python", "-m", "hello"]'
    assert any(line.startswith("HEALTHCHECK ") and "/health" in line for line in runtime)
    assert any("org.opencontainers.image.source" in line for line in runtime)


def test_system_packages_install_without_leaving_lists(tmp_path: Path) -> None:
    project = variant(tmp_path, {"image": {"system_packages": ["libpq5=17.6-0+deb13u1",
                                                                "tzdata=2025b-4+deb13u1"]}})
    _, runtime = stages(check_hadolint(project, tmp_path))
    run = next(line for line in runtime if "apt-get install" in line)
    assert "--no-install-recommends libpq5=17.6-0+deb13u1 tzdata=2025b-4+deb13u1" in run
    assert "rm -rf /var/lib/apt/lists/*" in run


def test_hostile_labels_cannot_expand_or_break_lines() -> None:
    project = compile_project(ROOT / "tests/cases/hostile/multicloud.yaml", "hostile.yaml")
    text = files(project)["docker/Dockerfile"]
    start = text.index("LABEL ")
    label = text[start:text.index("\nRUN ", start)]
    values = re.findall(r'="((?:[^"\\]|\\.)*)"', label)
    assert len(values) == 5
    assert all(not re.search(r"(?<!\\)\$", value) for value in values)


def test_postgres_stand_in(tmp_path: Path) -> None:
    project = variant(tmp_path, {
        "data": {"database": {"engine": "postgres", "name": "hello",
                              "postgres": {"version": "16"}}},
        "services": {"web": {"port": 8080, "public": True, "uses": {"database": "read-write"}}},
    })
    check_compose(project, tmp_path)
    services = compose_of(project)["services"]
    assert services["postgres"]["image"] == "postgres:16-alpine"
    assert "mongodb" not in services
    assert services["web"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    env = services["web"]["environment"]
    assert env["DATABASE_URL"] == "postgresql://postgres@postgres:5432/hello"


def test_spec_service_named_like_a_stand_in_moves_it_aside(tmp_path: Path) -> None:
    """Most stand-in names are reserved by validation; the bucket job's is not."""
    project = variant(tmp_path, {
        "data": {"buckets": {"reports": {}}},
        "services": {"minio-buckets": {"port": 8081, "uses": {"storage.reports": "read"}}},
    })
    check_compose(project, tmp_path)
    services = compose_of(project)["services"]
    assert services["minio-buckets-local"]["entrypoint"] == ["/bin/sh", "-c"]
    assert services["minio-buckets"]["depends_on"]["minio-buckets-local"] == {
        "condition": "service_completed_successfully"}


def test_public_services_sharing_a_port_get_distinct_host_ports(tmp_path: Path) -> None:
    project = variant(tmp_path, {"services": {
        "web": {"port": 8080, "public": True},
        "admin": {"port": 8080, "public": True},
        "jobs": {"port": 9000},
    }})
    services = compose_of(project)["services"]
    published = sorted(port for name in ("web", "admin") for port in services[name]["ports"])
    assert published == ["127.0.0.1:8080:8080", "127.0.0.1:8081:8080"]
    assert "ports" not in services["jobs"]
    for entry in services.values():
        assert all(str(port).startswith("127.0.0.1:") for port in entry.get("ports", []))


def test_queue_config_is_the_spec(tmp_path: Path) -> None:
    project = variant(tmp_path, {
        "data": {"queues": {"jobs": {"visibility_timeout_seconds": 120, "max_receive_count": 5}}},
        "services": {"web": {"port": 8080, "public": True, "uses": {"queue.jobs": "write"}}},
    })
    conf = files(project)["docker/elasticmq.conf"]
    queues = json.loads(conf.split("queues = ", 1)[1])
    assert queues["jobs"] == {"defaultVisibilityTimeout": "120 seconds",
                              "deadLettersQueue": {"name": "jobs-dlq", "maxReceiveCount": 5}}
    assert "jobs-dlq" in queues


def test_env_example_lists_every_local_secret_without_values(tmp_path: Path) -> None:
    project = compile_project(ROOT / "spec" / "multicloud.yaml", "spec/multicloud.yaml")
    text = files(project)["docker/.env.example"]
    assigned = dict(line.split("=", 1) for line in text.splitlines()
                    if line and not line.startswith("#"))
    secrets = {var.name for service in project.services
               for var in service_env(project, service, LOCAL_TARGET) if var.value is None}
    assert set(assigned) == secrets
    assert set(assigned.values()) == {""}
    assert files(project)["docker/.gitignore"].splitlines()[-1] == ".env"


@pytest.mark.parametrize("spec", ["spec/multicloud.yaml", "examples/minimal.yaml"])
def test_mounted_files_are_generated(spec: str, tmp_path: Path) -> None:
    """Every file compose mounts is written by this emitter or its sibling emitters."""
    project = compile_project(ROOT / spec, spec)
    written = {artifact.path for artifact in emit_all(project)}
    mounts = [volume.split(":")[0] for entry in compose_of(project)["services"].values()
              for volume in entry.get("volumes", []) if volume.startswith(".")]
    for mount in mounts:
        path = str(Path("docker", mount)).replace("docker/../", "")
        if path.startswith("observability/") and not any(
                p.startswith("observability/") for p in written):
            continue  # the observability emitter is not registered yet
        assert path in written, mount
