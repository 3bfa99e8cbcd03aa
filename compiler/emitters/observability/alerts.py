"""Grafana alerting provisioning files (MC-025): rules, contact points, notification policy.

Rules are multi-dimensional: one rule per signal and environment, grouped by cloud and region,
so Grafana raises one alert instance per place. Thresholds come from ``observability.alerts``.
Grafana interpolates ``$NAME`` in provisioning files, so no generated text contains ``$`` except
the Slack webhook reference, which is exactly that interpolation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from compiler import naming, telemetry
from compiler.emitters.observability import promql
from compiler.emitters.observability.promql import Matcher, Scope
from compiler.model import Environment, Project, Service

API_VERSION = 1
ORG_ID = 1
PLACES = ("cloud", "region")
# Grafana Cloud provisions its Prometheus (Mimir) data source under this uid.
_DATASOURCE_UIDS = {"grafana-cloud": "grafanacloud-prom"}
_DEFAULT_DATASOURCE_UID = "prometheus"
_EXPRESSIONS = {"type": "__expr__", "uid": "__expr__"}
Document = dict[str, Any]


@dataclass(frozen=True)
class Rule:
    key: str  # seeds the uid: "_"-joined DNS labels, so no two rules share one
    title: str
    expr: str
    comparison: Literal["gt", "lt"]
    threshold: float
    summary: str
    labels: tuple[tuple[str, str], ...]
    pending: str = "5m"
    no_data: str = "OK"  # no traffic is not an outage; missing exporters use NoData


def datasource_uid(project: Project) -> str:
    return _DATASOURCE_UIDS.get(project.observability.exporter.kind, _DEFAULT_DATASOURCE_UID)


def contact_point_name(project: Project) -> str:
    return f"{project.name}-oncall"


def groups(project: Project) -> list[tuple[str, list[Rule]]]:
    found = [(f"{project.name}-{env.name}", _environment_rules(project, env))
             for env in project.environments]
    if project.dns:
        found.append((f"{project.name}-global-load-balancer", [_failover(project)]))
    return found


def rules_document(project: Project) -> Document:
    source = datasource_uid(project)
    return {"apiVersion": API_VERSION, "groups": [
        {"orgId": ORG_ID, "name": name, "folder": project.name, "interval": "1m",
         "rules": [_rule(project, rule, source) for rule in rules]}
        for name, rules in groups(project)]}


def contact_points_document(project: Project) -> Document | None:
    contacts = project.observability.alerts.contacts
    receivers = []
    if contacts.email:
        receivers.append(_receiver(project, "email", {"addresses": ";".join(contacts.email),
                                                      "singleEmail": True}))
    if contacts.slack_webhook_secret:
        # Grafana resolves ${NAME} from its own environment when it reads the file.
        url = f"${{{contacts.slack_webhook_secret}}}"
        receivers.append(_receiver(project, "slack", {"url": url}))
    if not receivers:
        return None
    return {"apiVersion": API_VERSION, "contactPoints": [
        {"orgId": ORG_ID, "name": contact_point_name(project), "receivers": receivers}]}


def policies_document(project: Project) -> Document:
    receiver = contact_point_name(project)
    urgent = {"receiver": receiver, "object_matchers": [["severity", "=", "critical"]],
              "group_wait": "10s", "repeat_interval": "1h"}
    return {"apiVersion": API_VERSION, "policies": [
        {"orgId": ORG_ID, "receiver": receiver,
         "group_by": ["grafana_folder", "alertname", "environment"],
         "group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h",
         "routes": [urgent]}]}


def _receiver(project: Project, kind: str, settings: Document) -> Document:
    return {"uid": naming.fit(f"{project.name}-oncall-{kind}", 40), "type": kind,
            "settings": settings, "disableResolveMessage": False}


def _rule(project: Project, rule: Rule, source: str) -> Document:
    query = {"refId": "A", "expr": rule.expr, "instant": True, "intervalMs": 1000,
             "maxDataPoints": 43200}
    reduce = {"refId": "B", "type": "reduce", "expression": "A", "reducer": "last",
              "datasource": _EXPRESSIONS}
    threshold = {"refId": "C", "type": "threshold", "expression": "B", "datasource": _EXPRESSIONS,
                 "conditions": [{"evaluator": {"type": rule.comparison,
                                               "params": [rule.threshold]}}]}
    return {
        "uid": naming.fit(f"{project.name}_{rule.key}", 40), "title": rule.title,
        "condition": "C",
        "data": [
            {"refId": "A", "relativeTimeRange": {"from": 600, "to": 0},
             "datasourceUid": source, "model": query},
            {"refId": "B", "datasourceUid": "__expr__", "model": reduce},
            {"refId": "C", "datasourceUid": "__expr__", "model": threshold},
        ],
        "noDataState": rule.no_data, "execErrState": "Error", "for": rule.pending,
        "isPaused": False,
        "labels": {"project": project.name, **dict(rule.labels)},
        "annotations": {"summary": rule.summary},
    }


def _severity(env: Environment) -> str:
    return "critical" if env.protected else "warning"


def _where() -> str:
    # Go template over the alert's labels; `.Labels` avoids `$`, which Grafana would interpolate.
    return "{{ .Labels.cloud }} {{ .Labels.region }}"


def serves_requests(service: Service) -> bool:
    """Public services and internal APIs; a queue worker's port serves only health checks."""
    return service.public or not any(use.reads for use in service.uses_kind("queue"))


