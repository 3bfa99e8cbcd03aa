"""GitHub Actions identities (MC-037): no keys anywhere, only OIDC federation.

gcp-github-oidc (created once, by the first environment): a Workload Identity pool and a
GitHub provider whose attribute condition admits tokens of the spec's repository only, and of
its default branch, pull requests and deployment environments only; plus the custom role that
lets the deploy identities manage service accounts without the project-wide impersonation
roles.

gcp-ci-identity (one per purpose): a service account that exactly the listed federated
principals (``principal://.../subject/repo:<owner>/<name>:...``) may impersonate, with its
project and bucket roles.
"""

from __future__ import annotations

from compiler.emitters.terraform.common import (
    GITHUB_OIDC_ISSUER,
    ModuleFiles,
    checkov_skip,
    variable,
)
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

OIDC = "gcp-github-oidc"
IDENTITY = "gcp-ci-identity"
MAPPING = {"google.subject": "assertion.sub", "attribute.repository": "assertion.repository",
           "attribute.ref": "assertion.ref"}
# Managing service accounts without roles/iam.serviceAccountAdmin, which would also let the
# holder impersonate every account of the project.
SERVICE_ACCOUNT_PERMISSIONS = (
    "iam.serviceAccounts.create", "iam.serviceAccounts.delete", "iam.serviceAccounts.get",
    "iam.serviceAccounts.getIamPolicy", "iam.serviceAccounts.list",
    "iam.serviceAccounts.setIamPolicy", "iam.serviceAccounts.update",
)


def attribute_condition(repository: str, subjects: list[str]) -> str:
    """CEL admitting only ``repository``'s tokens with one of the listed ``sub`` claims."""
    claims = " || ".join(f"assertion.sub == '{subject}'" for subject in subjects)
    return f"assertion.repository == '{repository}' && ({claims})"


def oidc(condition: str) -> ModuleFiles:
    """``condition`` is written into the module itself (not passed as a variable) so that
    reviewers and scanners see the exact trust the provider grants."""
    mod = module(OIDC)
    mod.variables += [
        name_variable("Workload Identity pool id (4-32 characters).", limit=32, name="pool_id"),
        name_variable("Provider id inside the pool.", limit=32, name="provider_id"),
        variable("deploy_role_id", "string", "Id of the custom role for managing service "
                 "accounts."),
    ]
    mod.main += _oidc_resources(condition)
    add_output(mod, "provider_name",
               "google_iam_workload_identity_pool_provider.github.name",
               "Full provider name for google-github-actions/auth.")
    add_output(mod, "principal_prefix", '"principal://iam.googleapis.com/'
               '${google_iam_workload_identity_pool.github.name}/subject/"',
               "Prefix of a GitHub principal; the `sub` claim follows.")
    add_output(mod, "deploy_role", "google_project_iam_custom_role.deploy_service_accounts.id",
               "Custom role id for the deploy identities.")
    return mod


def _oidc_resources(condition: str) -> list[Block]:
    return [
        resource("google_iam_workload_identity_pool", "github", [
            PROJECT, Attr("workload_identity_pool_id", ref("var.pool_id")),
            Attr("display_name", "GitHub Actions"),
            Attr("description", "OIDC tokens of this project's GitHub workflows"),
        ]),
        resource("google_iam_workload_identity_pool_provider", "github", [
            PROJECT,
            Attr("workload_identity_pool_id",
                 ref("google_iam_workload_identity_pool.github.workload_identity_pool_id")),
            Attr("workload_identity_pool_provider_id", ref("var.provider_id")),
            Attr("display_name", "GitHub"),
            Attr("attribute_mapping", MAPPING),
            Attr("attribute_condition", condition),
            block("oidc", Attr("issuer_uri", GITHUB_OIDC_ISSUER)),
        ]),
        resource("google_project_iam_custom_role", "deploy_service_accounts", [
            PROJECT, Attr("role_id", ref("var.deploy_role_id")),
            Attr("title", "Deploy: manage service accounts"),
            Attr("permissions", list(SERVICE_ACCOUNT_PERMISSIONS)),
        ]),
    ]


def identity() -> ModuleFiles:
    mod = module(IDENTITY)
    mod.variables += [
        name_variable("Service account id (6-30 characters).", limit=30, name="account_id"),
        variable("description", "string", "What the identity does."),
        variable("principal_prefix", "string", "principal://.../workloadIdentityPools/<pool>/"
                 "subject/ of the GitHub pool."),
        variable("subjects", "list(string)", "GitHub `sub` claims allowed to impersonate it."),
        variable("project_roles", "list(string)", "Read-only project roles.", default=[]),
        variable("admin_roles", "list(string)", "Project roles that create and change resources "
                 "(the apply identity only).", default=[]),
        variable("bucket_roles", "map(object({ bucket = string, role = string }))",
                 "Roles on single buckets (the Terraform state bucket), by grant key.", default={}),
    ]
    member = Attr("member", ref("google_service_account.this.member"))
    mod.main += [
        resource("google_service_account", "this", [
            PROJECT, Attr("account_id", ref("var.account_id")),
            Attr("display_name", ref("var.account_id")),
            Attr("description", ref("var.description")),
        ]),
        resource("google_service_account_iam_member", "github", [
            for_each("toset(var.subjects)"),
            Attr("service_account_id", ref("google_service_account.this.name")),
            Attr("role", "roles/iam.workloadIdentityUser"),
            Attr("member", ref('"${var.principal_prefix}${each.key}"')),
        ]),
        _project_roles("read", "var.project_roles", member),
        _project_roles("admin", "var.admin_roles", member),
        resource("google_storage_bucket_iam_member", "this", [
            for_each("var.bucket_roles"), Attr("bucket", ref("each.value.bucket")),
            Attr("role", ref("each.value.role")), member,
        ]),
    ]
    add_output(mod, "email", "google_service_account.this.email", "Service account email.")
    add_output(mod, "member", "google_service_account.this.member", "IAM member string.")
    return mod


def _project_roles(name: str, source: str, member: Attr) -> Block:
    skips = [] if name == "read" else [checkov_skip(
        "CKV_GCP_42", "this is the identity `terraform apply` runs as: creating the stack's "
        "resources takes their admin roles (never basic roles); only the GitHub deployment "
        "environment of this environment can impersonate it")]
    return resource("google_project_iam_member", name, [
        PROJECT, for_each(f"toset({source})"), Attr("role", ref("each.key")), member,
    ], skips=skips)
