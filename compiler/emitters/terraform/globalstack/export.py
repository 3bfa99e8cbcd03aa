"""global-atlas-export-gcp: cross-cloud backup (MC-032). Atlas exports every daily snapshot to
a GCS bucket, so the data survives the loss of the clouds that host the cluster's nodes.

Atlas reaches the bucket as its own Google service account (cloud provider access), which may
only create objects: it can neither read nor delete earlier exports. Provider 1.41 offers the
export bucket and the backup schedule's ``export`` block (used by ``global-atlas``); an export
job would copy one snapshot once, which is not what a declared policy wants.
"""

from __future__ import annotations

from compiler import naming
from compiler.emitters.terraform.common import ModuleFiles, module_call, output, tags
from compiler.emitters.terraform.common import variable as tf_variable
from compiler.emitters.terraform.globalstack.base import Site, ref, resource
from compiler.hcl import Attr, Block, Expr

NAME = "global-atlas-export-gcp"
SETUP = "mongodbatlas_cloud_provider_access_setup.gcp"
BUCKET = "google_storage_bucket.this"
SECONDS_PER_DAY = 86400


def module() -> ModuleFiles:
    mod = ModuleFiles(NAME, ("google", "mongodbatlas"))
    mod.variables += [
        tf_variable("atlas_project_id", "string", "Atlas project whose snapshots are exported."),
        tf_variable("gcp_project", "string", "GCP project holding the bucket."),
        tf_variable("bucket_name", "string", "Name of the export bucket."),
        tf_variable("location", "string", "Region of the bucket."),
        tf_variable("log_bucket", "string", "Bucket receiving the usage logs; empty for none."),
        tf_variable("retention_days", "number", "Days an export is kept."),
        tf_variable("labels", "map(string)", "Labels of the bucket."),
    ]
    mod.main += [*_access(), _bucket(), _writer(), _export_bucket()]
    mod.outputs.append(output("bucket_id", ref(
        "mongodbatlas_cloud_backup_snapshot_export_bucket.this.export_bucket_id"),
        "Atlas export bucket id, for the backup schedule's export."))
    return mod


def _access() -> list[Block]:
    return [
        resource("mongodbatlas_cloud_provider_access_setup", "gcp", [
            Attr("project_id", ref("var.atlas_project_id")), Attr("provider_name", "GCP")]),
        resource("mongodbatlas_cloud_provider_access_authorization", "gcp", [
            Attr("project_id", ref("var.atlas_project_id")),
            Attr("role_id", ref(f"{SETUP}.role_id"))]),
    ]


def _bucket() -> Block:
    # Usage logs go to the region's log bucket, which the GCP stack creates with the spec's
    # buckets; without buckets there is none to write to.
    logging = Block("dynamic", ("logging",), [
        Attr("for_each", ref('var.log_bucket == "" ? [] : [var.log_bucket]')),
        Block("content", body=[Attr("log_bucket", ref("logging.value"))])])
    return resource("google_storage_bucket", "this", [
        Attr("project", ref("var.gcp_project")), Attr("name", ref("var.bucket_name")),
        Attr("location", ref("var.location")), Attr("storage_class", "STANDARD"),
        Attr("uniform_bucket_level_access", True), Attr("public_access_prevention", "enforced"),
        Attr("force_destroy", False),
        Block("versioning", body=[Attr("enabled", True)]),
        logging,
        Block("lifecycle_rule", body=[
            Block("condition", body=[Attr("age", ref("var.retention_days"))]),
            Block("action", body=[Attr("type", "Delete")])]),
        Attr("labels", ref("var.labels")),
    ])


def _writer() -> Block:
    account = f"{SETUP}.gcp_config[0].service_account_for_atlas"
    return resource("google_storage_bucket_iam_member", "atlas", [
        Attr("bucket", ref(f"{BUCKET}.name")),
        Attr("role", "roles/storage.objectCreator"),
        Attr("member", ref(f'"serviceAccount:${{{account}}}"')),
    ])


def _export_bucket() -> Block:
    return resource("mongodbatlas_cloud_backup_snapshot_export_bucket", "this", [
        Attr("project_id", ref("var.atlas_project_id")),
        Attr("cloud_provider", "GCP"),
        Attr("bucket_name", ref(f"{BUCKET}.name")),
        Attr("role_id", ref("mongodbatlas_cloud_provider_access_authorization.gcp.role_id")),
        Attr("depends_on", [ref("google_storage_bucket_iam_member.atlas")]),
    ])


def applies(site: Site) -> bool:
    """Export runs in environments that enable the export cloud (staging may not)."""
    database = site.project.data.database
    return (site.atlas and database is not None and database.backup.export_to == "gcp"
            and site.env.cloud("gcp") is not None)


def call(site: Site) -> Block:
    project, env = site.project, site.env
    database, cloud = project.data.database, env.cloud("gcp")
    assert database is not None and cloud is not None
    region = cloud.regions[0]
    logs = naming.gcp_log_bucket(project.name, env.name, region) if project.data.buckets else ""
    return module_call("atlas_export", NAME, {
        "atlas_project_id": Expr("module.atlas.project_id"),
        "gcp_project": Expr("var.gcp_project_id"),
        "bucket_name": naming.atlas_export_bucket(project.name, env.name, "gcp", region),
        "location": region,
        "log_bucket": logs,
        "retention_days": database.backup.retention_days,
        "labels": tags(project, env),
    })
