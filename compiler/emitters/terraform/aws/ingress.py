"""The public entry of a region: a load balancer that only the CDN's addresses may reach.

EKS: a network load balancer passes TCP 443 through to the ingress controller's node port
(TLS ends in the cluster, with the certificate the chart manages). ECS: an application load
balancer ends TLS with an ACM certificate (see ecs.py). Either way the security group admits
HTTPS only from ``ingress_cidrs`` (Cloudflare's published ranges when the spec proxies through
Cloudflare), and access logs go to the region's log bucket.
"""

from __future__ import annotations

from compiler.emitters.terraform.aws.base import data, ref, resource
from compiler.emitters.terraform.common import variable
from compiler.hcl import Attr, Block

# Node port the ingress controller's Service listens on (the Helm chart uses the same number).
INGRESS_NODE_PORT = 30443
# https://www.cloudflare.com/ips-v4 (update when Cloudflare publishes a change).
CLOUDFLARE_IPV4 = (
    "103.21.244.0/22", "103.22.200.0/22", "103.31.4.0/22", "104.16.0.0/13", "104.24.0.0/14",
    "108.162.192.0/18", "131.0.72.0/22", "141.101.64.0/18", "162.158.0.0/15", "172.64.0.0/13",
    "173.245.48.0/20", "188.114.96.0/20", "190.93.240.0/20", "197.234.240.0/22", "198.41.128.0/17",
)


def nlb_variables() -> list[Block]:
    return [
        variable("public_subnet_ids", "list(string)", "Public subnets of the load balancer."),
        variable("ingress_cidrs", "list(string)", "Client ranges allowed to reach HTTPS (443).",
                 validation=("length(var.ingress_cidrs) > 0 && alltrue([for c in var.ingress_cidrs : "
                             "can(cidrhost(c, 0))])", "ingress_cidrs must be IPv4 CIDR blocks.")),
        variable("access_log_bucket", "string", "Bucket receiving the load balancer's access logs."),
    ]


def lb_security_group(target_port: str, for_each: str | None = None) -> list[Block]:
    """The load balancer's group; egress to ``target_port`` (per ``for_each`` item if given)."""
    each = [Attr("for_each", ref(for_each))] if for_each else []
    return [
        resource("aws_security_group", "ingress", [
            Attr("name", ref('"${var.name}-ingress"')),
            Attr("description", "HTTPS from the allowed client ranges to the load balancer"),
            Attr("vpc_id", ref("var.vpc_id")),
        ]),
        resource("aws_vpc_security_group_ingress_rule", "https", [
            Attr("for_each", ref("toset(var.ingress_cidrs)")),
            Attr("security_group_id", ref("aws_security_group.ingress.id")),
            Attr("description", "HTTPS from an allowed client range"),
            Attr("ip_protocol", "tcp"),
            Attr("from_port", 443),
            Attr("to_port", 443),
            Attr("cidr_ipv4", ref("each.value")),
        ]),
        resource("aws_vpc_security_group_egress_rule", "targets", [
            *each,
            Attr("security_group_id", ref("aws_security_group.ingress.id")),
            Attr("description", "To the targets inside the VPC only"),
            Attr("ip_protocol", "tcp"),
            Attr("from_port", ref(target_port)),
            Attr("to_port", ref(target_port)),
            Attr("cidr_ipv4", ref("data.aws_vpc.this.cidr_block")),
        ]),
        data("aws_vpc", "this", [Attr("id", ref("var.vpc_id"))]),
    ]


def load_balancer(kind: str) -> Block:
    return resource("aws_lb", "ingress", [
        Attr("name", ref('"${var.name}-ingress"')),
        Attr("load_balancer_type", kind),
        Attr("internal", False),
        Attr("subnets", ref("var.public_subnet_ids")),
        Attr("security_groups", [ref("aws_security_group.ingress.id")]),
        Attr("enable_deletion_protection", True),
        Attr("enable_cross_zone_load_balancing", True),
        *([Attr("drop_invalid_header_fields", True)] if kind == "application" else []),
        Block("access_logs", body=[Attr("bucket", ref("var.access_log_bucket")),
                                   Attr("prefix", "ingress"), Attr("enabled", True)]),
    ])


def nlb_blocks(target_type: str, target_security_group: str) -> list[Block]:
    port = str(INGRESS_NODE_PORT)
    return [
        *lb_security_group(port),
        load_balancer("network"),
        resource("aws_lb_target_group", "ingress", [
            Attr("name", ref('"${var.name}-ingress"')),
            Attr("port", INGRESS_NODE_PORT),
            Attr("protocol", "TCP"),
            Attr("target_type", target_type),
            Attr("vpc_id", ref("var.vpc_id")),
            Block("health_check", body=[Attr("protocol", "TCP"), Attr("interval", 10)]),
        ]),
        resource("aws_lb_listener", "https", [
            Attr("load_balancer_arn", ref("aws_lb.ingress.arn")),
            Attr("port", 443),
            Attr("protocol", "TCP"),
            Block("default_action", body=[Attr("type", "forward"),
                                          Attr("target_group_arn", ref("aws_lb_target_group.ingress.arn"))]),
        ]),
        resource("aws_vpc_security_group_ingress_rule", "nodes_from_lb", [
            Attr("security_group_id", ref(target_security_group)),
            Attr("description", "Ingress controller node port from the load balancer"),
            Attr("ip_protocol", "tcp"),
            Attr("from_port", INGRESS_NODE_PORT),
            Attr("to_port", INGRESS_NODE_PORT),
            Attr("referenced_security_group_id", ref("aws_security_group.ingress.id")),
        ]),
    ]
