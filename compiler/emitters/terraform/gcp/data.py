"""Root-stack calls for the data services: buckets and their replication, Pub/Sub, Memorystore,
Cloud SQL and the Secret Manager secrets the workloads read."""

from __future__ import annotations

from compiler import naming
from compiler.contract import Target, service_env
from compiler.emitters.terraform.common import module_call
from compiler.emitters.terraform.gcp import cache, database, messaging, replication, secrets, storage
from compiler.emitters.terraform.gcp.base import ref
from compiler.emitters.terraform.gcp.context import Site
from compiler.emitters.terraform.gcp.foundation import LABELS, NUMBER, PROJECT_ID, key_id, mod
from compiler.hcl import Block, Value
from compiler.model import Service

MAX_ACK_DEADLINE = 600  # Pub/Sub's ceiling; longer work must extend its lease while it runs
MIN_DELIVERY_ATTEMPTS = 5  # Pub/Sub's floor for a dead-letter policy
MAX_RETAINED_BACKUPS = 365


def storage_calls(site: Site) -> list[Block]:
    project, env = site.project, site.env
    return [module_call(mod("storage", region), storage.NAME, {
        "project_id": PROJECT_ID, "region": region,
        "buckets": {b.name: {
            "name": naming.bucket(project.name, env.name, b.name, "gcp", region),
            "versioning": b.versioning,
            "archive_after_days": b.lifecycle.archive_after_days,
            "expire_after_days": b.lifecycle.expire_after_days,
        } for b in project.data.buckets},
        "log_bucket": naming.gcp_log_bucket(project.name, env.name, region),
        "kms_key_id": key_id(region, "storage"),
        "labels": LABELS,
    }) for region in site.regions]


def bucket_ref(region: str, bucket: str) -> Value:
    return ref(f'module.{mod("storage", region)}.bucket_names["{bucket}"]')


def replication_call(site: Site) -> Block | None:
    """Pull every replicated bucket from S3 (or, without AWS, from Azure Blob) into each region."""
    replicated = [b.name for b in site.project.data.buckets if b.replicate]
    aws, azure = site.env.cloud("aws"), site.env.cloud("azure")
    if not replicated or (aws is None and azure is None):
        return None
    project, env = site.project.name, site.env.name
    jobs: dict[str, Value] = {}
    for bucket in replicated:
        for region in site.regions:
            sink = bucket_ref(region, bucket)
            if aws is not None:
                role = naming.gcp_transfer_source_role(project, env)
                jobs[f"{bucket}-{region}"] = {
                    "sink": sink, "bucket": naming.bucket(project, env, bucket, "aws", aws.regions[0]),
                    "role_arn": f"arn:aws:iam::{aws.account}:role/{role}"}
            elif azure is not None:
                jobs[f"{bucket}-{region}"] = {
                    "sink": sink, "container": bucket,
                    "storage_account": naming.storage_account(project, env, azure.regions[0]),
                    "credentials_secret": ref(
                        f'"projects/${{{NUMBER}}}/secrets/${{module.secrets.ids'
                        f'["{naming.gcp_transfer_azure_secret(project, env)}"]}}"')}
    kind = "s3_jobs" if aws is not None else "azure_jobs"
    return module_call("replication", replication.NAME, {"project_id": PROJECT_ID, kind: jobs})


def pubsub_call(site: Site) -> Block:
    project = site.project
    return module_call("pubsub", messaging.NAME, {
        "project_id": PROJECT_ID,
        "queues": {q.name: {
            "name": naming.queue(project.name, site.env.name, q.name),
            "ack_deadline_seconds": min(q.visibility_timeout_seconds, MAX_ACK_DEADLINE),
            "retention_seconds": q.retention_days * 86400,
            "max_delivery_attempts": max(q.max_receive_count, MIN_DELIVERY_ATTEMPTS),
        } for q in project.data.queues},
        "kms_key_id": key_id(site.primary, "messaging"),
        "regions": list(site.regions),
        "service_agent": ref(f'"serviceAccount:service-${{{NUMBER}}}@gcp-sa-pubsub.iam.gserviceaccount.com"'),
        "labels": LABELS,
    })


def cache_calls(site: Site) -> list[Block]:
    settings = site.project.data.cache
    assert settings is not None
    return [module_call(mod("cache", region), cache.NAME, {
        "project_id": PROJECT_ID,
        "name": naming.gcp_cache(site.project.name, site.env.name, region),
        "region": region,
        "memory_size_gb": cache.MEMORY_GB[site.env.cache_size],
        "high_availability": settings.high_availability,
        "redis_version": cache.VERSIONS[settings.version],
        "network_id": ref("module.network.network_id"),
        "reserved_ip_range": ref("module.network.private_service_range"),
        "kms_key_id": key_id(region, "cache"),
        "labels": LABELS,
    }) for region in site.regions]


