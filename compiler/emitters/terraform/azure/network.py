"""azure-network: a region's virtual network, its three subnets with their NSGs, and the
private DNS zones of the private endpoints.

Subnets: ``cluster`` (AKS nodes; pods use the CNI overlay, so they take no VNet addresses),
``endpoints`` (private endpoints of platform services: Key Vault, the registry) and ``data``
(private endpoints of the data services). The endpoint and data NSGs admit only the cluster
subnet, on the ports the services listen on, and deny the rest of the network.
"""

from __future__ import annotations

from compiler.emitters.terraform.azure.base import (
    common_variables,
    diagnostics,
    name_variable,
    ref,
    resource,
)
from compiler.emitters.terraform.common import ModuleFiles, output, variable
from compiler.hcl import Attr, Block

MODULE = "azure-network"
# A /16 gives the node subnet a /20 (4091 nodes) and each endpoint subnet a /24.
SUBNETS = {"cluster": "cidrsubnet(var.address_space, 4, 0)",
           "endpoints": "cidrsubnet(var.address_space, 8, 16)",
           "data": "cidrsubnet(var.address_space, 8, 17)"}
DENY_PRIORITY = 4000


def module() -> ModuleFiles:
    files = ModuleFiles(MODULE, ("azurerm",))
    files.main.append(resource("azurerm_virtual_network", "this", [
        Attr("name", ref("var.name")), Attr("address_space", [ref("var.address_space")]),
    ]))
    for subnet in SUBNETS:
        files.main += _subnet(subnet)
    files.main += [*_cluster_rules(), *_endpoint_rules(), *_data_rules(), *_dns_zones()]
    files.main.append(diagnostics("network", "azurerm_virtual_network.this.id"))
    files.main += [diagnostics(f"{subnet}_nsg", f"azurerm_network_security_group.{subnet}.id",
                               metrics=()) for subnet in SUBNETS]
    files.variables += _variables()
    files.outputs += _outputs()
    return files


def _subnet(name: str) -> list[Block]:
    body = [
        Attr("name", name),
        Attr("resource_group_name", ref("var.resource_group_name")),
        Attr("virtual_network_name", ref("azurerm_virtual_network.this.name")),
        Attr("address_prefixes", [ref(SUBNETS[name])]),
        # No implicit internet egress: the cluster leaves through its load balancer.
        Attr("default_outbound_access_enabled", False),
    ]
    if name != "cluster":
        # Lets the subnet's NSG filter traffic to the private endpoints in it.
        body.append(Attr("private_endpoint_network_policies", "Enabled"))
    return [
        Block("resource", ("azurerm_subnet", name), body),
        resource("azurerm_network_security_group", name, [
            Attr("name", ref(f'"${{var.name}}-{name}"')),
        ]),
        Block("resource", ("azurerm_subnet_network_security_group_association", name), [
            Attr("subnet_id", ref(f"azurerm_subnet.{name}.id")),
            Attr("network_security_group_id", ref(f"azurerm_network_security_group.{name}.id")),
        ]),
    ]


def _rule(name: str, nsg: str, priority: int, access: str, body: list[Attr],
          first: tuple[Attr, ...] = ()) -> Block:
    return Block("resource", ("azurerm_network_security_rule", name), [
        *first,
        Attr("name", name.replace("_", "-")),
        Attr("resource_group_name", ref("var.resource_group_name")),
        Attr("network_security_group_name", ref(f"azurerm_network_security_group.{nsg}.name")),
        Attr("priority", priority), Attr("direction", "Inbound"), Attr("access", access),
        *body,
    ])


def _from_cluster(name: str, nsg: str, ports: Attr) -> Block:
    return _rule(name, nsg, 100, "Allow", [
        Attr("description", f"Only the cluster reaches the {nsg} subnet."),
        Attr("protocol", "Tcp"), Attr("source_port_range", "*"),
        Attr("source_address_prefix", ref("azurerm_subnet.cluster.address_prefixes[0]")),
        Attr("destination_address_prefix", ref(f"azurerm_subnet.{nsg}.address_prefixes[0]")),
        ports,
    ])


def _deny_network(nsg: str) -> Block:
    return _rule(f"deny_vnet_to_{nsg}", nsg, DENY_PRIORITY, "Deny", [
        Attr("description", "Nothing else in the network reaches it (overrides AllowVnetInBound)."),
        Attr("protocol", "*"), Attr("source_port_range", "*"), Attr("destination_port_range", "*"),
        Attr("source_address_prefix", "VirtualNetwork"), Attr("destination_address_prefix", "*"),
    ])


def _cluster_rules() -> list[Block]:
    # The ingress load balancer keeps the client's address, so HTTPS from the internet must be
    # admitted on the node subnet; nothing else is (the default rules deny internet inbound).
    rule = _rule("https_to_ingress", "cluster", 100, "Allow", [
        Attr("description", "HTTPS to the ingress load balancer of the public services."),
        Attr("protocol", "Tcp"), Attr("source_port_range", "*"),
        Attr("destination_port_range", "443"),
        Attr("source_address_prefix", "Internet"), Attr("destination_address_prefix", "*"),
    ], first=(Attr("count", ref("var.public_ingress ? 1 : 0")),))
    return [rule]


def _endpoint_rules() -> list[Block]:
    return [_from_cluster("cluster_to_endpoints", "endpoints",
                          Attr("destination_port_range", "443")),
            _deny_network("endpoints")]


def _data_rules() -> list[Block]:
    ports = Attr("destination_port_ranges", ref("var.data_ports"))
    return [_from_cluster("cluster_to_data", "data", ports), _deny_network("data")]


def _dns_zones() -> list[Block]:
    return [
        Block("resource", ("azurerm_private_dns_zone", "this"), [
            Attr("for_each", ref("var.private_dns_zones")),
            Attr("name", ref("each.value")),
            Attr("resource_group_name", ref("var.resource_group_name")),
            Attr("tags", ref("var.tags")),
        ]),
        Block("resource", ("azurerm_private_dns_zone_virtual_network_link", "this"), [
            Attr("for_each", ref("azurerm_private_dns_zone.this")),
            Attr("name", ref("var.name")),
            Attr("private_dns_zone_id", ref("each.value.id")),
            Attr("virtual_network_id", ref("azurerm_virtual_network.this.id")),
            Attr("registration_enabled", False),
            Attr("tags", ref("var.tags")),
        ]),
    ]


def _variables() -> list[Block]:
    return [
        name_variable("Virtual network name; prefixes the NSG names."),
        variable("address_space", "string", "The network's CIDR, a /16 or larger.",
                 validation=('can(cidrhost(var.address_space, 0)) && '
                             'tonumber(split("/", var.address_space)[1]) <= 16',
                             "address_space must be an IPv4 CIDR of /16 or larger.")),
        variable("public_ingress", "bool", "Admit HTTPS from the internet to the ingress."),
        variable("data_ports", "list(string)",
                 "TCP ports (or ranges) the data services' private endpoints listen on."),
        variable("private_dns_zones", "set(string)",
                 "privatelink zones to create and link (one per kind of private endpoint)."),
        *common_variables(),
    ]


def _outputs() -> list[Block]:
    return [
        output("id", ref("azurerm_virtual_network.this.id"), "Virtual network id."),
        *[output(f"{name}_subnet_id", ref(f"azurerm_subnet.{name}.id"), f"The {name} subnet.")
          for name in SUBNETS],
        output("private_dns_zone_ids",
               ref("{ for name, zone in azurerm_private_dns_zone.this : name => zone.id }"),
               "privatelink zone name to zone id."),
    ]
