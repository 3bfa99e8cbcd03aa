"""aws-bucket (one application bucket) and aws-log-bucket (a region's access-log target).

Application buckets: KMS (the region's key, with S3 bucket keys to cut KMS calls), versioning,
public access blocked, ACLs disabled, TLS-only policy, server access logs to the log bucket,
a lifecycle from the spec, EventBridge notifications, and, where the spec asks, replication
to the same bucket in the environment's other AWS regions (KMS re-encrypted with their keys).
"""

from __future__ import annotations

from compiler.emitters.terraform.aws.base import (
    POLICY_VERSION,
    Module,
    assume_role,
    data,
    policy,
    ref,
    region_variable,
    resource,
    skip,
    statement,
    tags_variable,
)
from compiler.emitters.terraform.common import variable
from compiler.hcl import Attr, Block, Expr, Value, jsonencode

BUCKET = "aws-bucket"
LOG_BUCKET = "aws-log-bucket"
NONCURRENT_DAYS = 90
LOG_RETENTION_DAYS = 365


def _deny_insecure(arn: str) -> dict[str, Value]:
    return statement("DenyInsecureTransport", ["s3:*"], [ref(arn), ref(f'"${{{arn}}}/*"')],
                     effect="Deny", principal={"AWS": "*"},
                     condition={"Bool": {"aws:SecureTransport": "false"}})


def _common(arn: str, extra_statements: list[dict[str, Value]] | None) -> list[Block]:
    """``None``: the statements come from ``var.extra_policy_statements``."""
    if extra_statements is None:
        document: Value = jsonencode({"Version": POLICY_VERSION, "Statement": Expr(
            "concat(var.extra_policy_statements, local.deny_insecure_transport)")})
        locals_: list[Block] = [Block("locals", body=[
            Attr("deny_insecure_transport", [_deny_insecure(arn)])])]
    else:
        document = policy([*extra_statements, _deny_insecure(arn)])
        locals_ = []
    return [*locals_,
        resource("aws_s3_bucket_public_access_block", "this", [
            Attr("bucket", ref("aws_s3_bucket.this.id")),
            *[Attr(key, True) for key in ("block_public_acls", "block_public_policy",
                                          "ignore_public_acls", "restrict_public_buckets")],
        ], tagged=False),
        resource("aws_s3_bucket_ownership_controls", "this", [
            Attr("bucket", ref("aws_s3_bucket.this.id")),
            Block("rule", body=[Attr("object_ownership", "BucketOwnerEnforced")]),
        ], tagged=False),
        resource("aws_s3_bucket_policy", "this", [
            Attr("bucket", ref("aws_s3_bucket.this.id")),
            Attr("policy", document),
            Attr("depends_on", [ref("aws_s3_bucket_public_access_block.this")]),
        ], tagged=False),
        resource("aws_s3_bucket_notification", "this", [
            Attr("bucket", ref("aws_s3_bucket.this.id")),
            Attr("eventbridge", True),
        ], tagged=False),
    ]


def _encryption(algorithm: str, key: str | None) -> Block:
    default: list[Attr] = [Attr("sse_algorithm", algorithm)]
    if key:
        default.append(Attr("kms_master_key_id", ref(key)))
    return resource("aws_s3_bucket_server_side_encryption_configuration", "this", [
        Attr("bucket", ref("aws_s3_bucket.this.id")),
        Block("rule", body=[Block("apply_server_side_encryption_by_default", body=default),
                            Attr("bucket_key_enabled", key is not None)]),
    ], tagged=False)


def _versioning(status: str) -> Block:
    return resource("aws_s3_bucket_versioning", "this", [
        Attr("bucket", ref("aws_s3_bucket.this.id")),
        Block("versioning_configuration", body=[Attr("status", ref(status))]),
    ], tagged=False)


def _optional(name: str, variable_name: str, body: list[Attr]) -> Block:
    """A dynamic block present only when ``var.<variable_name>`` is set."""
    return Block("dynamic", (name,), [
        Attr("for_each", ref(f"var.{variable_name} == null ? [] : [var.{variable_name}]")),
        Block("content", body=body),
    ])


