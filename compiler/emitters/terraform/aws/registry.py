"""aws-registry: the project's one ECR repository, shared by every environment.

Tags are immutable (a tag always names the digest that was tested), every push is scanned,
images are encrypted with the account's key, and untagged layers expire. Registry-wide
replication copies every image to the other regions the project runs in, so a region can
still pull when the primary is down; replicas are created from a template with the same
settings.
"""

from __future__ import annotations

from compiler.emitters.terraform.aws.base import Module, ref, region_variable, resource, tags_variable
from compiler.emitters.terraform.common import variable
from compiler.hcl import Attr, Block, Expr, jsonencode

NAME = "aws-registry"
UNTAGGED_DAYS = 14


def module() -> Module:
    mod = Module(NAME)
    mod.variables += [
        region_variable(),
        variable("repository", "string", "Repository name (naming.ecr_repository)."),
        variable("kms_key_arn", "string", "KMS key encrypting the images."),
        variable("replica_regions", "list(string)", "Regions receiving a copy of every image.",
                 default=[]),
        variable("account_id", "string", "Registry (account) id the replicas live in."),
        tags_variable(),
    ]
    mod.main += [
        resource("aws_ecr_repository", "this", [
            Attr("name", ref("var.repository")),
            Attr("image_tag_mutability", "IMMUTABLE"),
            Block("image_scanning_configuration", body=[Attr("scan_on_push", True)]),
            Block("encryption_configuration", body=[Attr("encryption_type", "KMS"),
                                                    Attr("kms_key", ref("var.kms_key_arn"))]),
        ]),
        resource("aws_ecr_lifecycle_policy", "this", [
            Attr("repository", ref("aws_ecr_repository.this.name")),
            Attr("policy", _lifecycle()),
        ], tagged=False),
        *_replication(),
    ]
    mod.output("repository_url", "aws_ecr_repository.this.repository_url", "Push/pull URL.")
    mod.output("repository_arn", "aws_ecr_repository.this.arn", "Repository ARN.")
    return mod


def _lifecycle() -> Expr:
    return jsonencode({"rules": [{
        "rulePriority": 1,
        "description": f"Expire untagged images after {UNTAGGED_DAYS} days",
        "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                      "countUnit": "days", "countNumber": UNTAGGED_DAYS},
        "action": {"type": "expire"},
    }]})


def _replication() -> list[Block]:
    count = Attr("count", ref("length(var.replica_regions) > 0 ? 1 : 0"))
    destination = Block("dynamic", ("destination",), [
        Attr("for_each", ref("var.replica_regions")),
        Block("content", body=[Attr("region", ref("destination.value")),
                               Attr("registry_id", ref("var.account_id"))]),
    ])
    return [
        resource("aws_ecr_repository_creation_template", "replicas", [
            count,
            Attr("prefix", ref("var.repository")),
            Attr("description", "Replicas of the application repository"),
            Attr("applied_for", ["REPLICATION"]),
            Attr("image_tag_mutability", "IMMUTABLE"),
            Block("encryption_configuration", body=[Attr("encryption_type", "KMS")]),
            Attr("lifecycle_policy", _lifecycle()),
            Attr("resource_tags", ref("var.tags")),
        ], tagged=False),
        resource("aws_ecr_replication_configuration", "this", [
            count,
            Block("replication_configuration", body=[Block("rule", body=[
                destination,
                Block("repository_filter", body=[Attr("filter", ref("var.repository")),
                                                 Attr("filter_type", "PREFIX_MATCH")]),
            ])]),
            Attr("depends_on", [ref("aws_ecr_repository_creation_template.replicas")]),
        ], tagged=False),
    ]
