"""Physical names of cloud resources, derived the same way by every emitter.

Names that could exceed a cloud's limit keep a readable prefix and end in a short hash of the
full name, so they stay unique and never change between builds.
"""

from __future__ import annotations

import hashlib
import re

from compiler.regions import ATLAS_REGIONS


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


# --- AWS physical names (the AWS stack, the env-var contract and the workflows agree) ---

def queue(project: str, environment: str, name: str) -> str:
    """SQS queue (and Pub/Sub topic) of a spec queue; its dead-letter queue adds ``-dlq``
    (54 + 4 characters at most, under SQS's 80)."""
    return f"{prefix(project, environment)}-{name}"


def aws_secret(project: str, environment: str, name: str) -> str:
    """Secrets Manager secret holding an application secret (ECS injects it by name); the same
    name in every region of the environment."""
    return f"{project}/{environment}/{name}"


def aws_provisioned_secret(project: str, environment: str, service: str, name: str) -> str:
    """Secrets Manager secret where the AWS stack writes a provisioned value (``CACHE_URL``,
    ``DATABASE_URL``) of one service in each region; the global stack copies it to Vault
    (``vault_provisioned_path``)."""
    return f"{project}/{environment}/provisioned/{service}/{name}"


def database_user(service: str) -> str:
    """PostgreSQL role a service connects as (IAM authentication; identifiers take no '-')."""
    return service.replace("-", "_")


def aws_log_bucket(project: str, environment: str, region: str) -> str:
    """A region's access-log bucket (S3 server access logs, load balancer logs)."""
    return fit(f"{project}-{environment}-{_short_region('aws', region)}-logs", 63)


def aws_audit_bucket(project: str, region: str) -> str:
    """The account's central CloudTrail bucket, in the registry's region."""
    return fit(f"{project}-{_short_region('aws', region)}-cloudtrail", 63)


# --- Azure (the Azure stack, the Helm chart and the workflows agree) ---
# Like the registry, the resources every environment shares (the registry and the CI identities
# for push and plan) live in one resource group created by the first environment enabling Azure.

def azure_shared_resource_group(project: str) -> str:
    """Resource group of the shared registry and the push/plan CI identities."""
    return fit(f"{project}-shared", 90)


def azure_github_identity(project: str, purpose: str) -> str:
    """User-assigned managed identity GitHub Actions signs in as (``push``, ``plan`` or an
    environment name for apply and deploy); its client id is a GitHub variable."""
    return fit(f"{project}-github-{purpose}", 128)


def azure_key_vault(project: str, environment: str, region: str) -> str:
    """Key Vault (3-24 letters, digits and single hyphens, globally unique; a deleted vault's
    name stays reserved while it is soft-deleted)."""
    name = fit(re.sub(r"-{2,}", "-", f"{project}-{environment}-{region}"), 24)
    return re.sub(r"-{2,}", "-", name)


def azure_redis_cache(project: str, environment: str, region: str) -> str:
    """Azure Cache for Redis (1-63 letters, digits and hyphens, globally unique)."""
    return fit(f"{project}-{environment}-{region}", 63)


def azure_postgres_server(project: str, environment: str, region: str) -> str:
    """PostgreSQL Flexible Server (3-63 lowercase letters, digits and hyphens, globally unique)."""
    return fit(f"{project}-{environment}-{region}", 63)


def azure_cosmos_account(project: str, environment: str) -> str:
    """Cosmos DB account (3-44 lowercase letters, digits and hyphens, globally unique)."""
    return fit(f"{project}-{environment}", 44)


def azure_ingress_public_ip(project: str, environment: str, region: str) -> str:
    """Static public IP of a cluster's ingress load balancer, in the region's resource group
    (``service.beta.kubernetes.io/azure-pip-name``); the global load balancer's origin."""
    return fit(f"{project}-{environment}-{region}-ingress", 80)


# --- GCP physical names (the GCP stack, the workflows and the global stack agree) ---

def gcp_network(project: str, environment: str) -> str:
    """The environment's VPC (one network spans every region; 63 chars)."""
    return fit(prefix(project, environment), 63)


def gcp_key_ring(project: str, environment: str, region: str) -> str:
    """Cloud KMS key ring of one region (key rings can never be deleted: the name is final)."""
    return fit(f"{project}-{environment}-{region}", 63)


