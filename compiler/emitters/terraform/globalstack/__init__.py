"""terraform-global: the layer that spans the clouds, one root stack per environment.

``terraform/<env>/global`` holds Cloudflare DNS and global load balancing (``cloudflare``,
``steering``), the MongoDB Atlas cluster (``atlas``, ``placement``, ``export``), Vault
(``vault``) and the copies between Vault and Secret Manager (``sync``). ``stack`` assembles
the root stack, which reads the cloud stacks' outputs from their state. Each concern's module
(``terraform/modules/global-*``) is written once.
"""

from __future__ import annotations

from compiler.artifact import Artifact
from compiler.emitters.terraform.common import ModuleFiles, has_global_stack
from compiler.emitters.terraform.globalstack import atlas, cloudflare, export, stack, sync, vault
from compiler.emitters.terraform.globalstack.base import Site
from compiler.model import Project


def emit(project: Project) -> list[Artifact]:
    if not has_global_stack(project):
        return []
    sites = [Site(project, env) for env in project.environments]
    artifacts = [a for site in sites for a in stack.build(site).artifacts(project)]
    for module in modules(sites):
        artifacts += module.artifacts(project)
    return artifacts


def modules(sites: list[Site]) -> list[ModuleFiles]:
    """The modules some environment calls, each once."""
    found = []
    if any(site.public for site in sites):
        found.append(cloudflare.module())
    if any(site.atlas for site in sites):
        found.append(atlas.module())
    if any(export.applies(site) for site in sites):
        found.append(export.module())
    if any(site.vault for site in sites):
        found.append(vault.module())
    if any(sync.applies(site) for site in sites):
        found.append(sync.module())
    return found
