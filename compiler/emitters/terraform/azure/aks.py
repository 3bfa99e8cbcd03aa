"""azure-aks: a private AKS cluster with Entra ID RBAC, workload identity, Azure Policy,
Defender, Container Insights, autoscaling zonal node pools with host encryption and
customer-managed disk keys, automatic patch upgrades; plus what the cluster needs around it:
its registry endpoint and pull right, and the static public IP of its ingress.
"""

from __future__ import annotations

from compiler.emitters.terraform.azure.base import (
    TAGS,
    block,
    common_variables,
    diagnostics,
    private_endpoint,
    ref,
    resource,
    role_assignment,
    skip,
    user_identity,
)
from compiler.emitters.terraform.common import ModuleFiles, output, variable
from compiler.hcl import Attr, Block

MODULE = "azure-aks"
POOL_TYPE = "object({ vm_size = string, min_count = number, max_count = number })"
# Overlay pod addresses and service addresses never leave the cluster; they only must not
# overlap the VNet (10.64.0.0/10 by default), so both sit outside it.
POD_CIDR = "192.168.0.0/16"
SERVICE_CIDR = "172.16.0.0/16"
DNS_SERVICE_IP = "172.16.0.10"
MAX_PODS = 110
OS_DISK_GB = 100  # fits the cache of the D*ds_v5 sizes, so the OS disk can be ephemeral
# Admin-level writes and authentication, not every read: kube-audit would multiply the cost.
LOG_CATEGORIES = ("kube-audit-admin", "guard", "kube-apiserver", "kube-controller-manager",
                  "kube-scheduler", "cluster-autoscaler", "cloud-controller-manager")
MAINTENANCE = (Attr("frequency", "Weekly"), Attr("interval", 1), Attr("duration", 4),
               Attr("day_of_week", "Sunday"), Attr("start_time", "02:00"),
               Attr("utc_offset", "+00:00"))


def module() -> ModuleFiles:
    files = ModuleFiles(MODULE, ("azurerm",))
    files.main += [
        user_identity("cluster", '"${var.name}-control-plane"'),
        role_assignment("cluster_subnet", "var.cluster_subnet_id", "Network Contributor",
                        "azurerm_user_assigned_identity.cluster.principal_id"),
        *_disk_encryption(),
        _cluster(),
        _workload_pool(),
        role_assignment("kubelet_pull", "var.registry_id", "AcrPull",
                        "azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id"),
        *private_endpoint("registry", "var.registry_id", "registry", subnet="var.endpoint_subnet_id",
                         zone="var.registry_dns_zone_id", owner="var.name"),
        *_ingress_ip(),
        *_egress_ip(),
        diagnostics("cluster", "azurerm_kubernetes_cluster.this.id", logs=(),
                    categories=LOG_CATEGORIES),
    ]
    files.variables += _variables()
    files.outputs += _outputs()
    return files


def _disk_encryption() -> list[Block]:
    return [
        resource("azurerm_disk_encryption_set", "this", [
            Attr("name", ref('"${var.name}-disks"')),
            Attr("key_vault_key_id", ref("var.disk_encryption_key_id")),
            Attr("auto_key_rotation_enabled", True),
            Attr("encryption_type", "EncryptionAtRestWithCustomerKey"),
            block("identity", Attr("type", "SystemAssigned")),
        ]),
        role_assignment("disk_key", "var.disk_encryption_key_resource_id",
                        "Key Vault Crypto Service Encryption User",
                        "azurerm_disk_encryption_set.this.identity[0].principal_id"),
        role_assignment("cluster_disks", "azurerm_disk_encryption_set.this.id", "Reader",
                        "azurerm_user_assigned_identity.cluster.principal_id"),
    ]