def _lifecycle(archive: Block | None, expire: Block | None, noncurrent: bool) -> Block:
    body: list[Attr | Block] = [
        Attr("id", "retention"), Attr("status", "Enabled"), Block("filter"),
        Block("abort_incomplete_multipart_upload", body=[Attr("days_after_initiation", 7)]),
    ]
    body += [b for b in (archive, expire) if b is not None]
    if noncurrent:
        body.append(Block("noncurrent_version_expiration",
                          body=[Attr("noncurrent_days", NONCURRENT_DAYS)]))
    return resource("aws_s3_bucket_lifecycle_configuration", "this", [
        Attr("bucket", ref("aws_s3_bucket.this.id")),
        Block("rule", body=body),
    ], tagged=False)


def bucket_module() -> Module:
    mod = Module(BUCKET)
    arn = "aws_s3_bucket.this.arn"
    mod.variables += [
        region_variable(),
        variable("bucket", "string", "Bucket name (naming.bucket).",
                 validation=('can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket))',
                             "bucket must be 3-63 lowercase letters, digits and '-'.")),
        variable("kms_key_arn", "string", "KMS key encrypting the objects."),
        variable("log_bucket", "string", "Bucket receiving the server access logs."),
        variable("versioning", "bool", "Keep every version of every object.", default=True),
        variable("archive_after_days", "number", "Move objects to Glacier Instant Retrieval after.",
                 default=Expr("null")),
        variable("expire_after_days", "number", "Delete objects after this many days.", default=Expr("null")),
        variable("replication_destinations", "list(object({ bucket_arn = string, kms_key_arn = string }))",
                 "Buckets (other regions) that receive a copy of every object.", default=[]),
        variable("extra_policy_statements", "any",
                 "Bucket policy statements added to the TLS-only one (e.g. a service's writes).",
                 default=[]),
        tags_variable(),
    ]
    mod.main += [
        resource("aws_s3_bucket", "this", [Attr("bucket", ref("var.bucket"))]),
        _encryption("aws:kms", "var.kms_key_arn"),
        _versioning('var.versioning ? "Enabled" : "Suspended"'),
        resource("aws_s3_bucket_logging", "this", [
            Attr("bucket", ref("aws_s3_bucket.this.id")),
            Attr("target_bucket", ref("var.log_bucket")),
            Attr("target_prefix", ref('"s3-access/${var.bucket}/"')),
        ], tagged=False),
        _lifecycle(
            _optional("transition", "archive_after_days",
                      [Attr("days", ref("transition.value")), Attr("storage_class", "GLACIER_IR")]),
            _optional("expiration", "expire_after_days", [Attr("days", ref("expiration.value"))]),
            noncurrent=True),
        *_common(arn, None),
        *_replication(),
    ]
    mod.output("bucket", "aws_s3_bucket.this.id", "Bucket name.")
    mod.output("arn", arn, "Bucket ARN.")
    return mod


def _replication() -> list[Block]:
    count = Attr("count", ref("length(var.replication_destinations) > 0 ? 1 : 0"))
    source = "aws_s3_bucket.this.arn"
    statements = [
        statement("ReadSource", ["s3:GetReplicationConfiguration", "s3:ListBucket"], [ref(source)]),
        statement("ReadSourceVersions", ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                                         "s3:GetObjectVersionTagging"], [ref(f'"${{{source}}}/*"')]),
        statement("WriteReplicas", ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                  ref('[for d in var.replication_destinations : "${d.bucket_arn}/*"]')),
        statement("DecryptSource", ["kms:Decrypt"], [ref("var.kms_key_arn")]),
        statement("EncryptReplicas", ["kms:Encrypt", "kms:GenerateDataKey"],
                  ref("[for d in var.replication_destinations : d.kms_key_arn]")),
    ]
    rule = Block("content", body=[
        Attr("id", ref('"replica-${rule.key}"')),
        Attr("priority", ref("rule.key")),
        Attr("status", "Enabled"),
        Block("filter"),
        Block("delete_marker_replication", body=[Attr("status", "Enabled")]),
        Block("source_selection_criteria", body=[
            Block("sse_kms_encrypted_objects", body=[Attr("status", "Enabled")]),
            Block("replica_modifications", body=[Attr("status", "Enabled")]),
        ]),
        Block("destination", body=[
            Attr("bucket", ref("rule.value.bucket_arn")),
            Block("encryption_configuration",
                  body=[Attr("replica_kms_key_id", ref("rule.value.kms_key_arn"))]),
        ]),
    ])
    return [
        resource("aws_iam_role", "replication", [
            count,
            Attr("name", ref('"${substr(var.bucket, 0, 52)}-replication"')),
            Attr("assume_role_policy", assume_role({"Service": "s3.amazonaws.com"})),
        ], regional=False),
        *_replication_permissions(count, statements, rule),
    ]


