"""gcp-cache: a Memorystore Redis instance in one region, reachable only over Private Service
Access, with AUTH, TLS in transit (server authentication), CMEK, RDB persistence and a Sunday
maintenance window. ``url`` is the ``rediss://`` CACHE_URL of the env-var contract."""

from __future__ import annotations

from compiler.emitters.terraform.common import ModuleFiles, variable
from compiler.emitters.terraform.gcp.base import (
    LABELS,
    PROJECT,
    add_output,
    block,
    labels_variable,
    module,
    name_variable,
    ref,
    region_variable,
    resource,
)
from compiler.hcl import Attr, Block

NAME = "gcp-cache"
MEMORY_GB = {"small": 1, "medium": 5, "large": 13, "xlarge": 26}
VERSIONS = {"6": "REDIS_6_X", "7": "REDIS_7_2"}


def build() -> ModuleFiles:
    mod = module(NAME)
    mod.variables += _variables()
    mod.main.append(_instance())
    add_output(mod, "host", "google_redis_instance.this.host", "Private address of the instance.")
    add_output(mod, "port", "google_redis_instance.this.port", "TLS port (6378).")
    add_output(mod, "ca_certificates", "google_redis_instance.this.server_ca_certs[*].cert",
               "CA certificates clients verify the server with.")
    add_output(mod, "url", '"rediss://:${google_redis_instance.this.auth_string}@'
               '${google_redis_instance.this.host}:${google_redis_instance.this.port}/0"',
               "CACHE_URL: rediss:// with the AUTH string.", sensitive=True)
    return mod


def _variables() -> list[Block]:
    return [
        name_variable("Instance id.", limit=40),
        region_variable(),
        variable("memory_size_gb", "number", "Memory of the instance, in GiB.",
                 validation=("var.memory_size_gb >= 1 && var.memory_size_gb <= 300",
                             "memory_size_gb must be between 1 and 300.")),
        variable("high_availability", "bool", "A standby replica in another zone (STANDARD_HA)."),
        variable("redis_version", "string", "Memorystore Redis version, e.g. REDIS_7_2."),
        variable("network_id", "string", "VPC the instance is reachable from."),
        variable("reserved_ip_range", "string", "Private Service Access range it takes its "
                 "address from (known once the peering exists)."),
        variable("kms_key_id", "string", "Cloud KMS key encrypting data at rest (CMEK)."),
        labels_variable(),
    ]


def _instance() -> Block:
    return resource("google_redis_instance", "this", [
        PROJECT, Attr("name", ref("var.name")), Attr("region", ref("var.region")),
        Attr("tier", ref('var.high_availability ? "STANDARD_HA" : "BASIC"')),
        Attr("memory_size_gb", ref("var.memory_size_gb")),
        Attr("redis_version", ref("var.redis_version")),
        Attr("authorized_network", ref("var.network_id")),
        Attr("connect_mode", "PRIVATE_SERVICE_ACCESS"),
        Attr("reserved_ip_range", ref("var.reserved_ip_range")),
        Attr("auth_enabled", True),
        Attr("transit_encryption_mode", "SERVER_AUTHENTICATION"),
        Attr("customer_managed_key", ref("var.kms_key_id")),
        Attr("deletion_protection", True),
        block("persistence_config", Attr("persistence_mode", "RDB"),
              Attr("rdb_snapshot_period", "TWELVE_HOURS")),
        block("maintenance_policy", block(
            "weekly_maintenance_window", Attr("day", "SUNDAY"),
            block("start_time", Attr("hours", 3), Attr("minutes", 0), Attr("seconds", 0),
                  Attr("nanos", 0)))),
        LABELS,
    ])
