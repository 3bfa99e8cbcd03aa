"""GitHub Actions workflows (MC-016 to MC-020, MC-040), one module per workflow, and the README
that lists what a person must still set up in GitHub."""

from __future__ import annotations

from compiler import naming
from compiler.artifact import Artifact
from compiler.emitters.base import GENERATED_HEADER
from compiler.emitters.workflows import ci, deploy, image, matrix, terraform
from compiler.emitters.workflows.common import (
    AZURE_CLIENT_IDS,
    GCP_PROJECT_NUMBER,
    Identity,
    clouds,
    registry,
    registry_clouds,
)
from compiler.model import Project
from compiler.render import render_template


def emit(project: Project) -> list[Artifact]:
    workflows = [ci.emit(project), image.emit(project), deploy.emit(project),
                 matrix.emit(project)]
    if project.ci.gitops == "actions":  # with Atlantis, Atlantis plans and applies
        workflows.append(terraform.emit(project))
    return [*workflows, _readme(project)]


def _workflow_rows(project: Project) -> list[tuple[str, str, str]]:
    rows = [
        ("mcc-ci.yml", "pull requests, default branch",
         "generated files current (build --check), Checkov scan to code scanning, tests"),
        ("mcc-image.yml", "pull requests (build and scan only), default branch",
         "Buildx build, Trivy scan, push to every registry, cosign signature and SBOM"),
        ("mcc-deploy.yml", "after mcc-image succeeds on the default branch; manual runs",
         "rollout per environment, cloud and region; smoke test on readiness endpoints"),
        ("mcc-matrix.yml", "pull requests, default branch",
         "tests on Python " + ", ".join(project.ci.tests.python)),
    ]
    if project.ci.gitops == "actions":
        rows.append(("mcc-terraform.yml", "changes under the Terraform output",
                     "fmt, validate and plan per stack on pull requests; apply per environment"))
    return rows


def _settings(project: Project) -> list[tuple[str, str, str, str]]:
    names = {cloud.name for cloud in clouds(project)}
    rows = []
    if "gcp" in names:
        rows.append((_bare(GCP_PROJECT_NUMBER), "variable", "repository",
                     "number of the GCP project (Workload Identity provider path)"))
    if "azure" in names:
        scopes: tuple[tuple[Identity, str], ...] = (
            ("push", "repository"), ("plan", "repository"), ("deploy", "each environment"))
        for identity, where in scopes:
            rows.append((_bare(AZURE_CLIENT_IDS[identity]), "variable", where,
                         f"client id of the Entra ID application used to {identity}"))
    for name in sorted(terraform.global_secrets(project)):
        if name != "VAULT_ADDR" and project.ci.gitops == "actions":
            rows.append((name, "secret", "each environment",
                         "global Terraform stack: provider without OIDC federation"))
    return rows


def _bare(reference: str) -> str:
    return reference.split(".", 1)[1]


def _identities(project: Project) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for cloud in clouds(project):
        rows.append((cloud.name, "push", _identity(project, cloud.name, "push", "")))
        rows.append((cloud.name, "plan", _identity(project, cloud.name, "plan", "")))
        for env in project.environments:
            rows.append((cloud.name, f"apply and deploy in {env.name}",
                         _identity(project, cloud.name, "deploy", env.name)))
    return rows


def _identity(project: Project, cloud: str, identity: Identity, environment: str) -> str:
    if cloud == "azure":
        return _bare(AZURE_CLIENT_IDS[identity])
    if cloud == "gcp":
        return naming.gcp_ci_service_account(project.name, environment or identity)
    if identity == "push":
        return naming.github_push_role(project.name)
    if identity == "plan":
        return naming.github_plan_role(project.name)
    return naming.github_deploy_role(project.name, environment)


def _readme(project: Project) -> Artifact:
    content = render_template(
        "workflows/README.md.j2",
        header=GENERATED_HEADER.format(spec=project.spec_file),
        project=project,
        workflows_dir=project.ci.workflows_dir,
        workflows=_workflow_rows(project),
        settings=_settings(project),
        identities=_identities(project),
        registries=[registry(project, cloud) for cloud in registry_clouds(project)],
        fail_on=", ".join(project.ci.image_scan.fail_on),
    )
    return Artifact("ci/README.md", content)
