"""Grafana dashboards (MC-023, MC-024): RED per service, dependencies, the global load balancer.

Every query comes from ``promql`` (so from the metric contract) and is grouped by cloud and
region, so AWS, GCP and Azure appear side by side; the ``environment``, ``cloud`` and
``region`` variables narrow the view. Thresholds drawn on panels are the spec's alert thresholds.
"""

from __future__ import annotations

from compiler import telemetry
from compiler.emitters.observability import promql
from compiler.emitters.observability.grafana import (
    Dashboard,
    Panel,
    Query,
    Section,
    Threshold,
    Variable,
)
from compiler.emitters.observability.promql import Matcher, Scope
from compiler.model import Project, Service

WINDOW = "$__rate_interval"  # Grafana picks a window that always spans several scrapes
SIDE_BY_SIDE = ("cloud", "region")
PLACE = "{{cloud}} {{region}}"
QUANTILES = (0.5, 0.95, 0.99)


def dashboards(project: Project) -> list[Dashboard]:
    found = [*(_service(project, service) for service in project.services)]
    dependencies = _dependencies(project)
    if dependencies:
        found.append(Dashboard("dependencies", f"{project.name}: dependencies",
                               "Database, cache and queues as the services see them.",
                               tuple(dependencies), _variables(project), ("dependencies",)))
    if project.dns:
        found.append(_load_balancer(project))
    return found


def _ratio(percent: float) -> float:
    """Percent from the spec -> the 0..1 ratio the queries return, without float noise."""
    return round(percent / 100, 6)


def _variables(project: Project) -> tuple[Variable, ...]:
    series = promql.series(project, telemetry.HTTP_DURATION, "_count")
    return (Variable("environment", "Environment", series),
            Variable("cloud", "Cloud", series, ("environment",)),
            Variable("region", "Region", series, ("environment", "cloud")))


def _filters(*extra: Matcher) -> tuple[Matcher, ...]:
    return (*extra, ("environment", "=~", "$environment"), ("cloud", "=~", "$cloud"),
            ("region", "=~", "$region"))


def _service(project: Project, service: Service) -> Dashboard:
    scope = Scope(_filters(("service", "=", service.name)), SIDE_BY_SIDE)
    sections = [_overview(project, scope), _requests(project, scope)]
    sections += [_jobs(project, scope, use.target) for use in service.uses_kind("queue")
                 if use.reads]
    description = (f"RED metrics of {service.name} ({service.description or 'service'}) "
                   "on every cloud and region.")
    return Dashboard(f"service-{service.name}", f"{project.name}: {service.name}", description,
                     tuple(sections), _variables(project), ("red", service.name))


def _overview(project: Project, scope: Scope) -> Section:
    alerts = project.observability.alerts
    http = telemetry.HTTP_DURATION
    errors = promql.error_ratio(project, http, scope, "1h", promql.HTTP_ERRORS)
    return Section("Now, per cloud and region", (
        Panel("Availability (1h)", "stat", "percentunit", (Query(f"1 - ({errors})", PLACE),),
              "Share of requests answered without a 5xx over the last hour.", 6, 5,
              Threshold(_ratio(alerts.availability_percent), below_is_bad=True)),
        Panel("Requests", "stat", "reqps", (Query(promql.rate(project, http, scope, "5m"), PLACE),),
              width=6, height=5),
        Panel("Error rate (5xx)", "stat", "percentunit",
              (Query(promql.error_ratio(project, http, scope, "5m", promql.HTTP_ERRORS), PLACE),),
              width=6, height=5, threshold=Threshold(_ratio(alerts.error_rate_percent))),
        Panel("Latency p99", "stat", "s", (Query(promql.quantile(project, http, 0.99, scope, "5m"),
                                                 PLACE),),
              width=6, height=5, threshold=Threshold(alerts.latency_p99_ms / 1000)),
    ))


def _requests(project: Project, scope: Scope) -> Section:
    alerts = project.observability.alerts
    http = telemetry.HTTP_DURATION
    overall = Scope(scope.matchers, ())
    return Section("Rate, errors, duration", (
        Panel("Request rate", "timeseries", "reqps",
              (Query(promql.rate(project, http, scope, WINDOW), PLACE),)),
        Panel("Error rate (5xx)", "timeseries", "percentunit",
              (Query(promql.error_ratio(project, http, scope, WINDOW, promql.HTTP_ERRORS),
                     PLACE),),
              threshold=Threshold(_ratio(alerts.error_rate_percent))),
        Panel("Latency p99 per cloud and region", "timeseries", "s",
              (Query(promql.quantile(project, http, 0.99, scope, WINDOW), PLACE),),
              threshold=Threshold(alerts.latency_p99_ms / 1000)),
        Panel("Latency p50 / p95 / p99 (all selected)", "timeseries", "s",
              _percentiles(project, http, overall), width=24),
    ))


