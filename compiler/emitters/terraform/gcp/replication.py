"""gcp-storage-transfer: cross-cloud replication (MC-033). Storage Transfer Service pulls the
copy another cloud holds (S3, or Azure Blob when AWS is not enabled) into each regional bucket
every hour; objects deleted at the source stay in GCS (versioned), so the copy also guards
against a deletion on the other side.

Credentials: for S3, the transfer service agent assumes an AWS IAM role by web identity (no
keys; the AWS stack trusts ``transfer_service_agent.subject_id``); for Azure, it reads a SAS
token from a Secret Manager secret, never from Terraform.
"""

from __future__ import annotations

from compiler.emitters.terraform.common import ModuleFiles, variable
from compiler.emitters.terraform.gcp.base import (
    PROJECT,
    add_output,
    block,
    data,
    for_each,
    module,
    ref,
    resource,
)
from compiler.hcl import Attr, Block

NAME = "gcp-storage-transfer"
S3_JOBS = "map(object({ sink = string, bucket = string, role_arn = string }))"
AZURE_JOBS = ("map(object({ sink = string, storage_account = string, container = string, "
              "credentials_secret = string }))")
SINKS = "toset(concat(values(var.s3_jobs)[*].sink, values(var.azure_jobs)[*].sink))"
REPEAT = "3600s"  # the shortest interval Storage Transfer allows
# Any past date starts the schedule at once; a fixed one keeps the output deterministic.
START = (("year", 2025), ("month", 1), ("day", 1))
AGENT = "data.google_storage_transfer_project_service_account.this.member"


def build() -> ModuleFiles:
    mod = module(NAME)
    mod.variables += [
        variable("s3_jobs", S3_JOBS, "Pulls from S3 by job key: sink bucket, source bucket, "
                 "AWS role the transfer service agent assumes.", default={}),
        variable("azure_jobs", AZURE_JOBS, "Pulls from Azure Blob by job key: sink bucket, "
                 "storage account, container, Secret Manager secret holding the SAS token.",
                 default={}),
    ]
    mod.main += [
        data("google_storage_transfer_project_service_account", "this", [PROJECT]),
        *_sink_grants(),
        resource("google_secret_manager_secret_iam_member", "azure_credentials", [
            PROJECT, for_each("toset(values(var.azure_jobs)[*].credentials_secret)"),
            Attr("secret_id", ref("each.key")),
            Attr("role", "roles/secretmanager.secretAccessor"),
            Attr("member", ref(AGENT)),
        ]),
        _job("s3", block("aws_s3_data_source", Attr("bucket_name", ref("each.value.bucket")),
                         Attr("role_arn", ref("each.value.role_arn")))),
        _job("azure", block("azure_blob_storage_data_source",
                            Attr("storage_account", ref("each.value.storage_account")),
                            Attr("container", ref("each.value.container")),
                            Attr("credentials_secret", ref("each.value.credentials_secret")))),
    ]
    add_output(mod, "transfer_service_agent",
               "{ email = data.google_storage_transfer_project_service_account.this.email, "
               "subject_id = data.google_storage_transfer_project_service_account.this.subject_id }",
               "Identity the source clouds must trust (AWS role trust: accounts.google.com, "
               "this subject id).")
    return mod


def _sink_grants() -> list[Block]:
    # Reading object metadata and writing objects, on the sink buckets only.
    return [resource("google_storage_bucket_iam_member", f"sink_{name}", [
        for_each(SINKS), Attr("bucket", ref("each.key")), Attr("role", role),
        Attr("member", ref(AGENT)),
    ]) for name, role in (("writer", "roles/storage.legacyBucketWriter"),
                          ("reader", "roles/storage.objectViewer"))]


def _job(kind: str, source: Block) -> Block:
    return resource("google_storage_transfer_job", kind, [
        PROJECT, for_each(f"var.{kind}_jobs"),
        Attr("description", ref(f'"Replicate {kind} ${{each.key}} into ${{each.value.sink}}"')),
        block("transfer_spec", source,
              block("gcs_data_sink", Attr("bucket_name", ref("each.value.sink"))),
              block("transfer_options", Attr("overwrite_when", "DIFFERENT"),
                    Attr("delete_objects_unique_in_sink", False))),
        block("schedule", block("schedule_start_date", *(Attr(k, v) for k, v in START)),
              Attr("repeat_interval", REPEAT)),
        block("logging_config", Attr("log_actions", ["COPY", "DELETE", "FIND"]),
              Attr("log_action_states", ["FAILED", "SUCCEEDED"])),
        Attr("depends_on", [ref("google_storage_bucket_iam_member.sink_writer"),
                            ref("google_storage_bucket_iam_member.sink_reader"),
                            ref("google_secret_manager_secret_iam_member.azure_credentials")]),
    ])
