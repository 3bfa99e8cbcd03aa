"""terraform-gcp: the GCP root stack of every environment that enables GCP, and the reusable
``gcp-*`` modules those stacks call (each written once, whatever the number of environments).

Split by concern: ``foundation`` (APIs, KMS, network, registry, CI identities), ``data``
(buckets, replication, Pub/Sub, Memorystore, Cloud SQL, Secret Manager), ``runtime`` (service
identities, Cloud Run and its load balancers, or GKE); each module's HCL lives beside its
concern (``network``, ``storage``, ``cloudrun``, ``gke``, ...). ``stack`` assembles a root.
"""

from __future__ import annotations

from compiler.artifact import Artifact
from compiler.emitters.terraform.common import ModuleFiles
from compiler.emitters.terraform.gcp import (
    cache,
    ci,
    cloudrun,
    database,
    gke,
    identity,
    ingress,
    kms,
    messaging,
    network,
    project,
    registry,
    replication,
    secrets,
    stack,
    storage,
)
from compiler.emitters.terraform.gcp.context import Site, sites
from compiler.emitters.terraform.gcp.data import postgres_version
from compiler.emitters.terraform.gcp.foundation import oidc_condition
from compiler.model import Project


def emit(project_: Project) -> list[Artifact]:
    found = sites(project_)
    artifacts = [a for site in found for a in stack.build(site).artifacts(project_)]
    modules: dict[str, ModuleFiles] = {}
    for site in found:
        for module in _modules(site):
            modules.setdefault(module.name, module)
    for name in sorted(modules):
        artifacts += modules[name].artifacts(project_)
    return artifacts


def _modules(site: Site) -> list[ModuleFiles]:
    data = site.project.data
    found = [project.build(), kms.build(), network.build(), ci.identity(), identity.build(),
             secrets.build()]
    found += [registry.build(), ci.oidc(oidc_condition(site))] if site.home else []
    found += [storage.build(), replication.build()] if data.buckets else []
    found += [messaging.build()] if data.queues else []
    found += [cache.build()] if data.cache else []
    found += [database.build(postgres_version(site))] if site.postgres else []
    if site.gke:
        found += [gke.cluster(), gke.node_identity()]
    else:
        found.append(cloudrun.build())
        found += [ingress.certificates(), ingress.https_ingress()] if site.public else []
    return found
