"""aws-eks: a private EKS cluster per region with a managed node group and IRSA.

The API endpoint is private only (deploys run from inside the VPC), secrets are envelope-
encrypted with the region's KMS key, and every control-plane log type goes to a KMS-encrypted
log group kept a year. Nodes run in the private workload subnets with IMDSv2 and a hop limit
of one, so pods cannot borrow the node's role: they get their own through IRSA, whose OIDC
provider this module creates (the service roles trust it; see iam.py).
"""

from __future__ import annotations

from compiler.emitters.terraform.aws.base import (
    Module,
    assume_role,
    name_variable,
    ref,
    region_variable,
    resource,
    skip,
    tags_variable,
)
from compiler.emitters.terraform.aws.ingress import nlb_blocks, nlb_variables
from compiler.emitters.terraform.common import variable
from compiler.hcl import Attr, Block

NAME = "aws-eks"
LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
ADDONS = ("coredns", "kube-proxy", "vpc-cni")
NODE_POLICIES = {
    "worker": "AmazonEKSWorkerNodePolicy",
    "cni": "AmazonEKS_CNI_Policy",
    "registry": "AmazonEC2ContainerRegistryReadOnly",
}

ASG_SKIP = skip("CKV2_AWS_15", "the Auto Scaling group belongs to the EKS managed node group, "
                "whose health checks EKS sets; node auto repair replaces unhealthy nodes")


def module() -> Module:
    mod = Module(NAME)
    mod.variables += _variables() + nlb_variables()
    mod.main += [*_cluster(), *_nodes(), *_addons(), *_access(),
                 *nlb_blocks("instance", "aws_eks_cluster.this.vpc_config[0].cluster_security_group_id"),
                 resource("aws_autoscaling_attachment", "ingress", [
                     Attr("autoscaling_group_name",
                          ref("aws_eks_node_group.default.resources[0].autoscaling_groups[0].name")),
                     Attr("lb_target_group_arn", ref("aws_lb_target_group.ingress.arn")),
                 ], tagged=False, skips=[ASG_SKIP])]
    mod.output("cluster_name", "aws_eks_cluster.this.name", "Cluster name.")
    mod.output("cluster_endpoint", "aws_eks_cluster.this.endpoint", "Private API endpoint.")
    mod.output("cluster_ca_certificate",
               "base64decode(aws_eks_cluster.this.certificate_authority[0].data)",
               "PEM CA of the API endpoint.")
    mod.output("oidc_provider_arn", "aws_iam_openid_connect_provider.this.arn",
               "IRSA OIDC provider; service roles trust it.")
    mod.output("oidc_issuer", 'replace(aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://", "")',
               "Issuer host/path, the prefix of the IRSA condition keys.")
    mod.output("ingress_hostname", "aws_lb.ingress.dns_name", "Public hostname of the ingress NLB.")
    return mod


def _variables() -> list[Block]:
    return [
        name_variable(), region_variable(),
        variable("cluster_name", "string", "EKS cluster name (naming.kubernetes_cluster)."),
        variable("kubernetes_version", "string", "Kubernetes minor version, e.g. 1.31.",
                 validation=('can(regex("^1\\\\.[0-9]{2}$", var.kubernetes_version))',
                             "kubernetes_version must look like 1.31.")),
        variable("vpc_id", "string", "VPC of the cluster."),
        variable("private_subnet_ids", "list(string)", "Workload subnets for nodes and the endpoint."),
        variable("kms_key_arn", "string", "KMS key for secrets envelope encryption and logs."),
        variable("instance_types", "list(string)", "Node instance types.", default=["m6i.large"]),
        variable("node_min", "number", "Minimum nodes.", default=2,
                 validation=("var.node_min >= 1", "node_min must be at least 1.")),
        variable("node_max", "number", "Maximum nodes.", default=6,
                 validation=("var.node_max >= var.node_min", "node_max must be >= node_min.")),
        variable("admin_role_arns", "list(string)",
                 "IAM roles given cluster-admin through EKS access entries (the deploy role).",
                 default=[]),
        tags_variable(),
    ]


def _cluster() -> list[Block]:
    return [
        resource("aws_iam_role", "cluster", [
            Attr("name", ref('"${var.cluster_name}-cluster"')),
            Attr("assume_role_policy", assume_role({"Service": "eks.amazonaws.com"},
                                                   ["sts:AssumeRole", "sts:TagSession"])),
        ], regional=False),
        resource("aws_iam_role_policy_attachment", "cluster", [
            Attr("role", ref("aws_iam_role.cluster.name")),
            Attr("policy_arn", "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"),
        ], regional=False, tagged=False),
        *_control_plane(),
    ]


