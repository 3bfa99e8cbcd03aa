"""docker/compose.yaml: every service of the spec plus its local stand-ins (MC-002, MC-005).

Each service sees exactly ``contract.service_env(project, service, LOCAL_TARGET)``: plain values
are written out; secrets are compose interpolations (``${NAME?...}``) that compose fills from the
git-ignored ``.env`` beside this file, so no secret value is ever written here. Health checks
come from the IR, like every other target's.
"""

from __future__ import annotations

import textwrap
from typing import Any

from compiler.contract import LOCAL_TARGET, service_env
from compiler.emitters.base import GENERATED_HEADER, Artifact
from compiler.emitters.docker_common import (
    DIR,
    build_context,
    dockerfile_in_context,
    http_probe,
    image_name,
)
from compiler.emitters.docker_standins import UI_PORTS, Stack, healthcheck, published, stack
from compiler.model import Project, Service
from compiler.render import to_yaml

COMPOSE = f"{DIR}/compose.yaml"
# What each kind of use needs running locally; the database is whichever engine is declared.
USED_STANDINS = {"database": ("mongodb", "postgres"), "cache": ("redis",),
                 "storage": ("minio", "minio-buckets"), "queue": ("queue",)}
ALWAYS_STANDINS = ["otel-collector", "flagd"]
USAGE = ("Local stack: run `docker compose up --build` in this directory. Published ports "
         "listen on 127.0.0.1 only.")
SECRETS_NOTE = "Secrets come from .env here: copy .env.example to .env and set each value."
# Why some stand-ins have no health check: their images have no shell and no HTTP client.
UNPROBED_NOTE = ("{names}: the image contains no shell or HTTP client, so Docker cannot probe "
                 "it; its clients retry, so the services wait only for it to start.")
VAULT_NOTE = "Vault's dev root token is printed by `docker compose logs {name}`."


def emit(project: Project) -> list[Artifact]:
    standins = stack(project)
    artifacts = [Artifact(COMPOSE, compose(project, standins))]
    artifacts += [Artifact(f"{DIR}/{name}", content)
                  for name, content in sorted(standins.files.items())]
    return artifacts


def compose(project: Project, standins: Stack) -> str:
    services = {service.name: app_service(project, service, standins, port)
                for service, port in _host_ports(project)}
    document: dict[str, Any] = {
        "name": project.name,
        "services": {**services, **dict(sorted(standins.services.items()))},
    }
    if standins.volumes:
        document["volumes"] = {volume: {} for volume in sorted(standins.volumes)}
    return to_yaml(document, header=_header(project, standins))


def _header(project: Project, standins: Stack) -> str:
    spec = " ".join(project.spec_file.split())
    notes = [GENERATED_HEADER.format(spec=spec), "", USAGE]
    if any(var.startswith("${") for service in project.services
           for var in environment(project, service).values()):
        notes.append(SECRETS_NOTE)
    unprobed = [name for name, entry in standins.services.items()
                if "healthcheck" not in entry and entry.get("restart") != "no"]
    notes.append(UNPROBED_NOTE.format(names=", ".join(sorted(unprobed))))
    if "vault" in standins.names:
        notes.append(VAULT_NOTE.format(name=standins.names["vault"]))
    return "\n".join(textwrap.fill(note, 96) if note else note for note in notes)


def app_service(project: Project, service: Service, standins: Stack,
                host_port: int | None) -> dict[str, Any]:
    image = project.image
    health = service.health
    entry: dict[str, Any] = {
        "image": image_name(project),
        "build": {"context": build_context(image), "dockerfile": dockerfile_in_context(image)},
        "command": [escape(arg) for arg in service.command],
        "environment": environment(project, service),
        # The same hardening the clusters apply: read-only root, no capabilities, reaped PIDs.
        "init": True,
        "read_only": True,
        "tmpfs": ["/tmp"],
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true"],
        "healthcheck": healthcheck(http_probe(health, port_from_env=False), health.interval,
                                   health.timeout, health.failure_threshold,
                                   health.start_period),
        "depends_on": dependencies(project, service, standins),
    }
    if host_port is not None:
        entry["ports"] = [published(service.port, host_port)]
    return entry


def environment(project: Project, service: Service) -> dict[str, str]:
    variables = {}
    for var in service_env(project, service, LOCAL_TARGET):
        if var.value is None:
            # Compose stops with this message when .env does not define the variable.
            variables[var.name] = f"${{{var.name}?copy .env.example to .env and set it}}"
        else:
            variables[var.name] = escape(var.value)
    return variables


def dependencies(project: Project, service: Service,
                 standins: Stack) -> dict[str, dict[str, str]]:
    """Stand-ins the service needs, each with the condition that means "ready"."""
    needed = [standin for use in service.uses for standin in USED_STANDINS[use.kind]]
    needed += ALWAYS_STANDINS
    names = sorted({standins.names[standin] for standin in needed if standin in standins.names})
    return {name: {"condition": _condition(standins.services[name])} for name in names}


def escape(value: str) -> str:
    """Compose interpolates ``$`` in every value; ``$$`` is a literal dollar sign."""
    return value.replace("$", "$$")


def _condition(entry: dict[str, Any]) -> str:
    if "healthcheck" in entry:
        return "service_healthy"
    if entry.get("restart") == "no":
        return "service_completed_successfully"
    return "service_started"


def _host_ports(project: Project) -> list[tuple[Service, int | None]]:
    """Public services get a host port: their own, or the next free one if two share it."""
    taken = {port for _, port in UI_PORTS}
    result: list[tuple[Service, int | None]] = []
    for service in project.services:
        if not service.public:
            result.append((service, None))
            continue
        port = service.port
        while port in taken:
            port += 1
        taken.add(port)
        result.append((service, port))
    return result
