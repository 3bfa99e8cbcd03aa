"""The root stack ``terraform/<environment>/gcp/``: providers, variables, the module calls of
every component the spec uses, and the outputs other stacks read (origins for the global load
balancer, identities for CI and Vault, registry, clusters, egress addresses)."""

from __future__ import annotations

from compiler.emitters.terraform import common
from compiler.emitters.terraform.common import TfFiles, output, root_stack, variable
from compiler.emitters.terraform.gcp import data, foundation, runtime
from compiler.emitters.terraform.gcp.base import data as data_source
from compiler.emitters.terraform.gcp.base import ref
from compiler.emitters.terraform.gcp.context import Site
from compiler.emitters.terraform.gcp.foundation import mod
from compiler.hcl import Attr, Block, Value

COLLECTOR_CONFIG = "observability/otel-collector.yaml"  # written by the observability target


def build(site: Site) -> TfFiles:
    files = root_stack(site.project, site.env, "gcp", site.cloud, ["google"], _providers(site))
    files.add("variables.tf", *_variables(site))
    files.add("main.tf", *_data_sources(site), *calls(site))
    files.add("outputs.tf", *_outputs(site))
    return files


def _providers(site: Site) -> list[Block]:
    return [Block("provider", ("google",), [
        Attr("project", ref("var.project_id")), Attr("region", site.primary),
        # Labels reach every labelled resource, including ones a module does not label itself.
        Attr("default_labels", ref("var.labels")),
    ])]


def _variables(site: Site) -> list[Block]:
    blocks = [
        variable("project_id", "string", "GCP project of this environment.",
                 default=site.project_id),
        variable("labels", "map(string)", "Labels on every resource.", default=site.labels),
    ]
    if not site.gke:
        blocks.append(variable(
            "initial_image", "string", "Image of each service's first revision, before the "
            "deploy workflow rolls out the application.", default=runtime.PLACEHOLDER_IMAGE))
    return blocks


def _data_sources(site: Site) -> list[Block]:
    blocks = [data_source("google_project", "this", [Attr("project_id", ref("var.project_id"))])]
    if site.project.data.buckets:
        blocks.append(data_source("google_storage_project_service_account", "this",
                                  [Attr("project", ref("var.project_id"))]))
    if not site.gke:
        path = f"${{path.root}}/../../../{COLLECTOR_CONFIG}"
        blocks.append(Block("locals", body=[Attr("collector_config", ref(f'file("{path}")'))]))
    return blocks


def calls(site: Site) -> list[Block]:
    blocks = [foundation.project_call(site),
              *(foundation.kms_call(site, region) for region in site.regions),
              foundation.network_call(site)]
    if site.home:
        blocks += [foundation.registry_call(site), *foundation.github_calls(site)]
    blocks.append(foundation.deploy_call(site))
    blocks += _data_calls(site)
    blocks += [runtime.identity_call(site, service) for service in site.services]
    blocks += _gke_calls(site) if site.gke else _cloud_run_calls(site)
    return blocks


def _data_calls(site: Site) -> list[Block]:
    project_data = site.project.data
    blocks: list[Block] = []
    if project_data.buckets:
        blocks += data.storage_calls(site)
        replication = data.replication_call(site)
        blocks += [replication] if replication is not None else []
    if project_data.queues:
        blocks.append(data.pubsub_call(site))
    if project_data.cache:
        blocks += data.cache_calls(site)
    if site.postgres:
        blocks.append(data.database_call(site))
    blocks.append(data.secrets_call(site))
    return blocks


def _cloud_run_calls(site: Site) -> list[Block]:
    blocks = [runtime.cloud_run_call(site, service, region)
              for service in site.services for region in site.regions]
    if site.public:
        blocks.append(runtime.certificates_call(site))
        blocks += [runtime.ingress_call(site, region) for region in site.regions]
    return blocks


def _gke_calls(site: Site) -> list[Block]:
    return [runtime.node_identity_call(site),
            *(runtime.gke_call(site, region) for region in site.regions)]


