"""Emitters: one module per target, pure functions from the IR to artifacts.

Adding a target happens here: write ``compiler/emitters/<target>.py`` with an ``emit(project)``
function and add it to ``REGISTRY``. Tests are parametrised over the registry.
"""

from __future__ import annotations

from collections.abc import Callable

from compiler.emitters import (
    architecture,
    atlantis,
    docker,
    envdoc,
    flags,
    helm,
    observability,
    workflows,
)
from compiler.emitters.base import Artifact
from compiler.emitters.terraform import aws as terraform_aws
from compiler.emitters.terraform import azure as terraform_azure
from compiler.emitters.terraform import gcp as terraform_gcp
from compiler.emitters.terraform import globalstack as terraform_global
from compiler.model import Project

Emitter = Callable[[Project], list[Artifact]]

REGISTRY: dict[str, Emitter] = {
    "architecture": architecture.emit,
    "atlantis": atlantis.emit,
    "docker": docker.emit,
    "env": envdoc.emit,
    "flags": flags.emit,
    "helm": helm.emit,
    "observability": observability.emit,
    "terraform-aws": terraform_aws.emit,
    "terraform-azure": terraform_azure.emit,
    "terraform-gcp": terraform_gcp.emit,
    "terraform-global": terraform_global.emit,
    "workflows": workflows.emit,
}


def emit_all(project: Project, only: tuple[str, ...] = ()) -> list[Artifact]:
    artifacts: list[Artifact] = []
    for name, emitter in sorted(REGISTRY.items()):
        if not only or name in only:
            artifacts.extend(emitter(project))
    paths = [artifact.key for artifact in artifacts]
    duplicates = sorted({key for key in paths if paths.count(key) > 1})
    if duplicates:
        raise AssertionError(f"two emitters produced the same file: {duplicates}")
    return sorted(artifacts, key=lambda artifact: artifact.key)


__all__ = ["REGISTRY", "Artifact", "emit_all"]
