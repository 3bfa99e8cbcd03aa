"""observability/: collectors, their Kubernetes manifests, dashboards and alerts.

Validated with the real consumers where one exists offline (kubernetes-validate, Checkov) and,
for the rest, against the formats' own rules: the collector's structural check, Grafana's grid
and query references, the alerting provisioning layout, and the metric contract.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
from checkov_runner import failed_checks
from ruamel.yaml import YAML

from compiler import contract, otelcheck
from compiler.emitters import observability
from compiler.emitters.observability import grafana, kubernetes
from compiler.model import Project
from compiler.pipeline import compile_project
from compiler.spec_ops import Exporter
from conftest import ROOT

OUT = Path("generated") / "observability"


def _yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _yaml_all(path: Path) -> list[Any]:
    return list(YAML(typ="safe", pure=True).load_all(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def project() -> Project:
    return compile_project(ROOT / "spec" / "multicloud.yaml", "spec/multicloud.yaml")


@pytest.fixture(scope="module")
def out(reference_tree: Path) -> Path:
    return reference_tree / OUT


@pytest.fixture(scope="module")
def dashboards(out: Path) -> dict[str, dict[str, Any]]:
    found = {path.stem: json.loads(path.read_text(encoding="utf-8"))
             for path in sorted((out / "dashboards").glob("*.json"))}
    assert set(found) == {"service-api", "service-worker", "dependencies",
                          "global-load-balancer"}
    return found


def _with_exporter(project: Project, **fields: Any) -> Project:
    exporter = Exporter.model_validate(fields)
    return dataclasses.replace(
        project, observability=project.observability.model_copy(update={"exporter": exporter}))


def _files(project: Project) -> dict[str, str]:
    return {artifact.path: artifact.content for artifact in observability.emit(project)}


# --- collector -------------------------------------------------------------------------------

def test_cloud_collector_exports_to_grafana_cloud_with_basic_auth(out: Path) -> None:
    config = _yaml(out / "otel-collector.yaml")
    assert otelcheck.check(config) == []
    assert config["exporters"] == {"otlphttp/grafana-cloud": {
        "endpoint": "https://otlp-gateway-prod-us-east-0.grafana.net/otlp",
        "auth": {"authenticator": "basicauth/grafana-cloud"}}}
    assert config["extensions"]["basicauth/grafana-cloud"] == {
        "client_auth": {"username": "1234567", "password": "${env:GRAFANA_OTLP_TOKEN}"}}
    assert config["processors"]["resourcedetection"]["detectors"] == [
        "env", "eks", "ec2", "gcp", "aks", "azure"]
    assert set(config["service"]["pipelines"]) == {"traces", "metrics", "logs"}
    assert config["extensions"]["health_check"] == {"endpoint": "0.0.0.0:13133"}


def test_local_collector_feeds_the_compose_jaeger(out: Path) -> None:
    config = _yaml(out / "otel-collector-local.yaml")
    assert otelcheck.check(config) == []
    pipelines = config["service"]["pipelines"]
    assert config["exporters"]["otlp/jaeger"]["endpoint"] == "jaeger:4317"
    assert pipelines["traces"]["exporters"] == ["otlp/jaeger"]
    assert pipelines["metrics"]["exporters"] == pipelines["logs"]["exporters"] == ["debug"]


def test_compose_runs_the_local_config_with_the_cloud_release(reference_tree: Path) -> None:
    compose = _yaml(reference_tree / "generated" / "docker" / "compose.yaml")["services"]
    collector = compose["otel-collector"]
    assert "jaeger" in compose
    assert collector["image"] == kubernetes.IMAGE
    assert any(volume.startswith("../observability/otel-collector-local.yaml:")
               for volume in collector["volumes"])


@pytest.mark.parametrize(("fields", "exporter", "env"), [
    ({"kind": "datadog", "credentials_secret": "DD_KEY", "endpoint": "https://api.datadoghq.eu"},
     "datadog", ("DD_KEY",)),
    ({"kind": "otlp", "endpoint": "https://otel.example.com", "credentials_secret": "OTLP_TOKEN"},
     "otlphttp/backend", ("OTLP_TOKEN",)),
    ({"kind": "grafana-cloud", "endpoint": "https://otlp.example.com/otlp",
      "credentials_secret": "TOKEN"}, "otlphttp/grafana-cloud",
     ("GRAFANA_CLOUD_INSTANCE_ID", "TOKEN")),
    ({"kind": "otlp"}, "debug", ()),
])
def test_every_exporter_kind_gives_a_sound_config(
        project: Project, fields: dict[str, str], exporter: str, env: tuple[str, ...]) -> None:
    files = _files(_with_exporter(project, **fields))
    config = YAML(typ="safe", pure=True).load(files["observability/otel-collector.yaml"])
    assert otelcheck.check(config) == []
    assert exporter in config["exporters"]
    manifest = files["observability/kubernetes/otel-collector.yaml"]
    deployment = next(doc for doc in YAML(typ="safe", pure=True).load_all(manifest)
                      if doc["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["env"][1:] == [
        {"name": name, "valueFrom": {"secretKeyRef": {"name": kubernetes.SECRET, "key": name}}}
        for name in env]


def test_datadog_site_and_connector(project: Project) -> None:
    files = _files(_with_exporter(project, kind="datadog", endpoint="https://api.datadoghq.eu"))
    config = YAML(typ="safe", pure=True).load(files["observability/otel-collector.yaml"])
    assert config["exporters"]["datadog"]["api"] == {"key": "${env:DD_API_KEY}",
                                                      "site": "datadoghq.eu"}
    assert config["service"]["pipelines"]["traces"]["exporters"][0] == "datadog/connector"
    assert "datadog/connector" in config["service"]["pipelines"]["metrics"]["receivers"]


# --- Kubernetes ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def manifests(out: Path) -> list[dict[str, Any]]:
    return _yaml_all(out / "kubernetes" / "otel-collector.yaml")


def test_manifests_validate_strictly(manifests: list[dict[str, Any]]) -> None:
    try:
        import kubernetes_validate  # type: ignore[import-untyped]
    except ImportError:
        pytest.fail("kubernetes-validate is not installed: run `make test`")
    for document in manifests:
        kubernetes_validate.validate(document, "1.30.0", strict=True)
    assert [doc["kind"] for doc in manifests] == [
        "ServiceAccount", "ConfigMap", "Deployment", "Service", "NetworkPolicy",
        "PodDisruptionBudget"]


def test_checkov_kubernetes_finds_nothing(out: Path) -> None:
    assert [str(finding) for finding in failed_checks(out / "kubernetes", "kubernetes")] == []


def test_checkov_skips_carry_reasons(manifests: list[dict[str, Any]]) -> None:
    deployment = next(doc for doc in manifests if doc["kind"] == "Deployment")
    skips = {key: value for key, value in deployment["metadata"]["annotations"].items()
             if key.startswith("checkov.io/skip")}
    assert sorted(value.split("=", 1)[0] for value in skips.values()) == sorted(kubernetes.SKIPS)
    assert all(len(value.split("=", 1)[1]) > 40 for value in skips.values())


def test_collector_pod_is_hardened(manifests: list[dict[str, Any]], out: Path) -> None:
    deployment = next(doc for doc in manifests if doc["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    context = container["securityContext"]
    assert deployment["metadata"]["namespace"] == "threat-modeler"
    assert pod["securityContext"]["runAsUser"] >= 10000 and context["runAsUser"] >= 10000
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert set(container["resources"]) == {"requests", "limits"}
    health = next(port for port in container["ports"] if port["name"] == "health")
    assert health["containerPort"] == 13133
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["port"] == "health"
    config_map = next(doc for doc in manifests if doc["kind"] == "ConfigMap")
    assert YAML(typ="safe", pure=True).load(config_map["data"]["config.yaml"]) == _yaml(
        out / "otel-collector.yaml")


def test_service_matches_the_env_var_contract(project: Project,
                                              manifests: list[dict[str, Any]]) -> None:
    service = next(doc for doc in manifests if doc["kind"] == "Service")
    env = project.environments[-1]
    target = next(t for t in contract.targets(project, env) if t.runtime == "eks")
    endpoint = {var.name: var.value for var in contract.service_env(
        project, env.services[0], target)}["OTEL_EXPORTER_OTLP_ENDPOINT"]
    name, namespace = service["metadata"]["name"], service["metadata"]["namespace"]
    port = next(p["port"] for p in service["spec"]["ports"] if p["name"] == "otlp-grpc")
    assert endpoint == f"http://{name}.{namespace}.svc.cluster.local:{port}"


# --- dashboards ------------------------------------------------------------------------------

def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [panel for panel in dashboard["panels"] if panel["type"] != "row"]


def test_every_panel_has_a_datasource_and_referenced_queries(
        dashboards: dict[str, dict[str, Any]]) -> None:
    for name, dashboard in dashboards.items():
        for panel in _panels(dashboard):
            where = f"{name}: {panel['title']}"
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, where
            ref_ids = [target.get("refId") for target in panel["targets"]]
            assert ref_ids and all(ref_ids), where
            assert len(set(ref_ids)) == len(ref_ids), where
            assert all(target["expr"] for target in panel["targets"]), where


def _cells(position: dict[str, int]) -> set[tuple[int, int]]:
    return {(x, y) for x in range(position["x"], position["x"] + position["w"])
            for y in range(position["y"], position["y"] + position["h"])}


def test_grid_positions_are_valid_and_never_overlap(
        dashboards: dict[str, dict[str, Any]]) -> None:
    for name, dashboard in dashboards.items():
        taken: set[tuple[int, int]] = set()
        for panel in dashboard["panels"]:
            position = panel["gridPos"]
            assert all(isinstance(position[k], int) for k in "xywh"), name
            assert position["w"] > 0 and position["h"] > 0, name
            assert position["x"] >= 0 and position["x"] + position["w"] <= 24, name
            cells = _cells(position)
            assert not cells & taken, f"{name}: {panel['title']} overlaps another panel"
            taken |= cells
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(set(ids)) == len(ids), name


def test_uids_are_stable_and_derived_from_names(
        project: Project, dashboards: dict[str, dict[str, Any]]) -> None:
    for name, dashboard in dashboards.items():
        assert dashboard["uid"] == grafana.uid(project.name, name)
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,40}", dashboard["uid"])
    assert _files(project) == _files(project)  # deterministic content


def test_service_dashboards_put_clouds_side_by_side(
        dashboards: dict[str, dict[str, Any]]) -> None:
    for name in ("service-api", "service-worker", "dependencies"):
        variables = [v["name"] for v in dashboards[name]["templating"]["list"]]
        assert variables == ["datasource", "environment", "cloud", "region"], name
    api = dashboards["service-api"]
    exprs = [t["expr"] for p in _panels(api) for t in p["targets"]]
    assert sum("histogram_quantile(0.5," in e for e in exprs) >= 1
    assert sum("histogram_quantile(0.95," in e for e in exprs) >= 1
    assert sum("histogram_quantile(0.99," in e for e in exprs) >= 2
    assert all('environment=~"$environment"' in e for e in exprs)
    assert any("by (cloud, region" in e for e in exprs)
