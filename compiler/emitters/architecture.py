"""generated/ARCHITECTURE.md: a Mermaid picture of what runs where, and how traffic flows."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.emitters.base import GENERATED_HEADER, Artifact
from compiler.emitters.terraform.common import atlas_placements
from compiler.model import Environment, Project
from compiler.render import render_template

CLOUD_TITLES = {"aws": "AWS", "gcp": "Google Cloud", "azure": "Azure"}
RUNTIME_TITLES = {"eks": "EKS", "ecs": "ECS Fargate", "gke": "GKE", "cloud-run": "Cloud Run",
                  "aks": "AKS"}
CACHE_TITLES = {"aws": "ElastiCache Redis", "gcp": "Memorystore Redis", "azure": "Azure Cache for Redis"}
BUCKET_TITLES = {"aws": "S3", "gcp": "GCS", "azure": "Blob Storage"}
QUEUE_TITLES = {"aws": "SQS", "gcp": "Pub/Sub", "azure": "Service Bus"}


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    shape: str  # "box" | "db"


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    nodes: tuple[Node, ...]


def emit(project: Project) -> list[Artifact]:
    env = project.environments[-1]  # the last in promotion order: production
    content = render_template(
        "architecture/ARCHITECTURE.md.j2",
        header=GENERATED_HEADER.format(spec=project.spec_file),
        project=project,
        shown=env,
        clouds=[(cloud, CLOUD_TITLES[cloud.name], RUNTIME_TITLES[cloud.runtime],
                 _regions(project, env, cloud.name)) for cloud in env.clouds],
        edges=_edges(project, env),
        public=[(s, env.fqdn(s, project.dns.zone) if project.dns else "") for s in env.services if s.public],
        placement=_placement(project, env),
    )
    return [Artifact("ARCHITECTURE.md", content)]


def _id(*parts: str) -> str:
    return "_".join(part.replace("-", "_").replace(".", "_") for part in parts)


def _regions(project: Project, env: Environment, cloud: str) -> list[Region]:
    regions = []
    for region in env.cloud(cloud).regions:  # type: ignore[union-attr]
        nodes = [Node(_id(cloud, region, s.name), s.name, "box") for s in env.services]
        if project.data.cache:
            nodes.append(Node(_id(cloud, region, "cache"), CACHE_TITLES[cloud], "db"))
        nodes += [Node(_id(cloud, region, "bucket", b.name), f"{BUCKET_TITLES[cloud]}: {b.name}", "db")
                  for b in project.data.buckets]
        nodes += [Node(_id(cloud, region, "queue", q.name), f"{QUEUE_TITLES[cloud]}: {q.name}", "db")
                  for q in project.data.queues]
        regions.append(Region(_id(cloud, region), region, tuple(nodes)))
    return regions


def _edges(project: Project, env: Environment) -> list[tuple[str, str, str]]:
    edges = []
    for cloud in env.clouds:
        for region in cloud.regions:
            for service in env.services:
                source = _id(cloud.name, region, service.name)
                if service.public and project.dns:
                    edges.append(("lb", source, "HTTPS"))
                for use in service.uses:
                    target = {
                        "database": "database",
                        "cache": _id(cloud.name, region, "cache"),
                        "storage": _id(cloud.name, region, "bucket", use.target),
                        "queue": _id(cloud.name, region, "queue", use.target),
                    }[use.kind]
                    edges.append((source, target, use.access))
    return edges


@dataclass(frozen=True)
class Placement:
    """One row of the data placement table (MC-035)."""

    data: str
    where: str
    writes: str
    reads: str
    failover: str


def _placement(project: Project, env: Environment) -> list[Placement]:
    rows = []
    database = project.data.database
    if database is not None:
        rows.append(_database(project, env, database.engine))
    if project.data.cache is not None:
        rows.append(Placement(
            "cache", "per cloud and region, not replicated", "the region's own cache",
            "the region's own cache",
            "a region's cache goes with the region; the others start cold for its traffic and "
            "refill from the database"))
    for bucket in project.data.buckets:
        where = "a copy in every enabled cloud" if bucket.replicate else "per cloud and region"
        lag = ("replication is asynchronous: the newest objects may be missing from the other "
               "copies" if bucket.replicate else "its objects are unavailable until it returns")
        rows.append(Placement(f"bucket {bucket.name}", where, "the region's own bucket",
                              "the region's own bucket", f"another region serves; {lag}"))
    for queue in project.data.queues:
        rows.append(Placement(
            f"queue {queue.name}", "per cloud and region, not replicated",
            "the producer's region", "consumers in the same region",
            "messages queued in a lost region wait there until it returns; new work flows "
            "to the regions that now receive the traffic"))
    if project.secrets is not None:
        rows.append(Placement(
            "secrets", "Vault, outside the clouds; one KV mount per environment",
            "operators, and the global stack for provisioned values",
            "each service its own paths only, once at start",
            "running workloads keep the secrets they read; new pods need Vault"))
    return rows


def _database(project: Project, env: Environment, engine: str) -> Placement:
    if engine == "mongodb-atlas":
        return _atlas(project, env)
    if engine == "cosmos-mongodb":
        return Placement(
            "database", "Azure Cosmos DB for MongoDB, replicated to every Azure region",
            "the first Azure region", "the nearest Azure region",
            "Cosmos DB moves writes to the next region in the list")
    return Placement(
        "database", "one PostgreSQL server per cloud, not replicated across clouds",
        "the primary in the cloud's first region",
        "the primary, or a read replica in the reader's region where the cloud's stack has one",
        "a zone's loss: the standby takes over; the primary region's loss: a replica is promoted "
        "by hand; a cloud's loss: its data is unavailable while the other clouds serve from "
        "their own")


def _atlas(project: Project, env: Environment) -> Placement:
    placements = atlas_placements(project, env)
    nodes = ", ".join(f"{CLOUD_TITLES[p.cloud]} {p.region} ({p.electable_nodes} electable, "
                      f"priority {p.priority})" for p in placements)
    primary, *rest = placements
    total = sum(p.electable_nodes for p in placements)
    where = f"{CLOUD_TITLES[primary.cloud]} {primary.region}"
    if rest and total - primary.electable_nodes > total // 2:
        after = rest[0]
        failover = (f"if {where} fails, the nodes left still form a majority and elect a "
                    f"primary in {CLOUD_TITLES[after.cloud]} {after.region} (next priority) "
                    "within seconds; acknowledged writes are never lost, drivers retry")
    else:
        failover = (f"if {where} fails, no majority is left: writes stop until it returns, "
                    "reads continue from the remaining nodes")
    return Placement(
        "database", f"one MongoDB Atlas cluster across clouds: {nodes}",
        f"the primary, in {where}, acknowledged by a majority of nodes",
        "services that write: the primary (they read their own writes); read-only services: "
        "the nearest node, their own region first, then their own cloud",
        failover)
