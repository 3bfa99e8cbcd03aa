"""azure-identities: user-assigned managed identities, the federated credentials that let a
token issuer sign in as them, and their role assignments at exact scopes.

Used twice over: for workloads (one identity per service, trusted for its Kubernetes service
account on each region's cluster, with data-plane roles derived from the service's `uses`) and
for GitHub Actions (see ``github``). A role assignment marked ``delegate`` lets its identity
assign roles itself, but only the roles in ``assignable_roles`` (an ABAC condition), so a
deploy identity can wire workloads up without being able to raise anyone's privileges.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler import naming
from compiler.emitters.terraform.azure.base import ref, resource, tags_variable
from compiler.emitters.terraform.common import ModuleFiles, identifier, output, variable
from compiler.hcl import Attr, Block, Expr, Value, quote
from compiler.model import Environment, Project, Service, Use

MODULE = "azure-identities"
TOKEN_AUDIENCE = "api://AzureADTokenExchange"
FEDERATIONS_TYPE = ("map(object({ identity = string, name = string, issuer = string, "
                    "subject = string }))")
ASSIGNMENTS_TYPE = ("map(object({ identity = string, role = string, scope = string, "
                    "delegate = optional(bool, false) }))")
# A role assignment write or delete passes only for one of the listed role definitions.
DELEGATION_CONDITION = (
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
    "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] "
    "ForAnyOfAnyValues:GuidEquals {%s})) AND "
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR "
    "(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] "
    "ForAnyOfAnyValues:GuidEquals {%s}))"
)
BLOB_ROLES = {"read": "Storage Blob Data Reader", "write": "Storage Blob Data Contributor"}
SENDER = "Azure Service Bus Data Sender"
RECEIVER = "Azure Service Bus Data Receiver"
CACHE_POLICIES = {"read": "Data Reader", "write": "Data Contributor"}
IDENTITY = "azurerm_user_assigned_identity.this[each.value.identity]"


def module() -> ModuleFiles:
    files = ModuleFiles(MODULE, ("azurerm",))
    files.main += [
        resource("azurerm_user_assigned_identity", "this", [
            Attr("for_each", ref("var.identities")), Attr("name", ref("each.value"))]),
        Block("resource", ("azurerm_federated_identity_credential", "this"), [
            Attr("for_each", ref("var.federations")),
            Attr("name", ref("each.value.name")),
            Attr("user_assigned_identity_id", ref(f"{IDENTITY}.id")),
            Attr("issuer", ref("each.value.issuer")),
            Attr("subject", ref("each.value.subject")),
            Attr("audience", [TOKEN_AUDIENCE]),
        ]),
        *_role_assignments(),
    ]
    files.variables += _variables()
    files.outputs += [
        output(f"{attribute}s", ref("{ for key, identity in azurerm_user_assigned_identity.this : "
                                    f"key => identity.{attribute} }}"), description)
        for attribute, description in (
            ("client_id", "Identity key to client id (what a workload or a workflow signs in as)."),
            ("principal_id", "Identity key to principal (object) id."),
            ("id", "Identity key to resource id."),
        )
    ]
    return files


def _role_assignments() -> list[Block]:
    return [
        Block("data", ("azurerm_role_definition", "assignable"), [
            Attr("for_each", ref("toset(var.assignable_roles)")), Attr("name", ref("each.value"))]),
        Block("locals", (), [
            Attr("assignable_role_ids", ref(
                'join(", ", sort([for role in data.azurerm_role_definition.assignable : '
                "role.role_definition_id]))")),
            Attr("delegation_condition", ref(
                f"format({quote(DELEGATION_CONDITION)}, local.assignable_role_ids, "
                "local.assignable_role_ids)")),
        ]),
        Block("resource", ("azurerm_role_assignment", "this"), [
            Attr("for_each", ref("var.role_assignments")),
            Attr("scope", ref("each.value.scope")),
            Attr("role_definition_name", ref("each.value.role")),
            Attr("principal_id", ref(f"{IDENTITY}.principal_id")),
            Attr("principal_type", "ServicePrincipal"),
            Attr("condition", ref("each.value.delegate ? local.delegation_condition : null")),
            Attr("condition_version", ref('each.value.delegate ? "2.0" : null')),
        ]),
    ]


def _variables() -> list[Block]:
    return [
        variable("identities", "map(string)", "Identity key to identity name."),
        variable("federations", FEDERATIONS_TYPE,
                 "Federated credentials: which issuer's subject may sign in as which identity."),
        variable("role_assignments", ASSIGNMENTS_TYPE,
                 "Roles at exact scopes; `delegate` adds the assignable-roles condition."),
        variable("assignable_roles", "list(string)",
                 "Roles a `delegate` assignment may grant or revoke.", default=[]),
        variable("location", "string", "Azure region of the identities."),
        variable("resource_group_name", "string", "Resource group of the identities."),
        tags_variable(),
    ]


# --- workloads: one identity per service, roles from `uses` ---

def region_module(kind: str, region: str) -> str:
    """Name of a region's module call in the root stack (``storage_westeurope``)."""
    return f"{kind}_{identifier(region)}"


