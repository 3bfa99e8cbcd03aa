"""The origin the global DNS layer (Cloudflare) sends a region's public traffic to.

gcp-certificates (one per environment): Certificate Manager certificates for the public
hostnames, authorised by DNS (the ``_acme-challenge`` CNAMEs in ``dns_records``, which the
global stack writes), so issuance works while Cloudflare proxies the hostnames themselves.

gcp-https-ingress (one per region): a serverless NEG per public service, backend services with
a Cloud Armor policy and request logs, a host-based URL map, an HTTPS proxy with a TLS 1.2+
RESTRICTED SSL policy and the certificate map, and a global address: the region's origin.
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
    region_variable,
    resource,
)
from compiler.hcl import Attr, Block

CERTIFICATES = "gcp-certificates"
INGRESS = "gcp-https-ingress"
BACKENDS = "map(object({ service = string, hostnames = list(string) }))"
LOG4J = "evaluatePreconfiguredWaf('cve-canary')"
DEFAULT_RULE_PRIORITY = 2147483647


def certificates() -> ModuleFiles:
    mod = module(CERTIFICATES)
    mod.variables += [
        name_variable("Name of the certificate and its map."),
        variable("domains", "map(string)", "Hostname by authorisation name."),
        labels_variable(),
    ]
    mod.main += [
        resource("google_certificate_manager_dns_authorization", "this", [
            PROJECT, for_each("var.domains"), Attr("name", ref("each.key")),
            Attr("domain", ref("each.value")), LABELS,
        ]),
        resource("google_certificate_manager_certificate", "this", [
            PROJECT, Attr("name", ref("var.name")),
            block("managed", Attr("domains", ref("values(var.domains)")),
                  Attr("dns_authorizations", ref(
                      "[for a in google_certificate_manager_dns_authorization.this : a.id]"))),
            LABELS,
        ]),
        resource("google_certificate_manager_certificate_map", "this", [
            PROJECT, Attr("name", ref("var.name")), LABELS]),
        resource("google_certificate_manager_certificate_map_entry", "this", [
            PROJECT, for_each("var.domains"), Attr("name", ref("each.key")),
            Attr("map", ref("google_certificate_manager_certificate_map.this.name")),
            Attr("hostname", ref("each.value")),
            Attr("certificates", [ref("google_certificate_manager_certificate.this.id")]),
            LABELS,
        ]),
    ]
    add_output(mod, "certificate_map_id", "google_certificate_manager_certificate_map.this.id",
               "Certificate map the HTTPS proxies serve.")
    add_output(mod, "dns_records", "{ for name, a in google_certificate_manager_dns_authorization.this"
               " : a.domain => a.dns_resource_record[0] }",
               "CNAME records (name, type, data) proving control of each hostname.")
    return mod


def https_ingress() -> ModuleFiles:
    mod = module(INGRESS)
    mod.variables += [
        name_variable("Prefix of every load balancer resource name.", limit=50),
        region_variable(),
        variable("backends", BACKENDS, "Public services by spec name: Cloud Run service and the "
                 "hostnames routed to it."),
        variable("certificate_map_id", "string", "Certificate Manager map with the hostnames."),
        labels_variable(),
    ]
    mod.main += [_negs(), _armor(), _backends(), _url_map(), *_frontend()]
    add_output(mod, "address", "google_compute_global_address.this.address",
               "The region's origin address (IPv4).")
    return mod


def _negs() -> Block:
    return resource("google_compute_region_network_endpoint_group", "this", [
        PROJECT, for_each("var.backends"), Attr("name", ref('"${var.name}-${each.key}"')),
        Attr("region", ref("var.region")),
        Attr("network_endpoint_type", "SERVERLESS"),
        block("cloud_run", Attr("service", ref("each.value.service"))),
    ])


def _rule(priority: int, action: str, description: str, match: Block) -> Block:
    return block("rule", Attr("priority", priority), Attr("action", action),
                 Attr("description", description), match)


def _armor() -> Block:
    return resource("google_compute_security_policy", "this", [
        PROJECT, Attr("name", ref("var.name")), Attr("type", "CLOUD_ARMOR"),
        Attr("description", "WAF in front of the public services"),
        _rule(1000, "deny(403)", "Log4Shell (CVE-2021-44228) probes",
              block("match", block("expr", Attr("expression", LOG4J)))),
        _rule(DEFAULT_RULE_PRIORITY, "allow", "Everything else",
              block("match", Attr("versioned_expr", "SRC_IPS_V1"),
                    block("config", Attr("src_ip_ranges", ["*"])))),
        block("advanced_options_config", Attr("log_level", "VERBOSE")),
        LABELS,
    ])


def _backends() -> Block:
    return resource("google_compute_backend_service", "this", [
        PROJECT, for_each("var.backends"), Attr("name", ref('"${var.name}-${each.key}"')),
        Attr("protocol", "HTTPS"),
        Attr("load_balancing_scheme", "EXTERNAL_MANAGED"),
        Attr("security_policy", ref("google_compute_security_policy.this.id")),
        block("backend", Attr("group", ref(
            "google_compute_region_network_endpoint_group.this[each.key].id"))),
        block("log_config", Attr("enable", True), Attr("sample_rate", 1.0)),
    ])


def _url_map() -> Block:
    backend = "google_compute_backend_service.this"
    return resource("google_compute_url_map", "this", [
        PROJECT, Attr("name", ref("var.name")),
        Attr("default_service", ref(f"{backend}[keys(var.backends)[0]].id")),
        Block("dynamic", ("host_rule",), [
            Attr("for_each", ref("var.backends")),
            block("content", Attr("hosts", ref("host_rule.value.hostnames")),
                  Attr("path_matcher", ref("host_rule.key"))),
        ]),
        Block("dynamic", ("path_matcher",), [
            Attr("for_each", ref("var.backends")),
            block("content", Attr("name", ref("path_matcher.key")),
                  Attr("default_service", ref(f"{backend}[path_matcher.key].id"))),
        ]),
    ])


def _frontend() -> list[Block]:
    return [
        resource("google_compute_ssl_policy", "this", [
            PROJECT, Attr("name", ref("var.name")), Attr("profile", "RESTRICTED"),
            Attr("min_tls_version", "TLS_1_2"),
        ]),
        resource("google_compute_target_https_proxy", "this", [
            PROJECT, Attr("name", ref("var.name")),
            Attr("url_map", ref("google_compute_url_map.this.id")),
            Attr("certificate_map", ref('"//certificatemanager.googleapis.com/${var.certificate_map_id}"')),
            Attr("ssl_policy", ref("google_compute_ssl_policy.this.id")),
        ]),
        resource("google_compute_global_address", "this", [
            PROJECT, Attr("name", ref("var.name")), Attr("ip_version", "IPV4"), LABELS,
        ]),
        resource("google_compute_global_forwarding_rule", "this", [
            PROJECT, Attr("name", ref("var.name")),
            Attr("target", ref("google_compute_target_https_proxy.this.id")),
            Attr("ip_address", ref("google_compute_global_address.this.id")),
            Attr("ip_protocol", "TCP"), Attr("port_range", "443"),
            Attr("load_balancing_scheme", "EXTERNAL_MANAGED"),
            LABELS,
        ]),
    ]
