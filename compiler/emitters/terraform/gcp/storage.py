"""gcp-storage: a region's buckets and the access-log bucket they log to.

Every bucket: uniform bucket-level access, public access prevention, a CMEK default key,
versioning (noncurrent versions expire after 30 days), GCS usage logs, and the lifecycle the
spec asks for. Roles on a bucket are granted by the service identities (``gcp-service-identity``),
never here.
"""

from __future__ import annotations

from compiler.emitters.terraform.common import ModuleFiles, checkov_skip, variable
from compiler.emitters.terraform.gcp.base import (
    LABELS,
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
from compiler.hcl import Attr, Block

NAME = "gcp-storage"
BUCKETS = ("map(object({ name = string, versioning = bool, archive_after_days = number, "
           "expire_after_days = number }))")
NONCURRENT_DAYS = 30
LOG_RETENTION_DAYS = 365
# Google writes usage logs as this group; it needs to create objects in the log bucket.
USAGE_LOG_WRITER = "group:cloud-storage-analytics@google.com"


def build() -> ModuleFiles:
    mod = module(NAME)
    mod.variables += [
        region_variable(),
        variable("buckets", BUCKETS,
                 "Buckets of this region by spec name; a null lifecycle age leaves that rule out."),
        name_variable("Name of the region's access-log bucket.", name="log_bucket"),
        variable("kms_key_id", "string", "Cloud KMS key encrypting every object (CMEK)."),
        labels_variable(),
    ]
    mod.main += [_log_bucket(), _log_writer(), _bucket()]
    add_output(mod, "bucket_names", "{ for name, b in google_storage_bucket.this : name => b.name }",
               "Physical bucket name by spec name.")
    add_output(mod, "log_bucket", "google_storage_bucket.logs.name", "The access-log bucket.")
    return mod


def _common(versioning: Attr) -> list[Attr | Block]:
    return [
        PROJECT,
        Attr("location", ref("upper(var.region)")),
        Attr("storage_class", "STANDARD"),
        Attr("uniform_bucket_level_access", True),
        Attr("public_access_prevention", "enforced"),
        Attr("force_destroy", False),
        block("versioning", versioning),
        block("encryption", Attr("default_kms_key_name", ref("var.kms_key_id"))),
        _rule(Attr("days_since_noncurrent_time", NONCURRENT_DAYS), Attr("type", "Delete")),
    ]


def _rule(condition: Attr, *action: Attr) -> Block:
    return block("lifecycle_rule", block("condition", condition), block("action", *action))


def _log_bucket() -> Block:
    return resource("google_storage_bucket", "logs", [
        Attr("name", ref("var.log_bucket")),
        *_common(Attr("enabled", True)),
        _rule(Attr("age", LOG_RETENTION_DAYS), Attr("type", "Delete")),
        LABELS,
    ], skips=[checkov_skip(
        "CKV_GCP_62", "this is the access-log bucket the region's buckets log to; logging it "
        "too would need a further log bucket without end (CKV_GCP_63 forbids logging to itself)")])


def _log_writer() -> Block:
    return resource("google_storage_bucket_iam_member", "usage_logs", [
        Attr("bucket", ref("google_storage_bucket.logs.name")),
        Attr("role", "roles/storage.objectCreator"),
        Attr("member", USAGE_LOG_WRITER),
    ])


def _bucket() -> Block:
    return resource("google_storage_bucket", "this", [
        for_each("var.buckets"),
        Attr("name", ref("each.value.name")),
        *_common(Attr("enabled", ref("each.value.versioning"))),
        block("logging", Attr("log_bucket", ref("google_storage_bucket.logs.name")),
              Attr("log_object_prefix", ref("each.value.name"))),
        _dynamic_rule("archive_after_days", Attr("type", "SetStorageClass"),
                      Attr("storage_class", "ARCHIVE")),
        _dynamic_rule("expire_after_days", Attr("type", "Delete")),
        LABELS,
        Attr("depends_on", [ref("google_storage_bucket_iam_member.usage_logs")]),
    ])


def _dynamic_rule(field: str, *action: Attr) -> Block:
    return Block("dynamic", ("lifecycle_rule",), [
        Attr("for_each", ref(f"each.value.{field} == null ? [] : [each.value.{field}]")),
        block("content", block("condition", Attr("age", ref("lifecycle_rule.value"))),
              block("action", *action)),
    ])
