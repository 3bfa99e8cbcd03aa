"""OpenTelemetry Collector configurations: the cloud collector and the local compose one.

Both are plain data checked by ``compiler.otelcheck`` before they are written. Credentials are
``${env:NAME}`` references resolved by the collector at start-up; no value is ever written.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from compiler import telemetry
from compiler.model import CLOUD_ORDER, Observability, Project

OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
HEALTH_PORT = 13133
SIGNALS = ("traces", "metrics", "logs")

# Detectors that recognise each runtime. All run in every cloud collector: off their platform
# they return nothing (fail_on_missing_metadata is off), so one config serves every cluster.
_DETECTORS = {"eks": ("eks", "ec2"), "ecs": ("ecs",), "gke": ("gcp",), "cloud-run": ("gcp",),
              "aks": ("aks", "azure")}
_ENV_REF = re.compile(r"\$\{env:([A-Z][A-Z0-9_]*)\}")
_DEFAULT_DD_KEY = "DD_API_KEY"
_DEFAULT_GRAFANA_USER = "GRAFANA_CLOUD_INSTANCE_ID"
Config = dict[str, Any]


def cloud_config(project: Project) -> Config:
    """The collector that runs in each cluster (or beside each Cloud Run / ECS task)."""
    exporters, extensions, connectors = _backend(project.observability)
    processors = {
        "memory_limiter": _memory_limiter(),
        "resourcedetection": _resource_detection(project),
        "transform/labels": _labels(),
        "batch": _batch(),
    }
    chains = {signal: ["memory_limiter", "resourcedetection", "batch"] for signal in SIGNALS}
    chains["metrics"].insert(2, "transform/labels")
    pipelines = {signal: _pipeline(["otlp"], chains[signal], list(exporters))
                 for signal in SIGNALS}
    if connectors:  # the Datadog connector turns traces into APM stats for the metrics pipeline
        pipelines["traces"]["exporters"].insert(0, "datadog/connector")
        pipelines["metrics"]["receivers"].append("datadog/connector")
    return _document(processors, exporters, {"health_check": _health(), **extensions},
                     pipelines, connectors)


def local_config() -> Config:
    """The compose stack's collector: traces to Jaeger (service ``jaeger``), the rest logged."""
    exporters = {
        "otlp/jaeger": {"endpoint": f"jaeger:{OTLP_GRPC_PORT}", "tls": {"insecure": True}},
        "debug": {"verbosity": "basic"},
    }
    processors = {"memory_limiter": _memory_limiter(), "batch": _batch()}
    chain = ["memory_limiter", "batch"]
    pipelines = {
        "traces": _pipeline(["otlp"], chain, ["otlp/jaeger"]),
        "metrics": _pipeline(["otlp"], chain, ["debug"]),
        "logs": _pipeline(["otlp"], chain, ["debug"]),
    }
    return _document(processors, exporters, {"health_check": _health()}, pipelines, {})


def env_references(config: object) -> tuple[str, ...]:
    """Names of the environment variables a config reads, sorted."""
    found: set[str] = set()
    _collect_env(config, found)
    return tuple(sorted(found))


def _collect_env(value: object, found: set[str]) -> None:
    if isinstance(value, str):
        found.update(_ENV_REF.findall(value))
    elif isinstance(value, dict):
        for item in value.values():
            _collect_env(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect_env(item, found)


def _document(processors: Config, exporters: Config, extensions: Config, pipelines: Config,
              connectors: Config) -> Config:
    document: Config = {"receivers": {"otlp": _otlp_receiver()}, "processors": processors}
    if connectors:
        document["connectors"] = connectors
    document.update(exporters=exporters, extensions=extensions)
    document["service"] = {"extensions": list(extensions), "pipelines": pipelines}
    return document


def _pipeline(receivers: list[str], processors: list[str], exporters: list[str]) -> Config:
    return {"receivers": list(receivers), "processors": list(processors),
            "exporters": list(exporters)}


def _otlp_receiver() -> Config:
    # 0.0.0.0: applications in other pods (or containers) connect; NetworkPolicy limits who.
    return {"protocols": {"grpc": {"endpoint": f"0.0.0.0:{OTLP_GRPC_PORT}"},
                          "http": {"endpoint": f"0.0.0.0:{OTLP_HTTP_PORT}"}}}


def _health() -> Config:
    return {"endpoint": f"0.0.0.0:{HEALTH_PORT}"}


def _memory_limiter() -> Config:
    # Percentages of the container's memory limit, so the Deployment's limit is the one knob.
    return {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 20}


def _batch() -> Config:
    return {"send_batch_size": 8192, "timeout": "5s"}


def _resource_detection(project: Project) -> Config:
    runtimes = {cloud.name: cloud.runtime for env in project.environments for cloud in env.clouds}
    detectors = ["env"]
    for cloud in CLOUD_ORDER:
        if cloud in runtimes:
            detectors += [d for d in _DETECTORS[runtimes[cloud]] if d not in detectors]
    # The SDK already sets cloud, region and environment (env-var contract): keep them.
    return {"detectors": detectors, "timeout": "15s" if "eks" in detectors else "5s",
            "override": False}


def _labels() -> Config:
    """Copy the contract's resource attributes onto data points, where PromQL can see them."""
    statements = [f'set(attributes["{label}"], resource.attributes["{attribute}"])'
                  for label, attribute in telemetry.LABELS]
    return {"error_mode": "ignore",
            "metric_statements": [{"context": "datapoint", "statements": statements}]}


def _backend(observability: Observability) -> tuple[Config, Config, Config]:
    """Exporters, the extensions they authenticate with, and connectors."""
    exporter = observability.exporter
    if exporter.kind == "datadog":
        key = exporter.credentials_secret or _DEFAULT_DD_KEY
        api = {"key": f"${{env:{key}}}", "site": _datadog_site(exporter.endpoint)}
        return {"datadog": {"api": api}}, {}, {"datadog/connector": {}}
    if exporter.endpoint is None:
        # Nowhere to send: the collector still runs (the SDKs point at it) and logs a summary.
        return {"debug": {"verbosity": "basic"}}, {}, {}
    name = "grafana-cloud" if exporter.kind == "grafana-cloud" else "backend"
    settings: Config = {"endpoint": exporter.endpoint}
    extensions: Config = {}
    user = exporter.username or (
        f"${{env:{_DEFAULT_GRAFANA_USER}}}" if exporter.kind == "grafana-cloud" else None)
    secret = f"${{env:{exporter.credentials_secret}}}" if exporter.credentials_secret else None
    if user and secret:
        extensions[f"basicauth/{name}"] = {"client_auth": {"username": user, "password": secret}}
        settings["auth"] = {"authenticator": f"basicauth/{name}"}
    elif secret:
        settings["headers"] = {"Authorization": f"Bearer {secret}"}
    return {f"otlphttp/{name}": settings}, extensions, {}


def _datadog_site(endpoint: str | None) -> str:
    """``https://api.datadoghq.eu`` -> ``datadoghq.eu``; the default site is US1."""
    if endpoint is None:
        return "datadoghq.com"
    host = urlsplit(endpoint).hostname or "datadoghq.com"
    return host.removeprefix("api.")
