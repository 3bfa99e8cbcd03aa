"""GKE (``clouds.gcp.runtime: gke``); the Helm chart deploys the services onto it.

gcp-gke (one per region): a regional private cluster (private nodes and a private IP endpoint;
CI reaches the control plane through the IAM-authorised DNS endpoint), Dataplane V2 enforcing
NetworkPolicy, Workload Identity, shielded nodes with secure boot, the REGULAR release channel
with node auto-upgrade and auto-repair, Binary Authorization, etcd secrets and boot disks
encrypted with the region's key, and system, workload and control-plane logs.

gcp-node-identity (one per environment): the nodes' own service account, which may only write
logs and metrics and pull from the registry.
"""

from __future__ import annotations

from compiler.emitters.terraform.common import ModuleFiles, checkov_skip, variable
from compiler.emitters.terraform.gcp.base import (
    PROJECT,
    add_output,
    block,
    for_each,
    labels_variable,
    module,
    name_variable,
    ref,
    region_variable,
    resource,
)
from compiler.hcl import Attr, Block

CLUSTER = "gcp-gke"
NODES = "gcp-node-identity"
NODE_ROLES = ("roles/autoscaling.metricsWriter", "roles/logging.logWriter",
              "roles/monitoring.metricWriter", "roles/monitoring.viewer",
              "roles/stackdriver.resourceMetadata.writer")
LOG_COMPONENTS = ("APISERVER", "CONTROLLER_MANAGER", "SCHEDULER", "SYSTEM_COMPONENTS", "WORKLOADS")
METRIC_COMPONENTS = ("APISERVER", "CONTROLLER_MANAGER", "SCHEDULER", "SYSTEM_COMPONENTS")
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
MACHINE_TYPE = "e2-standard-4"
GROUPS_SKIP = checkov_skip(
    "CKV_GCP_65", "Kubernetes RBAC is granted to Google identities through IAM (the CI deploy "
    "identity, Workload Identity); the spec names no Google Workspace domain whose "
    "gke-security-groups group could hold members")


def cluster() -> ModuleFiles:
    mod = module(CLUSTER)
    mod.variables += [
        name_variable("Cluster name.", limit=40), region_variable(),
        variable("network_id", "string", "VPC of the cluster."),
        variable("subnet_id", "string", "Subnet with the `pods` and `services` secondary ranges."),
        variable("subnet_cidr", "string", "Primary range of the subnet: the only source allowed "
                 "to reach the control plane's private address."),
        variable("master_cidr", "string", "/28 range of the control plane's private endpoint."),
        variable("kms_key_id", "string", "Cloud KMS key for etcd secrets and boot disks."),
        variable("node_service_account", "string", "Email of the nodes' service account."),
        variable("machine_type", "string", "Node machine type.", default=MACHINE_TYPE),
        variable("min_nodes", "number", "Fewest nodes across the region's zones."),
        variable("max_nodes", "number", "Most nodes across the region's zones."),
        labels_variable(),
    ]
    mod.main += [_cluster(), _node_pool(), resource("google_compute_address", "ingress", [
        # The ingress controller's Service takes this address: a stable origin for the DNS layer.
        PROJECT, Attr("name", ref('"${var.name}-ingress"')), Attr("region", ref("var.region")),
        Attr("address_type", "EXTERNAL"), Attr("labels", ref("var.labels")),
    ])]
    add_output(mod, "name", "google_container_cluster.this.name", "Cluster name.")
    add_output(mod, "dns_endpoint",
               "google_container_cluster.this.control_plane_endpoints_config[0]"
               ".dns_endpoint_config[0].endpoint",
               "IAM-authorised control-plane endpoint (kubectl from CI).")
    add_output(mod, "private_endpoint",
               "google_container_cluster.this.private_cluster_config[0].private_endpoint",
               "Private IP of the control plane, served with the cluster's own CA.")
    add_output(mod, "ingress_address", "google_compute_address.ingress.address",
               "Static address of the cluster's ingress controller: the region's origin.")
    add_output(mod, "ca_certificate", "base64decode(google_container_cluster.this.master_auth[0]"
               ".cluster_ca_certificate)", "PEM CA of the control plane's private IP endpoint.")
    add_output(mod, "issuer", '"https://container.googleapis.com/v1/${google_container_cluster.this.id}"',
               "OIDC issuer of the cluster's service account tokens (JWT auth, e.g. Vault).")
    add_output(mod, "workload_pool", "google_container_cluster.this.workload_identity_config[0]"
               ".workload_pool", "Workload Identity pool (project.svc.id.goog).")
    return mod


def _cluster() -> Block:
    return resource("google_container_cluster", "this", [
        PROJECT, Attr("name", ref("var.name")), Attr("location", ref("var.region")),
        Attr("network", ref("var.network_id")), Attr("subnetwork", ref("var.subnet_id")),
        # Node pools are managed on their own, so a pool change never replaces the cluster.
        Attr("remove_default_node_pool", True), Attr("initial_node_count", 1),
        Attr("deletion_protection", True),
        Attr("networking_mode", "VPC_NATIVE"),
        Attr("datapath_provider", "ADVANCED_DATAPATH"),
        Attr("enable_shielded_nodes", True), Attr("enable_intranode_visibility", True),
        Attr("enable_legacy_abac", False),
        Attr("logging_service", "logging.googleapis.com/kubernetes"),
        Attr("monitoring_service", "monitoring.googleapis.com/kubernetes"),
        Attr("resource_labels", ref("var.labels")),
        *_cluster_blocks(),
        _node_config(),
    ], skips=[GROUPS_SKIP])


