"""Local stand-ins for the cloud dependencies, as compose services (MC-002).

Each stand-in speaks the protocol its cloud counterpart speaks (MongoDB or PostgreSQL, Redis,
S3, SQS, OTLP, Vault, flagd), so the application runs unchanged against the URLs that
``contract.service_env(..., LOCAL_TARGET)`` hands it. Images are pinned by tag. Nothing is
published except user interfaces, and only on 127.0.0.1.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from compiler.contract import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, local_host
from compiler.model import Project

IMAGES = {
    "flagd": "ghcr.io/open-feature/flagd:v0.12.9",
    "jaeger": "jaegertracing/jaeger:2.10.0",
    "minio": "minio/minio:RELEASE.2024-12-18T13-15-44Z",
    "otel-collector": "otel/opentelemetry-collector-contrib:0.127.0",
    "queue": "softwaremill/elasticmq-native:1.6.11",
    "vault": "hashicorp/vault:1.18.3",
}
# Engines run the major version the clouds run, so local behaviour matches.
REDIS_RELEASES = {"6": "6.2", "7": "7.4"}
# Written by the observability emitter; mounted from generated/docker/ by relative path.
COLLECTOR_CONFIG = "../observability/otel-collector-local.yaml"
FLAGS_DIR = "../flags"  # written by the flags emitter
ELASTICMQ_CONFIG = "elasticmq.conf"
# User interfaces a developer opens in a browser: (stand-in, port).
UI_PORTS = (("jaeger", 16686), ("minio", 9001), ("vault", 8200))


@dataclass
class Stack:
    """What the stand-ins add to compose.yaml, plus the config files they mount."""

    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # stand-in -> its compose service name
    volumes: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # name under docker/ -> content


def stack(project: Project) -> Stack:
    result = Stack()
    _telemetry(project, result)
    if project.data.database is not None:
        _database(project, result)
    cache = project.data.cache
    if cache is not None:
        image = f"redis:{REDIS_RELEASES[cache.version]}-alpine"
        _add(project, result, "redis", {"image": image}, ["redis-cli", "ping"], "/data")
    if project.data.buckets:
        _storage(project, result)
    if project.data.queues:
        _queue(project, result)
    if project.secrets is not None:
        _vault(project, result)
    if project.flags.definitions:
        _flagd(project, result)
    return result


def healthcheck(test: list[str], interval: int = 5, timeout: int = 3, retries: int = 10,
                start_period: int = 10) -> dict[str, Any]:
    return {"test": ["CMD", *test], "interval": f"{interval}s", "timeout": f"{timeout}s",
            "retries": retries, "start_period": f"{start_period}s"}


def published(port: int, host_port: int | None = None) -> str:
    return f"127.0.0.1:{host_port or port}:{port}"


def _add(project: Project, result: Stack, standin: str, extra: dict[str, Any],
         probe: list[str] | None, data_dir: str | None = None) -> str:
    """Add one stand-in; ``probe`` None means the image cannot probe itself (see _telemetry)."""
    name = local_host(project, standin)
    entry: dict[str, Any] = {"image": IMAGES.get(standin), **extra}
    if data_dir is not None:
        result.volumes.append(f"{name}-data")
        entry["volumes"] = [*entry.get("volumes", []), f"{name}-data:{data_dir}"]
    if probe is not None:
        entry["healthcheck"] = healthcheck(probe)
    ui = dict(UI_PORTS).get(standin)
    if ui is not None:
        entry["ports"] = [published(ui)]
    result.services[name] = entry
    result.names[standin] = name
    return name


def _telemetry(project: Project, result: Stack) -> None:
    jaeger = _add(project, result, "jaeger", {},
                  ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:13133/status"])
    # The collector image is FROM scratch (no shell, no HTTP client), so Docker cannot probe it
    # from inside; the OpenTelemetry SDKs retry their exports, so the apps need it only started.
    _add(project, result, "otel-collector", {
        "volumes": [f"{COLLECTOR_CONFIG}:/etc/otelcol-contrib/config.yaml:ro"],
        "depends_on": {jaeger: {"condition": "service_healthy"}},
    }, None)


def _database(project: Project, result: Stack) -> None:
    database = project.data.database
    assert database is not None
    name = database.name
    if database.engine == "postgres":
        release = database.postgres.version if database.postgres else "16"
        # Trust auth: the server is reachable only on the compose network and holds dev data,
        # so there is no password to leak (the URL names the user, not a secret).
        env = {"POSTGRES_DB": name, "POSTGRES_HOST_AUTH_METHOD": "trust"}
        probe = ["pg_isready", "--username=postgres", f"--dbname={name}"]
        _add(project, result, "postgres", {"image": f"postgres:{release}-alpine",
                                           "environment": env},
             probe, "/var/lib/postgresql/data")
        return
    version = database.atlas.version if database.atlas else "8.0"
    probe = ["mongosh", "--quiet", "--eval", "db.adminCommand('ping').ok"]
    _add(project, result, "mongodb", {"image": f"mongo:{version}"}, probe, "/data/db")


def _storage(project: Project, result: Stack) -> None:
    credentials = {"MINIO_ROOT_USER": LOCAL_ACCESS_KEY, "MINIO_ROOT_PASSWORD": LOCAL_SECRET_KEY}
    minio = _add(project, result, "minio", {
        "command": ["server", "/data", "--console-address", ":9001"],
        "environment": credentials,
    }, ["mc", "ready", "local"], "/data")
    # MinIO creates no bucket by itself: a one-shot job does, and the apps wait for it to end.
    buckets = " ".join(shlex.quote(f"stack/{bucket.name}") for bucket in project.data.buckets)
    script = (f"mc alias set stack http://{minio}:9000 \"$$MINIO_ROOT_USER\" "
              f"\"$$MINIO_ROOT_PASSWORD\" && mc mb --ignore-existing {buckets}")
    job = local_host(project, "minio-buckets")
    result.services[job] = {
        "image": IMAGES["minio"],
        "entrypoint": ["/bin/sh", "-c"],
        "command": [script],
        "environment": credentials,
        "depends_on": {minio: {"condition": "service_healthy"}},
        "restart": "no",
    }
    result.names["minio-buckets"] = job


def _queue(project: Project, result: Stack) -> None:
    _add(project, result, "queue", {
        "volumes": [f"./{ELASTICMQ_CONFIG}:/opt/elasticmq.conf:ro"],
    }, ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9324/?Action=ListQueues"])
    result.files[ELASTICMQ_CONFIG] = elasticmq_config(project)


def elasticmq_config(project: Project) -> str:
    """HOCON, of which JSON is a subset: the queue map is written by ``json.dumps``."""
    queues: dict[str, Any] = {}
    for queue in project.data.queues:
        dead_letters = f"{queue.name}-dlq"
        queues[queue.name] = {
            "defaultVisibilityTimeout": f"{queue.visibility_timeout_seconds} seconds",
            "deadLettersQueue": {"name": dead_letters,
                                 "maxReceiveCount": queue.max_receive_count},
        }
        queues[dead_letters] = {}
    lines = [
        f"# Generated by mccompile from {' '.join(project.spec_file.split())}. Do not edit.",
        'include classpath("application.conf")',
        # "*": queue URLs use the host the client called (queue:9324), not localhost.
        'node-address.host = "*"',
        f"queues = {json.dumps(queues, indent=2, sort_keys=True)}",
    ]
    return "\n".join(lines) + "\n"


def _vault(project: Project, result: Stack) -> None:
    # A dev server keeps everything in memory and prints a fresh root token to its log
    # (`docker compose logs vault`), so no token is written here. SKIP_SETCAP: mlock guards
    # nothing when nothing reaches a disk, and it would need the IPC_LOCK capability.
    env = {"SKIP_SETCAP": "true", "VAULT_DEV_LISTEN_ADDRESS": "0.0.0.0:8200"}
    _add(project, result, "vault", {"environment": env},
         ["vault", "status", "-address=http://127.0.0.1:8200"])


def _flagd(project: Project, result: Stack) -> None:
    # The flags emitter writes one definition file per environment; the first in promotion
    # order (staging, usually) is the closest to a developer's machine.
    flags_file = f"{FLAGS_DIR}/flags-{project.environments[0].name}.json"
    # Distroless image: no shell to probe with; the OpenFeature provider reconnects by itself.
    _add(project, result, "flagd", {
        "command": ["start", "--uri", "file:/etc/flagd/flags.json"],
        "volumes": [f"{flags_file}:/etc/flagd/flags.json:ro"],
    }, None)