def _control_plane() -> list[Block]:
    return [
        # Created here, not by EKS, so that it is encrypted and has a retention period.
        resource("aws_cloudwatch_log_group", "cluster", [
            Attr("name", ref('"/aws/eks/${var.cluster_name}/cluster"')),
            Attr("retention_in_days", 365),
            Attr("kms_key_id", ref("var.kms_key_arn")),
        ]),
        resource("aws_eks_cluster", "this", [
            Attr("name", ref("var.cluster_name")),
            Attr("role_arn", ref("aws_iam_role.cluster.arn")),
            Attr("version", ref("var.kubernetes_version")),
            Attr("enabled_cluster_log_types", LOG_TYPES),
            Block("vpc_config", body=[
                Attr("subnet_ids", ref("var.private_subnet_ids")),
                Attr("endpoint_private_access", True),
                Attr("endpoint_public_access", False),
            ]),
            Block("encryption_config", body=[
                Attr("resources", ["secrets"]),
                Block("provider", body=[Attr("key_arn", ref("var.kms_key_arn"))]),
            ]),
            Block("access_config", body=[
                Attr("authentication_mode", "API"),
                Attr("bootstrap_cluster_creator_admin_permissions", False),
            ]),
            Attr("depends_on", [ref("aws_iam_role_policy_attachment.cluster"),
                                ref("aws_cloudwatch_log_group.cluster")]),
        ]),
        resource("aws_iam_openid_connect_provider", "this", [
            Attr("url", ref("aws_eks_cluster.this.identity[0].oidc[0].issuer")),
            Attr("client_id_list", ["sts.amazonaws.com"]),
        ], regional=False),
    ]


def _nodes() -> list[Block]:
    return [
        resource("aws_iam_role", "node", [
            Attr("name", ref('"${var.cluster_name}-node"')),
            Attr("assume_role_policy", assume_role({"Service": "ec2.amazonaws.com"})),
        ], regional=False),
        *[resource("aws_iam_role_policy_attachment", f"node_{key}", [
            Attr("role", ref("aws_iam_role.node.name")),
            Attr("policy_arn", f"arn:aws:iam::aws:policy/{policy_name}"),
        ], regional=False, tagged=False) for key, policy_name in NODE_POLICIES.items()],
        *_node_group(),
    ]


def _node_group() -> list[Block]:
    return [
        resource("aws_launch_template", "node", [
            Attr("name", ref('"${var.cluster_name}-node"')),
            Attr("update_default_version", True),
            Block("metadata_options", body=[
                Attr("http_endpoint", "enabled"),
                Attr("http_tokens", "required"),
                Attr("http_put_response_hop_limit", 1),
            ]),
            Block("block_device_mappings", body=[
                Attr("device_name", "/dev/xvda"),
                Block("ebs", body=[Attr("volume_size", 50), Attr("volume_type", "gp3"),
                                   Attr("encrypted", "true"), Attr("delete_on_termination", "true")]),
            ]),
            Block("tag_specifications", body=[Attr("resource_type", "instance"),
                                              Attr("tags", ref("var.tags"))]),
            Block("tag_specifications", body=[Attr("resource_type", "volume"),
                                              Attr("tags", ref("var.tags"))]),
        ]),
        resource("aws_eks_node_group", "default", [
            Attr("cluster_name", ref("aws_eks_cluster.this.name")),
            Attr("node_group_name", "default"),
            Attr("node_role_arn", ref("aws_iam_role.node.arn")),
            Attr("subnet_ids", ref("var.private_subnet_ids")),
            Attr("instance_types", ref("var.instance_types")),
            Attr("ami_type", "AL2023_x86_64_STANDARD"),
            Block("scaling_config", body=[Attr("min_size", ref("var.node_min")),
                                          Attr("max_size", ref("var.node_max")),
                                          Attr("desired_size", ref("var.node_min"))]),
            Block("launch_template", body=[Attr("id", ref("aws_launch_template.node.id")),
                                           Attr("version", ref("aws_launch_template.node.latest_version"))]),
            Block("update_config", body=[Attr("max_unavailable_percentage", 33)]),
            Block("node_repair_config", body=[Attr("enabled", True)]),
            # The cluster autoscaler owns the current size once the group exists.
            Block("lifecycle", body=[Attr("ignore_changes", [ref("scaling_config[0].desired_size")])]),
            Attr("depends_on", [ref(f"aws_iam_role_policy_attachment.node_{key}") for key in NODE_POLICIES]),
        ]),
    ]


def _addons() -> list[Block]:
    return [resource("aws_eks_addon", addon.replace("-", "_"), [
        Attr("cluster_name", ref("aws_eks_cluster.this.name")),
        Attr("addon_name", addon),
        Attr("depends_on", [ref("aws_eks_node_group.default")]),
    ]) for addon in ADDONS]


def _access() -> list[Block]:
    return [
        resource("aws_eks_access_entry", "admin", [
            Attr("for_each", ref("toset(var.admin_role_arns)")),
            Attr("cluster_name", ref("aws_eks_cluster.this.name")),
            Attr("principal_arn", ref("each.value")),
        ]),
        resource("aws_eks_access_policy_association", "admin", [
            Attr("for_each", ref("toset(var.admin_role_arns)")),
            Attr("cluster_name", ref("aws_eks_cluster.this.name")),
            Attr("principal_arn", ref("aws_eks_access_entry.admin[each.key].principal_arn")),
            Attr("policy_arn", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"),
            Block("access_scope", body=[Attr("type", "cluster")]),
        ], tagged=False),
    ]
