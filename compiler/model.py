"""The IR: frozen, defaults applied, per-environment overrides merged, sorted.

Emitters read only this module. Sections with no cross-references (dns, observability, ci, flags,
kubernetes, scan) are carried as their frozen spec models, re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from compiler.loader import SourceMap
from compiler.spec import Aws, Azure, Gcp, Image, ServiceOverride, Spec
from compiler.spec import Environment as SpecEnvironment
from compiler.spec import Service as SpecService
from compiler.spec_data import Atlas, Backup, Cache, Lifecycle, Postgres
from compiler.spec_data import Bucket as SpecBucket
from compiler.spec_data import Queue as SpecQueue
from compiler.spec_ops import Ci, Dns, Flags, Kubernetes, Observability, Scan, Secrets
from compiler.spec_types import CloudName

CLOUD_ORDER: tuple[CloudName, ...] = ("aws", "gcp", "azure")
KUBERNETES_RUNTIMES = frozenset({"eks", "gke", "aks"})

__all__ = [
    "Atlas", "Backup", "Cache", "Ci", "Dns", "Flags", "Image", "Kubernetes", "Lifecycle",
    "Observability", "Postgres", "Scan", "Secrets",
]


@dataclass(frozen=True)
class Health:
    liveness: str
    readiness: str
    port: int
    interval: int
    timeout: int
    failure_threshold: int
    start_period: int


@dataclass(frozen=True)
class Scaling:
    min: int
    max: int
    target_cpu_percent: int


@dataclass(frozen=True, order=True)
class Use:
    kind: Literal["cache", "database", "queue", "storage"]
    target: str  # bucket or queue name; "" for the database and the cache
    access: Literal["read", "read-write", "write"]

    @property
    def reads(self) -> bool:
        return self.access in ("read", "read-write")

    @property
    def writes(self) -> bool:
        return self.access in ("write", "read-write")


@dataclass(frozen=True)
class Service:
    name: str
    description: str
    command: tuple[str, ...]
    port: int
    public: bool
    hostname: str | None
    health: Health
    cpu: str
    memory: str
    scaling: Scaling
    env: tuple[tuple[str, str], ...]
    secrets: tuple[str, ...]
    uses: tuple[Use, ...]
    line: int

    def uses_kind(self, kind: str) -> tuple[Use, ...]:
        return tuple(use for use in self.uses if use.kind == kind)


@dataclass(frozen=True)
class Cloud:
    name: Literal["aws", "gcp", "azure"]
    runtime: str
    regions: tuple[str, ...]  # the first is the primary
    account: str  # AWS account id, GCP project id or Azure subscription id
    tenant: str  # Azure tenant id; "" elsewhere
    kubernetes_version: str
    state: tuple[tuple[str, str], ...]

    @property
    def kubernetes(self) -> bool:
        return self.runtime in KUBERNETES_RUNTIMES


@dataclass(frozen=True)
class Environment:
    name: str
    protected: bool
    auto_deploy: bool
    subdomain: str | None
    clouds: tuple[Cloud, ...]
    services: tuple[Service, ...]
    database_size: str
    cache_size: str

    def cloud(self, name: str) -> Cloud | None:
        return next((cloud for cloud in self.clouds if cloud.name == name), None)

    def fqdn(self, service: Service, zone: str) -> str:
        host = service.hostname or service.name
        return ".".join(part for part in (host, self.subdomain, zone) if part)


@dataclass(frozen=True)
class Bucket:
    name: str
    versioning: bool
    replicate: bool
    lifecycle: Lifecycle


@dataclass(frozen=True)
class Queue:
    name: str
    visibility_timeout_seconds: int
    retention_days: int
    max_receive_count: int


@dataclass(frozen=True)
class Database:
    engine: Literal["mongodb-atlas", "postgres", "cosmos-mongodb"]
    name: str
    atlas: Atlas | None
    postgres: Postgres | None
    backup: Backup


@dataclass(frozen=True)
class Data:
    database: Database | None
    cache: Cache | None
    buckets: tuple[Bucket, ...]
    queues: tuple[Queue, ...]


@dataclass(frozen=True)
class Project:
    name: str
    owner: str
    repository: str
    default_branch: str
    description: str
    labels: tuple[tuple[str, str], ...]
    state_cloud: str
    environments: tuple[Environment, ...]  # promotion order, as written
    services: tuple[Service, ...]  # as declared, before environment overrides; sorted
    image: Image
    data: Data
    secrets: Secrets | None
    dns: Dns | None
    observability: Observability
    ci: Ci
    flags: Flags
    kubernetes: Kubernetes
    scan: Scan
    spec_file: str

    @property
    def namespace(self) -> str:
        return self.kubernetes.namespace or self.name

    def environment(self, name: str) -> Environment:
        return next(env for env in self.environments if env.name == name)


def normalise(spec: Spec, source: SourceMap) -> Project:
    environments = tuple(
        _environment(spec, name, env, source) for name, env in spec.environments.items()
    )
    return Project(
        name=spec.project.name,
        owner=spec.project.owner,
        repository=spec.project.repository,
        default_branch=spec.project.default_branch,
        description=spec.project.description,
        labels=tuple(sorted(spec.project.labels.items())),
        state_cloud=spec.project.state_cloud or next(
            cloud for cloud in CLOUD_ORDER if getattr(spec.clouds, cloud) is not None
            and getattr(spec.clouds, cloud).enabled),
        environments=environments,
        services=tuple(
            _service(spec, name, service, None, source)
            for name, service in sorted(spec.services.items())
        ),
        image=spec.image,
        data=_data(spec),
        secrets=spec.secrets,
        dns=spec.dns,
        observability=spec.observability,
        ci=spec.ci,
        flags=spec.flags,
        kubernetes=spec.kubernetes,
        scan=spec.scan,
        spec_file=source.file,
    )


def _environment(spec: Spec, name: str, env: SpecEnvironment, source: SourceMap) -> Environment:
    clouds = []
    for cloud_name in CLOUD_ORDER:
        declared = getattr(spec.clouds, cloud_name)
        override = env.clouds.get(cloud_name)
        enabled = declared is not None and declared.enabled
        if override is not None and override.enabled is not None:
            enabled = enabled and override.enabled
        if enabled:
            regions = override.regions if override and override.regions else declared.regions
            clouds.append(_cloud(cloud_name, declared, tuple(regions)))
    services = tuple(
        _service(spec, service_name, service, env.services.get(service_name), source)
        for service_name, service in sorted(spec.services.items())
    )
    database = spec.data.database
    cache = spec.data.cache
    return Environment(
        name=name,
        protected=env.protected,
        auto_deploy=env.auto_deploy,
        subdomain=env.subdomain,
        clouds=tuple(clouds),
        services=services,
        database_size=env.database_size or (database.size if database else "medium"),
        cache_size=env.cache_size or (cache.size if cache else "small"),
    )


def _cloud(name: str, declared: Aws | Gcp | Azure, regions: tuple[str, ...]) -> Cloud:
    if isinstance(declared, Aws):
        account, tenant = declared.account_id, ""
    elif isinstance(declared, Gcp):
        account, tenant = declared.project_id, ""
    else:
        account, tenant = declared.subscription_id, declared.tenant_id
    return Cloud(
        name=name,  # type: ignore[arg-type]
        runtime=declared.runtime,
        regions=regions,
        account=account,
        tenant=tenant,
        kubernetes_version=declared.kubernetes_version,
        state=tuple(sorted((k, str(v)) for k, v in declared.state.model_dump().items())),
    )


def _service(
    spec: Spec, name: str, service: SpecService, override: ServiceOverride | None,
    source: SourceMap,
) -> Service:
    scaling = service.scaling.model_dump()
    resources = service.resources
    env_values = {key: _env_text(value) for key, value in service.env.items()}
    if override is not None:
        if override.scaling is not None:
            scaling.update(override.scaling.model_dump(exclude_none=True))
        resources = override.resources or resources
        env_values.update({key: _env_text(value) for key, value in override.env.items()})
    health = service.health
    return Service(
        name=name,
        description=service.description,
        command=tuple(service.command or spec.image.start),
        port=service.port,
        public=service.public,
        hostname=(service.hostname or name) if service.public else None,
        health=Health(health.liveness, health.readiness, service.port, health.interval_seconds,
                      health.timeout_seconds, health.failure_threshold,
                      health.start_period_seconds),
        cpu=resources.cpu,
        memory=resources.memory,
        scaling=Scaling(**scaling),
        env=tuple(sorted(env_values.items())),
        secrets=tuple(sorted(set(service.secrets))),
        uses=tuple(sorted(_use(ref, access) for ref, access in service.uses.items())),
        line=source.locate(("services", name))[0],
    )


def _use(ref: str, access: str) -> Use:
    kind, _, target = ref.partition(".")
    return Use(kind, target, access)  # type: ignore[arg-type]


def _env_text(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _data(spec: Spec) -> Data:
    database = spec.data.database
    return Data(
        database=None if database is None else Database(
            database.engine, database.name, database.atlas, database.postgres, database.backup),
        cache=spec.data.cache,
        buckets=tuple(_bucket(name, b) for name, b in sorted(spec.data.buckets.items())),
        queues=tuple(_queue(name, q) for name, q in sorted(spec.data.queues.items())),
    )


def _bucket(name: str, bucket: SpecBucket) -> Bucket:
    return Bucket(name, bucket.versioning, bucket.replicate, bucket.lifecycle)


def _queue(name: str, queue: SpecQueue) -> Queue:
    return Queue(name, queue.visibility_timeout_seconds, queue.retention_days,
                 queue.max_receive_count)
