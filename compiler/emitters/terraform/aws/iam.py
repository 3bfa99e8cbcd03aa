"""aws-service-role: the IAM role of one service in one environment, and what it may do.

The role name is ``naming.service_identity`` (the Helm chart annotates the service's
ServiceAccount with it). On EKS the role trusts, through IRSA, exactly that ServiceAccount in
every region's cluster; on ECS it is the task role and trusts ECS tasks of this account.
Permissions come from the spec's ``uses`` and are computed by ``statements``: read or write
actions on exactly the named buckets and queues, and the KMS keys that encrypt them.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler import naming
from compiler.emitters.terraform.aws.base import POLICY_VERSION, Module, ref, resource, tags_variable
from compiler.emitters.terraform.common import variable
from compiler.hcl import Attr, Expr, Value
from compiler.model import Service, Use

NAME = "aws-service-role"
STATEMENTS_TYPE = "list(object({ sid = string, actions = list(string), resources = list(string) }))"
BUCKET_READ = ("s3:GetObject", "s3:ListBucket")
BUCKET_WRITE = ("s3:PutObject", "s3:AbortMultipartUpload")
BUCKET_DELETE = ("s3:DeleteObject",)
QUEUE_SEND = ("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl")
QUEUE_CONSUME = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                 "sqs:GetQueueAttributes", "sqs:GetQueueUrl")


def module() -> Module:
    mod = Module(NAME)
    mod.variables += [
        variable("role_name", "string", "Role name (naming.service_identity).",
                 validation=('can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))',
                             "role_name must be a valid IAM role name of at most 64 characters.")),
        variable("service_account", "string", "Kubernetes subject system:serviceaccount:<ns>:<sa>.",
                 default=""),
        variable("oidc_providers", "list(object({ arn = string, issuer = string }))",
                 "IRSA providers of the clusters whose ServiceAccount may assume the role.", default=[]),
        variable("ecs_tasks", "bool", "Let ECS tasks of this account assume the role.", default=False),
        variable("account_id", "string", "Account of the ECS tasks.", default=""),
        variable("statements", STATEMENTS_TYPE, "Allowed actions, each on exact resource ARNs."),
        tags_variable(),
    ]
    mod.main += [
        resource("aws_iam_role", "this", [
            Attr("name", ref("var.role_name")),
            Attr("assume_role_policy", _trust()),
        ], regional=False),
        resource("aws_iam_role_policy", "this", [
            Attr("count", ref("length(var.statements) > 0 ? 1 : 0")),
            Attr("name", "uses"),
            Attr("role", ref("aws_iam_role.this.id")),
            Attr("policy", Expr(
                "jsonencode({\n"
                f'  Version = "{POLICY_VERSION}"\n'
                "  Statement = [for s in var.statements : {\n"
                '    Sid      = s.sid\n'
                '    Effect   = "Allow"\n'
                "    Action   = s.actions\n"
                "    Resource = s.resources\n"
                "  }]\n"
                "})")),
        ], regional=False, tagged=False),
    ]
    mod.output("arn", "aws_iam_role.this.arn", "Role ARN.")
    mod.output("name", "aws_iam_role.this.name", "Role name.")
    return mod


def _trust() -> Expr:
    return Expr(
        "jsonencode({\n"
        f'  Version = "{POLICY_VERSION}"\n'
        "  Statement = concat([for p in var.oidc_providers : {\n"
        '    Effect    = "Allow"\n'
        "    Principal = { Federated = p.arn }\n"
        '    Action    = "sts:AssumeRoleWithWebIdentity"\n'
        "    Condition = {\n"
        "      StringEquals = {\n"
        '        "${p.issuer}:sub" = var.service_account\n'
        '        "${p.issuer}:aud" = "sts.amazonaws.com"\n'
        "      }\n"
        "    }\n"
        "    }], var.ecs_tasks ? [{\n"
        '    Effect    = "Allow"\n'
        '    Principal = { Service = "ecs-tasks.amazonaws.com" }\n'
        '    Action    = "sts:AssumeRole"\n'
        '    Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }\n'
        "  }] : [])\n"
        "})")


def bucket_arn(project: str, env: str, bucket: str, region: str) -> str:
    return f"arn:aws:s3:::{naming.bucket(project, env, bucket, 'aws', region)}"


def queue_arn(project: str, env: str, queue: str, region: str, account: str) -> str:
    return f"arn:aws:sqs:{region}:{account}:{naming.queue(project, env, queue)}"


def statements(project: str, env: str, service: Service, regions: tuple[str, ...], account: str,
               kms_keys: list[str], database: str | None = None) -> list[dict[str, Value]]:
    """Least privilege from ``uses``: only the named buckets and queues, only the access given."""
    out: list[dict[str, Value]] = []
    for use in service.uses_kind("storage"):
        arns = [bucket_arn(project, env, use.target, region) for region in regions]
        out += _bucket(use, arns)
    for use in service.uses_kind("queue"):
        arns = [queue_arn(project, env, use.target, region, account) for region in regions]
        actions = sorted(set((QUEUE_CONSUME if use.reads else ()) + (QUEUE_SEND if use.writes else ())))
        out.append(_statement(f"Queue{_sid(use.target)}", actions, arns))
    if out:
        out.append(_statement("UseTheRegionKeys", _key_actions(service), [Expr(k) for k in kms_keys]))
    if database is not None and service.uses_kind("database"):
        # IAM authentication as the service's own database user, on the primary only.
        user = naming.database_user(service.name)
        arn = f'"arn:aws:rds-db:{regions[0]}:{account}:dbuser:${{{database}}}/{user}"'
        out.append(_statement("ConnectAsItsOwnDatabaseUser", ["rds-db:connect"], [Expr(arn)]))
    return out


def _bucket(use: Use, arns: list[str]) -> list[dict[str, Value]]:
    sid = _sid(use.target)
    found: list[dict[str, Value]] = []
    if use.reads:
        found.append(_statement(f"List{sid}", ["s3:ListBucket"], arns))
    actions = [a for a in BUCKET_READ if a != "s3:ListBucket"] if use.reads else []
    actions += list(BUCKET_WRITE) if use.writes else []
    actions += list(BUCKET_DELETE) if use.reads and use.writes else []
    found.append(_statement(f"Objects{sid}", sorted(actions), [f"{arn}/*" for arn in arns]))
    return found


def _key_actions(service: Service) -> list[str]:
    writes = any(use.writes for use in service.uses if use.kind in ("storage", "queue"))
    return ["kms:Decrypt", "kms:GenerateDataKey"] if writes else ["kms:Decrypt"]


def _statement(sid: str, actions: Sequence[str], resources: Sequence[Value]) -> dict[str, Value]:
    return {"sid": sid, "actions": list(actions), "resources": list(resources)}


def _sid(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
