"""aws-queue: an SQS queue with its dead-letter queue, both KMS-encrypted and TLS-only.

Messages that fail ``max_receive_count`` times move to the dead-letter queue, kept the SQS
maximum of 14 days for inspection; only this queue may redrive into it.
"""

from __future__ import annotations

from compiler.emitters.terraform.aws.base import (
    Module,
    policy,
    ref,
    region_variable,
    resource,
    statement,
    tags_variable,
)
from compiler.emitters.terraform.common import variable
from compiler.hcl import Attr, Block, jsonencode

NAME = "aws-queue"
DLQ_RETENTION_SECONDS = 14 * 86400
KEY_REUSE_SECONDS = 300  # fewer KMS calls; five minutes is the usual trade-off


def module() -> Module:
    mod = Module(NAME)
    mod.variables += [
        region_variable(),
        variable("queue_name", "string", "Queue name (naming.queue); the DLQ adds -dlq.",
                 validation=('can(regex("^[A-Za-z0-9_-]{1,76}$", var.queue_name))',
                             "queue_name must be 1-76 letters, digits, '-' or '_'.")),
        variable("kms_key_arn", "string", "KMS key encrypting the messages."),
        variable("visibility_timeout_seconds", "number", "Time a received message stays hidden.",
                 default=300, validation=("var.visibility_timeout_seconds <= 43200",
                                          "visibility_timeout_seconds is at most 12 hours.")),
        variable("retention_days", "number", "Days a message is kept.", default=4,
                 validation=("var.retention_days >= 1 && var.retention_days <= 14",
                             "retention_days must be 1-14.")),
        variable("max_receive_count", "number", "Deliveries before a message is dead-lettered.",
                 default=5),
        tags_variable(),
    ]
    mod.main += [
        _queue("dlq", '"${var.queue_name}-dlq"', [
            Attr("message_retention_seconds", DLQ_RETENTION_SECONDS),
        ]),
        _queue("this", "var.queue_name", [
            Attr("visibility_timeout_seconds", ref("var.visibility_timeout_seconds")),
            Attr("message_retention_seconds", ref("var.retention_days * 86400")),
            Attr("redrive_policy", jsonencode({"deadLetterTargetArn": ref("aws_sqs_queue.dlq.arn"),
                                               "maxReceiveCount": ref("var.max_receive_count")})),
        ]),
        resource("aws_sqs_queue_redrive_allow_policy", "dlq", [
            Attr("queue_url", ref("aws_sqs_queue.dlq.id")),
            Attr("redrive_allow_policy", jsonencode({"redrivePermission": "byQueue",
                                                     "sourceQueueArns": [ref("aws_sqs_queue.this.arn")]})),
        ], tagged=False),
        *[_tls_only(queue) for queue in ("this", "dlq")],
    ]
    mod.output("arn", "aws_sqs_queue.this.arn", "Queue ARN.")
    mod.output("url", "aws_sqs_queue.this.id", "Queue URL.")
    mod.output("dlq_arn", "aws_sqs_queue.dlq.arn", "Dead-letter queue ARN.")
    return mod


def _queue(name: str, queue_name: str, body: list[Attr]) -> Block:
    return resource("aws_sqs_queue", name, [
        Attr("name", ref(queue_name)),
        Attr("kms_master_key_id", ref("var.kms_key_arn")),
        Attr("kms_data_key_reuse_period_seconds", KEY_REUSE_SECONDS),
        *body,
    ])


def _tls_only(queue: str) -> Block:
    arn = f"aws_sqs_queue.{queue}.arn"
    return resource("aws_sqs_queue_policy", queue, [
        Attr("queue_url", ref(f"aws_sqs_queue.{queue}.id")),
        Attr("policy", policy([statement(
            "DenyInsecureTransport", ["sqs:*"], ref(arn), effect="Deny", principal={"AWS": "*"},
            condition={"Bool": {"aws:SecureTransport": "false"}})])),
    ], tagged=False)
