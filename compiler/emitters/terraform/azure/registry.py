"""azure-registry: the project's one container registry (``naming.acr_name``), shared by every
environment, in the shared resource group the first environment enabling Azure creates.

Premium (private endpoints, zone redundancy, geo-replication to the project's other Azure
regions, retention of untagged manifests); admin user, anonymous pull, export and public
network access all off. Each cluster reaches it through a private endpoint in its own network
and pulls with its kubelet identity (AcrPull); the push identity alone can push.
"""

from __future__ import annotations

from compiler.emitters.terraform.azure.base import (
    block,
    diagnostics,
    ref,
    resource,
    skip,
    tags_variable,
    workspace_variable,
)
from compiler.emitters.terraform.common import ModuleFiles, output, variable
from compiler.hcl import Attr, Block, Comment

MODULE = "azure-registry"
UNTAGGED_RETENTION_DAYS = 7


def module(multi_region: bool) -> ModuleFiles:
    """``multi_region``: the project runs in more than one Azure region (geo-replication)."""
    files = ModuleFiles(MODULE, ("azurerm",))
    files.main += [
        resource("azurerm_resource_group", "this", [
            Attr("name", ref("var.resource_group_name")), Attr("location", ref("var.location"))],
            placed=False),
        _registry(multi_region),
        diagnostics("registry", "azurerm_container_registry.this.id"),
    ]
    files.variables += [
        variable("name", "string", "Registry name (naming.acr_name, globally unique).",
                 validation=('can(regex("^[a-z0-9]{5,50}$", var.name))',
                             "name must be 5-50 lowercase letters and digits.")),
        variable("resource_group_name", "string", "Shared resource group to create."),
        variable("location", "string", "Home region of the registry."),
        variable("replica_locations", "list(string)",
                 "Other regions the registry is replicated to (each serves its local pulls)."),
        workspace_variable(),
        tags_variable(),
    ]
    files.outputs += [
        output("id", ref("azurerm_container_registry.this.id"), "Registry id."),
        output("login_server", ref("azurerm_container_registry.this.login_server"),
               "Registry host name, <name>.azurecr.io."),
        output("resource_group_name", ref("azurerm_resource_group.this.name"),
               "Shared resource group."),
        output("resource_group_id", ref("azurerm_resource_group.this.id"),
               "Shared resource group id."),
    ]
    return files


def _skips(multi_region: bool) -> list[Comment]:
    skips = [
        skip("CKV_AZURE_164", "Docker Content Trust is retired by Azure and absent from azurerm "
             "5; the image workflow signs every image with cosign instead"),
        skip("CKV_AZURE_166", "quarantine holds every pushed image until a scanner releases it, "
             "and nothing here releases images: the image workflow scans with Trivy and fails "
             "before pushing"),
    ]
    if not multi_region:
        skip_reason = "the project runs in one Azure region, so there is no other region to "
        skips.append(skip("CKV_AZURE_165", skip_reason + "replicate to; the registry is "
                          "zone-redundant instead"))
    return skips


def _registry(multi_region: bool) -> Block:
    replicas = Block("dynamic", ("georeplications",), [
        Attr("for_each", ref("var.replica_locations")),
        block("content", Attr("location", ref("georeplications.value")),
              Attr("zone_redundancy_enabled", True),
              Attr("global_endpoint_routing_enabled", True),
              Attr("tags", ref("var.tags"))),
    ])
    return resource("azurerm_container_registry", "this", [
        Attr("name", ref("var.name")),
        Attr("location", ref("azurerm_resource_group.this.location")),
        Attr("resource_group_name", ref("azurerm_resource_group.this.name")),
        Attr("sku", "Premium"),
        Attr("admin_enabled", False),
        Attr("anonymous_pull_enabled", False),
        Attr("public_network_access_enabled", False),
        Attr("network_rule_bypass_option", "AzureServices"),
        Attr("export_policy_enabled", False),
        Attr("data_endpoint_enabled", True),
        Attr("zone_redundancy_enabled", True),
        Attr("retention_policy_in_days", UNTAGGED_RETENTION_DAYS),
        replicas,
    ], placed=False, skips=_skips(multi_region))
