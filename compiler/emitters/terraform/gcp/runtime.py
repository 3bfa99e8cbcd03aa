"""Root-stack calls for the workloads: a service identity per service (least privilege from
``uses``), then Cloud Run services with their load balancers, or GKE clusters."""

from __future__ import annotations

import math

from compiler import naming
from compiler.contract import service_env
from compiler.emitters.terraform.common import mebibytes, millicores, module_call
from compiler.emitters.terraform.gcp import cloudrun, gke, identity, ingress
from compiler.emitters.terraform.gcp.base import ref
from compiler.emitters.terraform.gcp.context import Site
from compiler.emitters.terraform.gcp.data import (
    app_secrets,
    bucket_ref,
    provisioned,
    sql_instance,
    target,
)
from compiler.emitters.terraform.gcp.foundation import (
    LABELS,
    PROJECT_ID,
    key_id,
    master_cidr,
    mod,
    registry_ref,
    subnet_plan,
)
from compiler.hcl import Attr, Block, Value
from compiler.model import Service

RESERVED_ENV = frozenset({"PORT"})  # Cloud Run sets PORT itself and refuses it in a revision
VCPU_STEPS = (1, 2, 4, 8)
MAX_GIB_PER_VCPU = 4  # Cloud Run's memory ceiling per vCPU
MAX_PROBE_PERIOD = 240  # Cloud Run's ceiling for a startup probe's period
PLACEHOLDER_IMAGE = "us-docker.pkg.dev/cloudrun/container/hello"
NODE_VCPU = 3.5  # schedulable vCPU of an e2-standard-4 node
ZONES = 3


def _secret(site: Site, secret: str) -> Value:
    return ref(f'module.secrets.ids["{secret}"]')


def grants(site: Site, service: Service) -> dict[str, Value]:
    """Roles on the exact buckets, topics, subscriptions and secrets ``service`` needs."""
    buckets: dict[str, Value] = {}
    topics: dict[str, Value] = {}
    subscriptions: dict[str, Value] = {}
    for use in service.uses_kind("storage"):
        for region in site.regions:
            buckets[f"{use.target}-{region}"] = {"bucket": bucket_ref(region, use.target),
                                                 "role": identity.storage_role(use)}
    for use in service.uses_kind("queue"):
        for kind, role in identity.queue_roles(use):
            name = ref(f'module.pubsub.{kind}s["{use.target}"]')
            (topics if kind == "topic" else subscriptions)[use.target] = {kind: name, "role": role}
    return {"bucket_roles": buckets, "topic_roles": topics, "subscription_roles": subscriptions,
            "secrets": [_secret(site, secret) for secret in service_secrets(site, service)]}


def service_secrets(site: Site, service: Service) -> list[str]:
    """Secret Manager ids ``service`` reads: its own provisioned values always, and on Cloud Run
    its spec secrets and the collector's credential (GKE reads those from Vault)."""
    own = [secret for secret, (_, _, owner, _) in provisioned(site).items()
           if owner.name == service.name]
    if site.gke:
        return sorted(own)
    names = [*service.secrets]
    if collector := site.project.observability.exporter.credentials_secret:
        names.append(collector)
    spec = {naming.gcp_secret(site.project.name, site.env.name, name) for name in names}
    return sorted(set(own) | (spec & set(app_secrets(site))))


def identity_call(site: Site, service: Service) -> Block:
    arguments: dict[str, Value] = {
        "project_id": PROJECT_ID,
        "account_id": site.service_account(service.name),
        "description": f"{service.name} in {site.env.name}",
        **grants(site, service),
        "deployers": {"deploy": ref("module.ci_deploy.member")},
    }
    if site.postgres and service.uses_kind("database"):
        arguments["sql_instance"] = f"projects/{site.project_id}/instances/{sql_instance(site)}"
    if site.gke:
        ksa = f"{site.project.namespace}/{naming.kubernetes_service_account(service.name)}"
        arguments["kubernetes_member"] = ref(
            f'"serviceAccount:${{module.{mod("gke", site.primary)}.workload_pool}}[{ksa}]"')
    return module_call(mod("identity", service.name), identity.NAME, arguments)


def cloud_run_resources(service: Service) -> tuple[str, str]:
    """(cpu, memory) for Cloud Run: whole vCPUs (always-on CPU needs at least one), enough of
    them for the memory the spec asks."""
    needed = max(math.ceil(millicores(service.cpu) / 1000),
                 math.ceil(mebibytes(service.memory) / 1024 / MAX_GIB_PER_VCPU))
    vcpu = next((step for step in VCPU_STEPS if step >= needed), VCPU_STEPS[-1])
    return str(vcpu), service.memory


def health(service: Service) -> dict[str, Value]:
    h = service.health
    period = min(h.interval, MAX_PROBE_PERIOD)
    return {"path": h.liveness, "period_seconds": period,
            "timeout_seconds": min(h.timeout, period),
            "failure_threshold": h.failure_threshold,
            # The start period becomes extra startup attempts, as in the Helm chart.
            "startup_failure_threshold": h.failure_threshold + math.ceil(h.start_period / period)}


