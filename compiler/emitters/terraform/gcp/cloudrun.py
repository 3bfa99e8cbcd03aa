"""gcp-cloud-run-service: one spec service as a Cloud Run (v2) service in one region.

The app container gets the env-var contract (values as variables, secrets and provisioned
values from Secret Manager by name), startup and liveness probes on the spec's health endpoint,
its own service account, Direct VPC egress for all traffic (so it leaves through Cloud NAT's
static addresses), an OpenTelemetry collector sidecar on localhost:4317 and, with Cloud SQL, the
Cloud SQL Auth Proxy on localhost:5432 (client certificate and IAM login, see gcp-cloud-sql).

Ingress: a public service accepts only the external load balancer (whose Cloud Armor policy
and managed certificate front it); any other service accepts only internal traffic. The worker
is a service too, not a job or worker pool: it pulls its Pub/Sub subscription in a loop (the
contract hands consumers a subscription), so its CPU stays allocated and ``min`` instances keep
it pulling, while its health port still gets probes and the deploy workflow updates every
service the same way (``gcloud run services update``).
"""

from __future__ import annotations

from compiler.emitters.terraform.common import ModuleFiles, variable
from compiler.emitters.terraform.gcp.base import (
    LABELS,
    PROJECT,
    add_output,
    block,
    labels_variable,
    lifecycle,
    module,
    name_variable,
    ref,
    region_variable,
    resource,
)
from compiler.hcl import Attr, Block

NAME = "gcp-cloud-run-service"
COLLECTOR_IMAGE = "otel/opentelemetry-collector-contrib:0.127.0"  # the chart's collector release
COLLECTOR_HEALTH_PORT = 13133
PROXY_IMAGE = "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.15.2"
PROXY_HEALTH_PORT = 9090
PROXY_ARGS = ("--private-ip", "--auto-iam-authn", "--structured-logs", "--health-check",
              "--http-address=0.0.0.0", f"--http-port={PROXY_HEALTH_PORT}", "--port=5432")
SIDECARS = ('concat(var.collector == null ? [] : ["otel-collector"], '
            'var.sql_connection == null ? [] : ["cloud-sql-proxy"])')
HEALTH = ("object({ path = string, period_seconds = number, timeout_seconds = number, "
          "failure_threshold = number, startup_failure_threshold = number })")
COLLECTOR = "object({ image = string, config = string, secret_env = map(string) })"
INGRESS = ("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", "INGRESS_TRAFFIC_INTERNAL_ONLY")


def build() -> ModuleFiles:
    mod = module(NAME)
    mod.variables += _variables()
    mod.main.append(resource("google_cloud_run_v2_service", "this", [
        PROJECT, Attr("name", ref("var.name")), Attr("location", ref("var.region")),
        Attr("ingress", ref("var.ingress")),
        # Callers arrive through the load balancer without Google identities; ingress, not
        # invoker IAM, is what keeps everyone else out.
        Attr("invoker_iam_disabled", ref('var.ingress == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"')),
        Attr("deletion_protection", True),
        block("template", *_template()),
        LABELS,
        # The deploy workflow rolls out new images; Terraform owns everything else.
        lifecycle(Attr("ignore_changes", [ref("client"), ref("client_version"),
                                          ref("template[0].containers[0].image")])),
    ]))
    add_output(mod, "name", "google_cloud_run_v2_service.this.name", "Cloud Run service name.")
    return mod


def _variables() -> list[Block]:
    return [
        name_variable("Cloud Run service name.", limit=49), region_variable(),
        variable("service_account", "string", "Email of the service's own service account."),
        variable("image", "string", "Image of the first revision; the deploy workflow sets "
                 "later ones."),
        variable("command", "list(string)", "argv of the app container."),
        variable("port", "number", "Port the app listens on (Cloud Run sets PORT to it).",
                 validation=("var.port >= 1 && var.port <= 65535", "port must be 1-65535.")),
        variable("cpu", "string", "CPU limit of the app container (whole vCPUs)."),
        variable("memory", "string", "Memory limit of the app container, e.g. 1Gi."),
        variable("min_instances", "number", "Instances kept warm."),
        variable("max_instances", "number", "Upper bound of autoscaling.",
                 validation=("var.max_instances >= 1", "max_instances must be at least 1.")),
        variable("cpu_always_allocated", "bool", "Keep CPU between requests (background work)."),
        variable("ingress", "string", "Who may reach the service.",
                 validation=(f"contains({_hcl_list(INGRESS)}, var.ingress)",
                             "ingress must be internal-only or internal-load-balancer.")),
        variable("env", "map(string)", "Plain environment variables."),
        variable("secret_env", "map(string)", "Variables read from Secret Manager: name -> "
                 "secret id (latest version)."),
        variable("health", HEALTH, "Liveness endpoint and probe timing."),
        variable("network_id", "string", "VPC for Direct VPC egress."),
        variable("subnet_id", "string", "Subnet of this region for Direct VPC egress."),
        variable("collector", COLLECTOR, "OpenTelemetry collector sidecar: image, config, "
                 "credentials from Secret Manager.", default=ref("null")),
        variable("sql_connection", "string", "Cloud SQL connection name for the Auth Proxy "
                 "sidecar; null without a database.", default=ref("null")),
        labels_variable(),
    ]


