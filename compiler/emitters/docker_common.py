"""Facts shared by the Dockerfile and the compose emitters: paths, the base image, the probe."""

from __future__ import annotations

import posixpath

from compiler.model import Health, Image, Project

# Where the docker artifacts live inside the output tree.
DIR = "docker"
DOCKERFILE = f"{DIR}/Dockerfile"
# The design card fixes the output directory at the repository root; compose needs the way back
# from generated/docker/ to the repository root to find the build context.
OUT_DIR = "generated"
# Debian 13 is the current stable release; the slim variant carries no compiler.
BASE_VARIANT = "slim-trixie"


def base_image(image: Image) -> str:
    """The base image reference: always a tag, plus the digest when the spec pins one."""
    reference = f"python:{image.version}-{BASE_VARIANT}"
    return f"{reference}@{image.base_digest}" if image.base_digest else reference


def build_context(image: Image) -> str:
    """The build context as seen from the compose file (generated/docker/)."""
    back_to_root = posixpath.relpath(".", posixpath.join(OUT_DIR, DIR))
    return posixpath.normpath(posixpath.join(back_to_root, image.context))


def dockerfile_in_context(image: Image) -> str:
    """The Dockerfile path relative to the build context, as compose and `docker build -f` want."""
    dockerfile = image.dockerfile or posixpath.join(OUT_DIR, DOCKERFILE)
    return posixpath.relpath(dockerfile, image.context)


def image_name(project: Project) -> str:
    """One local tag for the one image every service runs, so compose builds it once."""
    return f"{project.name}:local"


def primary_health(project: Project) -> Health:
    """The health check baked into the image: that of the first public service, else the first.

    The image is shared, so only one service's values can be the default; compose, Kubernetes,
    Cloud Run and ECS each set every service's own values from the IR.
    """
    public = [service for service in project.services if service.public]
    return (public or list(project.services))[0].health


def http_probe(health: Health, port_from_env: bool) -> list[str]:
    """argv of a liveness probe that needs only the Python already in the image (no curl).

    ``urlopen`` raises on connection errors and on HTTP status >= 400, so the exit code is
    non-zero exactly when the endpoint is unhealthy. The image's own probe reads the port from
    ``PORT`` (set for every service by the contract), as one image serves every service.
    """
    if port_from_env:
        url = (f"'http://127.0.0.1:' + os.environ.get('PORT', {str(health.port)!r}) + "
               f"{health.liveness!r}")
        imports = "import os, urllib.request"
    else:
        url = repr(f"http://127.0.0.1:{health.port}{health.liveness}")
        imports = "import urllib.request"
    return ["python", "-c", f"{imports}; urllib.request.urlopen({url}, timeout={health.timeout})"]
