"""The root stack ``terraform/<environment>/global/``: Cloudflare, Atlas and Vault for one
environment, with its state in ``project.state_cloud``'s backend.

It reads what it needs from the environment's cloud stacks with ``terraform_remote_state``
(origins for the pools, egress addresses for Atlas, cluster APIs for Vault), from the backends
those stacks write to. Reading their state, rather than taking variables, keeps one source of
truth: a region added to a cloud stack reaches the pools on the next plan, with no value to
copy by hand. So the global stack is applied after the cloud stacks of its environment.
"""

from __future__ import annotations

from compiler.emitters.terraform.common import (
    ACME_RECORDS_OUTPUT,
    TfFiles,
    output,
    remote_state,
    root_stack,
    variable,
)
from compiler.emitters.terraform.globalstack import cloudflare, export, placement, sync, vault
from compiler.emitters.terraform.globalstack.base import STACK, Site, ref
from compiler.hcl import Attr, Block, Expr, Value
from compiler.model import CLOUD_ORDER, Cloud


def build(site: Site) -> TfFiles:
    project = site.project
    state = next(c for c in _declared_clouds(site) if c.name == project.state_cloud)
    files = root_stack(project, site.env, STACK, state, providers(site), _provider_blocks(site))
    files.add("variables.tf", *_variables(site))
    files.add("main.tf", *_remote_states(site), *_calls(site))
    files.add("outputs.tf", *_outputs(site))
    return files


def _declared_clouds(site: Site) -> list[Cloud]:
    """The state cloud may be disabled in this environment: take it from any environment."""
    seen: dict[str, Cloud] = {}
    for env in site.project.environments:
        for cloud in env.clouds:
            seen.setdefault(cloud.name, cloud)
    return [seen[name] for name in CLOUD_ORDER if name in seen]


def providers(site: Site) -> list[str]:
    names = []
    if site.project.dns is not None:
        names.append("cloudflare")
    if site.atlas:
        names += ["mongodbatlas", "random"]
    if site.vault:
        names.append("vault")
    if _google(site):
        names.append("google")
    return names


def _google(site: Site) -> bool:
    return export.applies(site) or sync.applies(site)


def _provider_blocks(site: Site) -> list[Block]:
    # Credentials come from the environment (CLOUDFLARE_API_TOKEN, MONGODB_ATLAS_*, VAULT_TOKEN),
    # never from a file or a variable with a default.
    blocks = [Block("provider", (name,)) for name in providers(site)
              if name in ("cloudflare", "mongodbatlas")]
    if site.vault:
        blocks.append(Block("provider", ("vault",), [Attr("address", ref("var.vault_address"))]))
    if _google(site):
        blocks.append(Block("provider", ("google",), [Attr("project", ref("var.gcp_project_id"))]))
    return blocks


def _variables(site: Site) -> list[Block]:
    project = site.project
    blocks = []
    if project.dns is not None:
        blocks.append(variable("cloudflare_zone_id", "string", "Id of the Cloudflare zone; "
                               "empty to look it up by name.", default=""))
    if project.secrets is not None:
        blocks.append(variable("vault_address", "string", "Vault server.",
                               default=project.secrets.vault.address))
    gcp = site.env.cloud("gcp")
    if _google(site) and gcp is not None:
        blocks.append(variable("gcp_project_id", "string", "GCP project of the environment "
                               "(secrets, backup export).", default=gcp.account))
    return blocks


def _needed(site: Site) -> list[str]:
    """The cloud stacks whose outputs this stack reads."""
    needed = set()
    for cloud in site.env.clouds:
        if site.public or site.atlas or (site.vault and cloud.kubernetes):
            needed.add(cloud.name)
    if sync.applies(site):
        needed.add("gcp")
    return [name for name in CLOUD_ORDER if name in needed]


def _remote_states(site: Site) -> list[Block]:
    blocks = []
    for name in _needed(site):
        cloud = site.env.cloud(name)
        assert cloud is not None
        blocks.append(remote_state(name, cloud, site.stack_key(name)))
    return blocks


def _acme_records(site: Site) -> Value:
    """DNS records the GCP stack's certificates need (Cloud Run serves its own certificates)."""
    gcp = site.env.cloud("gcp")
    if gcp is None or gcp.runtime != "cloud-run" or not site.public:
        return {}
    source = f"data.terraform_remote_state.gcp.outputs.{ACME_RECORDS_OUTPUT}"
    return Expr("{\n"
                f"  for host, record in {source} : host => {{\n"
                '    name    = trimsuffix(record.name, ".")\n'
                "    type    = record.type\n"
                '    content = trimsuffix(record.data, ".")\n'
                "  }\n"
                "}")


def _calls(site: Site) -> list[Block]:
    blocks = []
    if site.public:
        blocks.append(cloudflare.call(site, _acme_records(site)))
    paths: list[str] = []
    if site.atlas:
        bucket = Expr("module.atlas_export.bucket_id") if export.applies(site) else None
        blocks.append(placement.call(site, placement.egress_cidrs(site), bucket))
        if export.applies(site):
            blocks.append(export.call(site))
        paths = sorted(placement.connections(site))
    if site.vault:
        values: Value = Expr("module.atlas.urls") if paths else {}
        blocks.append(vault.call(site, paths, values))
        if sync.applies(site):
            blocks.append(sync.call(site, paths, values))
    return blocks


def _outputs(site: Site) -> list[Block]:
    blocks = []
    if site.public:
        blocks += [output("hostnames", ref("module.cloudflare.hostnames"),
                          "Load-balanced hostname by service."),
                   output("pool_ids", ref("module.cloudflare.pool_ids"),
                          "Cloudflare pool id by <service>.<cloud>.<region>.")]
    if site.atlas:
        blocks += [output("atlas_project_id", ref("module.atlas.project_id"), "Atlas project."),
                   output("atlas_host", ref("module.atlas.host"),
                          "Cluster SRV host; credentials are in Vault only."),
                   output("database_users", ref("module.atlas.users"), "Database user by service.")]
    if site.vault:
        blocks += [output("vault_kv_mount", ref("module.vault.kv_mount"), "KV v2 mount."),
                   output("vault_policies", ref("module.vault.policies"), "Policy names.")]
    return blocks