def gcp_log_bucket(project: str, environment: str, region: str) -> str:
    """A region's access-log bucket (GCS usage logs of the region's buckets)."""
    return fit(f"{project}-{environment}-{_short_region('gcp', region)}-logs", 63)


def gcp_cache(project: str, environment: str, region: str) -> str:
    """Memorystore Redis instance of one region (40 chars)."""
    return fit(f"{project}-{environment}-{region}", 40)


def gcp_sql_instance(project: str, environment: str) -> str:
    """Cloud SQL instance of an environment, in its primary region (a deleted name stays
    reserved for a week, so it is derived, never random)."""
    return fit(f"{project}-{environment}", 84)


def gcp_node_service_account(project: str, environment: str) -> str:
    """GCP service account id (6-30 chars) of the environment's GKE nodes."""
    return fit(f"{project}-{environment}-nodes", 30)


def gcp_secret(project: str, environment: str, name: str) -> str:
    """Secret Manager secret holding an application secret for Cloud Run (by name; its value
    is copied from Vault), one per environment, replicated to the environment's regions."""
    return fit(f"{project}-{environment}-{name}", 255)


def gcp_provisioned_secret(project: str, environment: str, region: str, service: str,
                           name: str) -> str:
    """Secret Manager secret where the GCP stack writes a provisioned value (``CACHE_URL``,
    ``DATABASE_URL``) of one service in one region; the global stack copies it to Vault."""
    return fit(f"{project}-{environment}-{region}-{service}-{name}", 255)


def gcp_transfer_source_role(project: str, environment: str) -> str:
    """AWS IAM role (64 chars) that Google's Storage Transfer Service assumes, by web identity,
    to pull an environment's replicated S3 buckets into GCS."""
    return fit(f"{project}-{environment}-gcs-transfer", 64)


def gcp_transfer_azure_secret(project: str, environment: str) -> str:
    """Secret Manager secret holding the SAS token Storage Transfer uses to read the Azure copy
    of an environment's replicated buckets (``{"sas_token": "..."}``)."""
    return fit(f"{project}-{environment}-transfer-azure-sas", 255)


# --- The global stack: Cloudflare, MongoDB Atlas and Vault (the workflows and charts agree) ---

def vault_github_auth_mount(project: str, environment: str) -> str:
    """Vault JWT auth mount that GitHub Actions jobs of one environment sign in to (OIDC); one
    per environment so that each environment's stack owns its mount on a shared Vault."""
    return f"github-{project}-{environment}"


def vault_github_role(project: str, environment: str) -> str:
    """Role and policy, in Vault, of the environment's deploy jobs: the name their identity
    has in the clouds (``github_deploy_role``)."""
    return github_deploy_role(project, environment)


def vault_audit_path(project: str) -> str:
    """Path of the Vault audit device the project's first environment enables."""
    return f"{project}-audit"


def atlas_project(project: str, environment: str) -> str:
    """MongoDB Atlas project (one per environment; 64 characters)."""
    return fit(f"{project}-{environment}", 64)


def atlas_cluster(project: str, environment: str) -> str:
    """Atlas cluster of an environment, the only one in its Atlas project (64 characters;
    Atlas derives host names from the first 23 itself)."""
    return fit(f"{project}-{environment}", 64)


def atlas_database_user(project: str, environment: str, service: str) -> str:
    """Atlas database user of one service (SCRAM; the password lives in Vault only)."""
    return fit(f"{project}-{environment}-{service}", 64)


def atlas_region(cloud: str, region: str) -> str:
    """Atlas' name for a cloud region (``us-central1`` -> ``CENTRAL_US``); validation
    (``checks.atlas_regions_supported``) refuses regions Atlas does not offer."""
    return ATLAS_REGIONS[cloud][region]


def atlas_export_bucket(project: str, environment: str, cloud: str, region: str) -> str:
    """Bucket in a second cloud that receives exported Atlas snapshots (cross-cloud backup)."""
    return bucket(project, environment, "atlas-backup", cloud, region)


def cloudflare_pool(project: str, environment: str, service: str, cloud: str, region: str) -> str:
    """Cloudflare load-balancer pool of one public service in one cloud region (account-wide:
    letters, digits, '-' and '_')."""
    return f"{project}-{environment}-{service}-{cloud}-{region}"


def cloudflare_monitor(project: str, environment: str, service: str) -> str:
    """Description of the health monitor of one public service (monitors have no name)."""
    return f"{project}-{environment}-{service} readiness"
