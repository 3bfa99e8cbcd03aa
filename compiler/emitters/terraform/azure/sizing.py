"""Node pools sized from the services' requests, and the zones a region offers.

The workload pool's floor carries every service at its minimum replicas, its ceiling every
service at its maximum, each with headroom for the sidecars and daemons a node also runs.
"""

from __future__ import annotations

import math

from compiler.emitters.terraform.common import mebibytes, millicores
from compiler.model import Environment

VM_SIZE = "Standard_D4ds_v5"  # 4 vCPU, 16 GiB, a local disk for ephemeral OS disks
NODE_MILLICORES = 3400  # allocatable after the kubelet's and system reservations
NODE_MEBIBYTES = 12 * 1024
OVERHEAD = 1.25  # sidecars (mesh, Vault agent), DaemonSets, rollout surge
MAX_NODES = 100
ZONES = ("1", "2", "3")
# Azure regions without availability zones (their pools and caches stay zonal-less).
NO_ZONES = frozenset({"australiasoutheast", "canadaeast", "japanwest", "koreasouth",
                      "northcentralus", "southindia", "ukwest", "westcentralus", "westus"})


def zones(region: str) -> list[str]:
    return [] if region in NO_ZONES else list(ZONES)


def _nodes(env: Environment, at_max: bool) -> int:
    """Nodes that hold every service at its minimum (or maximum) replicas."""
    cpu = memory = 0
    for service in env.services:
        replicas = service.scaling.max if at_max else service.scaling.min
        cpu += replicas * millicores(service.cpu)
        memory += replicas * mebibytes(service.memory)
    return math.ceil(max(cpu / NODE_MILLICORES, memory / NODE_MEBIBYTES) * OVERHEAD)


def system_pool(env: Environment, region: str) -> dict[str, str | int]:
    # A protected environment keeps a system node in every zone.
    floor = len(zones(region)) if env.protected and zones(region) else 1
    return {"vm_size": VM_SIZE, "min_count": floor, "max_count": max(floor, 3) + 2}


def workload_pool(env: Environment, region: str) -> dict[str, str | int]:
    floor = len(zones(region)) if env.protected and zones(region) else 1
    low = min(max(floor, _nodes(env, at_max=False)), MAX_NODES)
    return {"vm_size": VM_SIZE, "min_count": low,
            "max_count": min(max(low + 1, _nodes(env, at_max=True)), MAX_NODES)}
