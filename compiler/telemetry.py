"""The metric contract: every metric a dashboard or alert may query, and who emits it.

Services are instrumented with the OpenTelemetry SDK (HTTP, database and messaging semantic
conventions) and send OTLP to the collector, which copies four resource attributes onto every
data point (``LABELS``) so that one query puts AWS, GCP and Azure side by side. ``Metric.name``
is the OpenTelemetry name; ``Metric.series`` is what a Prometheus-compatible backend stores after
the standard OTLP translation (dots become underscores, the unit becomes a suffix, counters end
in ``_total`` and histograms are split into ``_bucket``, ``_sum`` and ``_count``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from compiler.model import Project

# Prometheus label -> the resource attribute it is copied from. The SDK sets the attributes
# through the env-var contract (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES).
LABELS: tuple[tuple[str, str], ...] = (
    ("service", "service.name"),
    ("cloud", "cloud.provider"),
    ("region", "cloud.region"),
    ("environment", "deployment.environment"),
)

HTTP_DURATION = "http.server.request.duration"
DB_DURATION = "db.client.operation.duration"
JOB_DURATION = "messaging.process.duration"
QUEUE_DEPTH = "app.queue.depth"
QUEUE_AGE = "app.queue.oldest_message.age"
POOL_HEALTH = "cloudflare_zone_pool_health_status"
POOL_REQUESTS = "cloudflare_zone_pool_requests"

CACHE_SYSTEM = "redis"
_DB_SYSTEMS = {"mongodb-atlas": "mongodb", "cosmos-mongodb": "mongodb", "postgres": "postgresql"}
_UNIT_SUFFIXES = {"s": "seconds", "ms": "milliseconds", "By": "bytes"}

Instrument = Literal["histogram", "counter", "gauge"]
Source = Literal["service", "cloudflare"]


@dataclass(frozen=True)
class Metric:
    name: str
    instrument: Instrument
    unit: str  # UCUM, as in the semantic conventions; "{...}" annotations carry no suffix
    description: str
    attributes: tuple[str, ...]  # data point attributes besides LABELS
    emitters: tuple[str, ...]  # services, or "cloudflare" for the load balancer's metrics
    source: Source = "service"

    @property
    def prometheus(self) -> str:
        base = self.name.replace(".", "_")
        suffix = _UNIT_SUFFIXES.get(self.unit)
        if suffix and not base.endswith(f"_{suffix}"):
            base = f"{base}_{suffix}"
        if self.instrument == "counter" and not base.endswith("_total"):
            base = f"{base}_total"
        return base

    @property
    def series(self) -> tuple[str, ...]:
        if self.instrument == "histogram":
            return tuple(f"{self.prometheus}_{part}" for part in ("bucket", "count", "sum"))
        return (self.prometheus,)

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label a query may filter or group this metric by."""
        if self.source == "cloudflare":
            return self.attributes
        return tuple(label for label, _ in LABELS) + tuple(map(prom_label, self.attributes))


def prom_label(attribute: str) -> str:
    return attribute.replace(".", "_")


def db_system(project: Project) -> str | None:
    """The ``db.system.name`` value the database client reports."""
    database = project.data.database
    return _DB_SYSTEMS[database.engine] if database else None


def consumers(project: Project, queue: str) -> tuple[str, ...]:
    return tuple(service.name for service in project.services
                 if any(use.kind == "queue" and use.target == queue and use.reads
                        for use in service.uses))


def metrics(project: Project) -> tuple[Metric, ...]:
    """The contract for ``project``: only metrics some service (or the load balancer) emits."""
    # Dashboards and alerts look metrics up once per panel and rule: computing the contract
    # each time made a build quadratic in the number of services. One project is built at a time.
    cached = _LAST.get("metrics")
    if cached is None or cached[0] is not project:
        found = [_http(project), *_dependencies(project), *_queues(project),
                 *_load_balancer(project)]
        cached = _LAST["metrics"] = (project, tuple(metric for metric in found if metric.emitters))
    return cached[1]


_LAST: dict[str, tuple[Project, tuple[Metric, ...]]] = {}


def metric(project: Project, name: str) -> Metric:
    """The contract entry called ``name``; a KeyError means a query outside the contract."""
    for candidate in metrics(project):
        if candidate.name == name:
            return candidate
    raise KeyError(f"{name} is not in the metric contract of {project.name}")


def _http(project: Project) -> Metric:
    return Metric(
        HTTP_DURATION, "histogram", "s",
        "Duration of HTTP server requests (OTel HTTP semantic conventions)",
        ("http.request.method", "http.route", "http.response.status_code", "error.type"),
        tuple(service.name for service in project.services))


def _dependencies(project: Project) -> list[Metric]:
    users = tuple(service.name for service in project.services
                  if service.uses_kind("database") or service.uses_kind("cache"))
    return [Metric(
        DB_DURATION, "histogram", "s",
        "Duration of database and cache client operations (OTel database semantic conventions; "
        f"db.system.name is {_systems(project)})",
        ("db.system.name", "db.operation.name", "error.type"), users)]


def _systems(project: Project) -> str:
    systems = [db_system(project), CACHE_SYSTEM if project.data.cache else None]
    return " or ".join(f"'{name}'" for name in systems if name) or "unused"


def _queues(project: Project) -> list[Metric]:
    readers = tuple(sorted({name for queue in project.data.queues
                            for name in consumers(project, queue.name)}))
    where = ("messaging.system", "messaging.destination.name")
    return [
        Metric(JOB_DURATION, "histogram", "s",
               "Duration of processing one queue message (OTel messaging semantic conventions)",
               (*where, "error.type"), readers),
        Metric(QUEUE_DEPTH, "gauge", "{message}",
               "Messages waiting in the queue, polled by its consumers every 30 s", where, readers),
        Metric(QUEUE_AGE, "gauge", "s",
               "Age of the oldest waiting message, polled by its consumers every 30 s", where,
               readers),
    ]


def _load_balancer(project: Project) -> list[Metric]:
    emitters = ("cloudflare",) if project.dns else ()
    where = ("zone", "load_balancer_name", "pool_name")
    return [
        Metric(POOL_HEALTH, "gauge", "",
               "1 while Cloudflare's monitor finds the pool healthy, 0 once traffic leaves it",
               where, emitters, "cloudflare"),
        Metric(POOL_REQUESTS, "counter", "", "Requests Cloudflare steered to each pool",
               (*where, "origin_name"), emitters, "cloudflare"),
    ]
