"""The root stack ``terraform/<environment>/azure/``: every Azure region of the environment,
the environment's database and identities, and, in the first environment enabling Azure, the
resources all environments share (the registry, the push and plan identities)."""

from __future__ import annotations

from compiler import naming
from compiler.emitters.terraform.azure import database, github, identity, regional, sizing
from compiler.emitters.terraform.azure.regional import Region
from compiler.emitters.terraform.common import (
    CLUSTER_CA_OUTPUT,
    CLUSTER_ENDPOINT_OUTPUT,
    EGRESS_OUTPUT,
    TfFiles,
    home_environment,
    module_call,
    output,
    root_stack,
    tags,
    variable,
)
from compiler.hcl import Attr, Block, Expr, Value
from compiler.model import Cloud, Environment, Project

STACK = "azure"
UUID = "^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$"


def stack(project: Project, env: Environment, cloud: Cloud) -> TfFiles:
    regions = [Region(project, env, cloud, name, index) for index, name in enumerate(cloud.regions)]
    home = home_environment(project, "azure") == env
    files = root_stack(project, env, STACK, cloud, ["azurerm"], [_provider()])
    files.add("main.tf", Block("locals", (), [Attr("tags", tags(project, env))]))
    registry: Value = Expr("module.registry.id") if home else github.registry_id(project, cloud)
    for region in regions:
        files.add("main.tf", *regional.calls(region, registry))
    files.add("main.tf", *_identity_calls(project, env, cloud, regions[0], home))
    database = project.data.database
    if database is not None and database.engine != "mongodb-atlas":
        files.add("main.tf", _database(project, env, regions))
    files.add("variables.tf", *_variables(cloud))
    files.add("outputs.tf", *_outputs(project, regions, home))
    return files


def _identity_calls(project: Project, env: Environment, cloud: Cloud, primary: Region,
                    home: bool) -> list[Block]:
    """The registry and push/plan identities (home environment only), the environment's deploy
    identity, and the workloads' identities with their federations and roles."""
    group = primary.out("region", "resource_group_name")
    out = []
    if home:
        out += [_registry(project, primary),
                _identities("github_shared", primary, Expr("module.registry.resource_group_name"),
                            github.shared_arguments(project, cloud))]
    out.append(_identities("github_deploy", primary, group,
                           github.deploy_arguments(project, env, cloud, home)))
    out.append(_identities("workloads", primary, group, {
        "identities": identity.workload_identities(project, env),
        "federations": identity.workload_federations(project, env, cloud.regions),
        "role_assignments": identity.workload_roles(env, cloud.regions),
    }))
    return out


def _provider() -> Block:
    return Block("provider", ("azurerm",), [
        Attr("subscription_id", Expr("var.subscription_id")),
        Attr("tenant_id", Expr("var.tenant_id")),
        Attr("use_oidc", True),  # GitHub Actions signs in with its OIDC token
        Attr("storage_use_azuread", True),  # shared keys are off on every account
        # Resource providers are registered once by an administrator: the deploy identity has
        # no subscription-wide rights to register them.
        Attr("resource_provider_registrations", "none"),
        Block("features", (), [
            # Data services are private; the provider must not call their data planes.
            Block("storage", (), [Attr("data_plane_available", False)]),
            Block("key_vault", (), [Attr("purge_soft_delete_on_destroy", False)]),
        ]),
    ])


def _registry(project: Project, primary: Region) -> Block:
    return module_call("registry", "azure-registry", {
        "name": naming.acr_name(project.name),
        "resource_group_name": naming.azure_shared_resource_group(project.name),
        "location": primary.name,
        "replica_locations": github.replica_regions(project, primary.name),
        "log_analytics_workspace_id": primary.out("region", "log_analytics_workspace_id"),
        "tags": Expr("local.tags"),
    })


def _identities(name: str, primary: Region, group: Value, arguments: dict[str, Value]) -> Block:
    return module_call(name, identity.MODULE, {
        **arguments, "location": primary.name, "resource_group_name": group,
        "tags": Expr("local.tags")})


def _endpoints(regions: list[Region], zone: str) -> dict[str, Value]:
    return {region.name: {
        "location": region.name,
        "resource_group_name": region.out("region", "resource_group_name"),
        "subnet_id": region.out("network", "data_subnet_id"),
        "private_dns_zone_id": region.zone_id(zone),
    } for region in regions}


