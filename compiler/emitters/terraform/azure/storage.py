"""azure-storage: a region's storage account (name from ``naming.storage_account``, the one the
env-var contract's ``az://`` URLs use) with one private blob container per spec bucket.

Entra ID only (no shared keys, no SAS, no local users), TLS 1.2, no public network or blob
access, geo-zone-redundant, versioning and soft delete, infrastructure encryption plus a
customer-managed key, a private endpoint, and lifecycle rules from the bucket's `lifecycle`.
"""

from __future__ import annotations

from compiler.emitters.terraform.azure.base import (
    block,
    cmk_variables,
    common_variables,
    diagnostics,
    endpoint_variables,
    private_endpoint,
    ref,
    resource,
    skip,
)
from compiler.emitters.terraform.common import ModuleFiles, output, variable
from compiler.hcl import Attr, Block

MODULE = "azure-storage"
CONTAINERS_TYPE = ("map(object({ cold_after_days = optional(number), "
                   "delete_after_days = optional(number) }))")
BLOB_SERVICE = '"${azurerm_storage_account.this.id}/blobServices/default"'


def module() -> ModuleFiles:
    files = ModuleFiles(MODULE, ("azurerm",))
    files.main += [
        _account(),
        _containers(),
        _lifecycle(),
        *private_endpoint("blob", "azurerm_storage_account.this.id", "blob"),
        # The account itself exports only metrics; reads, writes and deletes are blob-service logs.
        diagnostics("account", "azurerm_storage_account.this.id", logs=(), metrics=("Transaction",)),
        diagnostics("blob", BLOB_SERVICE, metrics=("Transaction",)),
    ]
    files.variables += _variables()
    files.outputs += [
        output("id", ref("azurerm_storage_account.this.id"), "Storage account id."),
        output("name", ref("azurerm_storage_account.this.name"), "Storage account name."),
        output("container_ids",
               ref("{ for name, container in azurerm_storage_container.this : "
                   "name => container.id }"),
               "Container name to resource id (scope of the data-plane role assignments)."),
    ]
    return files


def _account() -> Block:
    return resource("azurerm_storage_account", "this", [
        Attr("name", ref("var.name")),
        Attr("account_kind", "StorageV2"),
        Attr("account_tier", "Standard"),
        Attr("account_replication_type", "GZRS"),
        Attr("access_tier", "Hot"),
        Attr("min_tls_version", "TLS1_2"),
        Attr("https_traffic_only_enabled", True),
        Attr("shared_access_key_enabled", False),
        Attr("default_to_oauth_authentication", True),
        Attr("allow_nested_items_to_be_public", False),
        Attr("public_network_access_enabled", False),
        Attr("local_user_enabled", False),
        Attr("sftp_enabled", False),
        Attr("cross_tenant_replication_enabled", False),
        Attr("allowed_copy_scope", "PrivateLink"),
        Attr("infrastructure_encryption_enabled", True),
        block("identity", Attr("type", "UserAssigned"),
              Attr("identity_ids", [ref("var.cmk_identity_id")])),
        block("customer_managed_key", Attr("key_vault_key_id", ref("var.cmk_key_id")),
              Attr("user_assigned_identity_id", ref("var.cmk_identity_id"))),
        block("network_rules", Attr("default_action", "Deny"), Attr("bypass", ["AzureServices"])),
        block("blob_properties",
              Attr("versioning_enabled", ref("var.versioning_enabled")),
              Attr("change_feed_enabled", True),
              Attr("change_feed_retention_in_days", ref("var.soft_delete_days")),
              block("delete_retention_policy", Attr("days", ref("var.soft_delete_days"))),
              block("container_delete_retention_policy",
                    Attr("days", ref("var.soft_delete_days")))),
    ], skips=[skip("CKV_AZURE_33", "the account serves blobs only (queues are Service Bus); "
                   "its queue service is unused and has no logging settings in azurerm 5")])


def _containers() -> Block:
    return Block("resource", ("azurerm_storage_container", "this"), [
        skip("CKV2_AZURE_21", "blob reads, writes and deletes are logged by the blob service's "
             "diagnostic setting (StorageRead/Write/Delete to Log Analytics); Storage Insights "
             "would need the account key, which is disabled"),
        Attr("for_each", ref("var.containers")),
        Attr("name", ref("each.key")),
        Attr("storage_account_id", ref("azurerm_storage_account.this.id")),
        Attr("container_access_type", "private"),
    ])


def _lifecycle() -> Block:
    rules = ("{ for name, container in var.containers : name => container "
             "if container.cold_after_days != null || container.delete_after_days != null }")
    # Archive is not offered on zone-redundant accounts; Cold is the cheapest online tier.
    base_blob = block(
        "base_blob",
        Attr("tier_to_cold_after_days_since_modification_greater_than",
             ref("rule.value.cold_after_days")),
        Attr("delete_after_days_since_modification_greater_than",
             ref("rule.value.delete_after_days")))
    return Block("resource", ("azurerm_storage_management_policy", "this"), [
        Attr("count", ref(f"length({rules}) > 0 ? 1 : 0")),
        Attr("storage_account_id", ref("azurerm_storage_account.this.id")),
        Block("dynamic", ("rule",), [
            Attr("for_each", ref(rules)),
            block("content",
                  Attr("name", ref("rule.key")), Attr("enabled", True),
                  block("filters", Attr("blob_types", ["blockBlob"]),
                        Attr("prefix_match", [ref('"${rule.key}/"')])),
                  block("actions", base_blob,
                        block("version", Attr("delete_after_days_since_creation",
                                              ref("var.soft_delete_days"))))),
        ]),
    ])


def _variables() -> list[Block]:
    return [
        variable("name", "string", "Storage account name (naming.storage_account).",
                 validation=('can(regex("^[a-z0-9]{3,24}$", var.name))',
                             "name must be 3-24 lowercase letters and digits.")),
        variable("containers", CONTAINERS_TYPE,
                 "Blob containers (one per spec bucket) and their lifecycle in days."),
        variable("versioning_enabled", "bool", "Keep previous versions of overwritten blobs."),
        variable("soft_delete_days", "number",
                 "Days deleted blobs, versions and containers stay recoverable.",
                 validation=("var.soft_delete_days >= 1 && var.soft_delete_days <= 365",
                             "soft_delete_days must be between 1 and 365.")),
        *cmk_variables(),
        *endpoint_variables(),
        *common_variables(),
    ]
