"""mcc-deploy (MC-018): after the image workflow succeeds on the default branch, roll the new
image out environment by environment, every enabled cloud and region, then smoke-test the
readiness endpoint of each public service. Environments without ``auto_deploy`` wait for the
previous one and for their GitHub environment's reviewers (protected environments).
"""

from __future__ import annotations

from typing import Any

from compiler import naming
from compiler.artifact import Artifact
from compiler.emitters.workflows.common import (
    HELM_VERSION,
    Job,
    Step,
    checkout,
    expr,
    job,
    login,
    output,
    registry,
    registry_clouds,
    step,
    uses,
    workflow,
)
from compiler.emitters.workflows.deploy_scripts import ECS, HELM, SMOKE
from compiler.model import Cloud, Environment, Project

TAG = "github.event.workflow_run.head_sha || github.sha"
PERMISSIONS = {"contents": "read", "id-token": "write"}


def emit(project: Project) -> Artifact:
    jobs: dict[str, Job] = {}
    previous: list[str] = []
    for env in project.environments:
        names = []
        for cloud in env.clouds:
            name = f"deploy-{env.name}-{cloud.name}"
            jobs[name] = _deploy(project, env, cloud, previous)
            names.append(name)
        smoke = _smoke(project, env, names)
        if smoke is not None:
            jobs[f"smoke-{env.name}"] = smoke
            names = [f"smoke-{env.name}"]
        previous = names
    on: dict[str, Any] = {
        "workflow_run": {"workflows": ["mcc image"], "types": ["completed"],
                         "branches": [project.default_branch]},
        "workflow_dispatch": None,
    }
    summary = ("Deploys the image built by mcc-image to each environment in promotion order.\n"
               "Manual runs (workflow_dispatch) redeploy the default branch's head commit.")
    concurrency = {"group": expr("github.workflow"), "cancel-in-progress": False}
    return workflow(project, "deploy", summary, on, jobs, concurrency)


def _gate(project: Project, env: Environment) -> str:
    """Run only for a successful image build of a push to this repository's default branch (a
    fork's branch can share the name), or for a manual run on the default branch."""
    manual = ("github.event_name == 'workflow_dispatch' && "
              f"github.ref == 'refs/heads/{project.default_branch}'")
    if not env.auto_deploy and not env.protected:
        return manual  # nobody reviews it, so only a person starting the run deploys it
    built = ("github.event.workflow_run.conclusion == 'success' && "
             "github.event.workflow_run.event == 'push' && "
             "github.event.workflow_run.head_repository.full_name == github.repository")
    return f"({manual}) || ({built})"


def _image(project: Project, cloud: Cloud) -> str:
    pushed = registry_clouds(project)
    source = cloud if cloud.name in {c.name for c in pushed} else pushed[0]
    return registry(project, source)


def _regions(project: Project, env: Environment, cloud: Cloud) -> list[dict[str, str]]:
    rows = []
    for region in cloud.regions:
        row = {"region": region}
        if cloud.kubernetes:
            row["cluster"] = naming.kubernetes_cluster(project.name, env.name, region)
        if cloud.name == "azure":
            row["resource_group"] = naming.azure_resource_group(project.name, env.name, region)
        rows.append(row)
    return rows


def _deploy(project: Project, env: Environment, cloud: Cloud, needs: list[str]) -> Job:
    steps = [checkout(ref=expr(TAG)),
             *login(project, cloud, "deploy", env.name, region=expr("matrix.region")),
             *_rollout(project, env, cloud)]
    return job(
        f"Deploy {env.name} to {cloud.name} " + expr("matrix.region"), steps,
        needs=needs or None, if_=_gate(project, env), environment=env.name,
        # One region at a time: the others keep serving if a rollout goes wrong.
        strategy={"max-parallel": 1, "matrix": {"include": _regions(project, env, cloud)}},
        permissions=PERMISSIONS, timeout=45,
        env={"IMAGE_TAG": expr(TAG), "IMAGE_REPOSITORY": _image(project, cloud)},
    )


