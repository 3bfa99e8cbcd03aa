"""Module calls of the environment (service roles, deploy role) and of the account."""

from __future__ import annotations

from compiler import naming
from compiler.emitters.terraform.aws import audit, github, iam, registry
from compiler.emitters.terraform.aws.context import Stack
from compiler.emitters.terraform.common import identifier, module_call
from compiler.hcl import Block, Expr, Value


def roles(stack: Stack) -> list[Block]:
    return [*(_service_role(stack, service.name) for service in stack.env.services), _deploy_role(stack)]


def _service_role(stack: Stack, name: str) -> Block:
    project, env = stack.project, stack.env
    service = next(s for s in env.services if s.name == name)
    keys = [f"module.kms_{identifier(region)}.key_arn" for region in stack.cloud.regions]
    args: dict[str, Value] = {
        "role_name": naming.service_identity(project.name, env.name, name),
        "statements": iam.statements(project.name, env.name, service, stack.cloud.regions,
                                     stack.cloud.account, keys, _database(stack)),
    }
    if stack.cloud.runtime == "eks":
        account = naming.kubernetes_service_account(name)
        args["service_account"] = f"system:serviceaccount:{project.namespace}:{account}"
        args["oidc_providers"] = [
            {"arn": Expr(f"module.eks_{identifier(region)}.oidc_provider_arn"),
             "issuer": Expr(f"module.eks_{identifier(region)}.oidc_issuer")}
            for region in stack.cloud.regions]
    else:
        args["ecs_tasks"] = True
        args["account_id"] = Expr("var.account_id")
    args["tags"] = Expr("var.tags")
    return module_call(f"role_{identifier(name)}", iam.NAME, args)


def _database(stack: Stack) -> str | None:
    if not stack.postgres:
        return None
    return f"module.database_{identifier(stack.cloud.regions[0])}.resource_id"


def _deploy_role(stack: Stack) -> Block:
    project = stack.project
    provider: Value = Expr("module.github.oidc_provider_arn") if stack.home else stack.oidc_provider_arn
    return module_call("deploy_role", github.DEPLOY, {
        "repository": project.repository,
        "state_bucket": dict(stack.cloud.state)["bucket"],
        "environment": stack.env.name,
        "role_name": naming.github_deploy_role(project.name, stack.env.name),
        "oidc_provider_arn": provider,
        "regions": list(stack.cloud.regions),
        "name_prefix": project.name,
        "account_id": Expr("var.account_id"),
        "tags": Expr("var.tags"),
    })


def account(stack: Stack) -> list[Block]:
    project, region = stack.project, stack.account_region
    suffix = identifier(region)
    replicas = sorted({r for env in project.environments if (c := env.cloud("aws"))
                       for r in c.regions} - {region})
    return [
        module_call("registry", registry.NAME, {
            "region": region,
            "repository": naming.ecr_repository(project.name),
            "kms_key_arn": Expr(f"module.kms_{suffix}.key_arn"),
            "replica_regions": replicas,
            "account_id": Expr("var.account_id"),
            "tags": Expr("var.tags"),
        }),
        module_call("github", github.OIDC, {
            "repository": project.repository,
            "default_branch": project.default_branch,
            "state_bucket": dict(stack.cloud.state)["bucket"],
            "push_role_name": naming.github_push_role(project.name),
            "plan_role_name": naming.github_plan_role(project.name),
            "repository_arn": Expr("module.registry.repository_arn"),
            "name_prefix": project.name,
            "account_id": Expr("var.account_id"),
            "tags": Expr("var.tags"),
        }),
        module_call("audit", audit.NAME, {
            "region": region,
            "trail_name": project.name,
            "bucket": naming.aws_audit_bucket(project.name, region),
            "log_bucket": Expr(f"module.logs_{suffix}.bucket"),
            "account_id": Expr("var.account_id"),
            "tags": Expr("var.tags"),
        }),
    ]