def _cluster() -> Block:
    return resource("azurerm_kubernetes_cluster", "this", [
        Attr("name", ref("var.name")),
        Attr("dns_prefix", ref("var.name")),
        Attr("kubernetes_version", ref("var.kubernetes_version")),
        Attr("sku_tier", "Standard"),  # the uptime SLA
        # Patches arrive on their own; a minor upgrade is a change of the spec's version.
        Attr("automatic_upgrade_channel", "patch"),
        Attr("node_os_upgrade_channel", "NodeImage"),
        Attr("private_cluster_enabled", True),
        Attr("private_cluster_public_fqdn_enabled", False),
        Attr("private_dns_zone_id", "System"),
        Attr("local_account_disabled", True),
        Attr("role_based_access_control_enabled", True),
        Attr("oidc_issuer_enabled", True),
        Attr("workload_identity_enabled", True),
        Attr("azure_policy_enabled", True),
        Attr("http_application_routing_enabled", False),
        Attr("image_cleaner_enabled", True),
        Attr("image_cleaner_interval_hours", 48),
        Attr("disk_encryption_set_id", ref("azurerm_disk_encryption_set.this.id")),
        block("azure_active_directory_role_based_access_control",
              Attr("azure_rbac_enabled", True), Attr("tenant_id", ref("var.tenant_id")),
              Attr("admin_group_object_ids", ref("var.admin_group_object_ids"))),
        *_cluster_blocks(),
        Attr("depends_on", [ref("azurerm_role_assignment.cluster_subnet"),
                            ref("azurerm_role_assignment.cluster_disks"),
                            ref("azurerm_role_assignment.egress_ip"),
                            ref("azurerm_role_assignment.disk_key")]),
    ], skips=[skip("CKV_AZURE_172", "the Key Vault CSI add-on is not installed: workload "
                   "secrets come from HashiCorp Vault (kubernetes.secrets_delivery), so there is "
                   "no CSI secret to rotate")])


def _cluster_blocks() -> list[Block]:
    workspace = Attr("log_analytics_workspace_id", ref("var.log_analytics_workspace_id"))
    return [
        _default_pool(),
        block("identity", Attr("type", "UserAssigned"),
              Attr("identity_ids", [ref("azurerm_user_assigned_identity.cluster.id")])),
        # Azure CNI (overlay) with Cilium enforcing the chart's NetworkPolicies.
        block("network_profile",
              Attr("network_plugin", "azure"), Attr("network_plugin_mode", "overlay"),
              Attr("network_data_plane", "cilium"), Attr("network_policy", "cilium"),
              Attr("load_balancer_sku", "standard"), Attr("outbound_type", "loadBalancer"),
              Attr("pod_cidr", POD_CIDR), Attr("service_cidr", SERVICE_CIDR),
              Attr("dns_service_ip", DNS_SERVICE_IP),
              block("load_balancer_profile",
                    Attr("outbound_ip_address_ids", [ref("azurerm_public_ip.egress.id")]))),
        block("oms_agent", workspace, Attr("msi_auth_for_monitoring_enabled", True)),
        block("microsoft_defender", workspace),
        block("maintenance_window_auto_upgrade", *MAINTENANCE),
        block("maintenance_window_node_os", *MAINTENANCE),
        block("node_provisioning_profile", Attr("mode", "Manual")),
    ]


def _pool_settings(pool: str) -> list[Attr]:
    return [
        Attr("vm_size", ref(f"var.{pool}.vm_size")),
        Attr("auto_scaling_enabled", True),
        Attr("min_count", ref(f"var.{pool}.min_count")),
        Attr("max_count", ref(f"var.{pool}.max_count")),
        Attr("zones", ref("var.zones")),
        Attr("vnet_subnet_id", ref("var.cluster_subnet_id")),
        Attr("host_encryption_enabled", True),
        Attr("node_public_ip_enabled", False),
        Attr("max_pods", MAX_PODS),
        Attr("os_disk_type", "Ephemeral"),
        Attr("os_disk_size_gb", OS_DISK_GB),
        Attr("os_sku", "AzureLinux"),
    ]


def _default_pool() -> Block:
    # The system pool runs only critical add-ons; workloads get a pool of their own.
    return block("default_node_pool", Attr("name", "system"), *_pool_settings("system_pool"),
                 Attr("only_critical_addons_enabled", True),
                 Attr("temporary_name_for_rotation", "systemtmp"),
                 block("upgrade_settings", Attr("max_surge", "33%")), TAGS)


def _workload_pool() -> Block:
    return Block("resource", ("azurerm_kubernetes_cluster_node_pool", "workloads"), [
        Attr("name", "workloads"),
        Attr("kubernetes_cluster_id", ref("azurerm_kubernetes_cluster.this.id")),
        Attr("mode", "User"),
        *_pool_settings("workload_pool"),
        Attr("temporary_name_for_rotation", "worktmp"),
        block("upgrade_settings", Attr("max_surge", "33%")),
        TAGS,
    ])


