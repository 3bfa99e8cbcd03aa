"""The input models: what a user may write in multicloud.yaml. The source of schema.json.

Structure only; rules that need more than one field (references, regions, secrets) live in
``checks.py`` so that every one of them gets its own located message.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from compiler.spec_data import Data
from compiler.spec_ops import Ci, Dns, Flags, Kubernetes, Observability, Scan, Secrets
from compiler.spec_types import (
    CloudName,
    Cpu,
    EnvName,
    EnvValue,
    EnvVarName,
    HttpPath,
    Label,
    Memory,
    Name,
    RelPath,
    Size,
    Strict,
    UseRef,
)

Access = Literal["read", "write", "read-write"]


class Project(Strict):
    """Who owns the application and where its code lives."""

    name: Name = Field(description="Project name; prefixes every cloud resource name.",
                       examples=["threat-modeler"])
    owner: Annotated[str, StringConstraints(min_length=1, max_length=63)] = Field(
        description="Owning team, written to every resource's tags.", examples=["platform"])
    repository: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")] = Field(
        description="GitHub `owner/name`; OIDC trust is limited to it.",
        examples=["acme/threat-modeler-ai"])
    default_branch: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]+$")] = Field(
        "main", description="Branch whose pushes may deploy.")
    description: str = Field("", max_length=200, description="One line for docs and labels.")
    labels: dict[Label, Label] = Field(
        default_factory=dict, description="Extra tags/labels on every resource.",
        examples=[{"cost-center": "security"}])
    state_cloud: CloudName | None = Field(
        None, description="Cloud whose state backend also holds the global (DNS, Atlas, Vault) "
        "stack; default: the first enabled of aws, gcp, azure.")


class Health(Strict):
    """Liveness and readiness endpoints, used by Docker, Kubernetes, Cloud Run, ECS and the LB."""

    liveness: HttpPath = Field("/health", description="Liveness endpoint (process is up).")
    readiness: HttpPath = Field("/ready", description="Readiness endpoint (can serve traffic).")
    interval_seconds: int = Field(10, ge=2, le=300)
    timeout_seconds: int = Field(3, ge=1, le=60)
    failure_threshold: int = Field(3, ge=1, le=10)
    start_period_seconds: int = Field(10, ge=0, le=600,
                                      description="Grace period before failures count.")


class Resources(Strict):
    cpu: Cpu = Field("250m", description="CPU request, Kubernetes notation.", examples=["500m", "1"])
    memory: Memory = Field("512Mi", description="Memory request and limit.", examples=["1Gi"])


class Scaling(Strict):
    min: int = Field(1, ge=0, le=1000, description="Minimum replicas per region.")
    max: int = Field(3, ge=1, le=1000, description="Maximum replicas per region.")
    target_cpu_percent: int = Field(70, ge=10, le=95)


class ScalingOverride(Strict):
    min: int | None = Field(None, ge=0, le=1000)
    max: int | None = Field(None, ge=1, le=1000)
    target_cpu_percent: int | None = Field(None, ge=10, le=95)


class Service(Strict):
    """One container workload; every service runs from the same image."""

    description: str = Field("", max_length=200)
    command: list[Annotated[str, StringConstraints(min_length=1)]] | None = Field(
        None, description="argv; defaults to `image.start`.",
        examples=[["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]])
    port: int = Field(8080, ge=1, le=65535, description="Port the process listens on (HTTP and health).")
    public: bool = Field(False, description="Reachable from the internet through the global LB.")
    hostname: Name | None = Field(None, description="DNS label under the zone; defaults to the name.")
    health: Health = Field(default_factory=Health)
    resources: Resources = Field(default_factory=Resources)
    scaling: Scaling = Field(default_factory=Scaling)
    env: dict[EnvVarName, EnvValue] = Field(
        default_factory=dict, description="Plain settings. Never secret values: use `secrets`.")
    secrets: list[EnvVarName] = Field(
        default_factory=list, description="Names of secrets (declared in `secrets.names`) it reads.")
    uses: dict[UseRef, Access] = Field(
        default_factory=dict,
        description="Dependencies with access: `database`, `cache`, `storage.<bucket>`, `queue.<name>`.",
        examples=[{"database": "read-write", "storage.reports": "write", "queue.analysis": "read"}])


class Image(Strict):
    """How the one application image is built."""

    runtime: Literal["python"] = "python"
    version: Annotated[str, StringConstraints(pattern=r"^3\.(1[1-4])$")] = Field(
        "3.12", description="Runtime version (Python 3.11-3.14).")
    dependency_file: RelPath = Field("requirements.txt", description="Installed in the builder stage.")
    start: list[Annotated[str, StringConstraints(min_length=1)]] = Field(
        default_factory=lambda: ["python", "-m", "app"], description="Default argv of every service.")
    dockerfile: RelPath | None = Field(
        None, description="Use the team's own Dockerfile; none is generated.")
    context: RelPath = Field(".", description="Build context, relative to the repository root.")
    base_digest: Annotated[str, StringConstraints(pattern=r"^sha256:[a-f0-9]{64}$")] | None = Field(
        None, description="Pin the base image by digest as well as by tag.")
    # `name=version` pins a package (hadolint DL3008); Debian version strings may hold `:` `~`.
    system_packages: list[Annotated[str, StringConstraints(
        pattern=r"^[a-z0-9][a-z0-9.+-]*(=[A-Za-z0-9.+:~-]+)?$")]] = Field(
        default_factory=list, description="Debian packages the runtime stage needs; pin each as "
        "`name=version` (hadolint DL3008 flags unpinned packages).",
        examples=[["libpq5=17.6-0+deb13u1"]])


class AwsState(Strict):
    bucket: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    region: str = Field(description="Region of the state bucket.")


class GcpState(Strict):
    bucket: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")]


class AzureState(Strict):
    resource_group: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._()-]{1,90}$")]
    storage_account: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{3,24}$")]
    container: Annotated[
        str, StringConstraints(pattern=r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
    ] = "tfstate"


class CloudBase(Strict):
    enabled: bool = True
    regions: list[str] = Field(min_length=1, description="First region is the primary.")
    kubernetes_version: Annotated[str, StringConstraints(pattern=r"^1\.\d{2}$")] = "1.31"


class Aws(CloudBase):
    account_id: Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
    runtime: Literal["eks", "ecs"] = "eks"
    state: AwsState


class Gcp(CloudBase):
    project_id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")]
    runtime: Literal["cloud-run", "gke"] = "cloud-run"
    state: GcpState


Uuid = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$")]


class Azure(CloudBase):
    subscription_id: Uuid
    tenant_id: Uuid
    runtime: Literal["aks"] = "aks"
    state: AzureState


class Clouds(Strict):
    aws: Aws | None = None
    gcp: Gcp | None = None
    azure: Azure | None = None


class CloudOverride(Strict):
    enabled: bool | None = None
    regions: list[str] | None = Field(None, min_length=1)


class ServiceOverride(Strict):
    scaling: ScalingOverride | None = None
    resources: Resources | None = None
    env: dict[EnvVarName, EnvValue] = Field(default_factory=dict)


class Environment(Strict):
    """An environment; listed in promotion order (first deploys first)."""

    protected: bool = Field(False, description="Deploys and applies need a reviewer's approval.")
    auto_deploy: bool = Field(True, description="Deploy on every push to the default branch.")
    subdomain: Name | None = Field(None, description="Hostnames become `<host>.<subdomain>.<zone>`.")
    clouds: dict[CloudName, CloudOverride] = Field(default_factory=dict)
    services: dict[Name, ServiceOverride] = Field(default_factory=dict)
    database_size: Size | None = None
    cache_size: Size | None = None


def _default_environments() -> dict[str, Environment]:
    return {"production": Environment(protected=True)}


class Spec(Strict):
    """multicloud.yaml: one application on AWS, GCP and Azure."""

    model_config = ConfigDict(
        title="mccompile spec", extra="forbid", frozen=True, regex_engine="python-re"
    )

    version: Literal[1] = Field(1, description="Spec format version.")
    project: Project = Field(description="Who owns the application and where its code lives.")
    environments: dict[EnvName, Environment] = Field(
        default_factory=_default_environments, min_length=1,
        description="Environments in promotion order, each with its overrides.")
    image: Image = Field(default_factory=Image, description="How the application image is built.")
    services: dict[Name, Service] = Field(
        min_length=1, description="Container workloads, by name.")
    clouds: Clouds = Field(description="AWS, GCP and Azure: regions, runtime, accounts, state.")
    data: Data = Field(default_factory=Data,
                       description="Database, cache, buckets, queues and backups.")
    secrets: Secrets | None = Field(None, description="Secret backend (Vault) and secret names.")
    dns: Dns | None = Field(None, description="Cloudflare DNS, CDN and global load balancing.")
    observability: Observability = Field(
        default_factory=Observability, description="OpenTelemetry, logs, dashboards and alerts.")
    ci: Ci = Field(default_factory=Ci, description="GitHub Actions workflows and registries.")
    flags: Flags = Field(default_factory=Flags, description="Feature flags (OpenFeature + flagd).")
    kubernetes: Kubernetes = Field(
        default_factory=Kubernetes, description="Settings of the Kubernetes runtimes (mesh, secrets).")
    scan: Scan = Field(default_factory=Scan, description="Checkov suppressions, each with a reason.")

