"""generated/ENV.md: the env-var contract of every service, on every target."""

from __future__ import annotations

from compiler.contract import LOCAL_TARGET, EnvVar, Target, service_env, targets
from compiler.emitters.base import GENERATED_HEADER, Artifact
from compiler.model import Project, Service
from compiler.render import code_span, render_template


def emit(project: Project) -> list[Artifact]:
    sections = [_section(project, env.name, service) for env in project.environments
                for service in env.services]
    content = render_template(
        "env/ENV.md.j2",
        header=GENERATED_HEADER.format(spec=project.spec_file),
        project=project,
        local=[(service.name, service_env(project, service, LOCAL_TARGET))
               for service in project.services],
        sections=sections,
    )
    return [Artifact("ENV.md", content)]


Section = tuple[str, list[str], list[tuple[EnvVar, list[str]]]]


def _section(project: Project, env_name: str, service: Service) -> Section:
    env = project.environment(env_name)
    columns: list[Target] = list(targets(project, env))
    per_target = [service_env(project, service, target) for target in columns]
    rows = []
    for index, var in enumerate(per_target[0]):
        rows.append((var, [_cell(values[index]) for values in per_target]))
    heading = f"{service.name} in {env_name}"
    return heading, [f"{t.cloud} {t.region}" for t in columns], rows


def _cell(var: EnvVar) -> str:
    if var.source == "secret":
        return "secret (Vault)"
    if var.source == "provisioned":
        return "provisioned (Vault)"
    return code_span(var.value) if var.value else ""
