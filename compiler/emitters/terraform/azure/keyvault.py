"""azure-keyvault: a region's Key Vault (RBAC mode, purge protection, private endpoint only)
holding the customer-managed key that storage, Service Bus, Cosmos DB and the cluster's disks
are encrypted with, and the identity those services unwrap it as.

Application secrets stay in HashiCorp Vault (``secrets.backend``); this vault holds keys only.
"""

from __future__ import annotations

from compiler.emitters.terraform.azure.base import (
    TAGS,
    block,
    common_variables,
    diagnostics,
    name_variable,
    private_endpoint,
    ref,
    resource,
    role_assignment,
    user_identity,
)
from compiler.emitters.terraform.common import ModuleFiles, output, variable
from compiler.hcl import Attr, Block

MODULE = "azure-keyvault"
KEY_PATTERN = "^[a-z][a-z0-9-]{1,22}[a-z0-9]$"
# A key version lives two years; a new version is made 60 days before, so nothing expires.
KEY_LIFETIME = "P2Y"
KEY_LIFETIME_HOURS = "17520h"


def module() -> ModuleFiles:
    files = ModuleFiles(MODULE, ("azurerm",))
    files.main += [
        _vault(),
        *private_endpoint("vault", "azurerm_key_vault.this.id", "vault", subnet="var.subnet_id"),
        role_assignment("key_officers", "azurerm_key_vault.this.id", "Key Vault Crypto Officer",
                        "each.value",
                        first=[Attr("for_each", ref("var.key_officer_principal_ids"))]),
        _key(),
        user_identity("encryption", "var.encryption_identity_name"),
        role_assignment("encryption", "azurerm_key_vault_key.cmk.resource_versionless_id",
                        "Key Vault Crypto Service Encryption User",
                        "azurerm_user_assigned_identity.encryption.principal_id"),
        diagnostics("vault", "azurerm_key_vault.this.id"),
    ]
    files.variables += _variables()
    files.outputs += _outputs()
    return files


def _vault() -> Block:
    return resource("azurerm_key_vault", "this", [
        Attr("name", ref("var.name")),
        Attr("tenant_id", ref("var.tenant_id")),
        Attr("sku_name", "premium"),  # HSM-protected keys
        Attr("rbac_authorization_enabled", True),
        Attr("purge_protection_enabled", True),
        Attr("soft_delete_retention_days", 90),
        Attr("public_network_access_enabled", False),
        block("network_acls", Attr("bypass", "AzureServices"), Attr("default_action", "Deny")),
    ])


def _key() -> Block:
    return Block("resource", ("azurerm_key_vault_key", "cmk"), [
        Attr("name", "cmk"),
        Attr("key_vault_id", ref("azurerm_key_vault.this.id")),
        Attr("key_type", "RSA-HSM"),
        Attr("key_size", 3072),
        Attr("key_opts", ["unwrapKey", "wrapKey"]),
        # The first version's expiry; the rotation policy sets every later version's.
        Attr("expiration_date", ref(f'timeadd(timestamp(), "{KEY_LIFETIME_HOURS}")')),
        block("rotation_policy",
              Attr("expire_after", KEY_LIFETIME), Attr("notify_before_expiry", "P30D"),
              block("automatic", Attr("time_before_expiry", "P60D"))),
        TAGS,
        block("lifecycle", Attr("ignore_changes", [ref("expiration_date")])),
        # Creating a key is a data-plane call: it needs the officers' role and the endpoint.
        Attr("depends_on", [ref("azurerm_role_assignment.key_officers"),
                            ref("azurerm_private_endpoint.vault")]),
    ])


def _variables() -> list[Block]:
    return [
        name_variable("Key Vault name (3-24 characters, globally unique).", KEY_PATTERN),
        variable("tenant_id", "string", "Entra ID tenant of the vault."),
        variable("subnet_id", "string", "Subnet of the vault's private endpoint."),
        variable("private_dns_zone_id", "string", "privatelink.vaultcore.azure.net zone id."),
        variable("key_officer_principal_ids", "map(string)",
                 "Principals that manage keys (the deploy identity): name to principal id."),
        variable("encryption_identity_name", "string",
                 "Name of the identity services use to wrap and unwrap with the key."),
        *common_variables(),
    ]


def _outputs() -> list[Block]:
    return [
        output("id", ref("azurerm_key_vault.this.id"), "Key Vault id."),
        output("key_id", ref("azurerm_key_vault_key.cmk.versionless_id"),
               "Versionless key id: services follow its rotations."),
        output("key_resource_id", ref("azurerm_key_vault_key.cmk.resource_versionless_id"),
               "Key resource id (scope of role assignments on the key)."),
        Block("output", ("encryption_identity_id",), [
            Attr("description", "Identity that wraps and unwraps with the key."),
            Attr("value", ref("azurerm_user_assigned_identity.encryption.id")),
            # Services encrypt with it as soon as they exist: the role must be there first.
            Attr("depends_on", [ref("azurerm_role_assignment.encryption")]),
        ]),
    ]
