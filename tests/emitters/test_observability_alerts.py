"""observability/: the metric contract behind every query, and the alerting provisioning files."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from compiler import contract, telemetry
from compiler.emitters import observability
from compiler.model import Project
from compiler.pipeline import compile_project
from compiler.spec_ops import Contacts
from conftest import ROOT

OUT = Path("generated") / "observability"


@pytest.fixture(scope="module")
def project() -> Project:
    return compile_project(ROOT / "spec" / "multicloud.yaml", "spec/multicloud.yaml")


@pytest.fixture(scope="module")
def out(reference_tree: Path) -> Path:
    return reference_tree / OUT


@pytest.fixture(scope="module")
def rules(out: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe", pure=True).load(
        (out / "alerts" / "rules.yaml").read_text())
    return loaded


def _all_rules(rules: dict[str, Any]) -> list[dict[str, Any]]:
    return [rule for group in rules["groups"] for rule in group["rules"]]


# --- the metric contract ---------------------------------------------------------------------

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_SELECTOR = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\{([^{}]*)\}")
_MATCHER = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)\s*"')
_GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
_IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_KEYWORDS = {"by", "without", "or", "and", "unless", "on", "ignoring", "group_left",
             "group_right", "bool", "offset"}


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression: identifiers that are not functions or keywords."""
    text = _STRING.sub('""', expr)
    text = re.sub(r"\{[^{}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = _GROUPING.sub("", text)
    return {match.group() for match in _IDENTIFIER.finditer(text)
            if match.group() not in _KEYWORDS
            and not text[match.end():].lstrip().startswith("(")}


def _labels_used(expr: str) -> tuple[set[str], set[str]]:
    """Labels matched inside selectors, and labels grouped by."""
    text = _STRING.sub('""', expr)
    matched = {label for _, inner in _SELECTOR.findall(text) for label in _MATCHER.findall(inner)}
    grouped = {label.strip() for labels in _GROUPING.findall(text)
               for label in labels.split(",") if label.strip()}
    return matched, grouped


def _contract(project: Project) -> dict[str, telemetry.Metric]:
    return {series: metric for metric in telemetry.metrics(project) for series in metric.series}


def _assert_in_contract(project: Project, expr: str, where: str) -> None:
    known = _contract(project)
    names = metric_names(expr)
    assert names, f"{where}: no metric in {expr}"
    assert names <= set(known), f"{where}: {sorted(names - set(known))} not in the contract"
    allowed = {"le"} | {label for name in names for label in known[name].labels}
    matched, grouped = _labels_used(expr)
    assert matched | grouped <= allowed, f"{where}: unknown labels {(matched | grouped) - allowed}"
    assert all(known[name].emitters for name in names), where


def test_the_parser_finds_metrics_not_functions() -> None:
    expr = ('(sum by (cloud, le) (rate(a_total{x="y{z}"}[5m])) or b * 0) / '
            'histogram_quantile(0.99, c_bucket)')
    assert metric_names(expr) == {"a_total", "b", "c_bucket"}
    assert _labels_used(expr) == ({"x"}, {"cloud", "le"})


def test_dashboard_queries_use_only_contract_metrics(project: Project, out: Path) -> None:
    for path in sorted((out / "dashboards").glob("*.json")):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                _assert_in_contract(project, target["expr"], f"{path.name}: {panel['title']}")
        for variable in dashboard["templating"]["list"]:
            if variable["type"] == "query":
                selector, label = re.fullmatch(r"label_values\((.*), (\w+)\)",
                                               variable["query"]).groups()  # type: ignore[union-attr]
                _assert_in_contract(project, selector, f"{path.name}: ${variable['name']}")
                assert label in next(iter(_contract(project)[n] for n in metric_names(selector))).labels


def test_alert_queries_use_only_contract_metrics(project: Project,
                                                 rules: dict[str, Any]) -> None:
    for rule in _all_rules(rules):
        _assert_in_contract(project, rule["data"][0]["model"]["expr"], rule["title"])


def test_the_contract_is_derived_from_the_ir(project: Project) -> None:
    emitters = {metric.name: metric.emitters for metric in telemetry.metrics(project)}
    assert emitters[telemetry.HTTP_DURATION] == ("api", "worker")
    assert emitters[telemetry.QUEUE_DEPTH] == ("worker",)  # the analysis queue's only reader
    assert emitters[telemetry.POOL_HEALTH] == ("cloudflare",)
    without = dataclasses.replace(project, dns=None, services=tuple(
        dataclasses.replace(service, uses=()) for service in project.services))
    assert [metric.name for metric in telemetry.metrics(without)] == [telemetry.HTTP_DURATION]


def test_label_attributes_are_set_by_the_env_var_contract(project: Project) -> None:
    env = project.environments[-1]
    for target in (*contract.targets(project, env), contract.LOCAL_TARGET):
        variables = {var.name: var.value or "" for var in contract.service_env(
            project, env.services[0], target)}
        attributes = dict(pair.split("=", 1)
                          for pair in variables["OTEL_RESOURCE_ATTRIBUTES"].split(","))
        attributes["service.name"] = variables["OTEL_SERVICE_NAME"]
        assert {attribute for _, attribute in telemetry.LABELS} <= set(attributes), target


def test_collector_copies_exactly_the_contract_labels(out: Path) -> None:
    config = YAML(typ="safe", pure=True).load((out / "otel-collector.yaml").read_text())
    statements = config["processors"]["transform/labels"]["metric_statements"][0]["statements"]
    assert statements == [f'set(attributes["{label}"], resource.attributes["{attribute}"])'
                          for label, attribute in telemetry.LABELS]


def test_readme_documents_every_contract_metric(project: Project, out: Path) -> None:
    readme = (out / "README.md").read_text(encoding="utf-8")
    for metric in telemetry.metrics(project):
        assert f"`{metric.name}`" in readme
        assert all(f"`{series}`" in readme for series in metric.series)


# --- alert rules -----------------------------------------------------------------------------

def test_rules_follow_the_provisioning_format(rules: dict[str, Any]) -> None:
    assert rules["apiVersion"] == 1
    uids, titles = [], []
    for group in rules["groups"]:
        assert {"orgId", "name", "folder", "interval", "rules"} <= set(group)
        for rule in group["rules"]:
            ref_ids = [entry["refId"] for entry in rule["data"]]
            assert rule["condition"] in ref_ids and len(set(ref_ids)) == len(ref_ids)
            assert all(entry["model"]["refId"] == entry["refId"] for entry in rule["data"])
            assert rule["data"][0]["datasourceUid"] == "grafanacloud-prom"
            assert rule["noDataState"] in ("OK", "NoData", "Alerting")
            assert re.fullmatch(r"[0-9]+[smh]", rule["for"])
            uids.append(rule["uid"])
            titles.append((group["folder"], rule["title"]))
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid) for uid in uids)
    assert len(set(uids)) == len(uids) and len(set(titles)) == len(titles)