def _ingress_ip() -> list[Block]:
    """A static, zone-redundant address the ingress controller's service takes by name
    (``azure-pip-name``): it outlives the service, so DNS never chases a new address."""
    count = Attr("count", ref("var.public_ingress ? 1 : 0"))
    return [
        resource("azurerm_public_ip", "ingress", [
            count, Attr("name", ref("var.ingress_ip_name")), Attr("allocation_method", "Static"),
            Attr("sku", "Standard"), Attr("zones", ref("var.zones")),
        ]),
        role_assignment("ingress_ip", "azurerm_public_ip.ingress[0].id", "Network Contributor",
                        "azurerm_user_assigned_identity.cluster.principal_id", first=[count]),
        diagnostics("ingress_ip", "azurerm_public_ip.ingress[0].id", extra=[count]),
    ]


def _egress_ip() -> list[Block]:
    """The outbound load balancer's own static address, instead of one AKS picks: allow-lists
    (MongoDB Atlas) name it, and it outlives cluster upgrades."""
    return [
        resource("azurerm_public_ip", "egress", [
            Attr("name", ref('"${var.name}-egress"')), Attr("allocation_method", "Static"),
            Attr("sku", "Standard"), Attr("zones", ref("var.zones")),
        ]),
        role_assignment("egress_ip", "azurerm_public_ip.egress.id", "Network Contributor",
                        "azurerm_user_assigned_identity.cluster.principal_id"),
        diagnostics("egress_ip", "azurerm_public_ip.egress.id"),
    ]


def _variables() -> list[Block]:
    return [
        variable("name", "string", "Cluster name; prefixes the names of its identities.",
                 validation=('can(regex("^[a-z][a-z0-9-]{0,38}[a-z0-9]$", var.name))',
                             "name must be 2-40 lowercase letters, digits and '-'.")),
        variable("kubernetes_version", "string", "Kubernetes minor version (patches are automatic).",
                 validation=('can(regex("^1\\\\.[0-9]{2}$", var.kubernetes_version))',
                             "kubernetes_version must look like 1.31.")),
        variable("tenant_id", "string", "Entra ID tenant that authenticates cluster users."),
        variable("admin_group_object_ids", "list(string)",
                 "Entra ID groups that administer the cluster (break-glass access).", default=[]),
        variable("cluster_subnet_id", "string", "Subnet of the nodes."),
        variable("endpoint_subnet_id", "string", "Subnet of the registry's private endpoint."),
        variable("registry_id", "string", "Container registry the nodes pull from."),
        variable("registry_dns_zone_id", "string", "privatelink.azurecr.io zone id."),
        variable("disk_encryption_key_id", "string", "Versionless key id for the node disks."),
        variable("disk_encryption_key_resource_id", "string",
                 "Resource id of the same key (scope of the disk encryption set's role)."),
        variable("system_pool", POOL_TYPE, "Size of the system node pool."),
        variable("workload_pool", POOL_TYPE, "Size of the workload node pool."),
        variable("zones", "list(string)", "Availability zones the node pools span."),
        variable("public_ingress", "bool", "Create the ingress's static public IP."),
        variable("ingress_ip_name", "string", "Name of the ingress's public IP."),
        *common_variables(),
    ]


def _outputs() -> list[Block]:
    return [
        output("id", ref("azurerm_kubernetes_cluster.this.id"), "Cluster id."),
        output("name", ref("azurerm_kubernetes_cluster.this.name"), "Cluster name."),
        output("oidc_issuer_url", ref("azurerm_kubernetes_cluster.this.oidc_issuer_url"),
               "Issuer of the service account tokens (federated credentials trust it)."),
        output("kubelet_object_id",
               ref("azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id"),
               "Identity the nodes pull images as."),
        output("ingress_ip", ref("one(azurerm_public_ip.ingress[*].ip_address)"),
               "Static public IP of the ingress (null without public services)."),
        output("egress_ip", ref("azurerm_public_ip.egress.ip_address"),
               "Static public IP the cluster's outbound traffic leaves from."),
        output("api_url", ref('"https://${azurerm_kubernetes_cluster.this.private_fqdn}:443"'),
               "Private API server URL."),
        # The CA is public; kube_config is sensitive only for the credentials beside it, and a
        # sensitive value could not key the Vault module's for_each downstream.
        output("ca_certificate", ref("nonsensitive(base64decode("
                                     "azurerm_kubernetes_cluster.this.kube_config[0]"
                                     ".cluster_ca_certificate))"), "PEM CA of the API server."),
    ]