def _environment_rules(project: Project, env: Environment) -> list[Rule]:
    found = []
    for service in env.services:
        if serves_requests(service):
            found += _service_rules(project, env, service)
        if any(use.reads for use in service.uses_kind("queue")):
            found.append(_job_failures(project, env, service))
    for queue in project.data.queues:
        if telemetry.consumers(project, queue.name):
            found.append(_backlog(project, env, queue.name))
    return found


def _service_rules(project: Project, env: Environment, service: Service) -> list[Rule]:
    alerts = project.observability.alerts
    http = telemetry.HTTP_DURATION
    scope, labels = _scope(env, service), _labels(env, service)
    key, name = f"{env.name}_{service.name}", f"{service.name} {env.name}"
    at = f"{service.name} ({env.name}) in {_where()}"
    errors, latency = f"{alerts.error_rate_percent:g}%", f"{alerts.latency_p99_ms} ms"
    available = f"{alerts.availability_percent:g}%"
    slo = promql.error_ratio(project, http, scope, "30m", promql.HTTP_ERRORS)
    return [
        Rule(f"{key}_errors", f"{name}: error rate above {errors}",
             promql.error_ratio(project, http, scope, "5m", promql.HTTP_ERRORS), "gt",
             _ratio(alerts.error_rate_percent),
             f"More than {errors} of requests to {at} fail with a 5xx.", labels),
        Rule(f"{key}_latency", f"{name}: p99 latency above {latency}",
             promql.quantile(project, http, 0.99, scope, "5m"), "gt",
             alerts.latency_p99_ms / 1000,
             f"The slowest 1% of requests to {at} take longer than {latency}.", labels),
        # A 30-minute window: one failed request must not page on a quiet service.
        Rule(f"{key}_availability", f"{name}: availability below {available}",
             f"1 - ({slo})", "lt", _ratio(alerts.availability_percent),
             f"{at} answered less than {available} of requests without error in 30 minutes.",
             labels, pending="0s"),
    ]


def _ratio(percent: float) -> float:
    """Percent from the spec -> the 0..1 ratio the queries return, without float noise."""
    return round(percent / 100, 6)


def _labels(env: Environment, service: Service) -> tuple[tuple[str, str], ...]:
    return (("severity", _severity(env)), ("environment", env.name), ("service", service.name))


def _scope(env: Environment, service: Service) -> Scope:
    return Scope((("service", "=", service.name), ("environment", "=", env.name)), PLACES)


def _job_failures(project: Project, env: Environment, service: Service) -> Rule:
    percent = project.observability.alerts.error_rate_percent
    scope, labels = _scope(env, service), _labels(env, service)
    expr = promql.error_ratio(project, telemetry.JOB_DURATION, scope, "15m",
                              promql.OPERATION_ERRORS)
    return Rule(f"{env.name}_{service.name}_job-failures",
                f"{service.name} {env.name}: job failures above {percent:g}%", expr, "gt",
                _ratio(percent),
                f"More than {percent:g}% of the queue jobs {service.name} ({env.name}) runs in "
                f"{_where()} fail.", labels)


def _backlog(project: Project, env: Environment, queue: str) -> Rule:
    backlog = project.observability.alerts.queue_backlog
    matchers: tuple[Matcher, ...] = (("environment", "=", env.name), *promql.destination(queue))
    expr = promql.gauge(project, telemetry.QUEUE_DEPTH, Scope(matchers, PLACES))
    labels = (("severity", _severity(env)), ("environment", env.name), ("queue", queue))
    return Rule(f"{env.name}_queue_{queue}_backlog",
                f"queue {queue} {env.name}: backlog above {backlog}", expr, "gt", backlog,
                f"More than {backlog} messages wait in {queue} ({env.name}) in {_where()}.",
                labels, pending="10m", no_data="NoData")


def _failover(project: Project) -> Rule:
    assert project.dns is not None
    scope = Scope((("zone", "=", project.dns.zone),), ("pool_name",))
    expr = promql.lowest_over(project, telemetry.POOL_HEALTH, scope, "5m")
    return Rule("global_failover", f"{project.dns.zone}: load balancer failover", expr, "lt", 1,
                "Pool {{ .Labels.pool_name }} was unhealthy in the last 5 minutes: Cloudflare "
                "steered its traffic to the next pool.", (("severity", "critical"),),
                pending="0s", no_data="NoData")
