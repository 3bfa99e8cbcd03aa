"""The ECS module call of one region: task sizes, the env-var contract and secret names.

Every variable comes from ``contract.service_env`` for this region: plain values become the
container's environment; secret and provisioned ones are injected from Secrets Manager, the
former from secrets synced from Vault, the latter from what the cache/database modules write.
"""

from __future__ import annotations

import math

from compiler import naming
from compiler.contract import Target, service_env
from compiler.emitters.terraform.aws import ecs
from compiler.emitters.terraform.aws.context import Stack
from compiler.emitters.terraform.common import identifier, module_call
from compiler.hcl import Block, Expr, Value
from compiler.model import Service

# Fargate task CPU units and the memory (MiB) range each allows.
FARGATE = ((256, 512, 2048), (512, 1024, 4096), (1024, 2048, 8192), (2048, 4096, 16384),
           (4096, 8192, 30720), (8192, 16384, 61440), (16384, 32768, 122880))
SIDECAR_CPU, SIDECAR_MEMORY = 128, 256  # the ADOT collector


def millicores(cpu: str) -> int:
    return int(cpu[:-1]) if cpu.endswith("m") else round(float(cpu) * 1000)


def mebibytes(memory: str) -> int:
    return int(memory[:-2]) * (1024 if memory.endswith("Gi") else 1)


def task_size(service: Service) -> tuple[int, int, int, int]:
    """(task cpu, task memory, app cpu, app memory): the smallest valid Fargate size that
    fits the service's request plus the collector sidecar."""
    app_cpu = math.ceil(millicores(service.cpu) * 1024 / 1000)
    app_memory = mebibytes(service.memory)
    for cpu, low, high in FARGATE:
        memory = max(low, math.ceil((app_memory + SIDECAR_MEMORY) / 1024) * 1024)
        if cpu >= app_cpu + SIDECAR_CPU and memory <= high:
            return cpu, memory, app_cpu, app_memory
    raise ValueError(f"service {service.name} is larger than the largest Fargate task")


def secret_name(stack: Stack, service: str, name: str, source: str) -> str:
    project, env = stack.project.name, stack.env.name
    if source == "provisioned":
        return naming.aws_provisioned_secret(project, env, service, name)
    return naming.aws_secret(project, env, name)


def synced_secrets(stack: Stack) -> list[str]:
    """Secrets Manager names the ECS module creates: app secrets and provisioned values that
    another stack (the global one: Atlas) supplies."""
    found = set()
    for service in stack.env.services:
        for var in service_env(stack.project, service, _target(stack, stack.cloud.regions[0])):
            if var.source == "secret" or (var.source == "provisioned" and not _owned(stack, var.name)):
                found.add(secret_name(stack, service.name, var.name, var.source))
    return sorted(found)


def _owned(stack: Stack, name: str) -> bool:
    return name == "CACHE_URL" or (name == "DATABASE_URL" and stack.postgres)


def _target(stack: Stack, region: str) -> Target:
    return Target("aws", region, stack.env.name, stack.cloud.runtime, stack.cloud.account)


def _service(stack: Stack, service: Service, region: str) -> dict[str, Value]:
    cpu, memory, app_cpu, app_memory = task_size(service)
    variables = service_env(stack.project, service, _target(stack, region))
    dns = stack.project.dns
    health = service.health
    return {
        "family": naming.workload(stack.project.name, stack.env.name, service.name),
        "cpu": cpu, "memory": memory, "app_cpu": app_cpu, "app_memory": app_memory,
        "port": service.port,
        "command": list(service.command),
        "environment": {v.name: v.value for v in variables if v.source == "value" and v.value is not None},
        "secrets": {v.name: secret_name(stack, service.name, v.name, v.source) for v in variables
                    if v.source in ("secret", "provisioned")},
        "task_role_arn": Expr(f"module.role_{identifier(service.name)}.arn"),
        "public": service.public and dns is not None,
        "hostname": stack.env.fqdn(service, dns.zone) if service.public and dns else "",
        "liveness": health.liveness, "readiness": health.readiness,
        "interval": health.interval, "timeout": health.timeout,
        "retries": health.failure_threshold, "start_period": health.start_period,
        "min": service.scaling.min, "max": service.scaling.max,
        "target_cpu": service.scaling.target_cpu_percent,
    }


def secret_arns(stack: Stack, region: str) -> list[str]:
    """ARN patterns (Secrets Manager appends six random characters) of every injected secret."""
    names = {secret_name(stack, s.name, v.name, v.source) for s in stack.env.services
             for v in service_env(stack.project, s, _target(stack, region))
             if v.source in ("secret", "provisioned")}
    return [f"arn:aws:secretsmanager:{region}:{stack.cloud.account}:secret:{name}-??????"
            for name in sorted(names)]


def ecs_call(stack: Stack, region: str, net: dict[str, Expr], extra: dict[str, Value]) -> Block:
    suffix = identifier(region)
    dns = stack.project.dns
    args: dict[str, Value] = {
        "region": region,
        "name": naming.fit(f"{stack.prefix}-{region}", 24),
        "cluster_name": naming.ecs_cluster(stack.project.name, stack.env.name),
        **net,
        "kms_key_arn": Expr(f"module.kms_{suffix}.key_arn"),
        "image": Expr(f'"{stack.cloud.account}.dkr.ecr.{region}.amazonaws.com/'
                      f'{naming.ecr_repository(stack.project.name)}:${{var.image_tag}}"'),
        "services": {s.name: _service(stack, s, region) for s in stack.env.services},
        "synced_secrets": synced_secrets(stack),
        "secret_arns": secret_arns(stack, region),
        **extra,
        "certificate_domains": sorted(stack.env.fqdn(s, dns.zone) for s in stack.env.services
                                      if s.public) if dns else [],
        "cloudflare_zone": dns.zone if dns else "",
        "tags": Expr("var.tags"),
    }
    return module_call(f"ecs_{suffix}", ecs.NAME, args)
