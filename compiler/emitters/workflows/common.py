"""What every workflow shares: pinned actions, step and job builders, quoting, cloud logins.

Workflows are data handed to the YAML serialiser. Spec-derived strings never become GitHub
expressions: they are validated names, or shell words quoted by ``shell_words``.
"""

from __future__ import annotations

import shlex
from typing import Any, Literal

from compiler import naming
from compiler.artifact import Artifact
from compiler.emitters.base import GENERATED_HEADER
from compiler.model import CLOUD_ORDER, Cloud, Project
from compiler.render import to_yaml

Step = dict[str, Any]
Job = dict[str, Any]
Identity = Literal["push", "plan", "deploy"]

# Third-party actions pinned to full commit SHAs (tags can be moved; see the trivy-action
# compromise of March 2026). Each SHA was matched against several public workflows that pin
# the same release; bump them together with the version noted here.
ACTIONS: dict[str, tuple[str, str]] = {
    "checkout": ("actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd", "v6.0.2"),
    "setup-python": ("actions/setup-python@e797f83bcb11b83ae66e0230d6156d7c80228e7c", "v6.0.0"),
    "upload-artifact": (
        "actions/upload-artifact@043fb46d1a93c77aae656e7c1c64a875d1fc6a0a", "v7.0.1"),
    "setup-buildx": (
        "docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e", "v4.3.0"),
    "build-push": ("docker/build-push-action@bcafcacb16a39f128d818304e6c9c0c18556b85f", "v7.1.0"),
    "docker-login": ("docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121", "v4.1.0"),
    "aws-credentials": (
        "aws-actions/configure-aws-credentials@d979d5b3a71173a29b74b5b88418bfda9437d885",
        "v6.1.1"),
    "ecr-login": ("aws-actions/amazon-ecr-login@062b18b96a7aff071d4dc91bc00c4c1a7945b076", "v2.0.1"),
    "gcp-auth": ("google-github-actions/auth@7c6bc770dae815cd3e89ee6cdf493a5fab2cc093", "v3.0.0"),
    "setup-gcloud": (
        "google-github-actions/setup-gcloud@aa5489c8933f4cc7a4f7d45035b3b1440c9c10db", "v3.0.1"),
    "azure-login": ("azure/login@a457da9ea143d694b1b9c7c869ebb04ebe844ef5", "v2.3.0"),
    "aks-context": ("azure/aks-set-context@60623acbdcbbdcf799ad50a1adf8703874339f8b", "v5.0.0"),
    "setup-helm": ("azure/setup-helm@1a275c3b69536ee54be43f2070a358922e12c8d4", "v4.3.1"),
    "setup-terraform": (
        "hashicorp/setup-terraform@5e8dbf3c6d9deaf4193ca7a8fb23f2ac83bb6c85", "v4.0.0"),
    "trivy": ("aquasecurity/trivy-action@57a97c7e7821a5776cebc9bb87c984fa69cba8f1", "v0.35.0"),
    "upload-sarif": (
        "github/codeql-action/upload-sarif@0d579ffd059c29b07949a3cce3983f0780820c98", "v4.32.6"),
    "cosign-installer": (
        "sigstore/cosign-installer@d58896d6a1865668819e1d91763c7751a165e159", "v3.9.2"),
}

RUNNER = "ubuntu-24.04"  # a fixed image, not ubuntu-latest: tool versions change under a label
TERRAFORM_VERSION = "1.11.4"
HELM_VERSION = "v3.17.0"
TRIVY_VERSION = "v0.69.3"  # the release before the compromised v0.69.4

# Values that exist only once Terraform has run, or are not in the spec: GitHub variables.
GCP_PROJECT_NUMBER = "vars.GCP_PROJECT_NUMBER"
AZURE_CLIENT_IDS: dict[Identity, str] = {
    "push": "vars.AZURE_PUSH_CLIENT_ID",
    "plan": "vars.AZURE_PLAN_CLIENT_ID",
    "deploy": "vars.AZURE_DEPLOY_CLIENT_ID",  # environment-scoped: one app per environment
}


def expr(text: str) -> str:
    """A GitHub expression; only ever built from constants, never from spec strings."""
    return "${{ " + text + " }}"


def uses(action: str) -> str:
    return ACTIONS[action][0]


def shell_words(argv: tuple[str, ...] | list[str]) -> str:
    """argv as one shell command line that GitHub does not read as an expression.

    shlex single-quotes every word holding ``$``; closing and reopening the quote between
    ``$`` and ``{{`` keeps the shell's value and hides ``${{`` from the workflow parser.
    """
    return shlex.join(argv).replace("${{", "$''{{")


def step(name: str, **fields: Any) -> Step:
    """A step; keyword ``with_``/``if_``/``id_`` become ``with``/``if``/``id``."""
    out: Step = {"name": name}
    for key in ("id_", "if_", "uses", "with_", "env", "run", "shell"):
        if fields.get(key) is not None:
            out[key.rstrip("_")] = fields[key]
    return out


def guarded(original: Step, condition: str) -> Step:
    """``original`` with an ``if``, placed right after its name and id for the reader."""
    out: Step = {key: original[key] for key in ("name", "id") if key in original}
    out["if"] = condition
    out.update({key: value for key, value in original.items() if key not in out})
    return out


def checkout(ref: str | None = None) -> Step:
    options: dict[str, Any] = {"persist-credentials": False}  # no token left in .git/config
    if ref is not None:
        options["ref"] = ref
    return step("Check out", uses=uses("checkout"), with_=options)


