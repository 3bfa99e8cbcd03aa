"""The collector structural check: sound configs pass, each kind of breakage is named."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from compiler import otelcheck
from compiler.emitters.observability import collector

Config = dict[str, Any]


def _load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["otel-collector.yaml", "otel-collector-local.yaml"])
def test_generated_configs_are_sound(reference_tree: Path, name: str) -> None:
    config = _load(reference_tree / "generated" / "observability" / name)
    assert otelcheck.check(config) == []


def _set(path: str, value: Any) -> Callable[[Config], None]:
    """A mutation that sets a dotted path (list indexes are numbers)."""
    *parents, last = path.split(".")

    def mutate(config: Config) -> None:
        node: Any = config
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value
    return mutate


def _delete(path: str) -> Callable[[Config], None]:
    *parents, last = path.split(".")

    def mutate(config: Config) -> None:
        node: Any = config
        for part in parents:
            node = node[part]
        del node[last]
    return mutate


def _both(*mutations: Callable[[Config], None]) -> Callable[[Config], None]:
    def mutate(config: Config) -> None:
        for mutation in mutations:
            mutation(config)
    return mutate


TRACES = "service.pipelines.traces"
BROKEN: dict[str, tuple[Callable[[Config], None], str]] = {
    "undefined exporter": (
        _set(f"{TRACES}.exporters", ["otlp/jaeger", "otlphttp/missing"]),
        "pipeline 'traces': exporter 'otlphttp/missing' is not defined under exporters or "
        "connectors"),
    "undefined receiver": (
        _set(f"{TRACES}.receivers", ["otlp", "zipkin"]),
        "pipeline 'traces': receiver 'zipkin' is not defined under receivers or connectors"),
    "undefined processor": (
        _set(f"{TRACES}.processors", ["memory_limiter", "attributes", "batch"]),
        "pipeline 'traces': processor 'attributes' is not defined under processors"),
    "unknown component type": (
        _both(_set("exporters.otlpp/typo", {}),
              _set(f"{TRACES}.exporters", ["otlp/jaeger", "otlpp/typo"])),
        "exporters: unknown component type 'otlpp' in 'otlpp/typo'"),
    "invalid component id": (
        _both(_set("processors.batch/", {}),
              _set(f"{TRACES}.processors", ["memory_limiter", "batch/", "batch"])),
        "processors: 'batch/' is not a valid id (type[/name])"),
    "unused exporter": (
        _set("exporters.otlp/spare", {"endpoint": "spare:4317"}),
        "exporters: 'otlp/spare' is defined but no pipeline uses it"),
    "unused receiver": (
        _set("receivers.otlp/second", {}),
        "receivers: 'otlp/second' is defined but no pipeline uses it"),
    "extension not defined": (
        _set("service.extensions", ["health_check", "pprof"]),
        "service.extensions: 'pprof' is not defined under extensions"),
    "extension not enabled": (
        _set("extensions.zpages", {}),
        "extensions: 'zpages' is defined but not enabled in service.extensions"),
    "memory_limiter not first": (
        _set(f"{TRACES}.processors", ["batch", "memory_limiter"]),
        "pipeline 'traces': memory_limiter must be the first processor, not 'batch'"),
    "memory_limiter missing": (
        _set("service.pipelines.logs.processors", ["batch"]),
        "pipeline 'logs': memory_limiter is missing (it must run first to shed load)"),
    "batch missing": (
        _set("service.pipelines.metrics.processors", ["memory_limiter"]),
        "pipeline 'metrics': batch is missing (unbatched exports overwhelm the backend)"),
    "no receivers": (
        _set(f"{TRACES}.receivers", []),
        "pipeline 'traces': 'receivers' must be a non-empty list"),
    "listed twice": (
        _set(f"{TRACES}.exporters", ["otlp/jaeger", "otlp/jaeger"]),
        "pipeline 'traces' exporters: 'otlp/jaeger' is listed twice"),
    "unknown signal": (
        _both(_set("service.pipelines.spans", {"receivers": ["otlp"],
                                               "processors": ["memory_limiter", "batch"],
                                               "exporters": ["otlp/jaeger"]})),
        "pipeline 'spans': the id must start with one of traces, metrics, logs"),
    "unknown pipeline key": (
        _set(f"{TRACES}.connectors", []),
        "pipeline 'traces': unknown key 'connectors'"),
    "no service": (
        _delete("service"),
        "'service' is missing: the collector would run nothing"),
    "no pipelines": (
        _set("service.pipelines", {}),
        "service.pipelines is missing or empty"),
    "unknown top-level key": (
        _set("exporter", {}),
        "unknown top-level key 'exporter'"),
    "connector never received": (
        _both(_set("connectors", {"spanmetrics": {}}),
              _set(f"{TRACES}.exporters", ["otlp/jaeger", "spanmetrics"])),
        "connectors: 'spanmetrics' is never a receiver, so its output goes nowhere"),
    "authenticator not enabled": (
        _both(_set("extensions.basicauth/backend", {"client_auth": {}}),
              _set("exporters.otlp/jaeger.auth", {"authenticator": "basicauth/backend"})),
        "exporters: 'otlp/jaeger' authenticates with 'basicauth/backend', which is not an "
        "enabled extension"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_config_is_rejected_with_the_right_message(case: str) -> None:
    mutate, expected = BROKEN[case]
    config = copy.deepcopy(collector.local_config())
    assert otelcheck.check(config) == []  # the base is sound: only the mutation can be wrong
    mutate(config)
    problems = otelcheck.check(config)
    assert expected in problems, problems
    if case not in ("authenticator not enabled",):  # that one also leaves an unused extension
        assert problems == [expected]


@pytest.mark.parametrize("value", [None, [], "receivers: {}"])
def test_non_mapping_config_is_rejected(value: object) -> None:
    assert otelcheck.check(value) == ["the configuration must be a mapping"]


def test_every_problem_is_reported_at_once() -> None:
    config = copy.deepcopy(collector.local_config())
    config["service"]["pipelines"]["traces"]["exporters"] = ["nowhere"]
    config["service"]["pipelines"]["logs"]["processors"] = ["batch", "memory_limiter"]
    assert otelcheck.check(config) == [
        "pipeline 'traces': exporter 'nowhere' is not defined under exporters or connectors",
        "pipeline 'logs': memory_limiter must be the first processor, not 'batch'",
        "exporters: 'otlp/jaeger' is defined but no pipeline uses it",
    ]