def _rollout(project: Project, env: Environment, cloud: Cloud) -> list[Step]:
    if cloud.runtime == "cloud-run":
        return _cloud_run(project, env, cloud)
    if cloud.runtime == "ecs":
        return [_ecs(project, env)]
    helm = step("Set up Helm", uses=uses("setup-helm"), with_={"version": HELM_VERSION})
    return [helm, *_kubeconfig(cloud), _helm(project, env, cloud)]


def _kubeconfig(cloud: Cloud) -> list[Step]:
    where = {"CLUSTER": expr("matrix.cluster"), "REGION": expr("matrix.region")}
    if cloud.name == "aws":
        return [step("Get cluster credentials", env=where,
                     run='aws eks update-kubeconfig --name "$CLUSTER" --region "$REGION"\n')]
    if cloud.name == "gcp":
        return [
            step("Set up gcloud", uses=uses("setup-gcloud"),
                 with_={"install_components": "gke-gcloud-auth-plugin"}),
            step("Get cluster credentials", env={**where, "PROJECT": cloud.account},
                 run='gcloud container clusters get-credentials "$CLUSTER" '
                     '--region "$REGION" --project "$PROJECT"\n'),
        ]
    install = ('az aks install-cli --install-location "$RUNNER_TEMP/bin/kubectl" '
               '--kubelogin-install-location "$RUNNER_TEMP/bin/kubelogin"\n'
               'echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"\n')
    return [
        # Local accounts are off on the clusters: Entra ID tokens need kubelogin.
        step("Install kubelogin", run=install),
        step("Get cluster credentials", uses=uses("aks-context"), with_={
            "resource-group": expr("matrix.resource_group"), "cluster-name": expr("matrix.cluster"),
            "subscription": cloud.account, "use-kubelogin": "true"}),
    ]


def _helm(project: Project, env: Environment, cloud: Cloud) -> Step:
    chart = output(project, "helm", project.name)
    return step("Helm upgrade", env={
        "RELEASE": project.name, "CHART": chart, "NAMESPACE": project.namespace,
        "VALUES": f"{chart}/values-{cloud.name}-{env.name}.yaml"}, run=HELM)


def _cloud_run(project: Project, env: Environment, cloud: Cloud) -> list[Step]:
    services = "\n".join(naming.workload(project.name, env.name, s.name) for s in env.services)
    return [
        step("Set up gcloud", uses=uses("setup-gcloud")),
        step("Deploy a new Cloud Run revision", env={
            "SERVICES": services + "\n", "REGION": expr("matrix.region"),
            "PROJECT": cloud.account},
            run='set -euo pipefail\nwhile read -r service; do\n'
                '  gcloud run services update "$service" --image '
                '"$IMAGE_REPOSITORY:$IMAGE_TAG" --region "$REGION" --project "$PROJECT" '
                '--quiet\ndone <<< "$SERVICES"\n'),
    ]


def _ecs(project: Project, env: Environment) -> Step:
    pairs = "\n".join(f"{naming.workload(project.name, env.name, s.name)} {s.name}"
                      for s in env.services)
    return step("Update the ECS services", env={
        "CLUSTER": naming.ecs_cluster(project.name, env.name), "SERVICES": pairs + "\n"},
        run=ECS)


def _smoke(project: Project, env: Environment, needs: list[str]) -> Job | None:
    if project.dns is None:
        return None
    zone = project.dns.zone
    urls = [f"https://{env.fqdn(s, zone)}{s.health.readiness}" for s in env.services if s.public]
    if not urls or not needs:
        return None
    steps = [step("Readiness of public services", env={"URLS": "\n".join(urls) + "\n"},
                  run=SMOKE)]
    return job(f"Smoke test {env.name}", steps, needs=needs, permissions={}, timeout=15)

