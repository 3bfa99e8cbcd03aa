"""azure-servicebus: a region's Service Bus namespace (name from ``naming.servicebus_namespace``,
as the env-var contract's ``servicebus://`` URLs use) with one queue per spec queue.

Premium, because private endpoints and customer-managed keys need it; Entra ID only (local
SAS auth off), TLS 1.2, no public network, double encryption. A message that is delivered
``max_delivery_count`` times, or expires, moves to the queue's dead-letter sub-queue.
"""

from __future__ import annotations

from compiler.emitters.terraform.azure.base import (
    block,
    cmk_variables,
    common_variables,
    diagnostics,
    endpoint_variables,
    private_endpoint,
    ref,
    resource,
)
from compiler.emitters.terraform.common import ModuleFiles, output, variable
from compiler.hcl import Attr, Block
from compiler.model import Queue

MODULE = "azure-servicebus"
QUEUES_TYPE = ("map(object({ lock_duration = string, max_delivery_count = number, "
               "default_message_ttl = string }))")
MAX_LOCK_SECONDS = 300  # Service Bus's longest peek-lock; longer work renews the lock


def module() -> ModuleFiles:
    files = ModuleFiles(MODULE, ("azurerm",))
    files.main += [
        _namespace(),
        _queues(),
        *private_endpoint("namespace", "azurerm_servicebus_namespace.this.id", "namespace"),
        diagnostics("namespace", "azurerm_servicebus_namespace.this.id"),
    ]
    files.variables += [
        variable("name", "string", "Namespace name (naming.servicebus_namespace).",
                 validation=('can(regex("^[a-zA-Z][a-zA-Z0-9-]{4,48}[a-zA-Z0-9]$", var.name))',
                             "name must be 6-50 letters, digits and '-'.")),
        variable("queues", QUEUES_TYPE, "Queues and their delivery settings (ISO 8601 durations)."),
        variable("capacity", "number", "Premium messaging units.",
                 validation=("contains([1, 2, 4, 8, 16], var.capacity)",
                             "capacity must be 1, 2, 4, 8 or 16.")),
        *cmk_variables(),
        *endpoint_variables(),
        *common_variables(),
    ]
    files.outputs += [
        output("id", ref("azurerm_servicebus_namespace.this.id"), "Namespace id."),
        output("queue_ids",
               ref("{ for name, queue in azurerm_servicebus_queue.this : name => queue.id }"),
               "Queue name to id (scope of the sender and receiver role assignments)."),
    ]
    return files


def queue_settings(queue: Queue) -> dict[str, str | int]:
    """The module's ``queues`` entry for a spec queue."""
    lock = min(queue.visibility_timeout_seconds, MAX_LOCK_SECONDS)
    return {"lock_duration": f"PT{lock}S", "max_delivery_count": queue.max_receive_count,
            "default_message_ttl": f"P{queue.retention_days}D"}


def _namespace() -> Block:
    identity = ref("var.cmk_identity_id")
    return resource("azurerm_servicebus_namespace", "this", [
        Attr("name", ref("var.name")),
        Attr("sku", "Premium"),
        Attr("capacity", ref("var.capacity")),
        Attr("premium_messaging_partitions", 1),
        Attr("local_auth_enabled", False),
        Attr("minimum_tls_version", "1.2"),
        Attr("public_network_access_enabled", False),
        block("identity", Attr("type", "UserAssigned"), Attr("identity_ids", [identity])),
        block("customer_managed_key", Attr("identity_id", identity),
              Attr("key_vault_key_id", ref("var.cmk_key_id")),
              Attr("infrastructure_encryption_enabled", True)),
        block("network_rule_set", Attr("default_action", "Deny"),
              Attr("public_network_access_enabled", False),
              Attr("trusted_services_allowed", True)),
    ])


def _queues() -> Block:
    return Block("resource", ("azurerm_servicebus_queue", "this"), [
        Attr("for_each", ref("var.queues")),
        Attr("name", ref("each.key")),
        Attr("namespace_id", ref("azurerm_servicebus_namespace.this.id")),
        Attr("lock_duration", ref("each.value.lock_duration")),
        Attr("max_delivery_count", ref("each.value.max_delivery_count")),
        Attr("default_message_ttl", ref("each.value.default_message_ttl")),
        Attr("dead_lettering_on_message_expiration", True),
    ])
