"""aws-cache: an ElastiCache Redis replication group in the region's data subnets.

Multi-AZ with automatic failover when the spec asks for high availability, encrypted at rest
with the region's key and in transit (TLS only), and an AUTH token that Terraform generates.
Only the workload subnets reach port 6379. The connection URL (with the token) is written to
Secrets Manager: ECS injects it from there, and the global stack copies it into Vault for the
Kubernetes runtimes, so the token never appears in the spec or in the generated files.
"""

from __future__ import annotations

from compiler.emitters.terraform.aws.base import (
    Module,
    name_variable,
    private_endpoint,
    ref,
    region_variable,
    resource,
    skip,
    tags_variable,
)
from compiler.emitters.terraform.common import variable
from compiler.hcl import Attr, Block

NAME = "aws-cache"
PORT = 6379
NODE_TYPES = {"small": "cache.t4g.small", "medium": "cache.m7g.large", "large": "cache.r7g.large",
              "xlarge": "cache.r7g.xlarge"}
ROTATION_SKIP = skip(
    "CKV2_AWS_57", "the value is a connection URL built from the ElastiCache AUTH token that "
    "Terraform owns; it is rotated by replacing the token (ElastiCache ROTATE strategy), not by "
    "a Secrets Manager rotation function")


def module() -> Module:
    mod = Module(NAME, providers=("aws", "random"))
    mod.variables += [
        name_variable(), region_variable(),
        variable("vpc_id", "string", "VPC of the cache."),
        variable("subnet_ids", "list(string)", "Data subnets the nodes live in."),
        variable("client_cidrs", "list(string)", "Workload subnets allowed to connect."),
        variable("kms_key_arn", "string", "KMS key for data at rest, logs and the URL secret."),
        variable("node_type", "string", "Node instance type.", default="cache.t4g.small"),
        variable("engine_version", "string", "Redis major version.", default="7",
                 validation=('contains(["6", "7"], var.engine_version)', "engine_version must be 6 or 7.")),
        variable("high_availability", "bool", "A replica in another zone with automatic failover.",
                 default=True),
        variable("url_secret_names", "list(string)",
                 "Secrets Manager names receiving the connection URL, one per client service."),
        tags_variable(),
    ]
    mod.main += [*_network(), *_group(), *_url_secret()]
    mod.output("primary_endpoint", "aws_elasticache_replication_group.this.primary_endpoint_address",
               "Primary endpoint host.")
    mod.output("url_secret_arns",
               "{ for name, secret in aws_secretsmanager_secret.url : name => secret.arn }",
               "Secrets Manager secrets holding the rediss:// URL, by name.")
    return mod


def _network() -> list[Block]:
    return private_endpoint("aws_elasticache_subnet_group", "cache", "Redis", PORT)


def _group() -> list[Block]:
    return [
        Block("resource", ("random_password", "auth"), [
            Attr("length", 64),
            Attr("special", False),  # ElastiCache forbids some symbols; 64 alphanumerics suffice
        ]),
        resource("aws_cloudwatch_log_group", "slow_log", [
            Attr("name", ref('"/aws/elasticache/${var.name}/slow-log"')),
            Attr("retention_in_days", 365),
            Attr("kms_key_id", ref("var.kms_key_arn")),
        ]),
        resource("aws_elasticache_replication_group", "this", [
            Attr("replication_group_id", ref("var.name")),
            Attr("description", ref('"Redis of ${var.name}"')),
            Attr("engine", "redis"),
            Attr("engine_version", ref('"${var.engine_version}.1"')),
            Attr("node_type", ref("var.node_type")),
            Attr("port", PORT),
            Attr("num_cache_clusters", ref("var.high_availability ? 2 : 1")),
            Attr("automatic_failover_enabled", ref("var.high_availability")),
            Attr("multi_az_enabled", ref("var.high_availability")),
            Attr("subnet_group_name", ref("aws_elasticache_subnet_group.this.name")),
            Attr("security_group_ids", [ref("aws_security_group.this.id")]),
            Attr("at_rest_encryption_enabled", "true"),
            Attr("kms_key_id", ref("var.kms_key_arn")),
            Attr("transit_encryption_enabled", True),
            Attr("auth_token", ref("random_password.auth.result")),
            Attr("auth_token_update_strategy", "ROTATE"),
            Attr("auto_minor_version_upgrade", "true"),
            Attr("snapshot_retention_limit", 7),
            Block("log_delivery_configuration", body=[
                Attr("destination", ref("aws_cloudwatch_log_group.slow_log.name")),
                Attr("destination_type", "cloudwatch-logs"),
                Attr("log_format", "json"),
                Attr("log_type", "slow-log"),
            ]),
        ]),
    ]


def _url_secret() -> list[Block]:
    url = ('"rediss://:${random_password.auth.result}@'
           '${aws_elasticache_replication_group.this.primary_endpoint_address}:6379/0"')
    return [
        resource("aws_secretsmanager_secret", "url", [
            Attr("for_each", ref("toset(var.url_secret_names)")),
            Attr("name", ref("each.value")),
            Attr("description", "rediss:// URL of the cache, with its AUTH token"),
            Attr("kms_key_id", ref("var.kms_key_arn")),
            Attr("recovery_window_in_days", 7),
        ], skips=[ROTATION_SKIP]),
        resource("aws_secretsmanager_secret_version", "url", [
            Attr("for_each", ref("toset(var.url_secret_names)")),
            Attr("secret_id", ref("aws_secretsmanager_secret.url[each.key].id")),
            Attr("secret_string", ref(url)),
        ], tagged=False),
    ]
