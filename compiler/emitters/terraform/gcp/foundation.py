"""Root-stack calls for what everything else stands on: APIs and audit logs, KMS, the network,
the registry, the CI identities and Secret Manager."""

from __future__ import annotations

from compiler import naming
from compiler.emitters.terraform import common
from compiler.emitters.terraform.common import module_call
from compiler.emitters.terraform.gcp import ci, kms, network, project, registry
from compiler.emitters.terraform.gcp.base import ref
from compiler.emitters.terraform.gcp.context import Site, key
from compiler.hcl import Block, Expr, Value

PROJECT_ID = ref("var.project_id")
LABELS = ref("var.labels")
NUMBER = "data.google_project.this.number"
PRIVATE_SERVICE_RANGE: dict[str, Value] = {"address": "10.200.0.0", "prefix_length": 16}
PLAN_ROLES = (
    "roles/artifactregistry.reader", "roles/browser", "roles/certificatemanager.viewer",
    "roles/cloudkms.viewer", "roles/cloudsql.viewer", "roles/compute.viewer",
    "roles/container.viewer", "roles/iam.roleViewer", "roles/iam.securityReviewer",
    "roles/iam.serviceAccountViewer", "roles/iam.workloadIdentityPoolViewer",
    "roles/pubsub.viewer", "roles/redis.viewer", "roles/run.viewer",
    "roles/secretmanager.viewer",
    "roles/serviceusage.serviceUsageViewer", "roles/storage.bucketViewer",
    "roles/storagetransfer.viewer",
)
DEPLOY_ROLES = (
    "roles/artifactregistry.admin", "roles/certificatemanager.owner", "roles/cloudkms.admin",
    "roles/cloudsql.admin", "roles/compute.loadBalancerAdmin", "roles/compute.networkAdmin",
    "roles/compute.securityAdmin", "roles/container.admin", "roles/iam.roleAdmin",
    "roles/iam.workloadIdentityPoolAdmin", "roles/pubsub.admin", "roles/redis.admin",
    "roles/resourcemanager.projectIamAdmin", "roles/run.admin", "roles/secretmanager.admin",
    "roles/servicenetworking.networksAdmin", "roles/serviceusage.serviceUsageAdmin",
    "roles/storage.admin", "roles/storagetransfer.admin",
)


def mod(name: str, region: str = "") -> str:
    """Module call name of a component (``kms_us_central1``)."""
    return f"{name}_{key(region)}" if region else name


def agent(domain: str) -> Expr:
    """IAM member of a Google service agent (``service-<number>@<domain>``)."""
    return ref(f'"serviceAccount:service-${{{NUMBER}}}@{domain}"')


def apis(site: Site) -> list[str]:
    wanted = {"cloudkms", "cloudresourcemanager", "compute", "iam", "iamcredentials",
              "secretmanager", "servicenetworking", "serviceusage", "sts"}
    data = site.project.data
    wanted |= {"storage", "storagetransfer"} if data.buckets else set()
    wanted |= {"pubsub"} if data.queues else set()
    wanted |= {"redis"} if data.cache else set()
    wanted |= {"sqladmin"} if site.postgres else set()
    wanted |= {"artifactregistry"}
    if site.gke:
        wanted |= {"binaryauthorization", "container", "containersecurity"}
    else:
        wanted |= {"certificatemanager", "run"}
    return sorted(f"{name}.googleapis.com" for name in wanted)


def project_call(site: Site) -> Block:
    return module_call("project", project.NAME, {
        "project_id": PROJECT_ID, "services": apis(site), "audit_logs": site.home})


def kms_keys(site: Site, region: str) -> dict[str, Value]:
    data = site.project.data
    keys: dict[str, Value] = {}
    if data.buckets:
        keys["storage"] = {"gcs": ref("data.google_storage_project_service_account.this.member")}
    if data.queues and region == site.primary:
        keys["messaging"] = {"pubsub": agent("gcp-sa-pubsub.iam.gserviceaccount.com")}
    if data.cache:
        keys["cache"] = {"redis": agent("cloud-redis.iam.gserviceaccount.com")}
    if site.home and region == site.registry_region:
        keys["registry"] = {"artifactregistry": agent("gcp-sa-artifactregistry.iam.gserviceaccount.com")}
    if site.gke:
        keys["kubernetes"] = {"gke": agent("container-engine-robot.iam.gserviceaccount.com"),
                              "disks": agent("compute-system.iam.gserviceaccount.com")}
    return keys


def kms_call(site: Site, region: str) -> Block:
    return module_call(mod("kms", region), kms.NAME, {
        "project_id": PROJECT_ID,
        "name": naming.gcp_key_ring(site.project.name, site.env.name, region),
        "region": region, "keys": kms_keys(site, region), "labels": LABELS,
    })


