"""aws-audit: the account's CloudTrail, once per account, into one central encrypted bucket.

A multi-region trail with global service events and log-file validation (tamper evidence),
encrypted with its own KMS key, also streamed to CloudWatch Logs for alerting and announced
on an encrypted SNS topic. Only CloudTrail, for this trail, may write to the bucket.
"""

from __future__ import annotations

from compiler.emitters.terraform.aws.base import (
    Module,
    assume_role,
    policy,
    ref,
    region_variable,
    resource,
    statement,
    tags_variable,
)
from compiler.emitters.terraform.common import variable
from compiler.hcl import Attr, Block

NAME = "aws-audit"
RETENTION_DAYS = 2555  # seven years, the usual audit retention
TRAIL = '"arn:aws:cloudtrail:${var.region}:${var.account_id}:trail/${var.trail_name}"'


def module() -> Module:
    mod = Module(NAME)
    mod.variables += [
        region_variable(),
        variable("trail_name", "string", "Trail name."),
        variable("bucket", "string", "Central bucket (naming.aws_audit_bucket)."),
        variable("log_bucket", "string", "Bucket receiving the audit bucket's access logs."),
        variable("account_id", "string", "The account."),
        tags_variable(),
    ]
    mod.main += [*_key(), *_bucket(), *_delivery(), _trail()]
    mod.output("trail_arn", "aws_cloudtrail.this.arn", "Trail ARN.")
    mod.output("bucket", "module.bucket.bucket", "Central audit bucket.")
    return mod


def _key() -> list[Block]:
    root = ref('"arn:aws:iam::${var.account_id}:root"')
    source = {"StringEquals": {"aws:SourceArn": ref(TRAIL)}}
    return [
        resource("aws_kms_key", "trail", [
            Attr("description", ref('"CloudTrail ${var.trail_name}"')),
            Attr("enable_key_rotation", True),
            Attr("deletion_window_in_days", 30),
            Attr("policy", policy([
                statement("AccountAdministersThroughIam", ["kms:*"], "*", principal={"AWS": root}),
                statement("CloudTrailEncryptsItsLogs", ["kms:GenerateDataKey*", "kms:DescribeKey"], "*",
                          principal={"Service": "cloudtrail.amazonaws.com"}, condition=source),
                statement("CloudTrailPublishesToTheEncryptedTopic", ["kms:GenerateDataKey*", "kms:Decrypt"],
                          "*", principal={"Service": "cloudtrail.amazonaws.com"}, condition=source),
                statement("CloudWatchLogsEncryptsTheTrailGroup",
                          ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                           "kms:Describe*"], "*",
                          principal={"Service": ref('"logs.${var.region}.amazonaws.com"')},
                          condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": ref(
                              '"arn:aws:logs:${var.region}:${var.account_id}:log-group:*"')}}),
            ])),
        ]),
    ]


def _bucket() -> list[Block]:
    # The bucket module brings KMS, versioning, public access block, logging and lifecycle;
    # the trail's write permission is a second policy statement set on top (see _delivery).
    return [Block("module", ("bucket",), [
        Attr("source", "../aws-bucket"),
        Attr("region", ref("var.region")),
        Attr("bucket", ref("var.bucket")),
        Attr("kms_key_arn", ref("aws_kms_key.trail.arn")),
        Attr("log_bucket", ref("var.log_bucket")),
        Attr("archive_after_days", 90),
        Attr("expire_after_days", RETENTION_DAYS),
        Attr("extra_policy_statements", ref("local.trail_writes")),
        Attr("tags", ref("var.tags")),
    ])]


def _delivery() -> list[Block]:
    bucket_arn = '"arn:aws:s3:::${var.bucket}"'
    source = {"StringEquals": {"aws:SourceArn": ref(TRAIL)}}
    group = "aws_cloudwatch_log_group.trail.arn"
    return [
        Block("locals", body=[Attr("trail_writes", [
            statement("CloudTrailChecksAcl", ["s3:GetBucketAcl"], [ref(bucket_arn)],
                      principal={"Service": "cloudtrail.amazonaws.com"}, condition=source),
            statement("CloudTrailWrites", ["s3:PutObject"],
                      [ref('"arn:aws:s3:::${var.bucket}/AWSLogs/${var.account_id}/*"')],
                      principal={"Service": "cloudtrail.amazonaws.com"}, condition=source),
        ])]),
        resource("aws_cloudwatch_log_group", "trail", [
            Attr("name", ref('"/aws/cloudtrail/${var.trail_name}"')),
            Attr("retention_in_days", 365),
            Attr("kms_key_id", ref("aws_kms_key.trail.arn")),
        ]),
        resource("aws_iam_role", "trail", [
            Attr("name", ref('"${var.trail_name}-cloudtrail-logs"')),
            Attr("assume_role_policy", assume_role({"Service": "cloudtrail.amazonaws.com"})),
        ], regional=False),
        resource("aws_iam_role_policy", "trail", [
            Attr("name", "write-trail-logs"),
            Attr("role", ref("aws_iam_role.trail.id")),
            Attr("policy", policy([statement(
                "WriteTheTrailGroup", ["logs:CreateLogStream", "logs:PutLogEvents"],
                [ref(f'"${{{group}}}:*"')])])),
        ], regional=False, tagged=False),
        resource("aws_sns_topic", "trail", [
            Attr("name", ref('"${var.trail_name}-cloudtrail"')),
            Attr("kms_master_key_id", ref("aws_kms_key.trail.arn")),
        ]),
        resource("aws_sns_topic_policy", "trail", [
            Attr("arn", ref("aws_sns_topic.trail.arn")),
            Attr("policy", policy([statement(
                "CloudTrailPublishes", ["sns:Publish"], ref("aws_sns_topic.trail.arn"),
                principal={"Service": "cloudtrail.amazonaws.com"}, condition=source)])),
        ], tagged=False),
    ]


def _trail() -> Block:
    return resource("aws_cloudtrail", "this", [
        Attr("name", ref("var.trail_name")),
        Attr("s3_bucket_name", ref("module.bucket.bucket")),
        Attr("kms_key_id", ref("aws_kms_key.trail.arn")),
        Attr("is_multi_region_trail", True),
        Attr("include_global_service_events", True),
        Attr("enable_log_file_validation", True),
        Attr("cloud_watch_logs_group_arn", ref('"${aws_cloudwatch_log_group.trail.arn}:*"')),
        Attr("cloud_watch_logs_role_arn", ref("aws_iam_role.trail.arn")),
        Attr("sns_topic_name", ref("aws_sns_topic.trail.name")),
        Attr("depends_on", [ref("module.bucket"), ref("aws_iam_role_policy.trail"),
                            ref("aws_sns_topic_policy.trail")]),
    ])

