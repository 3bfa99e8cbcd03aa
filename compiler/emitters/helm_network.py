"""Who may talk to whom: egress allowances derived from `uses`, callers derived from `public`.

The chart's NetworkPolicies and Istio AuthorizationPolicies render these values; nothing else
opens a path, so a dependency the spec does not name is unreachable from the pod.
"""

from __future__ import annotations

from typing import Any

from compiler.model import Project, Service, Use

ANYWHERE = "0.0.0.0/0"
# Cloud metadata endpoints hand out node credentials: pods never reach them, except where the
# platform's workload identity is served from there (GKE, see identity_egress).
METADATA_CIDRS = ("169.254.169.254/32",)

# TLS ports of each managed Redis: ElastiCache serves TLS on the default port, Memorystore's
# in-transit encryption uses 6378, Azure Cache for Redis 6380.
_CACHE_PORTS = {"aws": 6379, "gcp": 6378, "azure": 6380}
_DATABASE_PORTS = {"mongodb-atlas": 27017, "cosmos-mongodb": 10255, "postgres": 5432}
# Cloud storage and queue APIs are HTTPS; Service Bus SDKs default to AMQP over TLS (5671).
_QUEUE_PORTS = {"azure": (443, 5671)}

def _tcp(port: int) -> dict[str, Any]:
    return {"port": port, "protocol": "TCP"}


def rule_name(use: Use) -> str:
    """The egress rule of one `uses` entry: `database`, `cache`, `storage-<bucket>`, ..."""
    return f"{use.kind}-{use.target}" if use.target else use.kind


def dependency_egress(project: Project, service: Service, cloud: str | None) -> dict[str, Any]:
    """One egress allowance per `uses` entry, with the ports the managed service listens on.

    ``cloud`` is None for the cloud-neutral defaults in values.yaml.
    """
    return {
        rule_name(use): {"ports": [_tcp(port) for port in _ports(project, use, cloud)],
                         "cidrs": [ANYWHERE]}
        for use in service.uses
    }


def _ports(project: Project, use: Use, cloud: str | None) -> tuple[int, ...]:
    if use.kind == "cache":
        return (_CACHE_PORTS.get(cloud or "", 6379),)
    if use.kind == "database":
        database = project.data.database
        assert database is not None  # checks.uses_resolve guarantees it
        return (_DATABASE_PORTS[database.engine],)
    if use.kind == "queue":
        return _QUEUE_PORTS.get(cloud or "", (443,))
    return (443,)


def identity_egress(runtime: str) -> list[dict[str, Any]]:
    """Egress the platform's workload identity needs from the pod itself.

    GKE serves Workload Identity tokens from the metadata address (port 80; Dataplane V2 also
    uses 169.254.169.252:988). IRSA and Azure workload identity exchange a projected token with
    the cloud's STS over HTTPS, which the dependency rules already allow.
    """
    if runtime != "gke":
        return []
    return [{"cidrs": ["169.254.169.254/32"], "ports": [_tcp(80)]},
            {"cidrs": ["169.254.169.252/32"], "ports": [_tcp(988)]}]


def vault_port(address: str) -> int:
    """Port of the Vault address (https, so 443 unless the URL names one)."""
    authority = address.removeprefix("https://").split("/", 1)[0]
    _, _, port = authority.partition(":")
    return int(port) if port else 443
