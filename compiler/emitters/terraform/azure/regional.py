"""The module calls of one region of an environment's Azure stack: foundation and audit,
network, key vault, cluster, and the data services the spec declares."""

from __future__ import annotations

from dataclasses import dataclass

from compiler import naming
from compiler.emitters.terraform.azure import aks, audit, cache, keyvault, messaging, network, sizing, storage
from compiler.emitters.terraform.azure.identity import cache_access, region_module
from compiler.emitters.terraform.common import module_call
from compiler.hcl import Block, Expr, Value
from compiler.model import Cloud, Environment, Project

ZONES = {
    "vault": "privatelink.vaultcore.azure.net",
    "registry": "privatelink.azurecr.io",
    "blob": "privatelink.blob.core.windows.net",
    "servicebus": "privatelink.servicebus.windows.net",
    "redis": "privatelink.redis.cache.windows.net",
    "postgres": "privatelink.postgres.database.azure.com",
    "cosmos": "privatelink.mongo.cosmos.azure.com",
}
BLOB_SOFT_DELETE_DAYS = 30
SERVICEBUS_UNITS = 1


@dataclass(frozen=True)
class Region:
    """One region of an environment's Azure stack, and how its module calls are named."""

    project: Project
    env: Environment
    cloud: Cloud
    name: str
    index: int

    @property
    def primary(self) -> bool:
        return self.index == 0

    @property
    def base(self) -> str:
        return naming.fit(f"{self.project.name}-{self.env.name}-{self.name}", 58)

    def module(self, kind: str) -> str:
        return region_module(kind, self.name)

    def out(self, kind: str, output: str) -> Expr:
        return Expr(f"module.{self.module(kind)}.{output}")

    def zone_id(self, zone: str) -> Expr:
        return Expr(f'module.{self.module("network")}.private_dns_zone_ids["{ZONES[zone]}"]')

    def placed(self) -> dict[str, Value]:
        return {"location": self.name,
                "resource_group_name": self.out("region", "resource_group_name"),
                "log_analytics_workspace_id": self.out("region", "log_analytics_workspace_id")}


def data_zones(project: Project) -> list[str]:
    """The privatelink zones the project's data services need (besides vault and registry)."""
    data = project.data
    engine = data.database.engine if data.database else None
    wanted = {"blob": bool(data.buckets), "servicebus": bool(data.queues),
              "redis": data.cache is not None, "postgres": engine == "postgres",
              "cosmos": engine == "cosmos-mongodb"}
    return [zone for zone, needed in wanted.items() if needed]


def data_ports(project: Project) -> list[str]:
    ports = {"blob": ["443"], "servicebus": ["443", "5671"], "redis": ["6380"],
             "postgres": ["5432"], "cosmos": ["10255"]}
    if project.data.cache is not None and project.data.cache.cluster:
        ports["redis"].append("15000-15999")  # one port per shard behind a private endpoint
    return sorted({port for zone in data_zones(project) for port in ports[zone]})


def calls(region: Region, registry: Value) -> list[Block]:
    data = region.project.data
    out = [_region(region), _network(region), _keyvault(region), _aks(region, registry)]
    if data.buckets:
        out.append(_storage(region))
    if data.queues:
        out.append(_servicebus(region))
    if data.cache is not None:
        out.append(_redis(region))
    return out


def _region(region: Region) -> Block:
    project, env = region.project, region.env
    return module_call(region.module("region"), audit.MODULE, {
        "resource_group_name": naming.azure_resource_group(project.name, env.name, region.name),
        "location": region.name,
        "workspace_name": f"{region.base}-logs",
        # A year of audit trail where changes need approval; a quarter elsewhere.
        "retention_in_days": 365 if env.protected else 90,
        "export_activity_log": region.primary,
        "activity_log_setting_name": f"{project.name}-{env.name}-activity-log",
        "subscription_id": Expr("var.subscription_id"),
        "tags": Expr("local.tags"),
    })


def _network(region: Region) -> Block:
    project = region.project
    return module_call(region.module("network"), network.MODULE, {
        "name": f"{region.base}-vnet",
        "address_space": f"10.{64 + region.index}.0.0/16",
        "public_ingress": any(service.public for service in region.env.services),
        "data_ports": data_ports(project),
        "private_dns_zones": [ZONES[zone] for zone in ("vault", "registry", *data_zones(project))],
        **region.placed(),
        "tags": Expr("local.tags"),
    })