def _by_region(site: Site, component: str, attribute: str) -> Value:
    return {region: ref(f"module.{mod(component, region)}.{attribute}") for region in site.regions}


def _outputs(site: Site) -> list[Block]:
    blocks = [
        output(common.origin_output("gcp"), _origins(site), "Origin address by region for the global load "
               "balancer (public hostnames are served there)."),
        output("hostnames", [site.hostname(s) for s in site.public],
               "Public hostnames this environment serves."),
        output(common.EGRESS_OUTPUT, ref("module.network.nat_ips"), "Static egress address by region "
               "(Cloud NAT), for allow-lists such as MongoDB Atlas."),
        output("service_accounts", {s.name: ref(f"module.{mod('identity', s.name)}.email")
                                    for s in site.services}, "Service account of each service."),
        output("registry_url", foundation.registry_url(site), "Artifact Registry URL."),
        output("deploy_service_account", ref("module.ci_deploy.email"),
               "Identity the GitHub environment deploys as."),
        output("to_vault", _sync(site, written=True), "Values this stack provisions: Vault path "
               "(in the environment's KV mount) -> Secret Manager secret to copy it from."),
        output("from_vault", _sync(site, written=False), "Secret Manager secret -> Vault path "
               "(in the environment's KV mount) of the value to copy into it."),
    ]
    blocks += _optional_outputs(site)
    return blocks


def _sync(site: Site, *, written: bool) -> Value:
    """The two directions between Vault and Secret Manager (see ``data.sync_plan``)."""
    pairs = data.sync_plan(site)
    if written:
        return {path: secret for secret, (path, mine) in pairs.items() if mine}
    return {secret: path for secret, (path, mine) in pairs.items() if not mine}


def _origins(site: Site) -> Value:
    if site.gke:
        return _by_region(site, "gke", "ingress_address")
    if site.public:
        return _by_region(site, "ingress", "address")
    return {}


def _optional_outputs(site: Site) -> list[Block]:
    blocks = []
    if site.home:
        blocks.append(output("workload_identity_provider", ref("module.github_oidc.provider_name"),
                             "Workload Identity provider for google-github-actions/auth."))
    if site.gke:
        blocks += [output("clusters", _by_region(site, "gke", "name"), "GKE cluster by region."),
                   output(common.CLUSTER_ENDPOINT_OUTPUT, {
                       region: ref(f'"https://${{module.{mod("gke", region)}.private_endpoint}}"')
                       for region in site.regions},
                       # The DNS endpoint takes Google credentials only, and its certificate is
                       # not signed by the cluster CA: Vault reviews tokens at the private IP.
                       "Control-plane URL by region: the private IP endpoint, whose CA is "
                       "cluster_ca_certificates (Vault's Kubernetes auth reviews tokens there)."),
                   output(common.CLUSTER_CA_OUTPUT, _by_region(site, "gke", "ca_certificate"),
                          "PEM CA by region of the control plane's private IP endpoint."),
                   output("cluster_issuers", _by_region(site, "gke", "issuer"),
                          "Service account token issuer by region (for JWT/OIDC auth).")]
    elif site.public:
        blocks.append(output(common.ACME_RECORDS_OUTPUT, ref("module.certificates.dns_records"),
                             "Certificate Manager DNS authorisations to publish, by hostname."))
    if site.project.data.buckets and data.replication_call(site) is not None:
        blocks.append(output("transfer_service_agent",
                             ref("module.replication.transfer_service_agent"),
                             "Storage Transfer identity the source cloud must trust."))
    if site.project.data.cache:
        blocks.append(output("cache_ca_certificates", _by_region(site, "cache", "ca_certificates"),
                             "CA certificates by region that Redis clients verify the "
                             "Memorystore server with (TLS, server authentication)."))
    if site.postgres:
        blocks.append(output("database", {
            "instance": ref("module.database.instance"),
            "connection_name": ref("module.database.connection_name"),
            "private_ip": ref("module.database.private_ip")},
            "Cloud SQL instance: workloads reach it through the Auth Proxy (connection name)."))
    return blocks