def _replication_permissions(count: Attr, statements: list[dict[str, Value]], rule: Block) -> list[Block]:
    return [
        resource("aws_iam_role_policy", "replication", [
            count,
            Attr("name", "replicate"),
            Attr("role", ref("aws_iam_role.replication[0].id")),
            Attr("policy", policy(statements)),
        ], regional=False, tagged=False),
        resource("aws_s3_bucket_replication_configuration", "this", [
            count,
            Attr("bucket", ref("aws_s3_bucket.this.id")),
            Attr("role", ref("aws_iam_role.replication[0].arn")),
            Block("dynamic", ("rule",), [Attr("for_each", ref("var.replication_destinations")), rule]),
            Attr("depends_on", [ref("aws_s3_bucket_versioning.this")]),
        ], tagged=False),
    ]


LOG_SKIPS = [
    skip("CKV_AWS_145", "S3 server access logs and load balancer access logs can only be "
         "delivered to a bucket encrypted with S3-managed keys (SSE-S3), not SSE-KMS"),
    skip("CKV_AWS_18", "this bucket is the access-log target; logging it into itself would "
         "log its own log deliveries"),
    skip("CKV_AWS_144", "access logs are diagnostic data of one region; the data they describe "
         "is what gets replicated"),
]


def log_bucket_module() -> Module:
    mod = Module(LOG_BUCKET)
    arn = "aws_s3_bucket.this.arn"
    mod.variables += [
        region_variable(),
        variable("bucket", "string", "Bucket name."),
        variable("account_id", "string", "Account whose services deliver logs here."),
        tags_variable(),
    ]
    mod.main += [
        data("aws_elb_service_account", "this", []),
        resource("aws_s3_bucket", "this", [Attr("bucket", ref("var.bucket"))], skips=LOG_SKIPS),
        _encryption("AES256", None),
        _versioning('"Enabled"'),
        _lifecycle(None, Block("expiration", body=[Attr("days", LOG_RETENTION_DAYS)]), noncurrent=True),
        *_common(arn, _log_delivery(arn)),
    ]
    mod.output("bucket", "aws_s3_bucket.this.id", "Bucket name.")
    mod.output("arn", arn, "Bucket ARN.")
    return mod


def _log_delivery(arn: str) -> list[dict[str, Value]]:
    account = {"StringEquals": {"aws:SourceAccount": ref("var.account_id")}}
    lb_logs = ref(f'"${{{arn}}}/ingress/AWSLogs/${{var.account_id}}/*"')
    return [
        statement("S3ServerAccessLogs", ["s3:PutObject"], [ref(f'"${{{arn}}}/s3-access/*"')],
                  principal={"Service": "logging.s3.amazonaws.com"}, condition=account),
        # Regions older than August 2022 deliver as the regional ELB account, newer ones as
        # the log-delivery service principal; network load balancers as delivery.logs.
        statement("LoadBalancerAccessLogs", ["s3:PutObject"], [lb_logs],
                  principal={"AWS": ref("data.aws_elb_service_account.this.arn")}),
        statement("LoadBalancerLogDelivery", ["s3:PutObject"], [lb_logs],
                  principal={"Service": ["logdelivery.elasticloadbalancing.amazonaws.com",
                                         "delivery.logs.amazonaws.com"]}, condition=account),
        statement("LogDeliveryChecksAcl", ["s3:GetBucketAcl"], [ref(arn)],
                  principal={"Service": "delivery.logs.amazonaws.com"}, condition=account),
    ]