def sql_instance(site: Site) -> str:
    return naming.gcp_sql_instance(site.project.name, site.env.name)


def postgres_version(site: Site) -> str:
    database_ = site.project.data.database
    assert database_ is not None
    return database_.postgres.version if database_.postgres else "16"


def database_call(site: Site) -> Block:
    database_ = site.project.data.database
    assert database_ is not None
    users: dict[str, Value] = {s.name: {"email": ref(f"module.{mod('identity', s.name)}.email"),
                      "roles": [database.WRITER if s.uses_kind("database")[0].writes
                                else database.READER]}
             for s in site.services if s.uses_kind("database")}
    return module_call("database", database.NAME, {
        "project_id": PROJECT_ID,
        "name": sql_instance(site),
        "region": site.primary,
        "database_version": f"POSTGRES_{postgres_version(site)}",
        "tier": database.TIERS[site.env.database_size],
        "high_availability": database_.postgres.high_availability if database_.postgres else True,
        "network_id": ref("module.network.network_id"),
        "private_service_range": ref("module.network.private_service_range"),
        "database_name": database_.name,
        "users": users,
        "retained_backups": min(database_.backup.retention_days, MAX_RETAINED_BACKUPS),
        "point_in_time_recovery": database_.backup.point_in_time,
        "labels": LABELS,
    })


def target(site: Site, region: str) -> Target:
    return Target("gcp", region, site.env.name, site.cloud.runtime, site.project_id)


def provisioned(site: Site) -> dict[str, tuple[str, str, Service, str]]:
    """Secret id -> (Vault path, region, service, variable) of every provisioned variable."""
    # Asked once per service: remember the last site's answer so a build stays linear.
    cached = _PROVISIONED.get("last")
    if cached is None or cached[0] is not site:
        cached = _PROVISIONED["last"] = (site, _provisioned(site))
    return cached[1]


_PROVISIONED: dict[str, tuple[Site, dict[str, tuple[str, str, Service, str]]]] = {}


def _provisioned(site: Site) -> dict[str, tuple[str, str, Service, str]]:
    project, env = site.project, site.env
    found = {}
    for service in site.services:
        for region in site.regions:
            for var in service_env(project, service, target(site, region)):
                if var.source == "provisioned":
                    secret = naming.gcp_provisioned_secret(project.name, env.name, region,
                                                           service.name, var.name)
                    path = naming.vault_provisioned_path(project.name, "gcp", region,
                                                         service.name, var.name)
                    found[secret] = (path, region, service, var.name)
    return found


def provisioned_value(site: Site, region: str, service: Service, variable: str) -> Value | None:
    """The value this stack writes, or None when another stack provides it (Atlas)."""
    if variable == "CACHE_URL":
        return ref(f"module.{mod('cache', region)}.url")
    if variable == "DATABASE_URL" and site.postgres:
        return ref(f'module.database.urls["{service.name}"]')
    return None


def app_secrets(site: Site) -> list[str]:
    """Spec secrets the Cloud Run services (and their collector) read, by Secret Manager id."""
    names = {name for service in site.services for name in service.secrets}
    if collector_secret := site.project.observability.exporter.credentials_secret:
        names.add(collector_secret)
    return sorted(naming.gcp_secret(site.project.name, site.env.name, name) for name in names)


def sync_plan(site: Site) -> dict[str, tuple[str, bool]]:
    """Secret Manager id -> (Vault path, written by this stack) of every value kept in both:
    provisioned values (this stack writes the cache and Cloud SQL ones; the global stack the
    Atlas ones) and, on Cloud Run, the spec secrets, whose source is Vault."""
    plan = {secret: (path, provisioned_value(site, region, service, name) is not None)
            for secret, (path, region, service, name) in provisioned(site).items()}
    if not site.gke:
        project, env = site.project.name, site.env.name
        names = {name for service in site.services for name in service.secrets}
        names |= {n for n in [site.project.observability.exporter.credentials_secret] if n}
        plan |= {naming.gcp_secret(project, env, name): (naming.vault_secret_path(project, name),
                                                         False) for name in names}
    return plan


def secrets_call(site: Site) -> Block:
    written = {secret: provisioned_value(site, region, service, name)
               for secret, (_, region, service, name) in provisioned(site).items()}
    external = [] if site.gke else app_secrets(site)
    external += sorted(secret for secret, value in written.items() if value is None)
    if replication_call(site) is not None and site.env.cloud("aws") is None:
        external.append(naming.gcp_transfer_azure_secret(site.project.name, site.env.name))
    values = {secret: value for secret, value in written.items() if value is not None}
    return module_call("secrets", secrets.NAME, {
        "project_id": PROJECT_ID, "regions": list(site.regions),
        "secrets": sorted(external), "provisioned": sorted(values),
        "provisioned_values": values, "labels": LABELS,
    })
