"""The AWS Terraform target: reusable ``aws-*`` modules and one root stack per environment.

See ``base`` for the multi-region design (one provider, a ``region`` argument per resource).
"""

from __future__ import annotations

from compiler.artifact import Artifact
from compiler.emitters.terraform.aws import (
    audit,
    cache,
    database,
    ecs,
    eks,
    github,
    iam,
    kms,
    network,
    queue,
    registry,
    storage,
)
from compiler.emitters.terraform.aws.base import Module
from compiler.emitters.terraform.aws.context import aws_environments
from compiler.emitters.terraform.aws.stack import emit_stack
from compiler.model import Project


def modules(project: Project) -> list[Module]:
    found = [kms.module(), network.module(), storage.bucket_module(), storage.log_bucket_module(),
             iam.module(), github.oidc_module(), github.deploy_module(), registry.module(),
             audit.module(), queue.module()]
    if project.data.cache is not None:
        found.append(cache.module())
    database_ = project.data.database
    if database_ is not None and database_.engine == "postgres":
        found.append(database.module())
    runtimes = {cloud.runtime for env in aws_environments(project) for cloud in env.clouds
                if cloud.name == "aws"}
    if "eks" in runtimes:
        found.append(eks.module())
    if "ecs" in runtimes:
        found.append(ecs.module())
    return found


def emit(project: Project) -> list[Artifact]:
    environments = aws_environments(project)
    if not environments:
        return []
    artifacts = [a for module in modules(project) for a in module.artifacts(project)]
    for env in environments:
        cloud = env.cloud("aws")
        assert cloud is not None
        artifacts += emit_stack(project, env, cloud)
    return artifacts
