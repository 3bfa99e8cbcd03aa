"""PromQL built from the metric contract, shared by dashboards and alerts.

Every query names its metric through ``telemetry.metric(project, name)``, so a query outside the
contract fails at build time instead of drawing an empty panel.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler import telemetry
from compiler.model import Project

Matcher = tuple[str, str, str]  # label, operator (= =~ !=), value


@dataclass(frozen=True)
class Scope:
    """The label matchers every query of one panel or rule shares, and what it groups by."""

    matchers: tuple[Matcher, ...]
    by: tuple[str, ...]


def quote(value: str) -> str:
    """A PromQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def selector(series: str, matchers: tuple[Matcher, ...]) -> str:
    inner = ",".join(f"{label}{op}{quote(value)}" for label, op, value in matchers)
    return f"{series}{{{inner}}}" if inner else series


def series(project: Project, name: str, suffix: str = "") -> str:
    """A stored series of a contract metric, e.g. ``..._duration_seconds`` + ``_bucket``."""
    found = telemetry.metric(project, name).prometheus + suffix
    if found not in telemetry.metric(project, name).series:
        raise KeyError(f"{found} is not a series of {name}")
    return found


def _by(labels: tuple[str, ...]) -> str:
    return f" by ({', '.join(labels)})" if labels else ""


def rate(project: Project, name: str, scope: Scope, window: str, suffix: str = "_count",
         extra: tuple[Matcher, ...] = ()) -> str:
    chosen = selector(series(project, name, suffix), scope.matchers + extra)
    return f"sum{_by(scope.by)} (rate({chosen}[{window}]))"


def error_ratio(project: Project, name: str, scope: Scope, window: str,
                errors: tuple[Matcher, ...]) -> str:
    """Failed / all. With no failures the failed series does not exist at all, so ``or``
    substitutes zero; a scope with no traffic still yields no sample rather than 0/0."""
    failed = rate(project, name, scope, window, extra=errors)
    total = rate(project, name, scope, window)
    return f"({failed} or {total} * 0) / {total}"


def quantile(project: Project, name: str, q: float, scope: Scope, window: str,
             extra: tuple[Matcher, ...] = ()) -> str:
    buckets = rate(project, name, Scope(scope.matchers, (*scope.by, "le")), window,
                   suffix="_bucket", extra=extra)
    return f"histogram_quantile({q:g}, {buckets})"


def gauge(project: Project, name: str, scope: Scope, aggregate: str = "max",
          extra: tuple[Matcher, ...] = ()) -> str:
    return f"{aggregate}{_by(scope.by)} ({selector(series(project, name), scope.matchers + extra)})"


def changes(project: Project, name: str, scope: Scope, window: str) -> str:
    """How often a gauge changed value: for pool health, each change is a failover or back."""
    chosen = selector(series(project, name), scope.matchers)
    return f"sum{_by(scope.by)} (changes({chosen}[{window}]))"


def lowest_over(project: Project, name: str, scope: Scope, window: str) -> str:
    """The lowest value in ``window``: a pool that dipped to 0 stays visible after it recovers."""
    chosen = selector(series(project, name), scope.matchers)
    return f"min{_by(scope.by)} (min_over_time({chosen}[{window}]))"


# What counts as an error for each contract metric.
HTTP_ERRORS: tuple[Matcher, ...] = (("http_response_status_code", "=~", "5.."),)
OPERATION_ERRORS: tuple[Matcher, ...] = (("error_type", "!=", ""),)


def destination(queue: str) -> tuple[Matcher, ...]:
    """Matches a queue by its spec name or its physical name (``<prefix>-<name>``)."""
    return (("messaging_destination_name", "=~", f"(.+-)?{queue}"),)


def db_system(system: str) -> tuple[Matcher, ...]:
    return (("db_system_name", "=", system),)
