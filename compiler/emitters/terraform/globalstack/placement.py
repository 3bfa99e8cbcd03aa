"""Where the Atlas cluster's nodes run, who may connect and how each region reads (MC-031,
MC-035): the arguments of the root stack's ``global-atlas`` call, derived from the IR.

Writes always go to the primary, the highest-priority region, with majority write concern.
Services that only read use the nearest node, preferring their own region, then their own
cloud: a read-only service never crosses clouds while its cloud has a node. Services that
write read from the primary too, so they always see their own writes.
"""

from __future__ import annotations

from compiler import naming
from compiler.contract import service_env, targets
from compiler.emitters.terraform.common import (
    EGRESS_OUTPUT,
    AtlasPlacement,
    atlas_placements,
    module_call,
    tags,
)
from compiler.emitters.terraform.globalstack.atlas import NAME
from compiler.emitters.terraform.globalstack.base import Site, ref
from compiler.hcl import Block, Value
from compiler.model import Service

PROVIDERS = {"aws": "AWS", "gcp": "GCP", "azure": "AZURE"}
INSTANCE_SIZES = {"small": "M10", "medium": "M30", "large": "M40", "xlarge": "M50"}


def region_config(placement: AtlasPlacement) -> dict[str, Value]:
    """One ``region_configs`` entry of the cluster."""
    return {"provider_name": PROVIDERS[placement.cloud],
            "region_name": naming.atlas_region(placement.cloud, placement.region),
            "priority": placement.priority, "electable_nodes": placement.electable_nodes,
            "read_only_nodes": placement.read_only_nodes}


def role(service: Service) -> str:
    """The one built-in role the service's database access needs."""
    use = service.uses_kind("database")[0]
    return "readWrite" if use.writes else "read"


def options(site: Site, service: Service, cloud: str, region: str) -> str:
    """URI options of the service's connection string in one region (see the module doc)."""
    app = f"appName={naming.service_identity(site.project.name, site.env.name, service.name)}"
    if role(service) == "readWrite":
        return f"retryWrites=true&w=majority&readPreference=primary&{app}"
    provider = PROVIDERS[cloud]
    nodes_here = any(p.cloud == cloud and p.region == region
                     for p in atlas_placements(site.project, site.env))
    here = [f"provider:{provider},region:{naming.atlas_region(cloud, region)}"] if nodes_here else []
    # Atlas tags every node with its provider and region; the empty set means any node.
    sets = [*here, f"provider:{provider}", ""]
    preference = "&".join(f"readPreferenceTags={tag_set}" for tag_set in sets)
    return f"readPreference=nearest&{preference}&readConcernLevel=majority&{app}"


def connections(site: Site) -> dict[str, dict[str, Value]]:
    """Vault path -> user and options, for every provisioned DATABASE_URL of the environment
    (one per service and cloud region: the path the chart's Vault agent reads)."""
    project = site.project
    found: dict[str, dict[str, Value]] = {}
    for service in site.database_users():
        for target in targets(project, site.env):
            for var in service_env(project, service, target):
                if var.name == "DATABASE_URL" and var.source == "provisioned":
                    path = naming.vault_provisioned_path(project.name, target.cloud,
                                                         target.region, service.name, var.name)
                    found[path] = {"user": service.name,
                                   "options": options(site, service, target.cloud, target.region)}
    return dict(sorted(found.items()))


def restore_window_days(retention_days: int) -> int:
    """Point-in-time restore reaches back a week at most, and never past the retention."""
    return min(retention_days, 7)


def call(site: Site, allowed_cidrs: Value, export_bucket: Value | None) -> Block:
    database = site.project.data.database
    assert database is not None and database.atlas is not None
    project, env, backup = site.project, site.env, database.backup
    return module_call("atlas", NAME, {
        "org_id": database.atlas.org_id,
        "project_name": naming.atlas_project(project.name, env.name),
        "cluster_name": naming.atlas_cluster(project.name, env.name),
        "mongo_version": database.atlas.version,
        "instance_size": INSTANCE_SIZES[env.database_size],
        "regions": [region_config(p) for p in atlas_placements(project, env)],
        "termination_protection": env.protected,
        "backup": {"snapshot_interval_hours": backup.snapshot_interval_hours,
                   "retention_days": backup.retention_days,
                   "point_in_time": backup.point_in_time,
                   "restore_window_days": restore_window_days(backup.retention_days)},
        "export_enabled": export_bucket is not None,
        "export_bucket_id": export_bucket if export_bucket is not None else "",
        "allowed_cidrs": allowed_cidrs,
        "database_name": database.name,
        "users": {s.name: {"username": naming.atlas_database_user(project.name, env.name, s.name),
                           "role": role(s)} for s in site.database_users()},
        "connections": connections(site),
        "tags": tags(project, env),
    })


def egress_cidrs(site: Site) -> Value:
    """Every cloud's NAT addresses, from its stack's outputs, as /32 blocks."""
    lists = "".join(f"    values(data.terraform_remote_state.{cloud.name}.outputs.{EGRESS_OUTPUT}),\n"
                    for cloud in site.env.clouds)
    return ref(f"[\n  for ip in distinct(flatten([\n{lists}  ])) : \"${{ip}}/32\"\n]")
