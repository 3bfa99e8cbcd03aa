"""azure-postgres and azure-cosmos: the environment's database, in its primary region, reachable
from every region's network through a private endpoint there.

PostgreSQL Flexible Server (engine ``postgres``): private access only, zone-redundant high
availability, geo-redundant backups, TLS 1.2, and Entra ID authentication only: services sign
in with their workload identity, so no database password exists anywhere. The deploy identity
is the Entra administrator that creates the services' roles.

Cosmos DB for MongoDB (engine ``cosmos-mongodb``): one account replicated to every Azure region
of the environment, with automatic failover, a customer-managed key and continuous backup.
"""

from __future__ import annotations

from compiler.emitters.terraform.azure.base import (
    block,
    cmk_variables,
    common_variables,
    diagnostics,
    private_endpoint,
    ref,
    resource,
)
from compiler.emitters.terraform.common import ModuleFiles, output, variable
from compiler.hcl import Attr, Block

POSTGRES = "azure-postgres"
COSMOS = "azure-cosmos"
ENDPOINTS_TYPE = ("map(object({ location = string, resource_group_name = string, "
                  "subnet_id = string, private_dns_zone_id = string }))")
POSTGRES_SKUS = {"small": "GP_Standard_D2ds_v5", "medium": "GP_Standard_D4ds_v5",
                 "large": "GP_Standard_D8ds_v5", "xlarge": "GP_Standard_D16ds_v5"}
POSTGRES_STORAGE_MB = {"small": 65536, "medium": 131072, "large": 262144, "xlarge": 524288}
# Autoscale ceiling of the database's shared throughput (request units per second).
COSMOS_THROUGHPUT = {"small": 1000, "medium": 4000, "large": 10000, "xlarge": 20000}
POSTGRES_SETTINGS = {"require_secure_transport": "on", "ssl_min_protocol_version": "TLSv1.2",
                     "log_connections": "on", "log_disconnections": "on", "log_checkpoints": "on",
                     "connection_throttle.enable": "on"}


def _endpoints(name: str, target: str, subresource: str) -> list[Block]:
    each = "each.value"
    return private_endpoint(name, target, subresource, subnet=f"{each}.subnet_id",
                            zone=f"{each}.private_dns_zone_id", location=f"{each}.location",
                            group=f"{each}.resource_group_name", suffix="-${each.key}",
                            extra=[Attr("for_each", ref("var.endpoints"))])


def postgres_module() -> ModuleFiles:
    files = ModuleFiles(POSTGRES, ("azurerm",))
    server = "azurerm_postgresql_flexible_server.this"
    files.main += [
        _server(),
        Block("resource", ("azurerm_postgresql_flexible_server_configuration", "this"), [
            Attr("for_each", POSTGRES_SETTINGS), Attr("name", ref("each.key")),
            Attr("server_id", ref(f"{server}.id")), Attr("value", ref("each.value")),
        ]),
        Block("resource", ("azurerm_postgresql_flexible_server_database", "this"), [
            Attr("name", ref("var.database_name")), Attr("server_id", ref(f"{server}.id")),
            Attr("charset", "UTF8"), Attr("collation", "en_US.utf8"),
        ]),
        Block("resource", ("azurerm_postgresql_flexible_server_active_directory_administrator",
                           "this"), [
            Attr("server_name", ref(f"{server}.name")),
            Attr("resource_group_name", ref("var.resource_group_name")),
            Attr("tenant_id", ref("var.tenant_id")),
            Attr("object_id", ref("var.administrator.object_id")),
            Attr("principal_name", ref("var.administrator.name")),
            Attr("principal_type", "ServicePrincipal"),
        ]),
        *_endpoints("server", f"{server}.id", "postgresqlServer"),
        diagnostics("server", f"{server}.id"),
    ]
    files.variables += _postgres_variables()
    files.outputs += [
        output("id", ref(f"{server}.id"), "Server id."),
        output("fqdn", ref(f"{server}.fqdn"), "Host name (resolves to the private endpoints)."),
    ]
    return files


def _server() -> Block:
    high_availability = Block("dynamic", ("high_availability",), [
        Attr("for_each", ref("var.high_availability ? [var.zonal] : []")),
        block("content",
              Attr("mode", ref('high_availability.value ? "ZoneRedundant" : "SameZone"')),
              Attr("standby_availability_zone",
                   ref('high_availability.value ? "2" : null'))),
    ])
    return resource("azurerm_postgresql_flexible_server", "this", [
        Attr("name", ref("var.name")),
        Attr("version", ref("var.postgres_version")),
        Attr("sku_name", ref("var.sku_name")),
        Attr("storage_mb", ref("var.storage_mb")),
        Attr("auto_grow_enabled", True),
        Attr("zone", ref('var.zonal ? "1" : null')),
        Attr("backup_retention_days", ref("var.backup_retention_days")),
        Attr("geo_redundant_backup_enabled", True),
        Attr("public_network_access_enabled", False),
        block("authentication", Attr("active_directory_auth_enabled", True),
              Attr("password_auth_enabled", False), Attr("tenant_id", ref("var.tenant_id"))),
        high_availability,
        block("maintenance_window", Attr("day_of_week", 0), Attr("start_hour", 2),
              Attr("start_minute", 0)),
        # Failover swaps the zones of primary and standby; that is not drift.
        block("lifecycle", Attr("ignore_changes", [ref("zone"),
                                                   ref("high_availability[0].standby_availability_zone")])),
    ])