def _cluster_blocks() -> list[Block]:
    return [
        block("ip_allocation_policy", Attr("cluster_secondary_range_name", "pods"),
              Attr("services_secondary_range_name", "services")),
        block("private_cluster_config", Attr("enable_private_nodes", True),
              Attr("enable_private_endpoint", True),
              Attr("master_ipv4_cidr_block", ref("var.master_cidr")),
              block("master_global_access_config", Attr("enabled", True))),
        block("control_plane_endpoints_config", block(
            "dns_endpoint_config", Attr("allow_external_traffic", True))),
        block("master_authorized_networks_config",
              Attr("gcp_public_cidrs_access_enabled", False),
              block("cidr_blocks", Attr("cidr_block", ref("var.subnet_cidr")),
                    Attr("display_name", "workload subnet"))),
        block("master_auth", block("client_certificate_config",
                                   Attr("issue_client_certificate", False))),
        # Dataplane V2 enforces NetworkPolicy itself; the legacy Calico add-on stays off.
        block("network_policy", Attr("enabled", False)),
        block("workload_identity_config",
              Attr("workload_pool", ref('"${var.project_id}.svc.id.goog"'))),
        block("release_channel", Attr("channel", "REGULAR")),
        block("binary_authorization", Attr("evaluation_mode", "PROJECT_SINGLETON_POLICY_ENFORCE")),
        block("database_encryption", Attr("state", "ENCRYPTED"),
              Attr("key_name", ref("var.kms_key_id"))),
        block("logging_config", Attr("enable_components", list(LOG_COMPONENTS))),
        block("monitoring_config", Attr("enable_components", list(METRIC_COMPONENTS)),
              block("managed_prometheus", Attr("enabled", True))),
        block("security_posture_config", Attr("mode", "BASIC"),
              Attr("vulnerability_mode", "VULNERABILITY_BASIC")),
        block("vertical_pod_autoscaling", Attr("enabled", True)),
        block("maintenance_policy", block(
            "recurring_window", Attr("start_time", "2025-01-04T03:00:00Z"),
            Attr("end_time", "2025-01-04T07:00:00Z"),
            Attr("recurrence", "FREQ=WEEKLY;BYDAY=SA,SU"))),
    ]


def _node_config() -> Block:
    """Node settings; on the cluster they describe the (removed) default pool, which must meet
    the same bar while it briefly exists."""
    return block(
        "node_config",
        Attr("machine_type", ref("var.machine_type")),
        Attr("image_type", "COS_CONTAINERD"),
        Attr("disk_type", "pd-balanced"),
        Attr("boot_disk_kms_key", ref("var.kms_key_id")),
        Attr("service_account", ref("var.node_service_account")),
        Attr("oauth_scopes", [CLOUD_PLATFORM]),
        Attr("metadata", {"disable-legacy-endpoints": "true"}),
        Attr("resource_labels", ref("var.labels")),
        block("shielded_instance_config", Attr("enable_secure_boot", True),
              Attr("enable_integrity_monitoring", True)),
        block("workload_metadata_config", Attr("mode", "GKE_METADATA")),
    )


def _node_pool() -> Block:
    return resource("google_container_node_pool", "this", [
        PROJECT, Attr("name", "workloads"),
        Attr("cluster", ref("google_container_cluster.this.id")),
        Attr("location", ref("var.region")),
        block("autoscaling", Attr("total_min_node_count", ref("var.min_nodes")),
              Attr("total_max_node_count", ref("var.max_nodes")),
              Attr("location_policy", "BALANCED")),
        block("management", Attr("auto_repair", True), Attr("auto_upgrade", True)),
        block("upgrade_settings", Attr("max_surge", 1), Attr("max_unavailable", 0)),
        _node_config(),
    ])


def node_identity() -> ModuleFiles:
    mod = module(NODES)
    mod.variables += [
        name_variable("Service account id (6-30 characters).", limit=30, name="account_id"),
        variable("registry", "object({ location = string, repository = string })",
                 "Artifact Registry repository the nodes pull images from."),
        variable("deployers", "map(string)", "IAM members allowed to create node pools running "
                 "as it (actAs), by label.", default={}),
    ]
    member = Attr("member", ref("google_service_account.this.member"))
    mod.main += [
        resource("google_service_account", "this", [
            PROJECT, Attr("account_id", ref("var.account_id")),
            Attr("display_name", ref("var.account_id")),
            Attr("description", "GKE nodes: write logs and metrics, pull images"),
        ]),
        resource("google_project_iam_member", "this", [
            PROJECT, for_each(f"toset({_list(NODE_ROLES)})"), Attr("role", ref("each.key")),
            member,
        ]),
        resource("google_artifact_registry_repository_iam_member", "pull", [
            PROJECT, Attr("location", ref("var.registry.location")),
            Attr("repository", ref("var.registry.repository")),
            Attr("role", "roles/artifactregistry.reader"), member,
        ]),
        resource("google_service_account_iam_member", "deployer", [
            for_each("var.deployers"),
            Attr("service_account_id", ref("google_service_account.this.name")),
            Attr("role", "roles/iam.serviceAccountUser"), Attr("member", ref("each.value")),
        ]),
    ]
    add_output(mod, "email", "google_service_account.this.email", "Service account email.")
    return mod


def _list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"
