"""Building blocks every Azure module shares: resource blocks with their location, resource
group and tags, private endpoints, diagnostic settings and the common module variables.

Every resource that Azure Monitor can export from sends its logs and metrics to the region's
Log Analytics workspace (MC-039); every data service is reachable only through a private
endpoint whose address a private DNS zone linked to the region's network resolves.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.emitters.terraform.common import checkov_skip, variable
from compiler.hcl import Attr, Block, Body, Comment, Expr

LOCATION = Attr("location", Expr("var.location"))
RESOURCE_GROUP = Attr("resource_group_name", Expr("var.resource_group_name"))
TAGS = Attr("tags", Expr("var.tags"))
DIAGNOSTICS_NAME = "to-log-analytics"
NAME_PATTERN = "^[a-z][a-z0-9-]{1,62}[a-z0-9]$"
REPEAT = ("count", "for_each")
# Private endpoint names stop at 64 characters: a 40-character prefix of the target's name, a
# short kind, and a region (at most 18) when there is one endpoint per region.
ENDPOINT_PREFIX = 40
ENDPOINT_KINDS = {"blob": "blob", "vault": "kv", "redisCache": "redis", "namespace": "sb",
                  "postgresqlServer": "pg", "MongoDB": "mongo", "registry": "acr"}


def ref(text: str) -> Expr:
    return Expr(text)


def skip(check: str, reason: str) -> Comment:
    return checkov_skip(check, reason)


def block(type_: str, *body: Attr | Block | Comment) -> Block:
    return Block(type_, (), list(body))


def resource(type_: str, name: str, body: Body, *, placed: bool = True, tagged: bool = True,
             skips: Sequence[Comment] = ()) -> Block:
    """Skips first, then ``count`` or ``for_each``, ``location`` and ``resource_group_name``,
    the body, ``tags``, and the ``lifecycle`` and ``depends_on`` meta-arguments last."""
    leading = [item for item in body if isinstance(item, Attr) and item.name in REPEAT]
    items: list[Attr | Block | Comment] = [*skips, *leading]
    if placed:
        items += [LOCATION, RESOURCE_GROUP]
    items += [item for item in body if not _is_meta(item) and item not in leading]
    if tagged:
        items.append(TAGS)
    items += [item for item in body if _is_meta(item)]
    return Block("resource", (type_, name), items)


def _is_meta(item: Attr | Block | Comment) -> bool:
    return (isinstance(item, Attr) and item.name == "depends_on") or (
        isinstance(item, Block) and item.type == "lifecycle")


def role_assignment(name: str, scope: str, role: str, principal: str, *,
                    first: Sequence[Attr] = (), extra: Body = ()) -> Block:
    """A built-in role for a managed identity (``ServicePrincipal`` skips the Graph lookup);
    ``first`` holds meta-arguments (``count``, ``for_each``)."""
    return resource("azurerm_role_assignment", name, [
        *first, Attr("scope", ref(scope)), Attr("role_definition_name", role),
        Attr("principal_id", ref(principal)), Attr("principal_type", "ServicePrincipal"), *extra,
    ], placed=False, tagged=False)


def user_identity(name: str, identity_name: str) -> Block:
    return resource("azurerm_user_assigned_identity", name, [Attr("name", ref(identity_name))])


def private_endpoint(name: str, target: str, subresource: str, *, subnet: str = "var.data_subnet_id",
                     zone: str = "var.private_dns_zone_id", location: str = "var.location",
                     group: str = "var.resource_group_name", suffix: str = "",
                     owner: str | None = None, extra: Body = ()) -> list[Block]:
    """A private endpoint for ``target`` whose A record lands in the private DNS zone, and the
    export of its traffic metrics. It is named after its target (or ``owner``, an expression),
    plus ``suffix`` (a template part) when there are several (``extra`` holds the for_each)."""
    prefix = owner or _name_of(target)
    endpoint = Block("resource", ("azurerm_private_endpoint", name), [
        *extra,
        Attr("name", ref(f'"${{substr({prefix}, 0, {ENDPOINT_PREFIX})}}-'
                         f'{ENDPOINT_KINDS[subresource]}{suffix}"')),
        Attr("location", ref(location)), Attr("resource_group_name", ref(group)),
        Attr("subnet_id", ref(subnet)),
        block("private_service_connection",
              Attr("name", subresource), Attr("private_connection_resource_id", ref(target)),
              Attr("subresource_names", [subresource]), Attr("is_manual_connection", False)),
        block("private_dns_zone_group", Attr("name", "default"),
              Attr("private_dns_zone_ids", [ref(zone)])),
        TAGS,
    ])
    address = f"azurerm_private_endpoint.{name}"
    if extra:  # one per key: the metrics follow the same keys
        metrics = diagnostics(f"{name}_endpoint", "each.value.id", logs=(),
                              extra=[Attr("for_each", ref(address))])
    else:
        metrics = diagnostics(f"{name}_endpoint", f"{address}.id", logs=())
    return [endpoint, metrics]


def _name_of(target: str) -> str:
    """``azurerm_x.this.id`` -> ``azurerm_x.this.name``: endpoints are named after their target."""
    return target.removesuffix(".id") + ".name"


def diagnostics(name: str, target: str, *, logs: Sequence[str] = ("allLogs",),
                categories: Sequence[str] = (), metrics: Sequence[str] = ("AllMetrics",),
                workspace: str = "var.log_analytics_workspace_id", extra: Body = ()) -> Block:
    """Export ``target``'s logs (by category group, or named categories) and metrics."""
    body: list[Attr | Block | Comment] = [
        *extra,
        Attr("name", DIAGNOSTICS_NAME),
        Attr("target_resource_id", ref(target)),
        Attr("log_analytics_workspace_id", ref(workspace)),
    ]
    body += [block("enabled_log", Attr("category_group", group)) for group in logs]
    body += [block("enabled_log", Attr("category", category)) for category in categories]
    body += [block("enabled_metric", Attr("category", metric)) for metric in metrics]
    return Block("resource", ("azurerm_monitor_diagnostic_setting", name), body)


# --- variables every module declares ---

def name_variable(description: str, pattern: str = NAME_PATTERN) -> Block:
    return variable("name", "string", description,
                    validation=(f"can(regex({_q(pattern)}, var.name))",
                                "name must be lowercase letters, digits and '-'."))


def location_variable() -> Block:
    return variable("location", "string", "Azure region of every resource of this module.",
                    validation=('can(regex("^[a-z]+[0-9]?$", var.location))',
                                "location must be an Azure region name such as westeurope."))


def resource_group_variable() -> Block:
    return variable("resource_group_name", "string", "Resource group the resources live in.")


def tags_variable() -> Block:
    return variable("tags", "map(string)", "Tags set on every resource of this module.")


def workspace_variable() -> Block:
    return variable("log_analytics_workspace_id", "string",
                    "Log Analytics workspace receiving every diagnostic setting (MC-039).")


def endpoint_variables(subnet_description: str = "Subnet of the private endpoint.") -> list[Block]:
    return [
        variable("data_subnet_id", "string", subnet_description),
        variable("private_dns_zone_id", "string",
                 "Private DNS zone that resolves the private endpoint's address."),
    ]


def cmk_variables() -> list[Block]:
    return [
        variable("cmk_key_id", "string",
                 "Versionless Key Vault key id: data is encrypted with it, rotations apply."),
        variable("cmk_identity_id", "string",
                 "User-assigned identity allowed to wrap and unwrap with the key."),
    ]


def common_variables() -> list[Block]:
    return [location_variable(), resource_group_variable(), workspace_variable(), tags_variable()]


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\") + '"'