def workload_identities(project: Project, env: Environment) -> dict[str, Value]:
    return {service.name: naming.service_identity(project.name, env.name, service.name)
            for service in env.services}


def workload_federations(project: Project, env: Environment,
                         regions: Sequence[str]) -> dict[str, Value]:
    """Each service's Kubernetes service account, on each region's cluster."""
    out: dict[str, Value] = {}
    for service in env.services:
        account = naming.kubernetes_service_account(service.name)
        for region in regions:
            out[f"{service.name}-{region}"] = {
                "identity": service.name,
                "name": naming.kubernetes_cluster(project.name, env.name, region),
                "issuer": ref(f"module.{region_module('aks', region)}.oidc_issuer_url"),
                "subject": f"system:serviceaccount:{project.namespace}:{account}",
            }
    return out


def workload_roles(env: Environment, regions: Sequence[str]) -> dict[str, Value]:
    """Data-plane roles from `uses`, each scoped to the one container or queue in each region:
    read -> Blob Data Reader / Service Bus Receiver; write -> Blob Data Contributor (there is no
    write-only blob role) / Service Bus Sender; read-write -> both queue roles."""
    out: dict[str, Value] = {}
    for service in env.services:
        for use in service.uses:
            for region in regions:
                for role, scope in _use_roles(use, region):
                    key = f"{service.name}-{use.kind}-{use.target}-{_short(role)}-{region}"
                    out[key] = {"identity": service.name, "role": role, "scope": scope}
    return dict(sorted(out.items()))


def _use_roles(use: Use, region: str) -> list[tuple[str, Expr]]:
    if use.kind == "storage":
        scope = ref(f'module.{region_module("storage", region)}.container_ids[{quote(use.target)}]')
        return [(BLOB_ROLES["write" if use.writes else "read"], scope)]
    if use.kind == "queue":
        scope = ref(f'module.{region_module("servicebus", region)}.queue_ids[{quote(use.target)}]')
        roles = ([RECEIVER] if use.reads else []) + ([SENDER] if use.writes else [])
        return [(role, scope) for role in roles]
    return []  # cache: an access policy (cache_access); database: a role inside the server


def _short(role: str) -> str:
    return role.rsplit(" ", 1)[-1].lower()


def cache_access(services: Sequence[Service]) -> dict[str, Value]:
    """Redis data access policy of each service that uses the cache."""
    out: dict[str, Value] = {}
    for service in services:
        for use in service.uses_kind("cache"):
            out[service.name] = {
                "object_id": ref(f"module.workloads.principal_ids[{quote(service.name)}]"),
                "alias": service.name,
                "policy": CACHE_POLICIES["write" if use.writes else "read"],
            }
    return out
