"""gcp-kms: a region's key ring and one rotating key per purpose (CMEK).

Each key may be used only by the Google service agents named for it in ``keys``: the storage
key by Cloud Storage, the messaging key by Pub/Sub, and so on, so no workload identity can
decrypt data directly.
"""

from __future__ import annotations

from compiler.emitters.terraform.common import ModuleFiles, variable
from compiler.emitters.terraform.gcp.base import (
    PROJECT,
    for_each,
    labels_variable,
    lifecycle,
    module,
    name_variable,
    ref,
    region_variable,
    resource,
)
from compiler.hcl import Attr, Block, Expr

NAME = "gcp-kms"
ROTATION = "7776000s"  # 90 days, the longest rotation CIS allows
ENCRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"

_GRANTS = """merge([
  for key, members in var.keys : {
    for label, member in members : "${key}/${label}" => { key = key, member = member }
  }
]...)"""


def build() -> ModuleFiles:
    mod = module(NAME)
    mod.variables += [
        name_variable("Key ring name (final: Cloud KMS never deletes a key ring)."),
        region_variable(),
        variable("keys", "map(map(string))",
                 "Keys to create: key name -> the IAM members (by label) allowed to encrypt and "
                 "decrypt with it, normally Google service agents."),
        labels_variable(),
    ]
    mod.main += [
        resource("google_kms_key_ring", "this", [
            PROJECT, Attr("name", ref("var.name")), Attr("location", ref("var.region"))]),
        resource("google_kms_crypto_key", "this", [
            for_each("var.keys"),
            Attr("name", ref("each.key")),
            Attr("key_ring", ref("google_kms_key_ring.this.id")),
            Attr("purpose", "ENCRYPT_DECRYPT"),
            Attr("rotation_period", ROTATION),
            Attr("labels", ref("var.labels")),
            # Data encrypted with a destroyed key is lost for good.
            lifecycle(Attr("prevent_destroy", True)),
        ]),
        Block("locals", body=[Attr("grants", Expr(_GRANTS))]),
        resource("google_kms_crypto_key_iam_member", "use", [
            for_each("local.grants"),
            Attr("crypto_key_id", ref("google_kms_crypto_key.this[each.value.key].id")),
            Attr("role", ENCRYPTER),
            Attr("member", ref("each.value.member")),
        ]),
    ]
    # Callers encrypt with these keys at once: the ids are known only after the grants exist.
    mod.outputs.append(Block("output", ("key_ids",), [
        Attr("description", "Key id by purpose, for CMEK arguments (available once granted)."),
        Attr("value", ref("{ for name, key in google_kms_crypto_key.this : name => key.id }")),
        Attr("depends_on", [ref("google_kms_crypto_key_iam_member.use")]),
    ]))
    return mod