def _percentiles(project: Project, name: str, scope: Scope,
                 extra: tuple[Matcher, ...] = ()) -> tuple[Query, ...]:
    return tuple(Query(promql.quantile(project, name, q, scope, WINDOW, extra), f"p{q * 100:g}")
                 for q in QUANTILES)


def _jobs(project: Project, scope: Scope, queue: str) -> Section:
    jobs = telemetry.JOB_DURATION
    on_queue = Scope(scope.matchers + promql.destination(queue), scope.by)
    return Section(f"Jobs from queue {queue}", (
        Panel("Jobs processed", "timeseries", "ops",
              (Query(promql.rate(project, jobs, on_queue, WINDOW), PLACE),)),
        Panel("Failed jobs", "timeseries", "percentunit",
              (Query(promql.error_ratio(project, jobs, on_queue, WINDOW,
                                        promql.OPERATION_ERRORS), PLACE),)),
        Panel("Job duration p50 / p95 / p99", "timeseries", "s",
              _percentiles(project, jobs, Scope(on_queue.matchers, ()))),
    ))


def _dependencies(project: Project) -> list[Section]:
    sections = []
    database = telemetry.db_system(project)
    if database:
        sections.append(_client(project, f"Database ({database})", database))
    if project.data.cache:
        sections.append(_client(project, f"Cache ({telemetry.CACHE_SYSTEM})",
                                telemetry.CACHE_SYSTEM))
    sections += [_queue(project, queue.name) for queue in project.data.queues
                 if telemetry.consumers(project, queue.name)]
    return sections


def _client(project: Project, title: str, system: str) -> Section:
    name = telemetry.DB_DURATION
    scope = Scope(_filters(*promql.db_system(system)), SIDE_BY_SIDE)
    return Section(title, (
        Panel("Operations", "timeseries", "ops",
              (Query(promql.rate(project, name, scope, WINDOW), PLACE),)),
        Panel("Failed operations", "timeseries", "percentunit",
              (Query(promql.error_ratio(project, name, scope, WINDOW, promql.OPERATION_ERRORS),
                     PLACE),)),
        Panel("Operation latency p50 / p95 / p99", "timeseries", "s",
              _percentiles(project, name, Scope(scope.matchers, ()))),
    ))


def _queue(project: Project, queue: str) -> Section:
    scope = Scope(_filters(*promql.destination(queue)), SIDE_BY_SIDE)
    backlog = project.observability.alerts.queue_backlog
    return Section(f"Queue {queue}", (
        Panel("Depth (waiting messages)", "timeseries", "short",
              (Query(promql.gauge(project, telemetry.QUEUE_DEPTH, scope), PLACE),),
              width=12, threshold=Threshold(backlog)),
        Panel("Age of the oldest message", "timeseries", "s",
              (Query(promql.gauge(project, telemetry.QUEUE_AGE, scope), PLACE),), width=12),
    ))


def _load_balancer(project: Project) -> Dashboard:
    assert project.dns is not None
    zone: tuple[Matcher, ...] = (("zone", "=", project.dns.zone),)
    pools = Scope(zone, ("pool_name",))
    health = promql.gauge(project, telemetry.POOL_HEALTH, pools, "min")
    states = (("0", "Unhealthy", "red"), ("1", "Healthy", "green"))
    changes = promql.changes(project, telemetry.POOL_HEALTH, pools, "5m")
    traffic = promql.rate(project, telemetry.POOL_REQUESTS, pools, WINDOW, suffix="")
    sections = (
        Section("Pool health", (
            Panel("Pool health", "state-timeline", "none", (Query(health, "{{pool_name}}"),),
                  "Cloudflare's monitor result per pool (cloud.region).", 18, 8, states=states),
            Panel("Healthy pools", "stat", "none",
                  (Query(f"sum({health})", "healthy"),), width=6, height=8),
        )),
        Section("Traffic and failover", (
            Panel("Requests per pool", "timeseries", "reqps", (Query(traffic, "{{pool_name}}"),),
                  "Traffic moving between pools is a failover.", 12, stacked=True),
            Panel("Failover events", "timeseries", "short", (Query(changes, "{{pool_name}}"),),
                  "Health changes per pool in the last 5 minutes.", 12),
        )),
    )
    return Dashboard("global-load-balancer", f"{project.name}: global load balancer",
                     f"Cloudflare load balancing for {project.dns.zone}: pools and failovers.",
                     sections, (), ("load-balancer",))
