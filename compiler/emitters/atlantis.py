"""atlantis.yaml at the repository root when the spec hands Terraform to Atlantis (MC-010).

One project per generated root stack. A stack is planned when its own files or a module it
calls change: stacks call only the modules of their own prefix (``terraform/modules/<stack>-*``,
a test keeps it so), or a generated file it reads (``common.stack_file_inputs``). Applies need an approved,
mergeable pull request, and run in promotion order: an environment's cloud stacks, then its
global stack, which reads their state (``depends_on``), then the next environment.
"""

from __future__ import annotations

from typing import Any

from compiler.artifact import Artifact
from compiler.emitters.base import GENERATED_HEADER
from compiler.emitters.terraform.common import has_global_stack, stack_dir, stack_file_inputs
from compiler.model import Environment, Project
from compiler.render import to_yaml

PATH = "atlantis.yaml"
APPLY_REQUIREMENTS = ["approved", "mergeable"]
HEADER = ("\nAtlantis plans and applies every generated Terraform root stack. The server's repo\n"
          "config must allow this repository to set apply_requirements (allowed_overrides).")


def emit(project: Project) -> list[Artifact]:
    if project.ci.gitops != "atlantis":
        return []
    config = {
        "version": 3,
        "automerge": False,
        "parallel_plan": True,
        "parallel_apply": False,
        "projects": [entry for index, env in enumerate(project.environments)
                     for entry in _projects(project, env, index)],
    }
    header = GENERATED_HEADER.format(spec=project.spec_file) + HEADER
    return [Artifact(PATH, to_yaml(config, header=header), root="repo")]


def stacks(project: Project, env: Environment) -> list[str]:
    """The root stacks the Terraform emitters write for ``env``, cloud stacks first."""
    found: list[str] = [cloud.name for cloud in env.clouds]
    return [*found, "global"] if has_global_stack(project) else found


def project_name(env: Environment, stack: str) -> str:
    return f"{env.name}-{stack}"


def _projects(project: Project, env: Environment, index: int) -> list[dict[str, Any]]:
    entries = []
    clouds = [stack for stack in stacks(project, env) if stack != "global"]
    for stack in stacks(project, env):
        entry: dict[str, Any] = {
            "name": project_name(env, stack),
            "dir": "/".join([project.ci.output_dir.rstrip("/"), stack_dir(env, stack)]),
            "workspace": "default",
            # Two groups per environment: its cloud stacks, then its global stack.
            "execution_order_group": 2 * index + (1 if stack == "global" else 0),
            "autoplan": {"enabled": True, "when_modified": when_modified(env, stack)},
            "apply_requirements": list(APPLY_REQUIREMENTS),
        }
        if stack == "global" and clouds:
            entry["depends_on"] = [project_name(env, cloud) for cloud in clouds]
        entries.append(entry)
    return entries


def when_modified(env: Environment, stack: str) -> list[str]:
    """The stack's own files, its modules and the generated files it reads, relative to the
    stack's directory (``terraform/<env>/<stack>``), in .dockerignore syntax. The global stack
    also reads the outputs of its environment's cloud stacks (from their state)."""
    outputs = [f"../{cloud.name}/outputs.tf" for cloud in env.clouds] if stack == "global" else []
    return ["*.tf", f"../../modules/{stack}-*/*.tf", *outputs,
            *(f"../../../{path}" for path in stack_file_inputs(env, stack))]
