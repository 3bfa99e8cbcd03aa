"""Spec models of the `data` section: database, cache, buckets, queues and backups."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from compiler.spec_types import CloudName, Name, Size, Strict


class AtlasRegion(Strict):
    cloud: CloudName
    region: str = Field(description="The cloud's own region name, e.g. us-east-1.")
    priority: int = Field(ge=1, le=7, description="7 is the preferred primary.")
    electable_nodes: int = Field(ge=0, le=7)
    read_only_nodes: int = Field(0, ge=0, le=7)


class Atlas(Strict):
    org_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{24}$")] = Field(
        description="MongoDB Atlas organisation id.")
    version: Literal["7.0", "8.0"] = "8.0"
    regions: list[AtlasRegion] = Field(
        default_factory=list,
        description="Electable nodes across clouds; empty means the primary region of every cloud.")


class Postgres(Strict):
    version: Literal["15", "16", "17", "18"] = Field("16", description="PostgreSQL major version.")
    high_availability: bool = True


class Backup(Strict):
    retention_days: int = Field(30, ge=1, le=3650)
    snapshot_interval_hours: Literal[1, 2, 4, 6, 8, 12, 24] = 6
    point_in_time: bool = True
    export_to: CloudName | None = Field(
        None, description="Copy snapshots to a bucket in this (second) cloud.")


class Database(Strict):
    engine: Literal["mongodb-atlas", "postgres", "cosmos-mongodb"] = Field(
        description="mongodb-atlas: one Atlas cluster across clouds. postgres: a managed server "
        "per cloud (RDS, Cloud SQL, Azure Flexible Server). cosmos-mongodb: Azure Cosmos DB for "
        "MongoDB, replicated across the Azure regions; Azure must be the only enabled cloud.")
    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")] = Field(
        description="Logical database name.")
    size: Size = "medium"
    atlas: Atlas | None = None
    postgres: Postgres | None = None
    backup: Backup = Field(default_factory=Backup)


class Cache(Strict):
    engine: Literal["redis"] = "redis"
    version: Literal["6", "7"] = "7"
    size: Size = "small"
    cluster: bool = Field(False, description="Redis Cluster mode (sharded).")
    high_availability: bool = True


class Lifecycle(Strict):
    archive_after_days: int | None = Field(None, ge=1, le=36500)
    expire_after_days: int | None = Field(None, ge=1, le=36500)


class Bucket(Strict):
    versioning: bool = True
    replicate: bool = Field(False, description="Replicate objects to every enabled cloud.")
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)


class Queue(Strict):
    visibility_timeout_seconds: int = Field(300, ge=1, le=43200)
    retention_days: int = Field(4, ge=1, le=14)
    max_receive_count: int = Field(5, ge=1, le=100, description="Deliveries before dead-lettering.")


class Data(Strict):
    database: Database | None = None
    cache: Cache | None = None
    buckets: dict[Name, Bucket] = Field(default_factory=dict)
    queues: dict[Name, Queue] = Field(default_factory=dict)
