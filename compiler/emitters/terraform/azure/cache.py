"""azure-redis: a region's Azure Cache for Redis: TLS 1.2 only (the non-TLS port is off), no
public network access, a private endpoint, and Entra ID authentication instead of access keys:
each service's managed identity gets a data access policy derived from its `uses` (read ->
Data Reader, otherwise Data Contributor), and signs in with its workload identity token.
"""

from __future__ import annotations

from compiler.emitters.terraform.azure.base import (
    block,
    common_variables,
    diagnostics,
    endpoint_variables,
    private_endpoint,
    ref,
    resource,
)
from compiler.emitters.terraform.common import ModuleFiles, output, variable
from compiler.hcl import Attr, Block
from compiler.model import Cache

MODULE = "azure-redis"
ACCESS_TYPE = "map(object({ object_id = string, alias = string, policy = string }))"
REDIS_VERSION = "6"  # the newest Azure Cache for Redis serves; 7.x is Azure Managed Redis only
# Spec size -> capacity within a family: C1/C2/C3 (Standard) or P1/P2/P3... (Premium).
CAPACITY = {"small": 1, "medium": 2, "large": 3, "xlarge": 4}


def module() -> ModuleFiles:
    files = ModuleFiles(MODULE, ("azurerm",))
    files.main += [
        _cache(),
        Block("resource", ("azurerm_redis_cache_access_policy_assignment", "this"), [
            Attr("for_each", ref("var.access_policies")),
            Attr("name", ref("each.key")),
            Attr("redis_cache_id", ref("azurerm_redis_cache.this.id")),
            Attr("access_policy_name", ref("each.value.policy")),
            Attr("object_id", ref("each.value.object_id")),
            Attr("object_id_alias", ref("each.value.alias")),
        ]),
        *private_endpoint("cache", "azurerm_redis_cache.this.id", "redisCache"),
        diagnostics("cache", "azurerm_redis_cache.this.id"),
    ]
    files.variables += _variables()
    files.outputs += [
        output("id", ref("azurerm_redis_cache.this.id"), "Cache id."),
        output("hostname", ref("azurerm_redis_cache.this.hostname"), "Host name (TLS)."),
        output("ssl_port", ref("azurerm_redis_cache.this.ssl_port"), "TLS port."),
    ]
    return files


def sku(cache: Cache, size: str) -> dict[str, str | int]:
    """Premium when the spec wants high availability or sharding: only Premium spreads its
    replica over availability zones and runs Redis Cluster. Standard still keeps a replica."""
    premium = cache.high_availability or cache.cluster
    return {"sku_name": "Premium" if premium else "Standard", "family": "P" if premium else "C",
            "capacity": CAPACITY[size], "shard_count": 2 if cache.cluster else 0}


def _cache() -> Block:
    return resource("azurerm_redis_cache", "this", [
        Attr("name", ref("var.name")),
        Attr("sku_name", ref("var.sku_name")),
        Attr("family", ref("var.family")),
        Attr("capacity", ref("var.capacity")),
        Attr("shard_count", ref("var.shard_count > 0 ? var.shard_count : null")),
        Attr("zones", ref('var.sku_name == "Premium" ? var.zones : null')),
        Attr("redis_version", REDIS_VERSION),
        Attr("minimum_tls_version", "1.2"),
        Attr("non_ssl_port_enabled", False),
        Attr("public_network_access_enabled", False),
        Attr("access_keys_authentication_enabled", False),
        block("redis_configuration", Attr("active_directory_authentication_enabled", True)),
        block("patch_schedule", Attr("day_of_week", "Sunday"), Attr("start_hour_utc", 2)),
    ])


def _variables() -> list[Block]:
    return [
        variable("name", "string", "Cache name (globally unique).",
                 validation=('can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]$", var.name))',
                             "name must be 1-63 letters, digits and '-'.")),
        variable("sku_name", "string", "Standard or Premium (zones and clustering).",
                 validation=('contains(["Standard", "Premium"], var.sku_name)',
                             "sku_name must be Standard or Premium (Basic has no replica).")),
        variable("family", "string", "C for Standard, P for Premium."),
        variable("capacity", "number", "Size within the family."),
        variable("shard_count", "number", "Redis Cluster shards; 0 for a single shard."),
        variable("zones", "list(string)", "Zones of the primary and its replica (Premium)."),
        variable("access_policies", ACCESS_TYPE,
                 "Entra ID principals and their data access policy, by service."),
        *endpoint_variables(),
        *common_variables(),
    ]
