"""global-cloudflare: the zone's TLS settings, a health monitor per public service, a pool per
service and cloud region (its origin is that region's ingress), a load balancer per public
hostname, DNS records other stacks ask for, and e-mail on pool health changes (MC-026 to
MC-029). Written for the v5 provider: nested attributes (``origins``, ``filters``,
``mechanisms``) are attributes, not blocks.
"""

from __future__ import annotations

from compiler import naming
from compiler.emitters.terraform.common import ModuleFiles, module_call, output, variable
from compiler.emitters.terraform.globalstack import steering
from compiler.emitters.terraform.globalstack.base import Site, data, ref, resource
from compiler.hcl import Attr, Block, Value

NAME = "global-cloudflare"
POOL = "cloudflare_load_balancer_pool.this"
MONITORS = ("map(object({ description = string, path = string, host = string, "
            "expected_codes = string, interval = number, timeout = number, retries = number }))")
POOLS = "map(object({ name = string, monitor = string, origin = string }))"
BALANCERS = ("map(object({ hostname = string, proxied = bool, steering_policy = string, "
             "default_pools = list(string), fallback_pool = string, "
             "region_pools = map(list(string)), session_affinity = string }))")
RECORDS = "map(object({ name = string, type = string, content = string }))"
# Origins serve HTTPS only; Cloudflare checks their certificate (SSL "strict").
ZONE_SETTINGS = ('{ ssl = "strict", min_tls_version = var.min_tls_version, '
                 'tls_1_3 = "on", always_use_https = "on" }')


def module() -> ModuleFiles:
    mod = ModuleFiles(NAME, ("cloudflare",))
    mod.variables += _variables()
    mod.main += [*_zone(), _monitors(), _pools(), _balancers(), _records(), _notification()]
    mod.outputs += [
        output("zone_id", ref("local.zone_id"), "Zone of the hostnames."),
        output("pool_ids", ref(f"{{ for key, pool in {POOL} : key => pool.id }}"),
               "Pool id by pool key (<service>.<cloud>.<region>)."),
        output("hostnames", ref("{ for key, lb in cloudflare_load_balancer.this : key => lb.name }"),
               "Load-balanced hostname by service."),
    ]
    return mod


def _variables() -> list[Block]:
    return [
        variable("account_id", "string", "Cloudflare account owning monitors, pools and alerts.",
                 validation=('can(regex("^[0-9a-f]{32}$", var.account_id))',
                             "account_id must be 32 hexadecimal digits.")),
        variable("zone", "string", "Zone name, looked up unless zone_id is given."),
        variable("zone_id", "string", "Zone id; empty to look the zone up by name.", default=""),
        variable("manage_zone_settings", "bool",
                 "Whether this stack owns the zone-wide TLS settings (one environment does)."),
        variable("min_tls_version", "string", "Oldest TLS version visitors may use.",
                 validation=('contains(["1.2", "1.3"], var.min_tls_version)',
                             "min_tls_version must be 1.2 or 1.3.")),
        variable("monitors", MONITORS, "HTTPS health monitor by service (its readiness path)."),
        variable("pools", POOLS, "Pool by key: its name, monitor (service) and origin address."),
        variable("load_balancers", BALANCERS, "Load balancer by service; pools named by key."),
        variable("records", RECORDS, "Extra DNS-only records (certificate validation) by key.",
                 default={}),
        variable("notification_name", "string", "Name of the pool-health notification policy."),
        variable("notification_email", "string", "Who hears about pool health changes; "
                 "empty for nobody.", default=""),
    ]


def _zone() -> list[Block]:
    return [
        data("cloudflare_zone", "this", [
            Attr("count", ref('var.zone_id == "" ? 1 : 0')),
            Attr("filter", {"name": ref("var.zone"), "account": {"id": ref("var.account_id")}}),
        ]),
        Block("locals", body=[Attr("zone_id", ref(
            'var.zone_id != "" ? var.zone_id : data.cloudflare_zone.this[0].zone_id'))]),
        resource("cloudflare_zone_setting", "this", [
            Attr("for_each", ref(
                f"{{ for id, value in {ZONE_SETTINGS} : id => value if var.manage_zone_settings }}")),
            Attr("zone_id", ref("local.zone_id")),
            Attr("setting_id", ref("each.key")),
            Attr("value", ref("each.value")),
        ]),
    ]