def _postgres_variables() -> list[Block]:
    return [
        variable("name", "string", "Server name (globally unique).",
                 validation=('can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.name))',
                             "name must be 3-63 lowercase letters, digits and '-'.")),
        variable("postgres_version", "string", "PostgreSQL major version."),
        variable("sku_name", "string", "Compute size (General Purpose: HA needs it)."),
        variable("storage_mb", "number", "Initial storage; it grows automatically."),
        variable("high_availability", "bool", "Keep a hot standby."),
        variable("zonal", "bool", "The region has availability zones (standby in another zone)."),
        variable("backup_retention_days", "number", "Point-in-time restore window.",
                 validation=("var.backup_retention_days >= 7 && var.backup_retention_days <= 35",
                             "backup_retention_days must be between 7 and 35.")),
        variable("database_name", "string", "Logical database (data.database.name)."),
        variable("tenant_id", "string", "Entra ID tenant of the server's principals."),
        variable("administrator", "object({ object_id = string, name = string })",
                 "Entra ID administrator (the deploy identity) that creates service roles."),
        variable("endpoints", ENDPOINTS_TYPE,
                 "Private endpoints, one per region's network: location, group, subnet, zone."),
        *common_variables(),
    ]


def cosmos_module() -> ModuleFiles:
    files = ModuleFiles(COSMOS, ("azurerm",))
    account = "azurerm_cosmosdb_account.this"
    files.main += [
        _account(),
        Block("resource", ("azurerm_cosmosdb_mongo_database", "this"), [
            Attr("name", ref("var.database_name")),
            Attr("resource_group_name", ref("var.resource_group_name")),
            Attr("account_name", ref(f"{account}.name")),
            block("autoscale_settings", Attr("max_throughput", ref("var.max_throughput"))),
        ]),
        *_endpoints("account", f"{account}.id", "MongoDB"),
        diagnostics("account", f"{account}.id"),
    ]
    files.variables += _cosmos_variables()
    files.outputs += [output("id", ref(f"{account}.id"), "Account id."),
                      output("endpoint", ref(f"{account}.endpoint"), "Account endpoint.")]
    return files


def _account() -> Block:
    geo = Block("dynamic", ("geo_location",), [
        Attr("for_each", ref("var.locations")),
        block("content", Attr("location", ref("geo_location.value.location")),
              Attr("failover_priority", ref("geo_location.key")),
              Attr("zone_redundant", ref("geo_location.value.zone_redundant"))),
    ])
    return resource("azurerm_cosmosdb_account", "this", [
        Attr("name", ref("var.name")),
        Attr("offer_type", "Standard"),
        Attr("kind", "MongoDB"),
        Attr("mongo_server_version", "7.0"),
        Attr("automatic_failover_enabled", True),
        Attr("public_network_access_enabled", False),
        Attr("network_acl_bypass_for_azure_services", False),
        Attr("access_key_metadata_writes_enabled", False),
        Attr("minimal_tls_version", "Tls12"),
        Attr("key_vault_key_id", ref("var.cmk_key_id")),
        Attr("default_identity_type", ref('"UserAssignedIdentity=${var.cmk_identity_id}"')),
        block("identity", Attr("type", "UserAssigned"),
              Attr("identity_ids", [ref("var.cmk_identity_id")])),
        block("capabilities", Attr("name", "EnableMongo")),
        block("consistency_policy", Attr("consistency_level", "Session")),
        geo,
        block("backup", Attr("type", "Continuous"), Attr("tier", ref("var.backup_tier"))),
    ])


def _cosmos_variables() -> list[Block]:
    return [
        variable("name", "string", "Account name (globally unique).",
                 validation=('can(regex("^[a-z0-9][a-z0-9-]{1,42}[a-z0-9]$", var.name))',
                             "name must be 3-44 lowercase letters, digits and '-'.")),
        variable("locations", "list(object({ location = string, zone_redundant = bool }))",
                 "Regions holding a replica, the first being the write region."),
        variable("database_name", "string", "Logical database (data.database.name)."),
        variable("max_throughput", "number", "Autoscale ceiling in request units per second."),
        variable("backup_tier", "string", "Continuous backup window.",
                 validation=('contains(["Continuous7Days", "Continuous30Days"], var.backup_tier)',
                             "backup_tier must be Continuous7Days or Continuous30Days.")),
        variable("endpoints", ENDPOINTS_TYPE,
                 "Private endpoints, one per region's network: location, group, subnet, zone."),
        *cmk_variables(),
        *common_variables(),
    ]
