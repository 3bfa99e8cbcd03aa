"""A structural check of OpenTelemetry Collector configurations.

No offline validator exists (``otelcol validate`` needs the collector binary and every
component's factory), so this checks what the collector's own config loader would reject, plus
two conventions of ours: ``memory_limiter`` runs first and ``batch`` runs in every pipeline.
It reads plain data (a parsed YAML document) and returns readable problems; none means valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

KINDS = ("receivers", "processors", "exporters", "connectors", "extensions")
SIGNALS = ("traces", "metrics", "logs")

# Component types of the contrib distribution that mccompile emits or documents.
KNOWN: Mapping[str, frozenset[str]] = {
    "receivers": frozenset({"otlp", "prometheus", "hostmetrics", "filelog", "httpcheck",
                            "jaeger", "zipkin", "kubeletstats", "k8s_cluster"}),
    "processors": frozenset({"memory_limiter", "batch", "resourcedetection",
                             "resource_detection", "transform", "attributes", "resource",
                             "filter", "k8sattributes", "tail_sampling",
                             "probabilistic_sampler"}),
    "exporters": frozenset({"otlp", "otlphttp", "debug", "datadog", "prometheus",
                            "prometheusremotewrite", "file"}),
    "connectors": frozenset({"datadog", "spanmetrics", "count", "forward", "routing"}),
    "extensions": frozenset({"health_check", "basicauth", "bearertokenauth", "oauth2client",
                             "headers_setter", "pprof", "zpages", "file_storage"}),
}

_ID = re.compile(r"^(?P<type>[a-zA-Z][0-9a-zA-Z_]{0,62})(/(?P<name>[^/\s]+))?$")
Config = Mapping[str, Any]


def check(config: object) -> list[str]:
    """Every structural problem in ``config``, in a stable order; empty when it is sound."""
    if not isinstance(config, Mapping):
        return ["the configuration must be a mapping"]
    problems = [f"unknown top-level key '{key}'" for key in config
                if key not in (*KINDS, "service")]
    problems += list(_components(config))
    service = config.get("service")
    if not isinstance(service, Mapping):
        return [*problems, "'service' is missing: the collector would run nothing"]
    problems += list(_extensions(config, service))
    pipelines = service.get("pipelines")
    if not isinstance(pipelines, Mapping) or not pipelines:
        return [*problems, "service.pipelines is missing or empty"]
    for pipeline_id, pipeline in pipelines.items():
        problems += list(_pipeline(config, str(pipeline_id), pipeline))
    problems += list(_unused(config, pipelines))
    problems += list(_connectors(config, pipelines))
    problems += list(_authenticators(config, service))
    return problems


def component_type(component_id: str) -> str | None:
    match = _ID.match(component_id)
    return match.group("type") if match else None


def _section(config: Config, kind: str) -> Mapping[str, Any]:
    section = config.get(kind)
    return section if isinstance(section, Mapping) else {}


def _components(config: Config) -> Iterator[str]:
    for kind in KINDS:
        if kind in config and not isinstance(config[kind], Mapping | None):
            yield f"'{kind}' must be a mapping of component id to settings"
        for component_id in _section(config, kind):
            kind_type = component_type(str(component_id))
            if kind_type is None:
                yield f"{kind}: '{component_id}' is not a valid id (type[/name])"
            elif kind_type not in KNOWN[kind]:
                yield f"{kind}: unknown component type '{kind_type}' in '{component_id}'"


def _extensions(config: Config, service: Config) -> Iterator[str]:
    listed = service.get("extensions") or []
    if not isinstance(listed, list):
        yield "service.extensions must be a list"
        return
    yield from _duplicates("service.extensions", listed)
    defined = _section(config, "extensions")
    for name in listed:
        if name not in defined:
            yield f"service.extensions: '{name}' is not defined under extensions"
    for name in defined:
        if name not in listed:
            yield f"extensions: '{name}' is defined but not enabled in service.extensions"


def _pipeline(config: Config, pipeline_id: str, pipeline: object) -> Iterator[str]:
    where = f"pipeline '{pipeline_id}'"
    signal = component_type(pipeline_id)
    if signal not in SIGNALS:
        yield f"{where}: the id must start with one of {', '.join(SIGNALS)}"
    if not isinstance(pipeline, Mapping):
        yield f"{where}: must be a mapping with receivers, processors and exporters"
        return
    for key in pipeline:
        if key not in ("receivers", "processors", "exporters"):
            yield f"{where}: unknown key '{key}'"
    for role, kinds in (("receivers", ("receivers", "connectors")),
                        ("processors", ("processors",)),
                        ("exporters", ("exporters", "connectors"))):
        yield from _references(config, where, role, pipeline.get(role), kinds)
    yield from _processor_order(where, pipeline.get("processors"))


def _references(config: Config, where: str, role: str, listed: object,
                kinds: tuple[str, ...]) -> Iterator[str]:
    if listed is None and role == "processors":
        return
    if not isinstance(listed, list) or (not listed and role != "processors"):
        yield f"{where}: '{role}' must be a non-empty list"
        return
    yield from _duplicates(f"{where} {role}", listed)
    for name in listed:
        if not any(name in _section(config, kind) for kind in kinds):
            yield f"{where}: {role[:-1]} '{name}' is not defined under {' or '.join(kinds)}"


def _processor_order(where: str, listed: object) -> Iterator[str]:
    names = [str(name) for name in listed] if isinstance(listed, list) else []
    types = [component_type(name) for name in names]
    if "memory_limiter" not in types:
        yield f"{where}: memory_limiter is missing (it must run first to shed load)"
    elif types[0] != "memory_limiter":
        yield f"{where}: memory_limiter must be the first processor, not '{names[0]}'"
    if "batch" not in types:
        yield f"{where}: batch is missing (unbatched exports overwhelm the backend)"


def _duplicates(where: str, listed: list[Any]) -> Iterator[str]:
    seen: set[str] = set()
    for name in map(str, listed):
        if name in seen:
            yield f"{where}: '{name}' is listed twice"
        seen.add(name)


def _used(pipelines: Config, role: str) -> set[str]:
    used: set[str] = set()
    for pipeline in pipelines.values():
        listed = pipeline.get(role) if isinstance(pipeline, Mapping) else None
        if isinstance(listed, list):
            used.update(map(str, listed))
    return used


def _unused(config: Config, pipelines: Config) -> Iterator[str]:
    used = {role: _used(pipelines, role) for role in ("receivers", "processors", "exporters")}
    for kind in ("receivers", "processors", "exporters"):
        for name in _section(config, kind):
            if name not in used[kind]:
                yield f"{kind}: '{name}' is defined but no pipeline uses it"


def _connectors(config: Config, pipelines: Config) -> Iterator[str]:
    exported, received = _used(pipelines, "exporters"), _used(pipelines, "receivers")
    for name in _section(config, "connectors"):
        if name not in exported:
            yield f"connectors: '{name}' is never an exporter, so nothing feeds it"
        if name not in received:
            yield f"connectors: '{name}' is never a receiver, so its output goes nowhere"


def _authenticators(config: Config, service: Config) -> Iterator[str]:
    """``auth.authenticator`` must name an extension the service starts."""
    listed = service.get("extensions")
    enabled = set(map(str, listed)) if isinstance(listed, list) else set()
    for kind in ("receivers", "exporters"):
        for name, settings in _section(config, kind).items():
            for authenticator in _auth_refs(settings):
                if authenticator not in enabled:
                    yield (f"{kind}: '{name}' authenticates with '{authenticator}', "
                           "which is not an enabled extension")


def _auth_refs(settings: object) -> Iterator[str]:
    """Authenticators referenced anywhere in a component's settings (receivers nest them)."""
    if isinstance(settings, Mapping):
        for key, value in settings.items():
            if key == "auth" and isinstance(value, Mapping) and "authenticator" in value:
                yield str(value["authenticator"])
            else:
                yield from _auth_refs(value)