def _monitors() -> Block:
    return resource("cloudflare_load_balancer_monitor", "this", [
        Attr("for_each", ref("var.monitors")),
        Attr("account_id", ref("var.account_id")),
        Attr("description", ref("each.value.description")),
        Attr("type", "https"),
        Attr("method", "GET"),
        Attr("port", 443),
        Attr("path", ref("each.value.path")),
        Attr("expected_codes", ref("each.value.expected_codes")),
        Attr("interval", ref("each.value.interval")),
        Attr("timeout", ref("each.value.timeout")),
        Attr("retries", ref("each.value.retries")),
        # The ingress routes by host name, and the certificate is checked against it.
        Attr("header", {"Host": [ref("each.value.host")]}),
        Attr("follow_redirects", False),
        Attr("allow_insecure", False),
    ])


def _pools() -> Block:
    return resource("cloudflare_load_balancer_pool", "this", [
        Attr("for_each", ref("var.pools")),
        Attr("account_id", ref("var.account_id")),
        Attr("name", ref("each.value.name")),
        Attr("monitor", ref("cloudflare_load_balancer_monitor.this[each.value.monitor].id")),
        Attr("minimum_origins", 1),
        Attr("origins", [{"name": ref("each.value.name"), "address": ref("each.value.origin"),
                          "enabled": True}]),
    ])


def _balancers() -> Block:
    pool_ids = f"[for key in each.value.default_pools : {POOL}[key].id]"
    regions = ("{ for code, keys in each.value.region_pools : "
               f"code => [for key in keys : {POOL}[key].id] }}")
    affine = 'each.value.session_affinity == "none"'
    return resource("cloudflare_load_balancer", "this", [
        Attr("for_each", ref("var.load_balancers")),
        Attr("zone_id", ref("local.zone_id")),
        Attr("name", ref("each.value.hostname")),
        Attr("proxied", ref("each.value.proxied")),
        Attr("ttl", ref("each.value.proxied ? null : 30")),
        Attr("steering_policy", ref("each.value.steering_policy")),
        Attr("default_pools", ref(pool_ids)),
        Attr("fallback_pool", ref(f"{POOL}[each.value.fallback_pool].id")),
        Attr("region_pools", ref(regions)),
        Attr("session_affinity", ref("each.value.session_affinity")),
        Attr("session_affinity_ttl", ref(f"{affine} ? null : {steering.AFFINITY_TTL_SECONDS}")),
        Attr("session_affinity_attributes", ref(
            f'{affine} ? null : {{ samesite = "Lax", secure = "Always", '
            'zero_downtime_failover = "temporary" }')),
    ])


def _records() -> Block:
    return resource("cloudflare_dns_record", "this", [
        Attr("for_each", ref("var.records")),
        Attr("zone_id", ref("local.zone_id")),
        Attr("name", ref("each.value.name")),
        Attr("type", ref("each.value.type")),
        Attr("content", ref("each.value.content")),
        # Validation records must resolve to the certificate authority, not to Cloudflare.
        Attr("proxied", False),
        Attr("ttl", 300),
        Attr("comment", "Certificate validation, managed by mccompile"),
    ])


def _notification() -> Block:
    return resource("cloudflare_notification_policy", "pool_health", [
        Attr("count", ref('var.notification_email == "" ? 0 : 1')),
        Attr("account_id", ref("var.account_id")),
        Attr("name", ref("var.notification_name")),
        Attr("description", "A load-balancer pool became unhealthy or healthy again."),
        Attr("alert_type", "load_balancing_health_alert"),
        Attr("enabled", True),
        Attr("filters", {"pool_id": ref(f"[for pool in {POOL} : pool.id]"),
                         "event_source": ["pool"], "new_health": ["Healthy", "Unhealthy"]}),
        Attr("mechanisms", {"email": [{"id": ref("var.notification_email")}]}),
    ])


def call(site: Site, records: Value) -> Block:
    """The root stack's call: every public service of the environment."""
    dns = site.project.dns
    assert dns is not None
    health = dns.health
    monitors: dict[str, Value] = {s.name: {
        "description": naming.cloudflare_monitor(site.project.name, site.env.name, s.name),
        "path": s.health.readiness,
        "host": site.hostname(s), "expected_codes": health.expected_codes,
        "interval": health.interval_seconds, "timeout": health.timeout_seconds,
        "retries": health.retries} for s in site.public}
    pools: dict[str, Value] = {
        pool.key: {"name": pool.name, "monitor": pool.service.name, "origin": pool.origin}
        for s in site.public for pool in steering.pools(site, s)}
    return module_call("cloudflare", NAME, {
        "account_id": dns.account_id,
        "zone": dns.zone,
        "zone_id": ref("var.cloudflare_zone_id"),
        "manage_zone_settings": site.first,
        "min_tls_version": dns.min_tls_version,
        "monitors": monitors,
        "pools": pools,
        "load_balancers": {s.name: steering.load_balancer(site, s) for s in site.public},
        "records": records,
        "notification_name": f"{site.prefix} pool health",
        "notification_email": dns.notification_email or "",
    })