def key_id(region: str, purpose: str) -> Expr:
    return ref(f'module.{mod("kms", region)}.key_ids["{purpose}"]')


def subnet_plan(site: Site) -> dict[str, dict[str, str]]:
    """Address plan by region position: 10.<i>.0.0/20 for workloads, 10.<64+4i>.0.0/14 for
    pods, 10.<128+i>.0.0/20 for Kubernetes services; 10.200.0.0/16 is Private Service Access."""
    return {region: {"cidr": f"10.{i}.0.0/20", "pods_cidr": f"10.{64 + 4 * i}.0.0/14",
                     "services_cidr": f"10.{128 + i}.0.0/20"}
            for i, region in enumerate(site.regions)}


def master_cidr(site: Site, region: str) -> str:
    return f"172.16.{site.regions.index(region)}.0/28"


def network_call(site: Site) -> Block:
    data = site.project.data
    return module_call("network", network.NAME, {
        "project_id": PROJECT_ID,
        "name": naming.gcp_network(site.project.name, site.env.name),
        "subnets": dict(subnet_plan(site)),
        "private_service_access": bool(data.cache) or site.postgres,
        "private_service_range": dict(PRIVATE_SERVICE_RANGE),
        "labels": LABELS,
    })


def registry_call(site: Site) -> Block:
    return module_call("registry", registry.NAME, {
        "project_id": PROJECT_ID, "region": site.registry_region,
        "repository_id": naming.artifact_registry_repo(site.project.name),
        "kms_key_id": key_id(site.registry_region, "registry"),
        "writers": {"push": ref("module.ci_push.member")},
        "labels": LABELS,
    })


def registry_ref(site: Site) -> dict[str, Value]:
    """Where the nodes pull from (by name; the home stack also waits for the module)."""
    return {"location": site.registry_region,
            "repository": naming.artifact_registry_repo(site.project.name)}


def registry_url(site: Site) -> Value:
    if site.home:
        return ref("module.registry.url")
    return (f"{site.registry_region}-docker.pkg.dev/{site.project_id}/"
            f"{naming.artifact_registry_repo(site.project.name)}")


def subjects(site: Site) -> dict[str, list[str]]:
    """GitHub ``sub`` claims each CI identity accepts (``common.github_subject``)."""
    envs = [env.name for env in site.project.environments if env.cloud("gcp") is not None]
    return {purpose: [common.github_subject(site.project, purpose)]
            for purpose in ("push", "plan", *envs)}


def deploy_role_id(site: Site) -> str:
    return naming.fit(site.project.name.replace("-", "_") + "_ci_service_accounts", 64)


def oidc_condition(site: Site) -> str:
    claims = sorted({claim for values in subjects(site).values() for claim in values})
    return ci.attribute_condition(site.project.repository, claims)


def github_calls(site: Site) -> list[Block]:
    return [module_call("github_oidc", ci.OIDC, {
        "project_id": PROJECT_ID,
        "pool_id": naming.github_wif_pool(site.project.name),
        "provider_id": naming.GITHUB_WIF_PROVIDER,
        "deploy_role_id": deploy_role_id(site),
    }), _ci_call(site, "push", {}), _ci_call(site, "plan", {"project_roles": list(PLAN_ROLES)})]


def deploy_call(site: Site) -> Block:
    role: Value = (ref("module.github_oidc.deploy_role") if site.home else
                   f"projects/{site.project_id}/roles/{deploy_role_id(site)}")
    return _ci_call(site, site.env.name, {"project_roles": [role],
                                          "admin_roles": list(DEPLOY_ROLES)})


def _ci_call(site: Site, purpose: str, roles: dict[str, Value]) -> Block:
    name = "ci_deploy" if purpose == site.env.name else f"ci_{purpose}"
    state = dict(site.cloud.state)["bucket"]
    pool = naming.github_wif_pool(site.project.name)
    prefix = ref("module.github_oidc.principal_prefix") if site.home else ref(
        f'"principal://iam.googleapis.com/projects/${{{NUMBER}}}/locations/global/'
        f'workloadIdentityPools/{pool}/subject/"')
    arguments: dict[str, Value] = {
        "project_id": PROJECT_ID,
        "account_id": naming.gcp_ci_service_account(site.project.name, purpose),
        "description": f"GitHub Actions: {purpose}",
        "principal_prefix": prefix,
        "subjects": subjects(site)[purpose],
        **roles,
    }
    if purpose != "push":  # plan and apply read and lock the Terraform state
        arguments["bucket_roles"] = {"state": {"bucket": state, "role": "roles/storage.objectUser"}}
    return module_call(name, ci.IDENTITY, arguments)
