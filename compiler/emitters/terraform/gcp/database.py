"""gcp-cloud-sql: Cloud SQL for PostgreSQL with a private address only, client certificates
required, backups with point-in-time recovery, and the logging and pgAudit flags CIS asks for.

No passwords: each service logs in as its own service account (IAM database authentication)
through the Cloud SQL Auth Proxy beside it, which holds the short-lived client certificate the
instance demands and the IAM token; the application connects to the proxy on localhost. Hence
DATABASE_URL carries no secret. A service that only reads gets ``pg_read_all_data``; writers get
``cloudsqlsuperuser`` (Cloud SQL's owner role), which also runs schema migrations.
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
from compiler.hcl import Attr, Block, Comment

NAME = "gcp-cloud-sql"
LATEST_MAJOR = "18"
TIERS = {"small": "db-custom-1-3840", "medium": "db-custom-2-7680",
         "large": "db-custom-4-16384", "xlarge": "db-custom-8-32768"}
USERS = "map(object({ email = string, roles = list(string) }))"
FLAGS = (
    ("cloudsql.enable_pgaudit", "on"), ("log_checkpoints", "on"), ("log_connections", "on"),
    ("log_disconnections", "on"), ("log_duration", "on"), ("log_executor_stats", "off"),
    ("log_hostname", "on"), ("log_lock_waits", "on"), ("log_min_duration_statement", "-1"),
    ("log_min_error_statement", "error"), ("log_min_messages", "warning"),
    ("log_parser_stats", "off"), ("log_planner_stats", "off"), ("log_statement", "ddl"),
    ("log_statement_stats", "off"), ("log_temp_files", "0"), ("pgaudit.log", "ddl,role"),
    ("cloudsql.iam_authentication", "on"),
)
READER = "pg_read_all_data"
WRITER = "cloudsqlsuperuser"
PROXY_PORT = 5432
# The proxy encrypts and authenticates; the hop to it never leaves the instance or pod.
URLS = ('{ for key, user in google_sql_user.this : key => "postgresql://${urlencode(user.name)}'
        f'@127.0.0.1:{PROXY_PORT}/${{google_sql_database.this.name}}?sslmode=disable" }}')


def build(version: str) -> ModuleFiles:
    """``version`` is the spec's major version: an older one is the spec's choice (a major
    upgrade is a deliberate migration), which the latest-version check is told."""
    mod = module(NAME)
    mod.variables += [
        name_variable("Instance name.", limit=84), region_variable(),
        variable("database_version", "string", "Cloud SQL version, e.g. POSTGRES_18.",
                 validation=('can(regex("^POSTGRES_[0-9]+$", var.database_version))',
                             "database_version must be POSTGRES_<major>.")),
        variable("tier", "string", "Machine tier (db-custom-<vCPU>-<MiB>)."),
        variable("high_availability", "bool", "A standby in a second zone (REGIONAL)."),
        variable("network_id", "string", "VPC the instance gets its private address in."),
        variable("private_service_range", "string", "Private Service Access range to use "
                 "(known once the peering exists)."),
        name_variable("Logical database.", name="database_name"),
        variable("users", USERS, "Logins by service: its service account email and database "
                 "roles."),
        variable("retained_backups", "number", "Daily backups kept.",
                 validation=("var.retained_backups >= 1 && var.retained_backups <= 365",
                             "retained_backups must be between 1 and 365.")),
        variable("point_in_time_recovery", "bool", "Keep transaction logs for point-in-time "
                 "recovery."),
        labels_variable(),
    ]
    skips = [] if version == LATEST_MAJOR else [_version_skip(version)]
    mod.main += [_instance(skips), *_logins()]
    add_output(mod, "instance", "google_sql_database_instance.this.name", "Instance name.")
    add_output(mod, "private_ip", "google_sql_database_instance.this.private_ip_address",
               "Private address clients connect to.")
    add_output(mod, "connection_name", "google_sql_database_instance.this.connection_name",
               "project:region:instance, what the Auth Proxy connects to.")
    add_output(mod, "urls", URLS, "DATABASE_URL by service (through the local Auth Proxy).")
    return mod


def _version_skip(version: str) -> Comment:
    return checkov_skip("CKV_GCP_79", f"the spec pins PostgreSQL {version} "
                        "(data.database.postgres.version); moving to a new major version is a "
                        "migration the team schedules, not a default")


def _instance(skips: list[Comment]) -> Block:
    return resource("google_sql_database_instance", "this", [
        PROJECT, Attr("name", ref("var.name")), Attr("region", ref("var.region")),
        Attr("database_version", ref("var.database_version")),
        Attr("deletion_protection", True),
        block("settings", *_settings()),
    ], skips=skips)


def _settings() -> list[Attr | Block]:
    return [
        Attr("tier", ref("var.tier")),
        Attr("edition", "ENTERPRISE"),
        Attr("availability_type", ref('var.high_availability ? "REGIONAL" : "ZONAL"')),
        Attr("disk_type", "PD_SSD"),
        Attr("disk_autoresize", True),
        Attr("deletion_protection_enabled", True),
        Attr("user_labels", ref("var.labels")),
        block("ip_configuration", Attr("ipv4_enabled", False),
              Attr("private_network", ref("var.network_id")),
              Attr("allocated_ip_range", ref("var.private_service_range")),
              Attr("ssl_mode", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED")),
        block("backup_configuration", Attr("enabled", True), Attr("start_time", "02:00"),
              Attr("point_in_time_recovery_enabled", ref("var.point_in_time_recovery")),
              Attr("transaction_log_retention_days", 7),
              block("backup_retention_settings",
                    Attr("retained_backups", ref("var.retained_backups")),
                    Attr("retention_unit", "COUNT"))),
        block("insights_config", Attr("query_insights_enabled", True),
              Attr("record_client_address", False)),
        block("maintenance_window", Attr("day", 7), Attr("hour", 3),
              Attr("update_track", "stable")),
        *(block("database_flags", Attr("name", name), Attr("value", value))
          for name, value in FLAGS),
    ]


def _logins() -> list[Block]:
    return [
        resource("google_sql_database", "this", [
            PROJECT, Attr("name", ref("var.database_name")),
            Attr("instance", ref("google_sql_database_instance.this.name")),
        ]),
        resource("google_sql_user", "this", [
            PROJECT, for_each("var.users"),
            # Cloud SQL names a service account's login by its email without the domain suffix.
            Attr("name", ref('trimsuffix(each.value.email, ".gserviceaccount.com")')),
            Attr("instance", ref("google_sql_database_instance.this.name")),
            Attr("type", "CLOUD_IAM_SERVICE_ACCOUNT"),
            Attr("database_roles", ref("each.value.roles")),
            # A login that owns tables cannot be dropped; leave it when a service goes away.
            Attr("deletion_policy", "ABANDON"),
        ]),
    ]
