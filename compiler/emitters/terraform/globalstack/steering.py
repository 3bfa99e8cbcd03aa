"""Global load balancing derived from the IR: one pool per public service and cloud region, and
how Cloudflare steers between them (MC-027, MC-028, MC-029).

A pool reference in the spec is ``<cloud>.<region>``. Environments may run fewer regions than
the spec declares (staging often runs one): references to regions an environment does not run
are dropped for it, and every region it does run still gets a pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler import naming
from compiler.emitters.terraform.common import origin_output
from compiler.emitters.terraform.globalstack.base import Site, remote_output
from compiler.hcl import Expr, Value
from compiler.model import Service

# Cloudflare's names for the policies: `off` walks default_pools in order (failover).
STEERING_POLICIES = {"failover": "off", "geo": "geo", "dynamic_latency": "dynamic_latency"}
AFFINITY_TTL_SECONDS = 3600


@dataclass(frozen=True)
class Pool:
    service: Service
    cloud: str
    region: str
    name: str

    @property
    def ref(self) -> str:
        """The spec's name for the place the pool serves: ``<cloud>.<region>``."""
        return f"{self.cloud}.{self.region}"

    @property
    def key(self) -> str:
        """Key of the pool in the module's ``pools`` map."""
        return f"{self.service.name}.{self.ref}"

    @property
    def origin(self) -> Expr:
        """The region's ingress, read from the cloud stack's outputs."""
        return remote_output(self.cloud, origin_output(self.cloud), self.region)


def places(site: Site) -> list[str]:
    """Every ``<cloud>.<region>`` the environment runs, clouds and regions in declared order."""
    return [f"{cloud.name}.{region}" for cloud in site.env.clouds for region in cloud.regions]


def pools(site: Site, service: Service) -> list[Pool]:
    """The service's pools, one per cloud region of the environment, in declared order."""
    project, env = site.project, site.env
    return [Pool(service, cloud.name, region,
                 naming.cloudflare_pool(project.name, env.name, service.name, cloud.name, region))
            for cloud in env.clouds for region in cloud.regions]


def failover_order(site: Site) -> list[str]:
    """Places in failover order: the spec's ``dns.failover_order`` (those this environment
    runs), then every other place in declared order, so that no pool is left out."""
    assert site.project.dns is not None
    here = places(site)
    ordered = [ref for ref in site.project.dns.failover_order if ref in here]
    return ordered + [ref for ref in here if ref not in ordered]


def region_pools(site: Site) -> dict[str, list[str]]:
    """Geo steering: Cloudflare region code -> places, for the places this environment runs.
    A code left with none falls back to the default pools, so it is omitted."""
    dns = site.project.dns
    assert dns is not None
    here = set(places(site))
    mapped = {code: [ref for ref in refs if ref in here] for code, refs in sorted(dns.geo.items())}
    return {code: refs for code, refs in mapped.items() if refs}


def load_balancer(site: Site, service: Service) -> dict[str, Value]:
    """Arguments of one hostname's load balancer, pools named by their key."""
    dns = site.project.dns
    assert dns is not None
    order = [f"{service.name}.{ref}" for ref in failover_order(site)]
    geo = region_pools(site) if dns.steering == "geo" else {}
    return {
        "hostname": site.hostname(service),
        "proxied": dns.proxied,
        "steering_policy": STEERING_POLICIES[dns.steering],
        "default_pools": order,
        # The last pool in failover order takes the traffic when every pool is unhealthy.
        "fallback_pool": order[-1],
        "region_pools": {code: [f"{service.name}.{ref}" for ref in refs]
                         for code, refs in geo.items()},
        "session_affinity": dns.session_affinity,
    }
