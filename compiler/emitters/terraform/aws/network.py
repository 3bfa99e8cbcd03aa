"""aws-network: one VPC per region across three availability zones.

Three subnet tiers per zone: public (NAT gateways and the internet-facing load balancer only;
nothing gets a public IP on launch), private workload subnets (nodes, tasks) that reach out
through their zone's NAT gateway, and data subnets (cache, database) with no route out at all.
A NAT gateway per zone keeps egress up when a zone fails. Flow logs of all traffic go to a
KMS-encrypted log group kept a year; the default security group is emptied so nothing can
fall back on it. S3 traffic stays on the AWS network through a gateway endpoint.
"""

from __future__ import annotations

from compiler.emitters.terraform.aws.base import (
    Module,
    assume_role,
    name_variable,
    named_tags,
    policy,
    ref,
    region_variable,
    resource,
    statement,
    tags_variable,
)
from compiler.emitters.terraform.common import variable
from compiler.hcl import Attr, Block

NAME = "aws-network"
# Regions whose zones are not lettered a, b, c (zone letters are per region, not per account,
# for these); every other region offers at least a, b and c.
ZONE_LETTERS = {"ap-northeast-1": "acd", "ca-central-1": "abd", "us-west-1": "bc"}
LOG_RETENTION_DAYS = 365


def availability_zones(region: str) -> list[str]:
    return [f"{region}{letter}" for letter in ZONE_LETTERS.get(region, "abc")]


def vpc_cidr(index: int) -> str:
    """A /16 per region of the environment, distinct so the VPCs can be peered later."""
    return f"10.{16 * index}.0.0/16"


def module() -> Module:
    mod = Module(NAME)
    mod.variables += _variables()
    mod.main += [
        resource("aws_vpc", "this", [
            Attr("cidr_block", ref("var.cidr")),
            Attr("enable_dns_support", True),
            Attr("enable_dns_hostnames", True),
            named_tags('"${var.name}-${var.region}"'),
        ], tagged=False),
        resource("aws_default_security_group", "this", [
            Attr("vpc_id", ref("aws_vpc.this.id")),
        ]),
        resource("aws_internet_gateway", "this", [Attr("vpc_id", ref("aws_vpc.this.id"))]),
        *_subnets(), *_nat(), *_routes(), *_flow_logs(),
        resource("aws_vpc_endpoint", "s3", [
            Attr("vpc_id", ref("aws_vpc.this.id")),
            Attr("service_name", ref('"com.amazonaws.${var.region}.s3"')),
            Attr("vpc_endpoint_type", "Gateway"),
            Attr("route_table_ids", ref("concat(aws_route_table.private[*].id, [aws_route_table.data.id])")),
        ]),
    ]
    mod.output("vpc_id", "aws_vpc.this.id", "VPC id.")
    mod.output("vpc_cidr", "aws_vpc.this.cidr_block", "VPC CIDR block.")
    mod.output("public_subnet_ids", "aws_subnet.public[*].id", "Public subnets (load balancers).")
    mod.output("private_subnet_ids", "aws_subnet.private[*].id", "Private workload subnets.")
    mod.output("private_subnet_cidrs", "aws_subnet.private[*].cidr_block", "Workload subnet CIDRs.")
    mod.output("data_subnet_ids", "aws_subnet.data[*].id", "Isolated data subnets.")
    mod.output("nat_public_ips", "aws_eip.nat[*].public_ip",
               "Static egress addresses (one NAT gateway per zone), for allow-lists.")
    return mod


def _variables() -> list[Block]:
    return [
        name_variable(), region_variable(),
        variable("cidr", "string", "IPv4 CIDR of the VPC (a /16).",
                 validation=("can(cidrhost(var.cidr, 0)) && endswith(var.cidr, \"/16\")",
                             "cidr must be an IPv4 /16 block.")),
        variable("availability_zones", "list(string)", "Zones to spread the subnets over.",
                 validation=("length(var.availability_zones) >= 2 && length(var.availability_zones) <= 3",
                             "Give two or three availability zones.")),
        variable("kms_key_arn", "string", "KMS key encrypting the flow-log group."),
        tags_variable(),
    ]


