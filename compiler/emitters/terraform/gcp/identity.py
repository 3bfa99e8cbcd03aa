"""gcp-service-identity: a service's own service account, with exactly the roles its ``uses``
need, each on the one bucket, topic, subscription or secret concerned (no project-wide role);
on GKE, its Kubernetes ServiceAccount may impersonate it (Workload Identity), and the CI deploy
identity may act as it to roll out Cloud Run revisions.

Roles (derived in ``roles``): storage read -> objectViewer, write -> objectCreator, read-write
-> objectUser; queue read -> subscriber on the subscription, write -> publisher on the topic;
every secret and provisioned variable -> secretAccessor on its own secret; the database ->
Cloud SQL client and instance user, on the environment's instance only (an IAM condition: these
roles exist only at project level).
"""

from __future__ import annotations

from compiler.emitters.terraform.common import ModuleFiles, variable
from compiler.emitters.terraform.gcp.base import (
    PROJECT,
    add_output,
    block,
    for_each,
    module,
    name_variable,
    ref,
    resource,
)
from compiler.hcl import Attr, Block
from compiler.model import Use

NAME = "gcp-service-identity"
MEMBER = Attr("member", ref("google_service_account.this.member"))
STORAGE_ROLES = {"read": "roles/storage.objectViewer", "write": "roles/storage.objectCreator",
                 "read-write": "roles/storage.objectUser"}
PUBLISHER = "roles/pubsub.publisher"
SUBSCRIBER = "roles/pubsub.subscriber"
SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"
SQL_ROLES = ("roles/cloudsql.client", "roles/cloudsql.instanceUser")


def storage_role(use: Use) -> str:
    return STORAGE_ROLES[use.access]


def queue_roles(use: Use) -> list[tuple[str, str]]:
    """(kind, role) pairs: ``topic`` or ``subscription`` and the role on it."""
    roles = []
    if use.writes:
        roles.append(("topic", PUBLISHER))
    if use.reads:
        roles.append(("subscription", SUBSCRIBER))
    return roles


def build() -> ModuleFiles:
    mod = module(NAME)
    mod.variables += [
        name_variable("Service account id (6-30 characters).", limit=30, name="account_id"),
        variable("description", "string", "What the account runs."),
        variable("bucket_roles", "map(object({ bucket = string, role = string }))",
                 "Roles on single buckets, by grant key.", default={}),
        variable("topic_roles", "map(object({ topic = string, role = string }))",
                 "Roles on single Pub/Sub topics, by grant key.", default={}),
        variable("subscription_roles", "map(object({ subscription = string, role = string }))",
                 "Roles on single Pub/Sub subscriptions, by grant key.", default={}),
        variable("secrets", "list(string)", "Secret Manager secrets it reads.", default=[]),
        variable("kubernetes_member", "string", "Workload Identity member "
                 "(serviceAccount:<pool>[<namespace>/<name>]) allowed to impersonate it; null "
                 "off Kubernetes.", default=ref("null")),
        variable("sql_instance", "string", "Cloud SQL instance (resource name "
                 "projects/<project>/instances/<name>) it logs in to; null without a database.",
                 default=ref("null")),
        variable("deployers", "map(string)", "IAM members allowed to deploy workloads running "
                 "as it (actAs), by label.", default={}),
    ]
    mod.main += [
        resource("google_service_account", "this", [
            PROJECT, Attr("account_id", ref("var.account_id")),
            Attr("display_name", ref("var.account_id")),
            Attr("description", ref("var.description")),
        ]),
        *_resource_grants(),
        _sql_grants(),
        *_impersonation(),
    ]
    add_output(mod, "email", "google_service_account.this.email", "Service account email.")
    add_output(mod, "member", "google_service_account.this.member", "IAM member string.")
    return mod


def _resource_grants() -> list[Block]:
    return [
        resource("google_storage_bucket_iam_member", "this", [
            for_each("var.bucket_roles"), Attr("bucket", ref("each.value.bucket")),
            Attr("role", ref("each.value.role")), MEMBER,
        ]),
        resource("google_pubsub_topic_iam_member", "this", [
            PROJECT, for_each("var.topic_roles"), Attr("topic", ref("each.value.topic")),
            Attr("role", ref("each.value.role")), MEMBER,
        ]),
        resource("google_pubsub_subscription_iam_member", "this", [
            PROJECT, for_each("var.subscription_roles"),
            Attr("subscription", ref("each.value.subscription")),
            Attr("role", ref("each.value.role")), MEMBER,
        ]),
        resource("google_secret_manager_secret_iam_member", "this", [
            PROJECT, for_each("toset(var.secrets)"), Attr("secret_id", ref("each.key")),
            Attr("role", SECRET_ACCESSOR), MEMBER,
        ]),
    ]


def _sql_grants() -> Block:
    roles = "[" + ", ".join(f'"{role}"' for role in SQL_ROLES) + "]"
    return resource("google_project_iam_member", "sql", [
        PROJECT, for_each(f"var.sql_instance == null ? toset([]) : toset({roles})"),
        Attr("role", ref("each.key")), MEMBER,
        block("condition", Attr("title", "this environment's instance"),
              Attr("expression", ref('"resource.name == \'${var.sql_instance}\'"'))),
    ])


def _impersonation() -> list[Block]:
    account = Attr("service_account_id", ref("google_service_account.this.name"))
    return [
        resource("google_service_account_iam_member", "workload_identity", [
            Attr("count", ref("var.kubernetes_member == null ? 0 : 1")), account,
            Attr("role", "roles/iam.workloadIdentityUser"),
            Attr("member", ref("var.kubernetes_member")),
        ]),
        resource("google_service_account_iam_member", "deployer", [
            for_each("var.deployers"), account,
            Attr("role", "roles/iam.serviceAccountUser"), Attr("member", ref("each.value")),
        ]),
    ]
