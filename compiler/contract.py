"""The env-var contract: the same variable names on every target, values per target.

Dependencies are URLs whose scheme names the provider (12-factor, MC-003/MC-004), so the
application picks an adapter by scheme and carries no cloud-specific configuration.
Values that exist only after `terraform apply` (cache host, database credentials) are
*provisioned*: Terraform writes them to Vault and the platform injects them like secrets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from compiler import naming
from compiler.model import Environment, Project, Service, Use

Source = Literal["value", "secret", "provisioned"]
LOCAL = "local"


@dataclass(frozen=True)
class Target:
    """Where a service runs: a cloud region in an environment, or the local compose stack."""

    cloud: str  # aws | gcp | azure | local
    region: str
    environment: str
    runtime: str = ""
    account: str = ""


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str | None  # None for secret and provisioned variables
    source: Source
    description: str


LOCAL_TARGET = Target(LOCAL, LOCAL, LOCAL, "compose")

LOCAL_S3_REGION = "us-east-1"  # MinIO's default region; any name works for ElasticMQ
# MinIO and ElasticMQ want S3/SQS credentials. Locally they guard nothing (the stand-ins are
# reachable only on the compose network), so they are MinIO's own well-known defaults rather
# than secrets: a developer can `docker compose up` without inventing keys, and a secret scan
# has nothing to find. On the clouds, workload identity replaces them.
LOCAL_ACCESS_KEY = "minioadmin"
LOCAL_SECRET_KEY = "minioadmin"


def service_env(project: Project, service: Service, target: Target) -> tuple[EnvVar, ...]:
    """Every variable ``service`` sees on ``target``, sorted by name."""
    variables = [
        *_runtime(project, service, target),
        *_telemetry(project, service, target),
        *(_dependency(project, use, target) for use in service.uses),
        *_local_credentials(service, target),
        *(EnvVar(name, value, "value", "Set in the spec (services.env)")
          for name, value in service.env),
        *(EnvVar(name, None, "secret", _secret_description(project, name, target))
          for name in service.secrets),
    ]
    return tuple(sorted(variables, key=lambda var: var.name))


def local_host(project: Project, standin: str) -> str:
    """Compose service name (and host name) of a local stand-in such as ``redis``.

    A spec service may carry the same name; the stand-in then moves aside (``redis-local``), so
    that no local URL can reach the wrong container.
    """
    taken = {service.name for service in project.services}
    host = standin
    while host in taken:
        host += "-local"
    return host


def targets(project: Project, environment: Environment) -> tuple[Target, ...]:
    return tuple(
        Target(cloud.name, region, environment.name, cloud.runtime, cloud.account)
        for cloud in environment.clouds
        for region in cloud.regions
    )


def _runtime(project: Project, service: Service, target: Target) -> list[EnvVar]:
    out = [
        EnvVar("APP_ENV", target.environment, "value", "Environment name"),
        EnvVar("PORT", str(service.port), "value", "Port to listen on (HTTP and health checks)"),
        EnvVar("LOG_FORMAT", "json", "value", "Structured JSON logs on stdout (MC-022)"),
        EnvVar("LOG_LEVEL", project.observability.log_level, "value", "Minimum log level"),
    ]
    if project.flags.definitions:
        host = local_host(project, "flagd") if target.cloud == LOCAL else "localhost"
        out += [
            EnvVar("FLAGD_HOST", host, "value", "OpenFeature flagd provider host"),
            EnvVar("FLAGD_PORT", "8013", "value", "OpenFeature flagd provider port"),
        ]
    return out


def _telemetry(project: Project, service: Service, target: Target) -> list[EnvVar]:
    attributes = {
        "cloud.provider": _provider(target.cloud),
        "cloud.region": target.region,
        "deployment.environment": target.environment,
        "service.namespace": project.name,
    }
    endpoint = (f"http://{local_host(project, 'otel-collector')}:4317" if target.cloud == LOCAL
                else _collector(project, target))
    ratio = project.observability.tracing.sampling_ratio
    return [
        EnvVar("OTEL_SERVICE_NAME", service.name, "value", "OpenTelemetry service name"),
        EnvVar("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, "value", "Collector OTLP/gRPC endpoint"),
        EnvVar("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", "value", "OTLP transport"),
        EnvVar("OTEL_RESOURCE_ATTRIBUTES", ",".join(f"{k}={v}" for k, v in attributes.items()),
               "value", "Resource attributes: cloud, region, environment"),
        EnvVar("OTEL_TRACES_SAMPLER", "parentbased_traceidratio", "value", "Head sampling"),
        EnvVar("OTEL_TRACES_SAMPLER_ARG", f"{ratio:g}", "value", "Sampling ratio"),
    ]


def _local_credentials(service: Service, target: Target) -> list[EnvVar]:
    if target.cloud != LOCAL or not (service.uses_kind("storage") or service.uses_kind("queue")):
        return []
    why = "Local only: {} of the MinIO and ElasticMQ stand-ins (MinIO's default, not a secret)"
    return [
        EnvVar("AWS_ACCESS_KEY_ID", LOCAL_ACCESS_KEY, "value", why.format("access key")),
        EnvVar("AWS_SECRET_ACCESS_KEY", LOCAL_SECRET_KEY, "value", why.format("secret key")),
    ]


def _provider(cloud: str) -> str:
    return {"aws": "aws", "gcp": "gcp", "azure": "azure"}.get(cloud, "local")


def _collector(project: Project, target: Target) -> str:
    if target.runtime in ("eks", "gke", "aks"):
        return f"http://otel-collector.{project.namespace}.svc.cluster.local:4317"
    # Cloud Run and ECS run the collector as a sidecar in the same task or instance.
    return "http://localhost:4317"


def _dependency(project: Project, use: Use, target: Target) -> EnvVar:
    access = f"{use.access} access"
    if use.kind == "storage":
        name = f"STORAGE_{_upper(use.target)}_URL"
        return EnvVar(name, _bucket_url(project, use.target, target), "value",
                      f"Bucket '{use.target}' ({access})")
    if use.kind == "queue":
        name = f"QUEUE_{_upper(use.target)}_URL"
        return EnvVar(name, _queue_url(project, use, target), "value",
                      f"Queue '{use.target}' ({access})")
    if use.kind == "cache":
        if target.cloud == LOCAL:
            return EnvVar("CACHE_URL", f"redis://{local_host(project, 'redis')}:6379/0", "value",
                          f"Redis ({access})")
        return EnvVar("CACHE_URL", None, "provisioned", f"Redis over TLS, rediss:// ({access})")
    return _database(project, target, access)


def _database(project: Project, target: Target, access: str) -> EnvVar:
    database = project.data.database
    assert database is not None  # checks.uses_resolve guarantees it
    if target.cloud != LOCAL:
        return EnvVar("DATABASE_URL", None, "provisioned",
                      f"{database.engine} with a per-service user ({access})")
    if database.engine == "postgres":
        # The local server trusts connections from the compose network: no password to leak.
        host = local_host(project, "postgres")
        return EnvVar("DATABASE_URL", f"postgresql://postgres@{host}:5432/{database.name}",
                      "value", f"PostgreSQL ({access})")
    host = local_host(project, "mongodb")
    return EnvVar("DATABASE_URL", f"mongodb://{host}:27017/{database.name}", "value",
                  f"MongoDB ({access})")


def _bucket_url(project: Project, bucket: str, target: Target) -> str:
    env, cloud, region = target.environment, target.cloud, target.region
    if cloud == LOCAL:
        # MinIO answers on one host name, so clients must use path-style addressing.
        return (f"s3://{bucket}?endpoint=http://{local_host(project, 'minio')}:9000"
                f"&region={LOCAL_S3_REGION}&use_path_style=true")
    if cloud == "azure":
        account = naming.storage_account(project.name, env, region)
        return f"az://{account}/{bucket}"
    physical = naming.bucket(project.name, env, bucket, cloud, region)
    return f"{'s3' if cloud == 'aws' else 'gs'}://{physical}"


def _queue_url(project: Project, use: Use, target: Target) -> str:
    physical = f"{naming.prefix(project.name, target.environment)}-{use.target}"
    cloud = target.cloud
    if cloud == LOCAL:
        return f"sqs://{local_host(project, 'queue')}:9324/000000000000/{use.target}"
    if cloud == "aws":
        return f"sqs://sqs.{target.region}.amazonaws.com/{target.account}/{physical}"
    if cloud == "gcp":
        # Consumers read a subscription, producers publish to the topic.
        kind = "subscriptions" if use.reads else "topics"
        return f"pubsub://projects/{target.account}/{kind}/{physical}"
    namespace = naming.servicebus_namespace(project.name, target.environment, target.region)
    return f"servicebus://{namespace}.servicebus.windows.net/{use.target}"


def _upper(name: str) -> str:
    return name.upper().replace("-", "_")


def _secret_description(project: Project, name: str, target: Target) -> str:
    declared = project.secrets.names.get(name) if project.secrets else None
    # Locally, compose reads secrets from the git-ignored docker/.env (see .env.example).
    where = "from docker/.env" if target.cloud == LOCAL else "from Vault, by name"
    return (declared.description if declared and declared.description else "Secret") + \
        f" ({where})"