def job(name: str, steps: list[Step], *, permissions: dict[str, str], timeout: int,
        **extra: Any) -> Job:
    """A job with explicit permissions and a timeout; ``extra`` keys keep their given order."""
    out: Job = {"name": name}
    for key in ("needs", "if_", "environment", "concurrency", "strategy"):
        if extra.get(key) is not None:
            out[key.rstrip("_")] = extra[key]
    out.update({"runs-on": RUNNER, "permissions": permissions, "timeout-minutes": timeout})
    if extra.get("env"):
        out["env"] = extra["env"]
    out["steps"] = steps
    return out


def workflow(project: Project, name: str, summary: str, on: dict[str, Any],
             jobs: dict[str, Job], concurrency: dict[str, Any]) -> Artifact:
    used = sorted({s["uses"] for j in jobs.values() for s in j["steps"] if "uses" in s})
    pins = [f"  {ref.split('@')[0]} {version}" for key, (ref, version) in sorted(ACTIONS.items())
            if ref in used]
    header = "\n".join([GENERATED_HEADER.format(spec=project.spec_file), "", summary, "",
                        "Actions pinned by commit SHA (release in use):", *sorted(pins)])
    document = {"name": f"mcc {name}", "on": on, "permissions": {},
                "concurrency": concurrency, "jobs": jobs}
    path = f"{project.ci.workflows_dir}/mcc-{name}.yml"
    return Artifact(path, to_yaml(document, header=header), root="repo")


def on_default_branch(project: Project, pull_requests: bool = True,
                      paths: list[str] | None = None) -> dict[str, Any]:
    trigger: dict[str, Any] = {"branches": [project.default_branch]}
    if paths:
        trigger["paths"] = paths
    on: dict[str, Any] = {"push": dict(trigger)}
    if pull_requests:
        on["pull_request"] = dict(trigger)
    return on


def lane(cancel_pull_requests: bool = True) -> dict[str, Any]:
    """One run per workflow and ref; superseded pull-request runs are cancelled."""
    cancel: Any = expr("github.event_name == 'pull_request'") if cancel_pull_requests else False
    return {"group": expr("github.workflow") + "-" + expr("github.ref"),
            "cancel-in-progress": cancel}


def clouds(project: Project) -> list[Cloud]:
    """Every enabled cloud once, as the last environment using it sees it (its primary region
    there hosts the shared registry)."""
    found: dict[str, Cloud] = {}
    for env in project.environments:
        for cloud in env.clouds:
            found[cloud.name] = cloud
    return [found[name] for name in CLOUD_ORDER if name in found]


def login(project: Project, cloud: Cloud, identity: Identity, environment: str = "",
          region: str = "") -> list[Step]:
    """Steps that exchange the job's GitHub OIDC token for short-lived cloud credentials."""
    if cloud.name == "aws":
        role = {"push": naming.github_push_role(project.name),
                "plan": naming.github_plan_role(project.name),
                "deploy": naming.github_deploy_role(project.name, environment)}[identity]
        return [step("Sign in to AWS (OIDC)", uses=uses("aws-credentials"), with_={
            "role-to-assume": f"arn:aws:iam::{cloud.account}:role/{role}",
            "aws-region": region or cloud.regions[0],
            "role-session-name": f"mcc-{identity}",
        })]
    if cloud.name == "gcp":
        return [_gcp_login(project, cloud, identity, environment)]
    return [step("Sign in to Azure (OIDC)", uses=uses("azure-login"), with_={
        "client-id": expr(AZURE_CLIENT_IDS[identity]),
        "tenant-id": cloud.tenant,
        "subscription-id": cloud.account,
    })]


def _gcp_login(project: Project, cloud: Cloud, identity: Identity, environment: str) -> Step:
    purpose = environment if identity == "deploy" else identity
    account = naming.gcp_ci_service_account(project.name, purpose)
    provider = (f"projects/{expr(GCP_PROJECT_NUMBER)}/locations/global/workloadIdentityPools/"
                f"{naming.github_wif_pool(project.name)}/providers/{naming.GITHUB_WIF_PROVIDER}")
    options: dict[str, Any] = {
        "workload_identity_provider": provider,
        "service_account": f"{account}@{cloud.account}.iam.gserviceaccount.com",
        "project_id": cloud.account,
    }
    if identity == "push":
        options["token_format"] = "access_token"  # docker login to Artifact Registry needs it
    return step("Sign in to Google Cloud (OIDC)", id_="gcp-auth", uses=uses("gcp-auth"),
                with_=options)


def registry(project: Project, cloud: Cloud) -> str:
    """Image reference (without tag) in ``cloud``'s shared registry."""
    image = naming.image_name(project.name)
    region = cloud.regions[0]
    if cloud.name == "aws":
        host = f"{cloud.account}.dkr.ecr.{region}.amazonaws.com"
        return f"{host}/{naming.ecr_repository(project.name)}"
    if cloud.name == "gcp":
        repo = naming.artifact_registry_repo(project.name)
        return f"{region}-docker.pkg.dev/{cloud.account}/{repo}/{image}"
    return f"{naming.acr_name(project.name)}.azurecr.io/{image}"


def registry_clouds(project: Project) -> list[Cloud]:
    """Clouds whose registry receives the image: ``ci.registries``, or every enabled cloud."""
    wanted = project.ci.registries
    return [cloud for cloud in clouds(project) if wanted is None or cloud.name in wanted]


def output(project: Project, *parts: str) -> str:
    return "/".join([project.ci.output_dir.rstrip("/"), *parts])