def _subnets() -> list[Block]:
    # /19 workload subnets leave room for a pod IP per address; /24 is plenty for the others.
    tiers = [
        ("public", "cidrsubnet(var.cidr, 8, 192 + count.index)", '{ "kubernetes.io/role/elb" = "1" }'),
        ("private", "cidrsubnet(var.cidr, 3, count.index)",
         '{ "kubernetes.io/role/internal-elb" = "1" }'),
        ("data", "cidrsubnet(var.cidr, 8, 208 + count.index)", "{}"),
    ]
    return [
        resource("aws_subnet", tier, [
            Attr("count", ref("length(var.availability_zones)")),
            Attr("vpc_id", ref("aws_vpc.this.id")),
            Attr("availability_zone", ref("var.availability_zones[count.index]")),
            Attr("cidr_block", ref(cidr)),
            Attr("map_public_ip_on_launch", False),
            Attr("tags", ref(f'merge(var.tags, {extra}, {{ Name = "${{var.name}}-{tier}-'
                             '${var.availability_zones[count.index]}" })')),
        ], tagged=False)
        for tier, cidr, extra in tiers
    ]


def _nat() -> list[Block]:
    return [
        resource("aws_eip", "nat", [
            Attr("count", ref("length(var.availability_zones)")),
            Attr("domain", "vpc"),
        ]),
        resource("aws_nat_gateway", "this", [
            Attr("count", ref("length(var.availability_zones)")),
            Attr("allocation_id", ref("aws_eip.nat[count.index].id")),
            Attr("subnet_id", ref("aws_subnet.public[count.index].id")),
            Attr("depends_on", [ref("aws_internet_gateway.this")]),
        ]),
    ]


def _routes() -> list[Block]:
    return [
        resource("aws_route_table", "public", [Attr("vpc_id", ref("aws_vpc.this.id"))]),
        resource("aws_route", "public_internet", [
            Attr("route_table_id", ref("aws_route_table.public.id")),
            Attr("destination_cidr_block", "0.0.0.0/0"),
            Attr("gateway_id", ref("aws_internet_gateway.this.id")),
        ], tagged=False),
        resource("aws_route_table", "private", [
            Attr("count", ref("length(var.availability_zones)")),
            Attr("vpc_id", ref("aws_vpc.this.id")),
        ]),
        resource("aws_route", "private_nat", [
            Attr("count", ref("length(var.availability_zones)")),
            Attr("route_table_id", ref("aws_route_table.private[count.index].id")),
            Attr("destination_cidr_block", "0.0.0.0/0"),
            Attr("nat_gateway_id", ref("aws_nat_gateway.this[count.index].id")),
        ], tagged=False),
        # Only local routes (and the S3 endpoint): the data tier can't reach the internet.
        resource("aws_route_table", "data", [Attr("vpc_id", ref("aws_vpc.this.id"))]),
        *[resource("aws_route_table_association", tier, [
            Attr("count", ref("length(var.availability_zones)")),
            Attr("subnet_id", ref(f"aws_subnet.{tier}[count.index].id")),
            Attr("route_table_id", ref(table)),
        ], tagged=False) for tier, table in (
            ("public", "aws_route_table.public.id"),
            ("private", "aws_route_table.private[count.index].id"),
            ("data", "aws_route_table.data.id"),
        )],
    ]


def _flow_logs() -> list[Block]:
    group = "aws_cloudwatch_log_group.flow_logs.arn"
    return [
        resource("aws_cloudwatch_log_group", "flow_logs", [
            Attr("name", ref('"/aws/vpc/${var.name}-${var.region}/flow-logs"')),
            Attr("retention_in_days", LOG_RETENTION_DAYS),
            Attr("kms_key_id", ref("var.kms_key_arn")),
        ]),
        resource("aws_iam_role", "flow_logs", [
            Attr("name", ref('"${var.name}-${var.region}-flow-logs"')),
            Attr("assume_role_policy", assume_role({"Service": "vpc-flow-logs.amazonaws.com"})),
        ], regional=False),
        resource("aws_iam_role_policy", "flow_logs", [
            Attr("name", "write-flow-logs"),
            Attr("role", ref("aws_iam_role.flow_logs.id")),
            Attr("policy", policy([statement(
                "WriteThisLogGroup", ["logs:CreateLogStream", "logs:PutLogEvents",
                                      "logs:DescribeLogStreams"],
                [ref(group), ref(f'"${{{group}}}:*"')])])),
        ], regional=False, tagged=False),
        resource("aws_flow_log", "this", [
            Attr("vpc_id", ref("aws_vpc.this.id")),
            Attr("traffic_type", "ALL"),
            Attr("log_destination_type", "cloud-watch-logs"),
            Attr("log_destination", ref(group)),
            Attr("iam_role_arn", ref("aws_iam_role.flow_logs.arn")),
            Attr("max_aggregation_interval", 60),
        ]),
    ]
