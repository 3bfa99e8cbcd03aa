"""The ECS runtime's public entry: an ALB with TLS from ACM, host routing, and AWS WAF.

The certificate covers the environment's public hostnames and is validated through DNS
records this stack writes in the spec's Cloudflare zone, so the first apply completes on its
own. Requests pass the AWS managed common and known-bad-inputs (Log4j) rule groups, with WAF
logs kept a year; each public service gets a host rule and an IP target group health-checked
on its readiness path.
"""

from __future__ import annotations

from compiler.emitters.terraform.aws.base import ref, resource, skip
from compiler.emitters.terraform.aws.ingress import lb_security_group, load_balancer, nlb_variables
from compiler.emitters.terraform.common import variable
from compiler.hcl import Attr, Block

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
WAF_RULES = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
             "AWSManagedRulesAnonymousIpList")
# Behind a CDN every connection comes from the CDN's hosting ranges: count, don't block, those.
WAF_COUNT_ONLY = {"AWSManagedRulesAnonymousIpList": "HostingProviderIPList"}
HTTP_TARGET_SKIP = skip("CKV_AWS_378", "TLS ends at the load balancer; the hop to the task stays in "
                        "the private subnets, where only the load balancer's security group may "
                        "reach the service port, and the application serves plain HTTP")
PUBLIC = "{ for k, s in var.services : k => s if s.public }"


def alb_variables() -> list[Block]:
    return [
        *nlb_variables(),
        variable("certificate_domains", "list(string)", "Public hostnames the certificate covers.",
                 validation=("length(var.certificate_domains) > 0", "Give at least one hostname.")),
        variable("cloudflare_zone", "string", "Cloudflare zone holding the validation records."),
    ]


def alb_blocks() -> list[Block]:
    return [
        *lb_security_group("tonumber(each.value)",
                           "toset([for s in values(var.services) : tostring(s.port) if s.public])"),
        load_balancer("application"),
        *_certificate(), *_routing(), *_waf(),
    ]


def _certificate() -> list[Block]:
    return [
        Block("data", ("cloudflare_zone", "this"), [Attr("filter", {"name": ref("var.cloudflare_zone")})]),
        resource("aws_acm_certificate", "this", [
            Attr("domain_name", ref("var.certificate_domains[0]")),
            Attr("subject_alternative_names",
                 ref("slice(var.certificate_domains, 1, length(var.certificate_domains))")),
            Attr("validation_method", "DNS"),
            Block("lifecycle", body=[Attr("create_before_destroy", True)]),
        ]),
        Block("resource", ("cloudflare_dns_record", "validation"), [
            Attr("for_each", ref("{ for o in aws_acm_certificate.this.domain_validation_options : "
                                 "o.domain_name => o }")),
            Attr("zone_id", ref("data.cloudflare_zone.this.zone_id")),
            Attr("name", ref('trimsuffix(each.value.resource_record_name, ".")')),
            Attr("type", ref("each.value.resource_record_type")),
            Attr("content", ref('trimsuffix(each.value.resource_record_value, ".")')),
            Attr("ttl", 60),
            Attr("proxied", False),
        ]),
        resource("aws_acm_certificate_validation", "this", [
            Attr("certificate_arn", ref("aws_acm_certificate.this.arn")),
            Attr("validation_record_fqdns", ref("[for r in cloudflare_dns_record.validation : r.name]")),
        ], tagged=False),
    ]


def _routing() -> list[Block]:
    return [
        resource("aws_lb_target_group", "service", [
            Attr("for_each", ref(PUBLIC)),
            Attr("port", ref("each.value.port")),
            Attr("protocol", "HTTP"),
            Attr("target_type", "ip"),
            Attr("vpc_id", ref("var.vpc_id")),
            Block("health_check", body=[
                Attr("path", ref("each.value.readiness")),
                Attr("matcher", "200"),
                Attr("interval", ref("each.value.interval")),
                Attr("timeout", ref("each.value.timeout")),
                Attr("unhealthy_threshold", ref("each.value.retries")),
            ]),
        ], skips=[HTTP_TARGET_SKIP]),
        *_listener(),
    ]


