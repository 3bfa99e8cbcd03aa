"""docker/Dockerfile and its ignore file: the one application image (MC-001).

A builder stage installs the dependencies into a virtual environment; the runtime stage copies
only that environment and the application, runs as an unprivileged user and probes itself.
Every instruction is built from data: exec forms are JSON arrays (``json.dumps``), quoted
values escape what Dockerfile quoting and variable substitution would otherwise interpret, and
no spec string ever reaches a shell-form ``RUN``.
"""

from __future__ import annotations

import json
import re
import shlex

from compiler.emitters.base import GENERATED_HEADER, Artifact
from compiler.emitters.docker_common import (
    DOCKERFILE,
    OUT_DIR,
    base_image,
    http_probe,
    primary_health,
)
from compiler.model import Health, Project

VENV = "/opt/venv"
APP_DIR = "/app"
# >= 10000 so that the user cannot collide with a host account if user namespaces are off.
APP_UID = 10001
APP_USER = "app"
RUN_JOIN = " \\\n    && "

# Never sent to the builder: VCS data, local environments, caches, secrets, infrastructure
# state and mccompile's own output. The dependency file is re-included at the end.
IGNORED = (
    "**/.git", "**/.github", "**/.venv", "**/venv", "**/__pycache__", "**/*.py[cod]",
    "**/.pytest_cache", "**/.mypy_cache", "**/.ruff_cache", "**/.coverage", "**/htmlcov",
    "**/node_modules", "**/.terraform", "**/*.tfstate", "**/*.tfstate.*", "**/.env",
    "**/.env.*", "**/*.pem", "**/*.key", "**/.DS_Store", "**/.idea", "**/.vscode",
    OUT_DIR, "spec", "tests", "**/Dockerfile*", "**/compose*.yaml", "**/docker-compose*.yml",
)


def emit(project: Project) -> list[Artifact]:
    if project.image.dockerfile is not None:
        return []  # the team builds with its own Dockerfile
    return [
        Artifact(DOCKERFILE, dockerfile(project)),
        # BuildKit reads <Dockerfile>.dockerignore beside the Dockerfile before the context's own
        # .dockerignore, so this one applies however the context is chosen.
        Artifact(f"{DOCKERFILE}.dockerignore", dockerignore(project)),
    ]


def dockerfile(project: Project) -> str:
    lines = [
        *_comments(project),
        "",
        *_builder(project),
        "",
        *_runtime(project),
    ]
    return "\n".join(lines) + "\n"


def dockerignore(project: Project) -> str:
    lines = [*_comments(project), *IGNORED, f"!{project.image.dependency_file}"]
    return "\n".join(lines) + "\n"


def _comments(project: Project) -> list[str]:
    context = project.image.context
    text = [
        GENERATED_HEADER.format(spec=project.spec_file),
        f"Build from the repository root: docker build -f {OUT_DIR}/{DOCKERFILE} {context}",
    ]
    return [f"# {_one_line(line)}" for line in text]


def _builder(project: Project) -> list[str]:
    image = project.image
    install = [
        f"python -m venv {VENV}",
        f"{VENV}/bin/pip install --no-cache-dir --requirement "
        f"{shlex.quote(_basename(image.dependency_file))}",
    ]
    return [
        f"FROM {base_image(image)} AS builder",
        "ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1",
        "WORKDIR /build",
        f"COPY {_exec([image.dependency_file, './'])}",
        f"RUN {RUN_JOIN.join(install)}",
    ]


def _runtime(project: Project) -> list[str]:
    health = primary_health(project)
    ports = sorted({service.port for service in project.services})
    return [
        f"FROM {base_image(project.image)} AS runtime",
        *_labels(project),
        f"RUN {RUN_JOIN.join(_system_setup(project))}",
        f'ENV PATH="{VENV}/bin:$PATH" PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1',
        f"WORKDIR {APP_DIR}",
        f"COPY --from=builder {VENV} {VENV}",
        # Owned by root and not writable by the app user: the code cannot be changed at run time.
        "COPY . .",
        f"USER {APP_UID}:{APP_UID}",
        f"EXPOSE {' '.join(str(port) for port in ports)}",
        _healthcheck(health),
        f"CMD {_exec(list(project.image.start))}",
    ]


def _labels(project: Project) -> list[str]:
    labels = {
        "org.opencontainers.image.title": project.name,
        "org.opencontainers.image.description": project.description,
        "org.opencontainers.image.source": f"https://github.com/{project.repository}",
        "org.opencontainers.image.vendor": project.owner,
        "org.opencontainers.image.base.name": f"docker.io/library/{base_image(project.image)}",
    }
    pairs = [f"{key}={_quoted(value)}" for key, value in labels.items() if value]
    return ["LABEL " + " \\\n      ".join(pairs)]


def _system_setup(project: Project) -> list[str]:
    steps = []
    packages = project.image.system_packages
    if packages:
        steps += [
            "apt-get update",
            "apt-get install --yes --no-install-recommends "
            + " ".join(shlex.quote(package) for package in packages),
            # No package lists or caches stay in the final image.
            "rm -rf /var/lib/apt/lists/*",
        ]
    steps += [
        f"groupadd --system --gid {APP_UID} {APP_USER}",
        # --no-log-init: a high UID would otherwise grow /var/log/faillog to gigabytes.
        f"useradd --system --no-log-init --uid {APP_UID} --gid {APP_USER} --no-create-home "
        f"--home-dir /nonexistent --shell /usr/sbin/nologin {APP_USER}",
    ]
    return steps


def _healthcheck(health: Health) -> str:
    options = (f"--interval={health.interval}s --timeout={health.timeout}s "
               f"--start-period={health.start_period}s --retries={health.failure_threshold}")
    return f"HEALTHCHECK {options} CMD {_exec(http_probe(health, port_from_env=True))}"


def _exec(argv: list[str]) -> str:
    # ASCII-only JSON: a Dockerfile is read line by line, and escaped code points cannot be
    # mistaken for line breaks.
    return json.dumps(argv, ensure_ascii=True)


def _quoted(value: str) -> str:
    """A double-quoted Dockerfile word: no line breaks, no variable substitution."""
    escaped = re.sub(r'(["\\$])', r"\\\1", _one_line(value))
    return f'"{escaped}"'


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]
