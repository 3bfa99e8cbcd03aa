"""gcp-secrets: the environment's Secret Manager secrets, replicated to its regions only.

``secrets`` are containers whose values come from elsewhere: application secrets copied from
Vault (the spec names them, never their values) and provisioned values another stack writes
(the MongoDB Atlas connection string). ``provisioned`` are written here, from the outputs of
the modules that create them (the cache's and the database's URLs).
"""

from __future__ import annotations

from compiler.emitters.terraform.common import ModuleFiles, variable
from compiler.emitters.terraform.gcp.base import (
    LABELS,
    PROJECT,
    block,
    for_each,
    labels_variable,
    module,
    ref,
    resource,
)
from compiler.hcl import Attr, Block

NAME = "gcp-secrets"
SECRET = "google_secret_manager_secret.this"


def build() -> ModuleFiles:
    mod = module(NAME)
    mod.variables += [
        variable("regions", "list(string)", "Regions holding a replica of every secret."),
        variable("secrets", "list(string)", "Secret ids whose values are added from outside."),
        variable("provisioned", "list(string)", "Secret ids whose values this module writes."),
        variable("provisioned_values", "map(string)", "Value by secret id (from `provisioned`).",
                 sensitive=True),
        labels_variable(),
    ]
    mod.main += [
        resource("google_secret_manager_secret", "this", [
            PROJECT, for_each("toset(concat(var.secrets, var.provisioned))"),
            Attr("secret_id", ref("each.key")),
            block("replication", block("user_managed", Block("dynamic", ("replicas",), [
                Attr("for_each", ref("var.regions")),
                block("content", Attr("location", ref("replicas.value"))),
            ]))),
            LABELS,
        ]),
        resource("google_secret_manager_secret_version", "provisioned", [
            for_each("toset(var.provisioned)"),
            Attr("secret", ref(f"{SECRET}[each.key].id")),
            # Write-only: the value is never read back, so it stays out of this resource's state
            # and out of reach of the read-only plan identity; its hash marks a new version.
            Attr("secret_data_wo", ref("var.provisioned_values[each.key]")),
            Attr("secret_data_wo_version", ref("sha256(var.provisioned_values[each.key])")),
        ]),
    ]
    # Readers start once the written values exist: the ids wait for the versions.
    mod.outputs.append(Block("output", ("ids",), [
        Attr("description", "Secret id by secret id, available once provisioned values exist."),
        Attr("value", ref(f"{{ for id, s in {SECRET} : id => s.secret_id }}")),
        Attr("depends_on", [ref("google_secret_manager_secret_version.provisioned")]),
    ]))
    return mod