def _listener() -> list[Block]:
    return [
        resource("aws_lb_listener", "https", [
            Attr("load_balancer_arn", ref("aws_lb.ingress.arn")),
            Attr("port", 443),
            Attr("protocol", "HTTPS"),
            Attr("ssl_policy", TLS_POLICY),
            Attr("certificate_arn", ref("aws_acm_certificate_validation.this.certificate_arn")),
            Block("default_action", body=[
                Attr("type", "fixed-response"),
                Block("fixed_response", body=[Attr("content_type", "text/plain"),
                                              Attr("status_code", "404")]),
            ]),
        ]),
        resource("aws_lb_listener_rule", "service", [
            Attr("for_each", ref(PUBLIC)),
            Attr("listener_arn", ref("aws_lb_listener.https.arn")),
            Attr("priority", ref("index(sort(keys(var.services)), each.key) + 1")),
            Block("condition", body=[
                Block("host_header", body=[Attr("values", [ref("each.value.hostname")])])]),
            Block("action", body=[
                Attr("type", "forward"),
                Attr("target_group_arn", ref("aws_lb_target_group.service[each.key].arn"))]),
        ]),
        resource("aws_vpc_security_group_ingress_rule", "tasks_from_lb", [
            Attr("for_each", ref(PUBLIC)),
            Attr("security_group_id", ref("aws_security_group.tasks.id")),
            Attr("description", "Service port from the load balancer"),
            Attr("ip_protocol", "tcp"),
            Attr("from_port", ref("each.value.port")),
            Attr("to_port", ref("each.value.port")),
            Attr("referenced_security_group_id", ref("aws_security_group.ingress.id")),
        ]),
    ]


def _visibility(metric: str) -> Block:
    return Block("visibility_config", body=[Attr("cloudwatch_metrics_enabled", True),
                                            Attr("metric_name", metric),
                                            Attr("sampled_requests_enabled", True)])


def _count_only(group: str) -> list[Block]:
    if group not in WAF_COUNT_ONLY:
        return []
    return [Block("rule_action_override", body=[
        Attr("name", WAF_COUNT_ONLY[group]),
        Block("action_to_use", body=[Block("count")]),
    ])]


def _waf() -> list[Block]:
    rules = [Block("rule", body=[
        Attr("name", name), Attr("priority", index + 1),
        Block("override_action", body=[Block("none")]),
        Block("statement", body=[Block("managed_rule_group_statement", body=[
            Attr("name", name), Attr("vendor_name", "AWS"), *_count_only(name)])]),
        _visibility(name),
    ]) for index, name in enumerate(WAF_RULES)]
    return [
        resource("aws_wafv2_web_acl", "this", [
            Attr("name", ref('"${var.name}-ingress"')),
            Attr("scope", "REGIONAL"),
            Block("default_action", body=[Block("allow")]),
            *rules,
            _visibility("ingress"),
        ]),
        resource("aws_wafv2_web_acl_association", "this", [
            Attr("resource_arn", ref("aws_lb.ingress.arn")),
            Attr("web_acl_arn", ref("aws_wafv2_web_acl.this.arn")),
        ], tagged=False),
        # WAF requires the aws-waf-logs- prefix on its log groups.
        resource("aws_cloudwatch_log_group", "waf", [
            Attr("name", ref('"aws-waf-logs-${var.name}"')),
            Attr("retention_in_days", 365),
            Attr("kms_key_id", ref("var.kms_key_arn")),
        ]),
        resource("aws_wafv2_web_acl_logging_configuration", "this", [
            Attr("resource_arn", ref("aws_wafv2_web_acl.this.arn")),
            Attr("log_destination_configs", [ref("aws_cloudwatch_log_group.waf.arn")]),
        ], tagged=False),
    ]
