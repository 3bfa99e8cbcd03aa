"""gcp-project: the APIs the environment's stack uses, and (first environment only, since they
are project-wide) Data Access audit logs for every service and every user (MC-039)."""

from __future__ import annotations

from compiler.emitters.terraform.common import ModuleFiles, variable
from compiler.emitters.terraform.gcp.base import PROJECT, block, for_each, module, ref, resource
from compiler.hcl import Attr

NAME = "gcp-project"
AUDIT_LOG_TYPES = ("ADMIN_READ", "DATA_READ", "DATA_WRITE")


def build() -> ModuleFiles:
    mod = module(NAME)
    mod.variables += [
        variable("services", "list(string)", "APIs to enable."),
        variable("audit_logs", "bool", "Turn Data Access audit logs on for all services."),
    ]
    mod.main += [
        resource("google_project_service", "this", [
            PROJECT, for_each("toset(var.services)"), Attr("service", ref("each.key")),
            # Other environments share the project: leaving one must not switch an API off.
            Attr("disable_on_destroy", False),
        ]),
        resource("google_project_iam_audit_config", "all", [
            PROJECT, Attr("count", ref("var.audit_logs ? 1 : 0")),
            Attr("service", "allServices"),
            *(block("audit_log_config", Attr("log_type", kind)) for kind in AUDIT_LOG_TYPES),
        ]),
    ]
    return mod
