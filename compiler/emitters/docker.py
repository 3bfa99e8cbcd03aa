"""docker/: the application image and the local stack (MC-001 to MC-005).

Split by concern, each part with its own tests: ``docker_image`` (Dockerfile and its ignore
file), ``docker_compose`` (the spec's services), ``docker_standins`` (local stand-ins for the
cloud dependencies) and ``docker_envfile`` (where local secrets go).
"""

from __future__ import annotations

from compiler.emitters import docker_compose, docker_envfile, docker_image
from compiler.emitters.base import Artifact
from compiler.model import Project


def emit(project: Project) -> list[Artifact]:
    return [*docker_image.emit(project), *docker_compose.emit(project),
            *docker_envfile.emit(project)]
