"""Physical names of cloud resources, derived the same way by every emitter.

Names that could exceed a cloud's limit keep a readable prefix and end in a short hash of the
full name, so they stay unique and never change between builds.
"""

from __future__ import annotations

import hashlib
import re


def fit(name: str, limit: int) -> str:
    """``name`` if it fits, else a truncated prefix plus a stable 6-hex-digit hash."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[: limit - 7].rstrip('-')}-{digest}"


def prefix(project: str, environment: str) -> str:
    return f"{project}-{environment}"


def bucket(project: str, environment: str, name: str, cloud: str, region: str) -> str:
    """Globally unique bucket name (S3 and GCS: 3-63 chars, lowercase, digits and '-')."""
    return fit(f"{project}-{environment}-{name}-{_short_region(cloud, region)}", 63)


def storage_account(project: str, environment: str, region: str) -> str:
    """Azure storage accounts: 3-24 lowercase letters and digits, globally unique."""
    flat = re.sub(r"[^a-z0-9]", "", f"{project}{environment}{region}")
    if len(flat) <= 24:
        return flat
    return flat[:18] + hashlib.sha256(flat.encode()).hexdigest()[:6]


def servicebus_namespace(project: str, environment: str, region: str) -> str:
    """Azure Service Bus namespaces: 6-50 chars, globally unique."""
    return fit(f"{project}-{environment}-{region}", 50)


def _short_region(cloud: str, region: str) -> str:
    if cloud == "azure":
        return region
    return region.replace("-", "")


# --- CI/CD identities and registries (GitHub Actions workflows and the cloud stacks agree) ---
# One registry per cloud, shared by every environment: the digest that passed staging is the
# digest production runs. The first environment (in promotion order) that enables a cloud
# creates it; later environments only pull from it.

def ecr_repository(project: str) -> str:
    """ECR repository (2-256 chars, lowercase); one per project, in the cloud's primary region."""
    return fit(project, 256)


def artifact_registry_repo(project: str) -> str:
    """Artifact Registry Docker repository id (lowercase, digits, '-'; up to 63 chars)."""
    return fit(project, 63)


def acr_name(project: str) -> str:
    """Azure Container Registry: 5-50 letters and digits, globally unique (``<name>.azurecr.io``)."""
    flat = re.sub(r"[^a-z0-9]", "", project) + "registry"
    if len(flat) <= 50:
        return flat
    return flat[:44] + hashlib.sha256(flat.encode()).hexdigest()[:6]


def image_name(project: str) -> str:
    """Name of the one application image inside each registry."""
    return project


def github_push_role(project: str) -> str:
    """AWS IAM role (64 chars max) the image workflow assumes to push; trusted for the default branch."""
    return fit(f"{project}-github-push", 64)


def github_plan_role(project: str) -> str:
    """AWS IAM role for `terraform plan` on pull requests: read-only, plus the state backend."""
    return fit(f"{project}-github-plan", 64)


def github_deploy_role(project: str, environment: str) -> str:
    """AWS IAM role for apply and deploy; trusted only for the GitHub environment of that name."""
    return fit(f"{project}-{environment}-github-deploy", 64)


def github_wif_pool(project: str) -> str:
    """GCP Workload Identity pool id for GitHub OIDC (4-32 chars)."""
    return fit(f"{project}-github", 32)


GITHUB_WIF_PROVIDER = "github"  # provider id inside the pool


def gcp_ci_service_account(project: str, purpose: str) -> str:
    """GCP service account id (6-30 chars) that GitHub impersonates: ``push``, ``plan`` or an
    environment name (apply and deploy)."""
    return fit(f"{project}-{purpose}", 30)


def kubernetes_cluster(project: str, environment: str, region: str) -> str:
    """EKS, GKE or AKS cluster in one region (GKE allows 40 chars, the tightest limit)."""
    return fit(f"{project}-{environment}-{region}", 40)


def azure_resource_group(project: str, environment: str, region: str) -> str:
    """Resource group holding one environment's resources in one Azure region."""
    return fit(f"{project}-{environment}-{region}", 90)


def ecs_cluster(project: str, environment: str) -> str:
    """ECS cluster of one environment (one per region, same name in each)."""
    return fit(f"{project}-{environment}", 255)


def workload(project: str, environment: str, service: str) -> str:
    """Cloud Run service, ECS service and task-definition family of one spec service (49 chars:
    Cloud Run's limit)."""
    return fit(f"{project}-{environment}-{service}", 49)


# --- Kubernetes workloads (the Helm chart, the cluster stacks and the Vault stack agree) ---
# Every Kubernetes object of a service is named after the service and lives in the project's
# namespace, independent of the Helm release name, so that trust policies written by Terraform
# (`system:serviceaccount:<namespace>:<service>`) keep matching whatever the release is called.

def kubernetes_service_account(service: str) -> str:
    """Kubernetes ServiceAccount of one spec service (in the project's namespace)."""
    return service


def service_identity(project: str, environment: str, service: str) -> str:
    """Cloud identity of one service in one environment: the AWS IAM role (64 chars max), the
    Azure user-assigned managed identity, and the Vault Kubernetes-auth role."""
    return fit(f"{project}-{environment}-{service}", 64)


def gcp_service_account(project: str, environment: str, service: str) -> str:
    """GCP service account id (6-30 chars) a service's Kubernetes ServiceAccount impersonates."""
    return fit(f"{project}-{environment}-{service}", 30)


def vault_kv_mount(mount_prefix: str, environment: str) -> str:
    """KV v2 mount holding one environment's secrets (`secrets.vault.mount_prefix`)."""
    return f"{mount_prefix}-{environment}"


def vault_secret_path(project: str, name: str) -> str:
    """Path, inside the environment's KV mount, of a named secret; its value is key `value`."""
    return f"{project}/{name}"


def vault_provisioned_path(project: str, cloud: str, region: str, service: str, name: str) -> str:
    """Path, inside the environment's KV mount, where Terraform writes a provisioned value
    (per cluster, since each region has its own cache and database users); key `value`."""
    return f"{project}/provisioned/{cloud}-{region}/{service}/{name}"


def vault_kubernetes_auth_mount(project: str, environment: str, region: str) -> str:
    """Vault Kubernetes auth mount of one cluster (each cluster has its own token issuer)."""
    return f"kubernetes-{kubernetes_cluster(project, environment, region)}"