def _keyvault(region: Region) -> Block:
    project, env = region.project, region.env
    return module_call(region.module("keyvault"), keyvault.MODULE, {
        "name": naming.azure_key_vault(project.name, env.name, region.name),
        "tenant_id": Expr("var.tenant_id"),
        "subnet_id": region.out("network", "endpoints_subnet_id"),
        "private_dns_zone_id": region.zone_id("vault"),
        "key_officer_principal_ids": {"deploy": Expr('module.github_deploy.principal_ids["deploy"]')},
        "encryption_identity_name": f"{region.base}-encryption",
        **region.placed(),
        "tags": Expr("local.tags"),
    })


def _aks(region: Region, registry: Value) -> Block:
    project, env = region.project, region.env
    return module_call(region.module("aks"), aks.MODULE, {
        "name": naming.kubernetes_cluster(project.name, env.name, region.name),
        "kubernetes_version": region.cloud.kubernetes_version,
        "tenant_id": Expr("var.tenant_id"),
        "admin_group_object_ids": Expr("var.admin_group_object_ids"),
        "cluster_subnet_id": region.out("network", "cluster_subnet_id"),
        "endpoint_subnet_id": region.out("network", "endpoints_subnet_id"),
        "registry_id": registry,
        "registry_dns_zone_id": region.zone_id("registry"),
        "disk_encryption_key_id": region.out("keyvault", "key_id"),
        "disk_encryption_key_resource_id": region.out("keyvault", "key_resource_id"),
        "system_pool": sizing.system_pool(env, region.name),
        "workload_pool": sizing.workload_pool(env, region.name),
        "zones": sizing.zones(region.name),
        "public_ingress": any(service.public for service in env.services),
        "ingress_ip_name": naming.azure_ingress_public_ip(project.name, env.name, region.name),
        **region.placed(),
        "tags": Expr("local.tags"),
    })


def _encrypted(region: Region) -> dict[str, Value]:
    return {"cmk_key_id": region.out("keyvault", "key_id"),
            "cmk_identity_id": region.out("keyvault", "encryption_identity_id"),
            "data_subnet_id": region.out("network", "data_subnet_id")}


def _storage(region: Region) -> Block:
    project, env = region.project, region.env
    containers: dict[str, Value] = {}
    for bucket in project.data.buckets:
        rules = {"cold_after_days": bucket.lifecycle.archive_after_days,
                 "delete_after_days": bucket.lifecycle.expire_after_days}
        containers[bucket.name] = {key: value for key, value in rules.items() if value is not None}
    return module_call(region.module("storage"), storage.MODULE, {
        "name": naming.storage_account(project.name, env.name, region.name),
        "containers": containers,
        "versioning_enabled": any(bucket.versioning for bucket in project.data.buckets),
        "soft_delete_days": BLOB_SOFT_DELETE_DAYS,
        **_encrypted(region),
        "private_dns_zone_id": region.zone_id("blob"),
        **region.placed(),
        "tags": Expr("local.tags"),
    })


def _servicebus(region: Region) -> Block:
    project, env = region.project, region.env
    return module_call(region.module("servicebus"), messaging.MODULE, {
        "name": naming.servicebus_namespace(project.name, env.name, region.name),
        "queues": {queue.name: messaging.queue_settings(queue) for queue in project.data.queues},
        "capacity": SERVICEBUS_UNITS,
        **_encrypted(region),
        "private_dns_zone_id": region.zone_id("servicebus"),
        **region.placed(),
        "tags": Expr("local.tags"),
    })


def _redis(region: Region) -> Block:
    project, env = region.project, region.env
    assert project.data.cache is not None
    return module_call(region.module("redis"), cache.MODULE, {
        "name": naming.azure_redis_cache(project.name, env.name, region.name),
        **cache.sku(project.data.cache, env.cache_size),
        # The primary and its replica in two zones (Premium only).
        "zones": sizing.zones(region.name)[:2],
        "access_policies": cache_access(env.services),
        "data_subnet_id": region.out("network", "data_subnet_id"),
        "private_dns_zone_id": region.zone_id("redis"),
        **region.placed(),
        "tags": Expr("local.tags"),
    })
