"""Module calls of one region: foundation (key, log bucket, network) and workloads."""

from __future__ import annotations

from compiler import naming
from compiler.emitters.terraform.aws import cache, database, eks, fargate, kms, network, queue, storage
from compiler.emitters.terraform.aws.context import Stack
from compiler.emitters.terraform.common import identifier, module_call
from compiler.hcl import Block, Expr, Value
from compiler.model import Postgres

CACHE_NODE_TYPES = cache.NODE_TYPES
# Nodes per region: enough for the services' minimum replicas with room to roll.
NODE_MIN, NODE_MAX = 2, 10


def call(stack: Stack, module: str, key: str, region: str, arguments: dict[str, Value]) -> Block:
    args: dict[str, Value] = {"region": region, **arguments, "tags": Expr("var.tags")}
    return module_call(f"{key}_{identifier(region)}", module, args)


def foundation(stack: Stack, region: str) -> list[Block]:
    suffix = identifier(region)
    out = [
        call(stack, kms.NAME, "kms", region, {"name": stack.prefix, "account_id": Expr("var.account_id")}),
        call(stack, storage.LOG_BUCKET, "logs", region, {
            "bucket": naming.aws_log_bucket(stack.project.name, stack.env.name, region),
            "account_id": Expr("var.account_id"),
        }),
    ]
    if region in stack.cloud.regions:
        out.append(call(stack, network.NAME, "network", region, {
            "name": stack.prefix,
            "cidr": network.vpc_cidr(stack.region_index(region)),
            "availability_zones": network.availability_zones(region),
            "kms_key_arn": Expr(f"module.kms_{suffix}.key_arn"),
        }))
    return out


def workloads(stack: Stack, region: str) -> list[Block]:
    out = [_runtime(stack, region)]
    if stack.project.data.cache is not None:
        out.append(_cache(stack, region))
    if stack.postgres:
        out.append(_database(stack, region))
    out += [_bucket(stack, bucket.name, region) for bucket in stack.project.data.buckets]
    out += [_queue(stack, q.name, region) for q in stack.project.data.queues]
    return out


def _net(region: str, attribute: str) -> Expr:
    return Expr(f"module.network_{identifier(region)}.{attribute}")


def _runtime(stack: Stack, region: str) -> Block:
    if stack.cloud.runtime == "ecs":
        return _ecs(stack, region)
    suffix = identifier(region)
    return call(stack, eks.NAME, "eks", region, {
        "name": naming.fit(f"{stack.prefix}-{region}", 24),
        "cluster_name": naming.kubernetes_cluster(stack.project.name, stack.env.name, region),
        "kubernetes_version": stack.cloud.kubernetes_version,
        "vpc_id": _net(region, "vpc_id"),
        "private_subnet_ids": _net(region, "private_subnet_ids"),
        "public_subnet_ids": _net(region, "public_subnet_ids"),
        "kms_key_arn": Expr(f"module.kms_{suffix}.key_arn"),
        "node_min": NODE_MIN,
        "node_max": NODE_MAX,
        "admin_role_arns": [Expr("module.deploy_role.arn")],
        "ingress_cidrs": stack.ingress_cidrs,
        "access_log_bucket": Expr(f"module.logs_{suffix}.bucket"),
    })


def _ecs(stack: Stack, region: str) -> Block:
    database = stack.project.data.database
    atlas = database is not None and database.engine == "mongodb-atlas"
    net = {key: _net(region, key) for key in ("vpc_id", "private_subnet_ids", "public_subnet_ids")}
    vpc_ports = [port for port, used in ((cache.PORT, stack.project.data.cache is not None),
                                         (5432, stack.postgres)) if used]
    return fargate.ecs_call(stack, region, net, {
        "egress_ports": [443, 27017] if atlas else [443],
        "vpc_egress_ports": vpc_ports,
        "ingress_cidrs": stack.ingress_cidrs,
        "access_log_bucket": Expr(f"module.logs_{identifier(region)}.bucket"),
    })


