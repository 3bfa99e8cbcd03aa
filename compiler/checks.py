"""Semantic rules that span fields. Each yields (path, message); the caller locates them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping

from compiler.regions import ATLAS_REGIONS, REGIONS
from compiler.spec import Spec
from compiler.spec_data import AtlasRegion

TITLES = {"aws": "an AWS", "gcp": "a GCP", "azure": "an Azure"}
CLOUD_TITLES = {"aws": "AWS", "gcp": "GCP", "azure": "Azure"}
Finding = tuple[tuple[str | int, ...], str]

# Local stand-ins in the compose stack; a service with one of these names would shadow it.
# (The one-shot `minio-buckets` job is not reserved: the compose emitter moves it aside.)
RESERVED_SERVICE_NAMES = frozenset({"mongodb", "postgres", "redis", "minio", "vault", "queue",
                                    "otel-collector", "jaeger", "flagd", "localstack"})
# Names the env-var contract sets itself (see contract.py); a user value would be overwritten.
RESERVED_ENV = re.compile(
    r"^(PORT|LOG_FORMAT|LOG_LEVEL|DATABASE_URL|CACHE_URL|STORAGE_[A-Z0-9_]+_URL|"
    r"QUEUE_[A-Z0-9_]+_URL|OTEL_[A-Z0-9_]+|APP_ENV|FLAGD_[A-Z0-9_]+|"
    r"AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)$"
)
SECRET_NAME = re.compile(r"(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS?)$")
SECRET_VALUE = re.compile(
    r"AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|\bsk-[A-Za-z0-9_-]{16,}|\bgh[pousr]_[A-Za-z0-9]{20,}|"
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|"
    r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.|AIza[0-9A-Za-z_-]{35}|"
    r"://[^/\s:@]+:[^/\s@]+@"
)


def run_all(spec: Spec) -> list[Finding]:
    return [finding for check in CHECKS for finding in check(spec)]


def clouds_enabled(spec: Spec) -> Iterator[Finding]:
    enabled = [name for name in ("aws", "gcp", "azure") if _cloud(spec, name)]
    if not enabled:
        yield ("clouds",), "at least one cloud must be enabled (aws, gcp or azure)"


def regions_valid(spec: Spec) -> Iterator[Finding]:
    for name in ("aws", "gcp", "azure"):
        cloud = getattr(spec.clouds, name)
        if cloud is not None:
            yield from _regions(name, cloud.regions, ("clouds", name, "regions"))
    for env_name, env in spec.environments.items():
        for cloud_name, override in env.clouds.items():
            path = ("environments", env_name, "clouds", cloud_name)
            if getattr(spec.clouds, cloud_name) is None:
                yield path, f"cloud '{cloud_name}' is not declared under clouds"
            elif override.regions is not None:
                yield from _regions(cloud_name, override.regions, (*path, "regions"))


def _regions(cloud: str, regions: list[str], path: tuple[str | int, ...]) -> Iterator[Finding]:
    seen: set[str] = set()
    for index, region in enumerate(regions):
        if region not in REGIONS[cloud]:
            hint = _suggest(region, REGIONS[cloud])
            yield (*path, index), f"'{region}' is not {TITLES[cloud]} region{hint}"
        elif region in seen:
            yield (*path, index), f"region '{region}' is listed twice"
        seen.add(region)


def _suggest(word: str, options: frozenset[str] | set[str]) -> str:
    close = difflib.get_close_matches(word, sorted(options), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def uses_resolve(spec: Spec) -> Iterator[Finding]:
    for name, service in spec.services.items():
        for ref in service.uses:
            path = ("services", name, "uses", ref)
            kind, _, target = ref.partition(".")
            if kind == "database" and spec.data.database is None:
                yield path, "uses the database, but data.database is not declared"
            elif kind == "cache" and spec.data.cache is None:
                yield path, "uses the cache, but data.cache is not declared"
            elif kind == "storage" and target not in spec.data.buckets:
                yield path, f"no bucket '{target}' in data.buckets{_suggest(target, set(spec.data.buckets))}"
            elif kind == "queue" and target not in spec.data.queues:
                yield path, f"no queue '{target}' in data.queues{_suggest(target, set(spec.data.queues))}"


def secrets_declared(spec: Spec) -> Iterator[Finding]:
    declared = set(spec.secrets.names) if spec.secrets else set()
    for name, service in spec.services.items():
        for index, secret in enumerate(service.secrets):
            path = ("services", name, "secrets", index)
            if spec.secrets is None:
                yield path, f"secret '{secret}' needs a `secrets` section with a backend"
            elif secret not in declared:
                yield path, f"secret '{secret}' is not declared in secrets.names{_suggest(secret, declared)}"
            if secret in service.env:
                yield path, f"'{secret}' is both a secret and a plain env value"
    exporter = spec.observability.exporter.credentials_secret
    if exporter and exporter not in declared:
        where = ("observability", "exporter", "credentials_secret")
        yield where, f"secret '{exporter}' is not declared in secrets.names"


def env_values_safe(spec: Spec) -> Iterator[Finding]:
    for name, service in spec.services.items():
        yield from _env(service.env, ("services", name, "env"))
    for env_name, env in spec.environments.items():
        for name, override in env.services.items():
            yield from _env(override.env, ("environments", env_name, "services", name, "env"))


def _env(values: Mapping[str, object], path: tuple[str | int, ...]) -> Iterator[Finding]:
    for key, value in values.items():
        if RESERVED_ENV.match(key):
            yield (*path, key), f"'{key}' is set by mccompile's env-var contract; remove it"
        elif SECRET_NAME.search(key) or SECRET_VALUE.search(str(value)):
            yield (*path, key), (f"'{key}' looks like a secret value; declare it in secrets.names "
                                 "and list it under the service's `secrets` instead")


def names_unique(spec: Spec) -> Iterator[Finding]:
    for name in spec.services:
        if name in RESERVED_SERVICE_NAMES:
            yield ("services", name), f"service name '{name}' is reserved for a local stand-in"
    hosts: dict[str, str] = {}
    for name, service in spec.services.items():
        if not service.public:
            if service.hostname is not None:
                yield ("services", name, "hostname"), "hostname is only used by public services"
            continue
        host = service.hostname or name
        if host in hosts:
            yield ("services", name, "hostname"), f"hostname '{host}' is already used by '{hosts[host]}'"
        hosts[host] = name


def scaling_sane(spec: Spec) -> Iterator[Finding]:
    for name, service in spec.services.items():
        base = service.scaling
        if base.min > base.max:
            yield ("services", name, "scaling", "min"), f"min ({base.min}) is greater than max ({base.max})"
        health = service.health
        if health.timeout_seconds >= health.interval_seconds:
            yield ("services", name, "health", "timeout_seconds"), "timeout must be shorter than the interval"
        for env_name, env in spec.environments.items():
            override = env.services.get(name)
            if override and override.scaling:
                low = override.scaling.min if override.scaling.min is not None else base.min
                high = override.scaling.max if override.scaling.max is not None else base.max
                if low > high:
                    path = ("environments", env_name, "services", name, "scaling")
                    yield path, f"min ({low}) is greater than max ({high}) in {env_name}"
    for env_name, env in spec.environments.items():
        for name in env.services:
            if name not in spec.services:
                yield ("environments", env_name, "services", name), f"no service '{name}' to override"


def _clouds(spec: Spec) -> list[str]:
    return [name for name in ("aws", "gcp", "azure") if _cloud(spec, name)]


def _cloud(spec: Spec, name: str) -> bool:
    cloud = getattr(spec.clouds, name)
    return cloud is not None and cloud.enabled


def _pools(spec: Spec) -> set[str]:
    return {f"{name}.{region}" for name in ("aws", "gcp", "azure") if _cloud(spec, name)
            for region in getattr(spec.clouds, name).regions}


def dns_pools(spec: Spec) -> Iterator[Finding]:
    if spec.dns is None:
        return
    pools = _pools(spec)
    for index, ref in enumerate(spec.dns.failover_order):
        if ref not in pools:
            yield ("dns", "failover_order", index), f"no enabled pool '{ref}'{_suggest(ref, pools)}"
    for code, refs in spec.dns.geo.items():
        for index, ref in enumerate(refs):
            if ref not in pools:
                yield ("dns", "geo", code, index), f"no enabled pool '{ref}'{_suggest(ref, pools)}"
    if spec.dns.steering == "geo" and not spec.dns.geo:
        yield ("dns", "steering"), "geo steering needs a `geo` map of regions to pools"
    if len(set(spec.dns.failover_order)) != len(spec.dns.failover_order):
        yield ("dns", "failover_order"), "a pool is listed twice"


def data_placement(spec: Spec) -> Iterator[Finding]:
    database = spec.data.database
    if database is None:
        return
    path = ("data", "database")
    if database.engine == "mongodb-atlas" and database.atlas is None:
        yield path, "engine mongodb-atlas needs an `atlas` section (org_id)"
    if database.engine != "mongodb-atlas" and database.atlas is not None:
        yield (*path, "atlas"), "`atlas` applies only to engine mongodb-atlas"
    if database.engine == "cosmos-mongodb" and _clouds(spec) != ["azure"]:
        yield (*path, "engine"), ("cosmos-mongodb runs on Azure only: enable azure and no other "
                                  "cloud, or use mongodb-atlas to serve several clouds")
    if database.atlas is not None:
        yield from _atlas_regions(database.atlas.regions, (*path, "atlas", "regions"))
    export = database.backup.export_to
    if export is not None and not _cloud(spec, export):
        yield (*path, "backup", "export_to"), f"cloud '{export}' is not enabled"


def _atlas_regions(regions: list[AtlasRegion], path: tuple[str | int, ...]) -> Iterator[Finding]:
    for index, region in enumerate(regions):
        if region.region not in REGIONS[region.cloud]:
            yield (*path, index, "region"), f"'{region.region}' is not {TITLES[region.cloud]} region"
    if regions:
        electable = sum(region.electable_nodes for region in regions)
        if electable not in (3, 5, 7):
            yield path, f"electable nodes must total 3, 5 or 7 for a majority (got {electable})"
        priorities = [region.priority for region in regions]
        if len(set(priorities)) != len(priorities):
            yield path, "each region needs a distinct priority"


def atlas_regions_supported(spec: Spec) -> Iterator[Finding]:
    """Every region an Atlas node would run in must be one Atlas offers: the listed regions,
    or, when none are listed, the primary region of every enabled cloud (per environment)."""
    database = spec.data.database
    if database is None or database.engine != "mongodb-atlas" or database.atlas is None:
        return
    if database.atlas.regions:
        for index, placed in enumerate(database.atlas.regions):
            at: tuple[str | int, ...] = ("data", "database", "atlas", "regions", index, "region")
            yield from _atlas_offers(placed.cloud, placed.region, at, "")
        return
    why = "; list data.database.atlas.regions to place the nodes elsewhere"
    for name in _clouds(spec):
        cloud = getattr(spec.clouds, name)
        yield from _atlas_offers(name, cloud.regions[0], ("clouds", name, "regions", 0), why)
    for env_name, env in spec.environments.items():
        for name, override in env.clouds.items():
            if override.regions and _cloud(spec, name) and override.enabled is not False:
                where = ("environments", env_name, "clouds", name, "regions", 0)
                yield from _atlas_offers(name, override.regions[0], where, why)


def _atlas_offers(cloud: str, region: str, path: tuple[str | int, ...],
                  why: str) -> Iterator[Finding]:
    if region in REGIONS[cloud] and region not in ATLAS_REGIONS[cloud]:
        yield path, f"MongoDB Atlas does not run in the {CLOUD_TITLES[cloud]} region '{region}'{why}"


def atlas_delivery(spec: Spec) -> Iterator[Finding]:
    """Atlas credentials reach the services through Vault (DATABASE_URL is provisioned), and
    snapshots are exported to GCS (the export Terraform writes)."""
    database = spec.data.database
    if database is None or database.engine != "mongodb-atlas":
        return
    for name, service in spec.services.items():
        if "database" in service.uses and spec.secrets is None:
            yield (("services", name, "uses", "database"),
                   "the Atlas connection string is delivered through Vault: declare a "
                   "`secrets` section")
            break
    export = database.backup.export_to
    if export is not None and export != "gcp":
        yield (("data", "database", "backup", "export_to"),
               f"Atlas snapshot export supports gcp only for now (got '{export}')")


def dns_health_sane(spec: Spec) -> Iterator[Finding]:
    if spec.dns is not None and spec.dns.health.timeout_seconds >= spec.dns.health.interval_seconds:
        yield ("dns", "health", "timeout_seconds"), "timeout must be shorter than the interval"


def references_elsewhere(spec: Spec) -> Iterator[Finding]:
    for index, cloud in enumerate(spec.ci.registries or []):
        if not _cloud(spec, cloud):
            yield ("ci", "registries", index), f"cloud '{cloud}' is not enabled"
    for flag, definition in spec.flags.definitions.items():
        for env_name, percent in definition.rollout.items():
            path = ("flags", "definitions", flag, "rollout", env_name)
            if env_name not in spec.environments:
                yield path, f"no environment '{env_name}'{_suggest(env_name, set(spec.environments))}"
            if not 0 <= percent <= 100:
                yield path, f"rollout must be a percentage between 0 and 100 (got {percent})"
    state = spec.project.state_cloud
    if state is not None and not _cloud(spec, state):
        yield ("project", "state_cloud"), f"cloud '{state}' is not enabled"


CHECKS: tuple[Callable[[Spec], Iterator[Finding]], ...] = (
    clouds_enabled, regions_valid, uses_resolve, secrets_declared, env_values_safe, names_unique,
    scaling_sane, dns_pools, data_placement, references_elsewhere, atlas_regions_supported,
    atlas_delivery, dns_health_sane,
)
