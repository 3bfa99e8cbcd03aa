"""docker/.env.example and docker/.gitignore: where local secrets go, and what keeps them out of git.

compose.yaml reads each secret from ``.env`` beside it (compose interpolation); this file lists
every secret a service reads locally, with empty values as the only safe placeholder, and says
which services read it. The ``.gitignore`` keeps the filled-in ``.env`` out of commits.
"""

from __future__ import annotations

from compiler.contract import LOCAL_TARGET, service_env
from compiler.emitters.base import GENERATED_HEADER, Artifact
from compiler.emitters.docker_common import DIR
from compiler.model import Project

INTRO = (
    "Secrets for the local stack. Copy this file to .env (git-ignored), set each value, and",
    "run `docker compose up`. Only names are generated: never put a real value in this file.",
)


def emit(project: Project) -> list[Artifact]:
    return [
        Artifact(f"{DIR}/.env.example", env_example(project)),
        Artifact(f"{DIR}/.gitignore", "# Local secrets, filled in from .env.example\n.env\n"),
    ]


def env_example(project: Project) -> str:
    lines = [f"# {GENERATED_HEADER.format(spec=' '.join(project.spec_file.split()))}"]
    lines += [f"# {line}" for line in INTRO]
    for name, (description, readers) in sorted(secrets(project).items()):
        lines += ["", f"# {description} (read by: {', '.join(readers)})", f"{name}="]
    return "\n".join(lines) + "\n"


def secrets(project: Project) -> dict[str, tuple[str, list[str]]]:
    """Secret name -> (description, services that read it), as the local contract says."""
    found: dict[str, tuple[str, list[str]]] = {}
    for service in project.services:
        for var in service_env(project, service, LOCAL_TARGET):
            if var.value is None:
                entry = found.setdefault(var.name, (_one_line(var.description), []))
                entry[1].append(service.name)
    return found


def _one_line(text: str) -> str:
    return " ".join(text.split())