def _cache(stack: Stack, region: str) -> Block:
    spec = stack.project.data.cache
    assert spec is not None
    return call(stack, cache.NAME, "cache", region, {
        "name": naming.fit(stack.prefix, 40),
        "vpc_id": _net(region, "vpc_id"),
        "subnet_ids": _net(region, "data_subnet_ids"),
        "client_cidrs": _net(region, "private_subnet_cidrs"),
        "kms_key_arn": Expr(f"module.kms_{identifier(region)}.key_arn"),
        "node_type": CACHE_NODE_TYPES[stack.env.cache_size],
        "engine_version": spec.version,
        "high_availability": spec.high_availability,
        "url_secret_names": [
            naming.aws_provisioned_secret(stack.project.name, stack.env.name, s.name, "CACHE_URL")
            for s in stack.env.services if s.uses_kind("cache")],
    })


def _database(stack: Stack, region: str) -> Block:
    spec = stack.project.data.database
    assert spec is not None
    postgres = spec.postgres or Postgres()
    project, env = stack.project.name, stack.env.name
    primary = identifier(stack.cloud.regions[0])
    replica: dict[str, Value] = {} if region == stack.cloud.regions[0] else {
        "replicate_source_db": Expr(f"module.database_{primary}.arn"),
        "primary_address": Expr(f"module.database_{primary}.endpoint"),
    }
    return call(stack, database.NAME, "database", region, {
        "name": naming.fit(stack.prefix, 40),
        "vpc_id": _net(region, "vpc_id"),
        "subnet_ids": _net(region, "data_subnet_ids"),
        "client_cidrs": _net(region, "private_subnet_cidrs"),
        "kms_key_arn": Expr(f"module.kms_{identifier(region)}.key_arn"),
        "engine_version": postgres.version,
        "instance_class": database.INSTANCE_CLASSES[stack.env.database_size],
        "database": spec.name,
        "high_availability": postgres.high_availability,
        "backup_retention_days": min(spec.backup.retention_days, database.MAX_BACKUP_DAYS),
        "users": {
            naming.database_user(s.name): naming.aws_provisioned_secret(project, env, s.name, "DATABASE_URL")
            for s in stack.env.services if s.uses_kind("database")},
        **replica,
    })


def _bucket(stack: Stack, name: str, region: str) -> Block:
    bucket = next(b for b in stack.project.data.buckets if b.name == name)
    peers = [r for r in stack.cloud.regions if r != region] if bucket.replicate else []
    key = f"bucket_{identifier(name)}"
    args: dict[str, Value] = {
        "bucket": naming.bucket(stack.project.name, stack.env.name, name, "aws", region),
        "kms_key_arn": Expr(f"module.kms_{identifier(region)}.key_arn"),
        "log_bucket": Expr(f"module.logs_{identifier(region)}.bucket"),
        "versioning": bucket.versioning or bucket.replicate,  # replication needs versioning
    }
    if bucket.lifecycle.archive_after_days is not None:
        args["archive_after_days"] = bucket.lifecycle.archive_after_days
    if bucket.lifecycle.expire_after_days is not None:
        args["expire_after_days"] = bucket.lifecycle.expire_after_days
    if peers:
        args["replication_destinations"] = [
            {"bucket_arn": Expr(f"module.{key}_{identifier(peer)}.arn"),
             "kms_key_arn": Expr(f"module.kms_{identifier(peer)}.key_arn")} for peer in peers]
    return call(stack, storage.BUCKET, key, region, args)


def _queue(stack: Stack, name: str, region: str) -> Block:
    spec = next(q for q in stack.project.data.queues if q.name == name)
    return call(stack, queue.NAME, f"queue_{identifier(name)}", region, {
        "queue_name": naming.queue(stack.project.name, stack.env.name, name),
        "kms_key_arn": Expr(f"module.kms_{identifier(region)}.key_arn"),
        "visibility_timeout_seconds": spec.visibility_timeout_seconds,
        "retention_days": spec.retention_days,
        "max_receive_count": spec.max_receive_count,
    })
