"""gcp-pubsub: a topic and a pull subscription per spec queue (both named as in the env-var
contract), with a dead-letter topic and subscription that keep what failed
``max_delivery_attempts`` times. Topics are CMEK-encrypted and stored only in the
environment's regions.
"""

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
    ref,
    resource,
)
from compiler.hcl import Attr, Block

NAME = "gcp-pubsub"
QUEUES = ("map(object({ name = string, ack_deadline_seconds = number, retention_seconds = number, "
          "max_delivery_attempts = number }))")
DEAD_LETTER_RETENTION = "604800s"  # 7 days, Pub/Sub's maximum for a subscription
NEVER_EXPIRE = block("expiration_policy", Attr("ttl", ""))


def build() -> ModuleFiles:
    mod = module(NAME)
    mod.variables += [
        variable("queues", QUEUES, "Queues by spec name."),
        variable("kms_key_id", "string", "Cloud KMS key encrypting messages (CMEK)."),
        variable("regions", "list(string)", "Regions where messages may be stored."),
        variable("service_agent", "string", "Pub/Sub service agent (IAM member): it moves "
                 "dead letters, so it publishes to the dead-letter topics and acknowledges."),
        labels_variable(),
    ]
    mod.main += [_topic("this", "each.value.name"),
                 _topic("dead_letter", '"${each.value.name}-dead-letter"'),
                 _subscription(), _dead_letter_subscription(), *_agent_grants()]
    add_output(mod, "topics", "{ for name, t in google_pubsub_topic.this : name => t.name }",
               "Topic name by spec queue (producers publish here).")
    add_output(mod, "subscriptions",
               "{ for name, s in google_pubsub_subscription.this : name => s.name }",
               "Subscription name by spec queue (consumers pull here).")
    add_output(mod, "dead_letter_subscriptions",
               "{ for name, s in google_pubsub_subscription.dead_letter : name => s.name }",
               "Where failed messages wait, by spec queue.")
    return mod


def _topic(name: str, topic_name: str) -> Block:
    return resource("google_pubsub_topic", name, [
        PROJECT, for_each("var.queues"),
        Attr("name", ref(topic_name)),
        Attr("kms_key_name", ref("var.kms_key_id")),
        Attr("message_retention_duration", ref('"${each.value.retention_seconds}s"')),
        block("message_storage_policy", Attr("allowed_persistence_regions", ref("var.regions"))),
        LABELS,
    ])


def _subscription() -> Block:
    return resource("google_pubsub_subscription", "this", [
        PROJECT, for_each("var.queues"),
        Attr("name", ref("each.value.name")),
        Attr("topic", ref("google_pubsub_topic.this[each.key].id")),
        Attr("ack_deadline_seconds", ref("each.value.ack_deadline_seconds")),
        Attr("message_retention_duration", ref('"${each.value.retention_seconds}s"')),
        NEVER_EXPIRE,
        block("dead_letter_policy",
              Attr("dead_letter_topic", ref("google_pubsub_topic.dead_letter[each.key].id")),
              Attr("max_delivery_attempts", ref("each.value.max_delivery_attempts"))),
        block("retry_policy", Attr("minimum_backoff", "10s"), Attr("maximum_backoff", "600s")),
        LABELS,
    ])


def _dead_letter_subscription() -> Block:
    return resource("google_pubsub_subscription", "dead_letter", [
        PROJECT, for_each("var.queues"),
        Attr("name", ref('"${each.value.name}-dead-letter"')),
        Attr("topic", ref("google_pubsub_topic.dead_letter[each.key].id")),
        Attr("message_retention_duration", DEAD_LETTER_RETENTION),
        NEVER_EXPIRE,
        LABELS,
    ])


def _agent_grants() -> list[Block]:
    return [
        resource("google_pubsub_topic_iam_member", "dead_letter_publisher", [
            PROJECT, for_each("var.queues"),
            Attr("topic", ref("google_pubsub_topic.dead_letter[each.key].name")),
            Attr("role", "roles/pubsub.publisher"), Attr("member", ref("var.service_agent")),
        ]),
        resource("google_pubsub_subscription_iam_member", "dead_letter_subscriber", [
            PROJECT, for_each("var.queues"),
            Attr("subscription", ref("google_pubsub_subscription.this[each.key].name")),
            Attr("role", "roles/pubsub.subscriber"), Attr("member", ref("var.service_agent")),
        ]),
    ]
