"""The root stack ``terraform/<env>/aws``: one provider, module calls per region, outputs.

Per region: KMS key, log bucket, VPC, the runtime (EKS or ECS), cache, database, buckets,
queues. Per environment: one IAM role per service and the deploy role. Once per account (in
the first environment that enables AWS, which also creates the shared registry): the
registry, the GitHub OIDC provider with the push and plan roles, and the CloudTrail trail.
"""

from __future__ import annotations

from compiler.artifact import Artifact
from compiler.emitters.terraform.aws import regional, services
from compiler.emitters.terraform.aws.context import Stack
from compiler.emitters.terraform.common import (
    CLUSTER_CA_OUTPUT,
    CLUSTER_ENDPOINT_OUTPUT,
    EGRESS_OUTPUT,
    identifier,
    output,
    root_stack,
    tags,
    variable,
)
from compiler.hcl import Attr, Block, Expr, Value
from compiler.model import Cloud, Environment, Project


def emit_stack(project: Project, env: Environment, cloud: Cloud) -> list[Artifact]:
    stack = Stack(project, env, cloud)
    providers = ["aws", *(["random"] if project.data.cache else []), *(["cloudflare"] if _ecs(stack) else [])]
    blocks = [_provider(stack), *([Block("provider", ("cloudflare",))] if _ecs(stack) else [])]
    files = root_stack(project, env, "aws", cloud, providers, blocks)
    files.add("variables.tf", *_variables(stack))
    calls: list[Block] = []
    for region in stack.all_regions:
        calls += regional.foundation(stack, region)
    for region in cloud.regions:
        calls += regional.workloads(stack, region)
    calls += services.roles(stack)
    if stack.home:
        calls += services.account(stack)
    files.add("main.tf", *calls)
    files.add("outputs.tf", *_outputs(stack))
    return files.artifacts(project)


def _provider(stack: Stack) -> Block:
    # Resources name their own region; the provider's is only the default for global ones.
    return Block("provider", ("aws",), [
        Attr("region", stack.cloud.regions[0]),
        Attr("allowed_account_ids", [Expr("var.account_id")]),
    ])


def _ecs(stack: Stack) -> bool:
    return stack.cloud.runtime == "ecs"


def _variables(stack: Stack) -> list[Block]:
    image = [variable("image_tag", "string",
                      "Image tag of the first task-definition revision; later revisions are "
                      "registered by the deploy workflow.", default="latest",
                      validation=('can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))',
                                  "image_tag must be a valid Docker tag."))] if _ecs(stack) else []
    return [*image,
        variable("account_id", "string", "AWS account every resource belongs to.",
                 default=stack.cloud.account,
                 validation=('can(regex("^[0-9]{12}$", var.account_id))', "account_id must be 12 digits.")),
        variable("tags", "map(string)", "Tags on every resource.",
                 default=tags(stack.project, stack.env)),
    ]


def _per_region(stack: Stack, module: str, attribute: str) -> dict[str, Value]:
    return {region: Expr(f"module.{module}_{identifier(region)}.{attribute}")
            for region in stack.cloud.regions}


def _outputs(stack: Stack) -> list[Block]:
    project = stack.project
    out = [
        output("regions", list(stack.cloud.regions), "Regions of this environment; the first is primary."),
        output("vpc_ids", _per_region(stack, "network", "vpc_id"), "VPC per region."),
        output(EGRESS_OUTPUT, _per_region(stack, "network", "nat_public_ips"),
               "NAT gateway addresses per region, for allow-lists such as MongoDB Atlas."),
        output("ingress_hostnames", _per_region(stack, stack.runtime_module, "ingress_hostname"),
               "Origin hostname per region for the global load balancer (HTTPS on 443)."),
        output("registry_url", stack.registry_url, "ECR repository the workloads pull from."),
        output("deploy_role_arn", Expr("module.deploy_role.arn"),
               "Role the GitHub environment's apply and deploy jobs assume."),
        output("service_role_arns", {
            service.name: Expr(f"module.role_{identifier(service.name)}.arn")
            for service in stack.env.services
        }, "IAM role per service (IRSA or ECS task role)."),
    ]
    if stack.cloud.runtime == "eks":
        out += [output("cluster_names", _per_region(stack, "eks", "cluster_name"),
                       "EKS cluster per region."),
                output(CLUSTER_ENDPOINT_OUTPUT, _per_region(stack, "eks", "cluster_endpoint"),
                       "Private API URL per region (Vault's Kubernetes auth reviews tokens there)."),
                output(CLUSTER_CA_OUTPUT, _per_region(stack, "eks", "cluster_ca_certificate"),
                       "PEM CA of that API per region.")]
    else:
        out.append(output("ecs_cluster_names", _per_region(stack, "ecs", "cluster_name"),
                          "ECS cluster per region."))
    if project.data.cache:
        out.append(output("cache_url_secret_arns", _per_region(stack, "cache", "url_secret_arns"),
                          "Secrets with the rediss:// URL, per region and name (copied to Vault)."))
    if stack.postgres:
        out.append(output("database_url_secret_arns", _per_region(stack, "database", "url_secret_arns"),
                          "Secrets with each service's postgresql:// URL, per region and user."))
        out.append(output("database_endpoints", _per_region(stack, "database", "endpoint"),
                          "PostgreSQL host per region."))
    return out
