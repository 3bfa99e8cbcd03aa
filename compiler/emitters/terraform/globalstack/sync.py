"""global-sync-gcp: Vault and Secret Manager hold the same values (MC-036).

Workloads on Kubernetes read Vault; Cloud Run reads Secret Manager. The GCP stack lists what
crosses over in two root outputs: ``to_vault`` (Vault path -> secret it writes, such as the
Memorystore URL) and ``from_vault`` (secret -> Vault path of a value it needs, such as an
application secret or the Atlas connection string). Values this stack creates itself (Atlas)
are taken from their module, since Vault does not hold them yet during the first apply;
application secrets are read from Vault, where operators put them before the first apply.
"""

from __future__ import annotations

from compiler.emitters.terraform.common import (
    FROM_VAULT_OUTPUT,
    TO_VAULT_OUTPUT,
    ModuleFiles,
    module_call,
    variable,
)
from compiler.emitters.terraform.globalstack.base import Site, data, ref, resource
from compiler.hcl import Attr, Block, Expr, Value

NAME = "global-sync-gcp"
GCP_SECRET = '"projects/${var.project_id}/secrets/${each.key}"'


def module() -> ModuleFiles:
    mod = ModuleFiles(NAME, ("google", "vault"))
    mod.variables += [
        variable("project_id", "string", "GCP project holding the secrets."),
        variable("kv_mount", "string", "The environment's KV v2 mount."),
        variable("to_vault", "map(string)", "Vault path -> Secret Manager secret to copy."),
        variable("from_vault", "map(string)", "Secret Manager secret -> Vault path to copy."),
        variable("provided_paths", "list(string)", "Vault paths whose values are given in "
                 "`provided` rather than read from Vault."),
        variable("provided", "map(string)", "Value by Vault path.", sensitive=True),
    ]
    mod.main += [
        Block("locals", body=[
            Attr("provided", ref("{ for id, path in var.from_vault : id => path "
                                 "if contains(var.provided_paths, path) }")),
            Attr("copied", ref("{ for id, path in var.from_vault : id => path "
                               "if !contains(var.provided_paths, path) }")),
        ]),
        data("google_secret_manager_secret_version", "to_vault", [
            Attr("for_each", ref("var.to_vault")), Attr("project", ref("var.project_id")),
            Attr("secret", ref("each.value"))]),
        resource("vault_kv_secret_v2", "to_vault", [
            Attr("for_each", ref("var.to_vault")), Attr("mount", ref("var.kv_mount")),
            Attr("name", ref("each.key")),
            Attr("data_json", ref("jsonencode({ value = data.google_secret_manager_secret_version"
                                  ".to_vault[each.key].secret_data })"))]),
        data("vault_kv_secret_v2", "copied", [
            Attr("for_each", ref("local.copied")), Attr("mount", ref("var.kv_mount")),
            Attr("name", ref("each.value"))]),
        resource("google_secret_manager_secret_version", "copied", [
            Attr("for_each", ref("local.copied")), Attr("secret", ref(GCP_SECRET)),
            Attr("secret_data", ref('data.vault_kv_secret_v2.copied[each.key].data["value"]'))]),
        resource("google_secret_manager_secret_version", "provided", [
            Attr("for_each", ref("local.provided")), Attr("secret", ref(GCP_SECRET)),
            Attr("secret_data", ref("var.provided[each.value]"))]),
    ]
    return mod


def applies(site: Site) -> bool:
    return site.vault and site.env.cloud("gcp") is not None


def call(site: Site, provided_paths: list[str], provided: Value) -> Block:
    outputs = "data.terraform_remote_state.gcp.outputs"
    return module_call("sync_gcp", NAME, {
        "project_id": Expr("var.gcp_project_id"),
        "kv_mount": Expr("module.vault.kv_mount"),
        "to_vault": Expr(f"{outputs}.{TO_VAULT_OUTPUT}"),
        "from_vault": Expr(f"{outputs}.{FROM_VAULT_OUTPUT}"),
        "provided_paths": provided_paths,
        "provided": provided,
    })
