"""Spec models of the operational sections: secrets, dns, observability, ci, flags, kubernetes, scan."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from compiler.spec_types import (
    CloudName,
    Domain,
    Email,
    EnvName,
    EnvVarName,
    HttpsUrl,
    Name,
    RelPath,
    Strict,
)

# No `$`, quotes or spaces: the value lands in a workflow, where `${{` would be an expression.
PipRequirement = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-\[\]=<>!~,:/@+]*$", max_length=200)]
PoolRef = Annotated[str, StringConstraints(pattern=r"^(aws|gcp|azure)\.[a-z0-9-]+$")]
BasicAuthUser = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._@-]{1,128}$")]
CloudflareRegion = Literal[
    "EEU", "ENAM", "ME", "NAF", "NEAS", "NSAM", "OC", "SAF", "SAS", "SEAS", "SSAM", "WEU", "WNAM"
]


class SecretName(Strict):
    description: str = Field("", max_length=200)


class Vault(Strict):
    address: HttpsUrl = Field(examples=["https://vault.example.com:8200"])
    mount_prefix: Name = Field("apps", description="KV v2 mounts are `<prefix>-<environment>`.")


class Secrets(Strict):
    backend: Literal["vault"] = "vault"
    vault: Vault
    names: dict[EnvVarName, SecretName] = Field(
        default_factory=dict, description="Every secret a service may read; values live in Vault.")


class HealthMonitor(Strict):
    interval_seconds: int = Field(60, ge=5, le=3600)
    timeout_seconds: int = Field(5, ge=1, le=10)
    retries: int = Field(2, ge=0, le=5)
    expected_codes: Annotated[str, StringConstraints(pattern=r"^[1-5]([0-9]{2}|xx)$")] = "200"


class Dns(Strict):
    provider: Literal["cloudflare"] = "cloudflare"
    zone: Domain = Field(examples=["threatmodeler.example.com"])
    account_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    proxied: bool = Field(True, description="Serve through Cloudflare's CDN and WAF.")
    steering: Literal["geo", "dynamic_latency", "failover"] = "failover"
    failover_order: list[PoolRef] = Field(
        default_factory=list, description="Pools `<cloud>.<region>` in order; empty means spec order.")
    geo: dict[CloudflareRegion, list[PoolRef]] = Field(
        default_factory=dict, description="Cloudflare region code to pools, for `geo` steering.")
    health: HealthMonitor = Field(default_factory=HealthMonitor)
    session_affinity: Literal["none", "cookie", "ip_cookie"] = "none"
    notification_email: Email | None = None
    min_tls_version: Literal["1.2", "1.3"] = "1.2"


class Tracing(Strict):
    sampling_ratio: float = Field(0.1, ge=0.0, le=1.0)


class Exporter(Strict):
    kind: Literal["grafana-cloud", "datadog", "otlp"] = "otlp"
    endpoint: HttpsUrl | None = None
    credentials_secret: EnvVarName | None = Field(
        None, description="Secret name holding the exporter's API key/token.")
    username: BasicAuthUser | None = Field(
        None, description="Basic-auth user sent with the token: the Grafana Cloud OTLP instance ID "
        "(not a secret). Without it, grafana-cloud reads GRAFANA_CLOUD_INSTANCE_ID from the "
        "collector's environment.")


class Contacts(Strict):
    email: list[Email] = Field(default_factory=list)
    slack_webhook_secret: EnvVarName | None = None


class Alerts(Strict):
    error_rate_percent: float = Field(5.0, gt=0, le=100)
    latency_p99_ms: int = Field(1500, ge=1)
    availability_percent: float = Field(99.9, gt=0, le=100)
    queue_backlog: int = Field(1000, ge=1)
    contacts: Contacts = Field(default_factory=Contacts)


class Observability(Strict):
    tracing: Tracing = Field(default_factory=Tracing)
    exporter: Exporter = Field(default_factory=Exporter)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    dashboards: bool = True
    alerts: Alerts = Field(default_factory=Alerts)


Severity = Literal["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"]


def _high_and_critical() -> list[Severity]:
    return ["HIGH", "CRITICAL"]


class ImageScan(Strict):
    fail_on: list[Severity] = Field(default_factory=_high_and_critical)
    ignore_unfixed: bool = True


class Tests(Strict):
    command: list[Annotated[str, StringConstraints(min_length=1)]] = Field(
        default_factory=lambda: ["python", "-m", "pytest"], description="argv of the app's tests.")
    python: list[Annotated[str, StringConstraints(pattern=r"^3\.(1[1-4])$")]] = Field(
        default_factory=lambda: ["3.12"], description="Python versions of the test matrix.")


class Ci(Strict):
    provider: Literal["github-actions"] = "github-actions"
    workflows_dir: RelPath = Field(".github/workflows", description="Where workflows are written.")
    registries: list[CloudName] | None = Field(None, description="Default: every enabled cloud.")
    gitops: Literal["actions", "atlantis"] = "actions"
    tests: Tests = Field(default_factory=Tests)
    image_scan: ImageScan = Field(default_factory=ImageScan)
    output_dir: RelPath = Field(
        "generated", description="Where `mccompile build` writes (its `--out`), relative to the "
        "repository root; workflows find the Terraform stacks and the chart there.")
    install: PipRequirement = Field(
        "mccompile", description="pip requirement that installs mccompile in CI.",
        examples=["mccompile==0.1.0"])


class Flag(Strict):
    description: str = Field("", max_length=200)
    default: bool = False
    rollout: dict[EnvName, int] = Field(
        default_factory=dict, description="Percent of users with the flag on, per environment.")


class Flags(Strict):
    provider: Literal["flagd"] = "flagd"
    definitions: dict[Name, Flag] = Field(default_factory=dict)


class Kubernetes(Strict):
    namespace: Name | None = Field(None, description="Defaults to the project name.")
    mesh: Literal["none", "linkerd", "istio"] = "none"
    secrets_delivery: Literal["vault-agent", "external-secrets"] = "vault-agent"
    ingress_class: Name = "nginx"


class Suppression(Strict):
    check: Annotated[str, StringConstraints(pattern=r"^CKV2?_[A-Z0-9]+_[0-9]+$")]
    resource: str | None = Field(None, description="Resource address; default: every resource.")
    reason: str = Field(min_length=10, max_length=500)
    expires: dt.date | None = None


class Scan(Strict):
    suppressions: list[Suppression] = Field(default_factory=list)