def _database(project: Project, env: Environment, regions: list[Region]) -> Block:
    db = project.data.database
    assert db is not None
    primary = regions[0]
    placed = {**primary.placed(), "tags": Expr("local.tags")}
    if db.engine == "postgres":
        settings = db.postgres
        return module_call("database", database.POSTGRES, {
            "name": naming.azure_postgres_server(project.name, env.name, primary.name),
            "postgres_version": settings.version if settings else "16",
            "sku_name": database.POSTGRES_SKUS[env.database_size],
            "storage_mb": database.POSTGRES_STORAGE_MB[env.database_size],
            "high_availability": settings.high_availability if settings else True,
            "zonal": bool(sizing.zones(primary.name)),
            "backup_retention_days": min(max(db.backup.retention_days, 7), 35),
            "database_name": db.name,
            "tenant_id": Expr("var.tenant_id"),
            "administrator": {
                "object_id": Expr('module.github_deploy.principal_ids["deploy"]'),
                "name": naming.azure_github_identity(project.name, env.name)},
            "endpoints": _endpoints(regions, "postgres"),
            **placed,
        })
    return module_call("database", database.COSMOS, {
        "name": naming.azure_cosmos_account(project.name, env.name),
        "locations": [{"location": region.name,
                       "zone_redundant": bool(sizing.zones(region.name))}
                      for region in regions],
        "database_name": db.name,
        "max_throughput": database.COSMOS_THROUGHPUT[env.database_size],
        "backup_tier": "Continuous7Days" if db.backup.retention_days <= 7 else "Continuous30Days",
        "endpoints": _endpoints(regions, "cosmos"),
        "cmk_key_id": primary.out("keyvault", "key_id"),
        "cmk_identity_id": primary.out("keyvault", "encryption_identity_id"),
        **placed,
    })


def _variables(cloud: Cloud) -> list[Block]:
    return [
        variable("subscription_id", "string", "Azure subscription of the environment.",
                 default=cloud.account,
                 validation=(f'can(regex("{UUID}", var.subscription_id))',
                             "subscription_id must be a UUID.")),
        variable("tenant_id", "string", "Entra ID tenant.", default=cloud.tenant,
                 validation=(f'can(regex("{UUID}", var.tenant_id))', "tenant_id must be a UUID.")),
        variable("admin_group_object_ids", "list(string)",
                 "Entra ID groups with cluster-admin rights on every cluster (break-glass).",
                 default=[]),
    ]


def _per_region(regions: list[Region], kind: str, attribute: str) -> dict[str, Value]:
    return {region.name: region.out(kind, attribute) for region in regions}


def _outputs(project: Project, regions: list[Region], home: bool) -> list[Block]:
    clients = ("merge(module.github_shared.client_ids, module.github_deploy.client_ids)" if home
               else "module.github_deploy.client_ids")
    out = [
        output("resource_groups", _per_region(regions, "region", "resource_group_name"),
               "Resource group per region."),
        output("clusters", {region.name: {
            "name": region.out("aks", "name"), "id": region.out("aks", "id"),
            "oidc_issuer_url": region.out("aks", "oidc_issuer_url")} for region in regions},
            "AKS cluster per region (the deploy workflow and Vault's Kubernetes auth use them)."),
        output("ingress_ips", _per_region(regions, "aks", "ingress_ip"),
               "Static ingress IP per region: the global load balancer's origins."),
        output(EGRESS_OUTPUT, _per_region(regions, "aks", "egress_ip"),
               "Static outbound IP per region, for allow-lists such as MongoDB Atlas."),
        output(CLUSTER_ENDPOINT_OUTPUT, _per_region(regions, "aks", "api_url"),
               "Private API URL per region (Vault's Kubernetes auth reviews tokens there)."),
        output(CLUSTER_CA_OUTPUT, _per_region(regions, "aks", "ca_certificate"),
               "PEM CA of that API per region."),
        output("registry_login_server", f"{naming.acr_name(project.name)}.azurecr.io",
               "Registry host the clusters pull from and the image workflow pushes to."),
        output("workload_client_ids", Expr("module.workloads.client_ids"),
               "Service to managed identity client id (azure.workload.identity/client-id)."),
        output("github_client_ids", Expr(clients),
               "Client ids for the GitHub variables AZURE_PUSH/PLAN/DEPLOY_CLIENT_ID."),
    ]
    if project.data.cache is not None:
        out.append(output("cache_hosts", _per_region(regions, "redis", "hostname"),
                          "Redis host per region (TLS on port 6380, Entra ID sign-in)."))
    database = project.data.database
    if database is not None and database.engine != "mongodb-atlas":
        attribute = "fqdn" if database.engine == "postgres" else "endpoint"
        out.append(output("database_host", Expr(f"module.database.{attribute}"),
                          "Database host, reached through each region's private endpoint."))
    return out
