"""generated/ARCHITECTURE.md: a Mermaid picture of what runs where, and how traffic flows."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.emitters.base import GENERATED_HEADER, Artifact
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
        placement=_placement(project),
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


def _placement(project: Project) -> list[tuple[str, str, str]]:
    rows = []
    database = project.data.database
    if database is not None:
        scope = "global, one cluster across clouds" if database.engine == "mongodb-atlas" else \
            "per cloud, primary in the first region"
        rows.append(("database", scope, "writes go to the primary; reads prefer the nearest node"))
    if project.data.cache is not None:
        rows.append(("cache", "per cloud and region", "not replicated; rebuilt from the database"))
    for bucket in project.data.buckets:
        how = "replicated to every enabled cloud" if bucket.replicate else "per cloud"
        rows.append((f"bucket {bucket.name}", how, "eventually consistent across clouds"))
    for queue in project.data.queues:
        rows.append((f"queue {queue.name}", "per cloud and region", "consumed where produced"))
    return rows
