"""Terraform for Azure: reusable ``azure-*`` modules and one root stack per environment that
enables Azure, covering all of the environment's Azure regions.

Split by concern: ``audit`` (resource group, Log Analytics, activity log), ``network``,
``keyvault``, ``aks`` (with ``sizing``), ``storage``, ``messaging`` (Service Bus), ``cache``
(Redis), ``database`` (PostgreSQL or Cosmos DB), ``identity`` (managed identities and roles
from `uses`), ``github`` (CI identities), ``registry``; ``regional`` and ``stack`` assemble the
root stacks.
"""

from __future__ import annotations

from compiler.artifact import Artifact
from compiler.emitters.terraform.azure import (
    aks,
    audit,
    cache,
    database,
    github,
    identity,
    keyvault,
    messaging,
    network,
    registry,
    storage,
)
from compiler.emitters.terraform.azure.stack import stack
from compiler.emitters.terraform.common import ModuleFiles, home_environment
from compiler.model import Project


def emit(project: Project) -> list[Artifact]:
    home = home_environment(project, "azure")
    if home is None:
        return []
    artifacts: list[Artifact] = []
    for module in _modules(project, home.cloud("azure").regions[0]):  # type: ignore[union-attr]
        artifacts += module.artifacts(project)
    for env in project.environments:
        cloud = env.cloud("azure")
        if cloud is not None:
            artifacts += stack(project, env, cloud).artifacts(project)
    return artifacts


def _modules(project: Project, home_region: str) -> list[ModuleFiles]:
    data = project.data
    modules = [audit.module(), network.module(), keyvault.module(), aks.module(),
               identity.module(), registry.module(bool(github.replica_regions(project, home_region)))]
    if data.buckets:
        modules.append(storage.module())
    if data.queues:
        modules.append(messaging.module())
    if data.cache is not None:
        modules.append(cache.module())
    engine = data.database.engine if data.database else None
    if engine == "postgres":
        modules.append(database.postgres_module())
    elif engine == "cosmos-mongodb":
        modules.append(database.cosmos_module())
    return modules
