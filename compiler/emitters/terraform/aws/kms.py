"""aws-kms: one customer-managed key per region and environment, rotated yearly.

Every encrypted resource of the region (logs, buckets, queues, cache, database, cluster secrets,
registry, Secrets Manager) uses it. The key policy delegates to IAM (the account root), so a
principal can use the key only where its own IAM policy allows it; the only service principal
named in the policy is CloudWatch Logs, which encrypts log groups with no caller credentials,
and only for this account's log groups in this region.
"""

from __future__ import annotations

from compiler.emitters.terraform.aws.base import (
    Module,
    name_variable,
    policy,
    ref,
    region_variable,
    resource,
    statement,
    tags_variable,
)
from compiler.emitters.terraform.common import variable
from compiler.hcl import Attr, Expr

NAME = "aws-kms"
KEY_USE = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]


def module() -> Module:
    mod = Module(NAME)
    mod.variables += [
        name_variable(), region_variable(),
        variable("account_id", "string", "AWS account that owns the key.",
                 validation=('can(regex("^[0-9]{12}$", var.account_id))',
                             "account_id must be 12 digits.")),
        variable("deletion_window_in_days", "number", "Waiting period before a deleted key is gone.",
                 default=30, validation=("var.deletion_window_in_days >= 7 && "
                                         "var.deletion_window_in_days <= 30",
                                         "deletion_window_in_days must be 7-30.")),
        tags_variable(),
    ]
    mod.main += [
        resource("aws_kms_key", "this", [
            Attr("description", ref('"${var.name} data key (${var.region})"')),
            Attr("enable_key_rotation", True),
            Attr("deletion_window_in_days", ref("var.deletion_window_in_days")),
            Attr("policy", _key_policy()),
        ]),
        resource("aws_kms_alias", "this", [
            Attr("name", ref('"alias/${var.name}"')),
            Attr("target_key_id", ref("aws_kms_key.this.key_id")),
        ], tagged=False),
    ]
    mod.output("key_arn", "aws_kms_key.this.arn", "ARN of the key.")
    mod.output("alias_arn", "aws_kms_alias.this.arn", "ARN of the key's alias.")
    return mod


def _key_policy() -> Expr:
    root = ref('"arn:aws:iam::${var.account_id}:root"')
    log_groups = ref('"arn:aws:logs:${var.region}:${var.account_id}:log-group:*"')
    return policy([
        statement("AccountAdministersThroughIam", ["kms:*"], "*", principal={"AWS": root}),
        statement("CloudWatchLogsEncryptsThisAccountsLogGroups", KEY_USE, "*",
                  principal={"Service": ref('"logs.${var.region}.amazonaws.com"')},
                  condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}}),
    ])