def _by_title(rules: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["title"]: rule for rule in _all_rules(rules)}


def _evaluator(rule: dict[str, Any]) -> dict[str, Any]:
    return rule["data"][2]["model"]["conditions"][0]["evaluator"]  # type: ignore[no-any-return]


def test_rules_come_from_the_spec_thresholds(rules: dict[str, Any]) -> None:
    found = _by_title(rules)
    assert _evaluator(found["api production: error rate above 2%"]) == {
        "type": "gt", "params": [0.02]}
    assert _evaluator(found["api production: p99 latency above 2000 ms"]) == {
        "type": "gt", "params": [2.0]}
    assert _evaluator(found["api production: availability below 99.9%"]) == {
        "type": "lt", "params": [0.999]}
    assert _evaluator(found["queue analysis production: backlog above 500"]) == {
        "type": "gt", "params": [500]}
    assert _evaluator(found["threatmodeler.example.com: load balancer failover"]) == {
        "type": "lt", "params": [1]}
    assert "worker production: job failures above 2%" in found
    # The worker's port serves health checks only: no request-latency pages for it.
    assert not any(title.startswith("worker production: p99") for title in found)
    assert found["api production: error rate above 2%"]["labels"]["severity"] == "critical"
    assert found["api staging: error rate above 2%"]["labels"]["severity"] == "warning"


def test_availability_is_per_cloud_and_region(rules: dict[str, Any]) -> None:
    rule = _by_title(rules)["api production: availability below 99.9%"]
    assert "by (cloud, region)" in rule["data"][0]["model"]["expr"]


def test_no_dollar_for_grafana_to_interpolate(out: Path) -> None:
    assert "$" not in (out / "alerts" / "rules.yaml").read_text(encoding="utf-8")


def test_contact_points_and_policy(out: Path) -> None:
    load = YAML(typ="safe", pure=True).load
    points = load((out / "alerts" / "contactpoints.yaml").read_text())
    policies = load((out / "alerts" / "policies.yaml").read_text())
    point = points["contactPoints"][0]
    assert points["apiVersion"] == policies["apiVersion"] == 1
    assert point["receivers"] == [{
        "uid": "threat-modeler-oncall-email", "type": "email", "disableResolveMessage": False,
        "settings": {"addresses": "oncall@threatmodeler.example.com", "singleEmail": True}}]
    assert policies["policies"][0]["receiver"] == point["name"]
    assert policies["policies"][0]["routes"][0]["receiver"] == point["name"]


def _with_contacts(project: Project, contacts: Contacts) -> dict[str, str]:
    alerts = project.observability.alerts.model_copy(update={"contacts": contacts})
    changed = dataclasses.replace(project, observability=project.observability.model_copy(
        update={"alerts": alerts}))
    return {a.path: a.content for a in observability.emit(changed)}


def test_slack_webhook_is_an_environment_reference(project: Project) -> None:
    files = _with_contacts(project, Contacts(slack_webhook_secret="SLACK_ALERTS_WEBHOOK"))
    points = YAML(typ="safe", pure=True).load(files["observability/alerts/contactpoints.yaml"])
    assert points["contactPoints"][0]["receivers"] == [{
        "uid": "threat-modeler-oncall-slack", "type": "slack", "disableResolveMessage": False,
        "settings": {"url": "${SLACK_ALERTS_WEBHOOK}"}}]


def test_no_contacts_means_no_contact_point_or_policy(project: Project) -> None:
    files = _with_contacts(project, Contacts())
    assert "observability/alerts/contactpoints.yaml" not in files
    assert "observability/alerts/policies.yaml" not in files
    assert "observability/alerts/rules.yaml" in files
