"""gcp-registry: the project's one Artifact Registry Docker repository (created by the first
environment, shared by all: the digest that passed staging is the one production runs), with
immutable tags, CMEK, vulnerability scanning and a cleanup policy for untagged images.
Pull access is granted by each environment to its own runtime identities."""

from __future__ import annotations

from compiler.emitters.terraform.common import ModuleFiles, variable
from compiler.emitters.terraform.gcp.base import (
    LABELS,
    PROJECT,
    add_output,
    block,
    for_each,
    labels_variable,
    module,
    name_variable,
    ref,
    region_variable,
    resource,
)
from compiler.hcl import Attr

NAME = "gcp-registry"
UNTAGGED_AFTER = "2592000s"  # untagged layers older than 30 days are never what runs


def build() -> ModuleFiles:
    mod = module(NAME)
    mod.variables += [
        region_variable(),
        name_variable("Repository id.", name="repository_id"),
        variable("kms_key_id", "string", "Cloud KMS key encrypting the images (CMEK)."),
        variable("writers", "map(string)", "IAM members allowed to push, by label (CI)."),
        labels_variable(),
    ]
    mod.main += [
        resource("google_artifact_registry_repository", "this", [
            PROJECT, Attr("location", ref("var.region")),
            Attr("repository_id", ref("var.repository_id")),
            Attr("description", "Application images; tags are commit SHAs and never move."),
            Attr("format", "DOCKER"),
            Attr("kms_key_name", ref("var.kms_key_id")),
            block("docker_config", Attr("immutable_tags", True)),
            block("vulnerability_scanning_config", Attr("enablement_config", "INHERITED")),
            block("cleanup_policies", Attr("id", "delete-untagged"), Attr("action", "DELETE"),
                  block("condition", Attr("tag_state", "UNTAGGED"),
                        Attr("older_than", UNTAGGED_AFTER))),
            LABELS,
        ]),
        resource("google_artifact_registry_repository_iam_member", "writer", [
            PROJECT, for_each("var.writers"),
            Attr("location", ref("google_artifact_registry_repository.this.location")),
            Attr("repository", ref("google_artifact_registry_repository.this.name")),
            Attr("role", "roles/artifactregistry.writer"),
            Attr("member", ref("each.value")),
        ]),
    ]
    add_output(mod, "url", '"${var.region}-docker.pkg.dev/${var.project_id}/'
               '${google_artifact_registry_repository.this.repository_id}"',
               "Registry URL images are pushed to and pulled from.")
    add_output(mod, "repository", "google_artifact_registry_repository.this.name",
               "Repository name (for pull grants).")
    return mod