def _hcl_list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def _template() -> list[Attr | Block]:
    return [
        Attr("service_account", ref("var.service_account")),
        Attr("execution_environment", "EXECUTION_ENVIRONMENT_GEN2"),
        LABELS,
        block("scaling", Attr("min_instance_count", ref("var.min_instances")),
              Attr("max_instance_count", ref("var.max_instances"))),
        block("vpc_access", Attr("egress", "ALL_TRAFFIC"), block(
            "network_interfaces", Attr("network", ref("var.network_id")),
            Attr("subnetwork", ref("var.subnet_id")))),
        _app(),
        _collector(),
        _proxy(),
    ]


def _app() -> Block:
    return block(
        "containers",
        Attr("name", "app"), Attr("image", ref("var.image")), Attr("command", ref("var.command")),
        # Sidecars answer their startup probes first: the app starts with telemetry and database.
        Attr("depends_on", ref(SIDECARS)),
        block("ports", Attr("name", "http1"), Attr("container_port", ref("var.port"))),
        block("resources", Attr("limits", {"cpu": ref("var.cpu"), "memory": ref("var.memory")}),
              Attr("cpu_idle", ref("!var.cpu_always_allocated")),
              Attr("startup_cpu_boost", True)),
        _plain_env("var.env"), _secret_env("var.secret_env"),
        _probe("startup_probe", "var.health.startup_failure_threshold"),
        _probe("liveness_probe", "var.health.failure_threshold"),
    )


def _probe(kind: str, failures: str) -> Block:
    return block(kind,
                 block("http_get", Attr("path", ref("var.health.path")),
                       Attr("port", ref("var.port"))),
                 Attr("period_seconds", ref("var.health.period_seconds")),
                 Attr("timeout_seconds", ref("var.health.timeout_seconds")),
                 Attr("failure_threshold", ref(failures)))


def _plain_env(source: str) -> Block:
    return Block("dynamic", ("env",), [
        Attr("for_each", ref(source)),
        block("content", Attr("name", ref("env.key")), Attr("value", ref("env.value"))),
    ])


def _secret_env(source: str) -> Block:
    return Block("dynamic", ("env",), [
        Attr("for_each", ref(source)),
        block("content", Attr("name", ref("env.key")), block(
            "value_source", block("secret_key_ref", Attr("secret", ref("env.value")),
                                  Attr("version", "latest")))),
    ])


def _collector() -> Block:
    config = block("env", Attr("name", "OTELCOL_CONFIG"),
                   Attr("value", ref("containers.value.config")))
    return Block("dynamic", ("containers",), [
        Attr("for_each", ref("var.collector == null ? [] : [var.collector]")),
        block("content",
              Attr("name", "otel-collector"), Attr("image", ref("containers.value.image")),
              # The config arrives in an environment variable: no volume, no extra secret.
              Attr("args", ["--config=env:OTELCOL_CONFIG"]),
              block("resources", Attr("limits", {"cpu": "1", "memory": "512Mi"})),
              config, _secret_env("containers.value.secret_env"),
              block("startup_probe", block("http_get", Attr("path", "/"),
                                           Attr("port", COLLECTOR_HEALTH_PORT)))),
    ])


def _proxy() -> Block:
    return Block("dynamic", ("containers",), [
        Attr("for_each", ref("var.sql_connection == null ? [] : [var.sql_connection]")),
        block("content",
              Attr("name", "cloud-sql-proxy"), Attr("image", PROXY_IMAGE),
              Attr("args", ref(f"concat({_hcl_list(PROXY_ARGS)}, [containers.value])")),
              block("resources", Attr("limits", {"cpu": "1", "memory": "512Mi"})),
              block("startup_probe", block("http_get", Attr("path", "/startup"),
                                           Attr("port", PROXY_HEALTH_PORT)))),
    ])
