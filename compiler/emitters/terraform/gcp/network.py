"""gcp-network: one VPC per environment with a private subnet per region, Cloud NAT with
static egress addresses, VPC flow logs, a default-deny ingress rule and Private Service Access
for the managed data services (Cloud SQL, Memorystore).

Workloads get no external addresses: Cloud Run reaches the VPC by Direct VPC egress and GKE
nodes are private, so every connection to the internet leaves through Cloud NAT from addresses
that other systems (MongoDB Atlas, partners) can allow-list.
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
    name_variable,
    ref,
    resource,
)
from compiler.hcl import Attr, Block

NAME = "gcp-network"
SUBNETS = "map(object({ cidr = string, pods_cidr = string, services_cidr = string }))"
_REGIONAL = [PROJECT, for_each("var.subnets"), Attr("region", ref("each.key"))]
PSA_COUNT = Attr("count", ref("var.private_service_access ? 1 : 0"))


def build() -> ModuleFiles:
    mod = module(NAME)
    mod.variables += [
        name_variable("Name of the network and prefix of every resource name."),
        variable("subnets", SUBNETS,
                 "Private subnet per region (key): primary range, and the secondary ranges GKE "
                 "uses for pods and services.",
                 validation=("alltrue([for s in values(var.subnets) : can(cidrhost(s.cidr, 0))])",
                             "every subnet cidr must be a valid IPv4 CIDR block.")),
        variable("private_service_access", "bool",
                 "Peer the network with Google's service producers (Cloud SQL, Memorystore)."),
        variable("private_service_range", "object({ address = string, prefix_length = number })",
                 "Internal range reserved for the managed services' private addresses."),
        labels_variable(),
    ]
    mod.main += [_network(), _subnets(), *_nat(), _deny_ingress(), *_private_service_access()]
    _outputs(mod)
    return mod


def _network() -> Block:
    return resource("google_compute_network", "this", [
        PROJECT, Attr("name", ref("var.name")),
        Attr("auto_create_subnetworks", False),
        Attr("routing_mode", "GLOBAL"),
    ])


def _subnets() -> Block:
    return resource("google_compute_subnetwork", "this", [
        *_REGIONAL,
        Attr("name", ref('"${var.name}-${each.key}"')),
        Attr("network", ref("google_compute_network.this.id")),
        Attr("ip_cidr_range", ref("each.value.cidr")),
        Attr("stack_type", "IPV4_ONLY"),
        # Google APIs over internal addresses: workloads have no external IP.
        Attr("private_ip_google_access", True),
        block("secondary_ip_range", Attr("range_name", "pods"),
              Attr("ip_cidr_range", ref("each.value.pods_cidr"))),
        block("secondary_ip_range", Attr("range_name", "services"),
              Attr("ip_cidr_range", ref("each.value.services_cidr"))),
        block("log_config", Attr("aggregation_interval", "INTERVAL_5_SEC"),
              Attr("flow_sampling", 0.5), Attr("metadata", "INCLUDE_ALL_METADATA")),
    ])


def _nat() -> list[Block]:
    return [
        resource("google_compute_router", "this", [
            *_REGIONAL, Attr("name", ref('"${var.name}-${each.key}"')),
            Attr("network", ref("google_compute_network.this.id")),
        ]),
        resource("google_compute_address", "nat", [
            *_REGIONAL, Attr("name", ref('"${var.name}-${each.key}-nat"')),
            Attr("address_type", "EXTERNAL"), LABELS,
        ]),
        resource("google_compute_router_nat", "this", [
            *_REGIONAL, Attr("name", ref('"${var.name}-${each.key}"')),
            Attr("router", ref("google_compute_router.this[each.key].name")),
            Attr("nat_ip_allocate_option", "MANUAL_ONLY"),
            Attr("nat_ips", [ref("google_compute_address.nat[each.key].self_link")]),
            Attr("source_subnetwork_ip_ranges_to_nat", "ALL_SUBNETWORKS_ALL_IP_RANGES"),
            Attr("enable_dynamic_port_allocation", True),
            Attr("enable_endpoint_independent_mapping", False),
            block("log_config", Attr("enable", True), Attr("filter", "ERRORS_ONLY")),
        ]),
    ]


def _deny_ingress() -> Block:
    # GCP's implied rules already deny ingress; an explicit, logged rule makes probes visible.
    return resource("google_compute_firewall", "deny_ingress", [
        PROJECT, Attr("name", ref('"${var.name}-deny-all-ingress"')),
        Attr("network", ref("google_compute_network.this.id")),
        Attr("direction", "INGRESS"),
        Attr("priority", 65534),
        Attr("source_ranges", ["0.0.0.0/0"]),
        block("deny", Attr("protocol", "all")),
        block("log_config", Attr("metadata", "INCLUDE_ALL_METADATA")),
    ])


def _private_service_access() -> list[Block]:
    return [
        resource("google_compute_global_address", "services", [
            PROJECT, PSA_COUNT, Attr("name", ref('"${var.name}-services"')),
            Attr("purpose", "VPC_PEERING"),
            Attr("address_type", "INTERNAL"),
            Attr("address", ref("var.private_service_range.address")),
            Attr("prefix_length", ref("var.private_service_range.prefix_length")),
            Attr("network", ref("google_compute_network.this.id")),
        ]),
        resource("google_service_networking_connection", "this", [
            PSA_COUNT,
            Attr("network", ref("google_compute_network.this.id")),
            Attr("service", "servicenetworking.googleapis.com"),
            Attr("reserved_peering_ranges", [ref("google_compute_global_address.services[0].name")]),
        ]),
    ]


def _outputs(mod: ModuleFiles) -> None:
    add_output(mod, "network_id", "google_compute_network.this.id", "The VPC's id.")
    add_output(mod, "subnet_ids", "{ for region, s in google_compute_subnetwork.this : region => s.id }",
               "Subnet id by region.")
    add_output(mod, "nat_ips", "{ for region, a in google_compute_address.nat : region => a.address }",
               "Static egress address by region (Cloud NAT), for allow-lists.")
    # Cloud SQL and Memorystore take addresses from this range once the peering exists.
    mod.outputs.append(Block("output", ("private_service_range",), [
        Attr("description", "Name of the range the managed services take addresses from."),
        Attr("value", ref("var.private_service_access ? "
                          "google_compute_global_address.services[0].name : null")),
        Attr("depends_on", [ref("google_service_networking_connection.this")]),
    ]))
