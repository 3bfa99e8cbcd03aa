"""GitHub Actions identities on Azure (MC-037): managed identities with a federated credential
for GitHub's OIDC issuer, each trusting one subject of the spec's repository only.

* ``push`` (shared, default branch): AcrPush on the registry, nothing else.
* ``plan`` (shared, pull requests): read-only (Reader and Key Vault Reader on the subscription)
  plus the state container, whose blob lease is the state lock.
* ``<environment>`` (deploy: apply and helm, in that GitHub environment): Contributor on the
  environment's resource groups, the state container, Helm's namespace on each cluster, and a
  *conditional* right to assign only the workload roles of ``ASSIGNABLE_ROLES``. Its own roles,
  and the shared identities' roles, stay the administrator's: it cannot widen them.

Managed identities rather than Entra applications: creating them needs no directory rights,
and the workflows only need their client ids (GitHub variables ``AZURE_*_CLIENT_ID``).
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler import naming
from compiler.emitters.terraform.azure.identity import region_module
from compiler.emitters.terraform.common import GITHUB_OIDC_ISSUER, github_subject
from compiler.hcl import Expr, Value, quote
from compiler.model import Cloud, Environment, Project

ASSIGNABLE_ROLES = [
    "AcrPull", "Azure Service Bus Data Receiver", "Azure Service Bus Data Sender",
    "Key Vault Crypto Service Encryption User", "Network Contributor", "Reader",
    "Storage Blob Data Contributor", "Storage Blob Data Reader",
]


def _ref(text: str) -> Expr:
    return Expr(text)


def subscription(cloud: Cloud) -> str:
    return f"/subscriptions/{cloud.account}"


def state_container(cloud: Cloud) -> str:
    """Resource id of the blob container holding the Azure stacks' state."""
    state = dict(cloud.state)
    return (f"{subscription(cloud)}/resourceGroups/{state['resource_group']}/providers/"
            f"Microsoft.Storage/storageAccounts/{state['storage_account']}/blobServices/default/"
            f"containers/{state['container']}")


def registry_id(project: Project, cloud: Cloud) -> str:
    """The shared registry's id, known before it exists (other environments grant pulls)."""
    group = naming.azure_shared_resource_group(project.name)
    return (f"{subscription(cloud)}/resourceGroups/{group}/providers/"
            f"Microsoft.ContainerRegistry/registries/{naming.acr_name(project.name)}")


def _federation(project: Project, key: str, purpose: str) -> dict[str, Value]:
    return {"identity": key, "name": f"github-{purpose}", "issuer": GITHUB_OIDC_ISSUER,
            "subject": github_subject(project, purpose)}


def _role(identity: str, role: str, scope: Value, *, delegate: bool = False) -> dict[str, Value]:
    out: dict[str, Value] = {"identity": identity, "role": role, "scope": scope}
    if delegate:
        out["delegate"] = True
    return out


def shared_arguments(project: Project, cloud: Cloud) -> dict[str, Value]:
    """The ``azure-identities`` call for the push and plan identities."""
    state = state_container(cloud)
    return {
        "identities": {purpose: naming.azure_github_identity(project.name, purpose)
                       for purpose in ("plan", "push")},
        "federations": {purpose: _federation(project, purpose, purpose)
                        for purpose in ("plan", "push")},
        "role_assignments": {
            "plan-reader": _role("plan", "Reader", subscription(cloud)),
            "plan-key-reader": _role("plan", "Key Vault Reader", subscription(cloud)),
            "plan-state": _role("plan", "Storage Blob Data Contributor", state),
            "push-registry": _role("push", "AcrPush", _ref("module.registry.id")),
        },
    }


def deploy_arguments(project: Project, env: Environment, cloud: Cloud,
                     home: bool) -> dict[str, Value]:
    """The ``azure-identities`` call for the environment's deploy identity; ``home``: this
    environment created the shared resource group (it manages the registry too)."""
    roles = {"deploy-reader": _role("deploy", "Reader", subscription(cloud)),
             "deploy-state": _role("deploy", "Storage Blob Data Contributor",
                                   state_container(cloud))}
    for region in cloud.regions:
        group = _ref(f"module.{region_module('region', region)}.resource_group_id")
        roles[f"deploy-contributor-{region}"] = _role("deploy", "Contributor", group)
        roles[f"deploy-delegate-{region}"] = _role(
            "deploy", "Role Based Access Control Administrator", group, delegate=True)
        namespace = _ref(f'join("/", [module.{region_module("aks", region)}.id, "namespaces", '
                         f"{quote(project.namespace)}])")
        roles[f"deploy-helm-{region}"] = _role(
            "deploy", "Azure Kubernetes Service RBAC Admin", namespace)
    if home:
        shared = _ref("module.registry.resource_group_id")
        roles["deploy-contributor-shared"] = _role("deploy", "Contributor", shared)
        roles["deploy-delegate-shared"] = _role(
            "deploy", "Role Based Access Control Administrator", shared, delegate=True)
    else:
        roles["deploy-delegate-registry"] = _role(
            "deploy", "Role Based Access Control Administrator", registry_id(project, cloud),
            delegate=True)
    return {
        "identities": {"deploy": naming.azure_github_identity(project.name, env.name)},
        "federations": {"deploy": _federation(project, "deploy", env.name)},
        "role_assignments": dict(sorted(roles.items())),
        "assignable_roles": list(ASSIGNABLE_ROLES),
    }


def replica_regions(project: Project, home_region: str) -> Sequence[str]:
    """Every other Azure region any environment runs in (the registry replicates there)."""
    regions = {region for env in project.environments if (cloud := env.cloud("azure"))
               for region in cloud.regions}
    return sorted(regions - {home_region})