def container_env(site: Site, service: Service, region: str) -> tuple[dict[str, Value], dict[str, Value]]:
    """(plain, from Secret Manager) variables of the contract for ``service`` in ``region``."""
    plain: dict[str, Value] = {}
    secret: dict[str, Value] = {}
    project, env = site.project, site.env
    for var in service_env(project, service, target(site, region)):
        if var.name in RESERVED_ENV:
            continue
        if var.source == "value":
            plain[var.name] = var.value
        elif var.source == "secret":
            secret[var.name] = _secret(site, naming.gcp_secret(project.name, env.name, var.name))
        else:
            secret[var.name] = _secret(site, naming.gcp_provisioned_secret(
                project.name, env.name, region, service.name, var.name))
    return plain, secret


def collector(site: Site) -> dict[str, Value]:
    exporter = site.project.observability.exporter
    names = [exporter.credentials_secret] if exporter.credentials_secret else []
    return {"image": cloudrun.COLLECTOR_IMAGE, "config": ref("local.collector_config"),
            "secret_env": {name: _secret(site, naming.gcp_secret(site.project.name,
                                                                 site.env.name, name))
                           for name in names}}


def cloud_run_call(site: Site, service: Service, region: str) -> Block:
    cpu, memory = cloud_run_resources(service)
    plain, secret = container_env(site, service, region)
    pulls = any(use.reads for use in service.uses_kind("queue"))
    return module_call(mod(f"run_{service.name}", region), cloudrun.NAME, {
        "project_id": PROJECT_ID,
        "name": naming.workload(site.project.name, site.env.name, service.name),
        "region": region,
        "service_account": ref(f"module.{mod('identity', service.name)}.email"),
        "image": ref("var.initial_image"),
        "command": list(service.command), "port": service.port, "cpu": cpu, "memory": memory,
        # A queue consumer pulls in the background: keep one instance and its CPU.
        "min_instances": max(service.scaling.min, 1 if pulls else 0),
        "max_instances": service.scaling.max,
        "cpu_always_allocated": pulls,
        "ingress": cloudrun.INGRESS[0] if service in site.public else cloudrun.INGRESS[1],
        "env": plain, "secret_env": secret, "health": health(service),
        "network_id": ref("module.network.network_id"),
        "subnet_id": ref(f'module.network.subnet_ids["{region}"]'),
        "collector": collector(site),
        "sql_connection": (ref("module.database.connection_name")
                           if site.postgres and service.uses_kind("database") else None),
        "labels": LABELS,
    })


def certificates_call(site: Site) -> Block:
    domains = {naming.fit(f"{site.name}-{s.name}", 63): site.hostname(s) for s in site.public}
    return module_call("certificates", ingress.CERTIFICATES, {
        "project_id": PROJECT_ID, "name": naming.fit(site.name, 63),
        "domains": domains, "labels": LABELS})


def ingress_call(site: Site, region: str) -> Block:
    backends: dict[str, Value] = {s.name: {"service": ref(f"module.{mod(f'run_{s.name}', region)}.name"),
                         "hostnames": [site.hostname(s)]} for s in site.public}
    return module_call(mod("ingress", region), ingress.INGRESS, {
        "project_id": PROJECT_ID, "name": naming.fit(f"{site.name}-{region}", 50),
        "region": region, "backends": backends,
        "certificate_map_id": ref("module.certificates.certificate_map_id"),
        "labels": LABELS,
    })


def node_identity_call(site: Site) -> Block:
    call = module_call("nodes", gke.NODES, {
        "project_id": PROJECT_ID,
        "account_id": naming.gcp_node_service_account(site.project.name, site.env.name),
        "registry": registry_ref(site),
        "deployers": {"deploy": ref("module.ci_deploy.member")},
    })
    if not site.home:
        return call
    # The repository is created in this stack; naming it by output instead would stop
    # Checkov from resolving the variables of every module downstream (seen with 3.3.30).
    return Block(call.type, call.labels, [*call.body, Attr("depends_on", [ref("module.registry")])])


def node_counts(site: Site) -> tuple[int, int]:
    """(min, max) nodes per region: one per zone at least; room for every service at max scale."""
    demand = sum(s.scaling.max * millicores(s.cpu) for s in site.services)
    return ZONES, max(2 * ZONES, math.ceil(demand / 1000 / NODE_VCPU) + ZONES)


def gke_call(site: Site, region: str) -> Block:
    low, high = node_counts(site)
    return module_call(mod("gke", region), gke.CLUSTER, {
        "project_id": PROJECT_ID,
        "name": naming.kubernetes_cluster(site.project.name, site.env.name, region),
        "region": region,
        "network_id": ref("module.network.network_id"),
        "subnet_id": ref(f'module.network.subnet_ids["{region}"]'),
        "subnet_cidr": subnet_plan(site)[region]["cidr"],
        "master_cidr": master_cidr(site, region),
        "kms_key_id": key_id(region, "kubernetes"),
        "node_service_account": ref("module.nodes.email"),
        "min_nodes": low, "max_nodes": high,
        "labels": LABELS,
    })
