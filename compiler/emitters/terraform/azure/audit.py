"""azure-region: a region's resource group and the Log Analytics workspace that receives every
diagnostic setting of the region, plus the subscription's activity log (MC-039).

The workspace comes first in every region so that each later resource can send its logs to it;
the activity log (who changed what, policy and security events) is exported once per
environment, to the workspace of its primary region.
"""

from __future__ import annotations

from compiler.emitters.terraform.azure.base import (
    block,
    diagnostics,
    ref,
    resource,
    tags_variable,
)
from compiler.emitters.terraform.common import ModuleFiles, output, variable
from compiler.hcl import Attr, Block

MODULE = "azure-region"
ACTIVITY_LOG_CATEGORIES = ("Administrative", "Alert", "Autoscale", "Policy", "Recommendation",
                           "ResourceHealth", "Security", "ServiceHealth")


def module() -> ModuleFiles:
    files = ModuleFiles(MODULE, ("azurerm",))
    files.main += [_resource_group(), _workspace(), _workspace_diagnostics(), _activity_log()]
    files.variables += _variables()
    files.outputs += [
        output("resource_group_name", ref("azurerm_resource_group.this.name"),
               "Resource group of the region's resources."),
        output("resource_group_id", ref("azurerm_resource_group.this.id"),
               "Resource group id (scope of the deploy identity's roles)."),
        output("log_analytics_workspace_id", ref("azurerm_log_analytics_workspace.this.id"),
               "Workspace every diagnostic setting in the region sends to."),
    ]
    return files


def _resource_group() -> Block:
    return resource("azurerm_resource_group", "this", [
        Attr("name", ref("var.resource_group_name")), Attr("location", ref("var.location")),
    ], placed=False)


def _workspace() -> Block:
    return resource("azurerm_log_analytics_workspace", "this", [
        Attr("name", ref("var.workspace_name")),
        Attr("location", ref("azurerm_resource_group.this.location")),
        Attr("resource_group_name", ref("azurerm_resource_group.this.name")),
        Attr("sku", "PerGB2018"),
        Attr("retention_in_days", ref("var.retention_in_days")),
        # Agents (Container Insights, Defender) sign in with Entra ID; no shared key is needed.
        Attr("local_authentication_enabled", False),
    ], placed=False)


def _workspace_diagnostics() -> Block:
    # The workspace's own audit log: who queried or changed the audit trail.
    return diagnostics("workspace", "azurerm_log_analytics_workspace.this.id", logs=("audit",),
                       workspace="azurerm_log_analytics_workspace.this.id")


def _activity_log() -> Block:
    target = '"/subscriptions/${var.subscription_id}"'
    return Block("resource", ("azurerm_monitor_diagnostic_setting", "activity_log"), [
        Attr("count", ref("var.export_activity_log ? 1 : 0")),
        Attr("name", ref("var.activity_log_setting_name")),
        Attr("target_resource_id", ref(target)),
        Attr("log_analytics_workspace_id", ref("azurerm_log_analytics_workspace.this.id")),
        *[block("enabled_log", Attr("category", category))
          for category in ACTIVITY_LOG_CATEGORIES],
    ])


def _variables() -> list[Block]:
    return [
        variable("resource_group_name", "string", "Resource group of the region's resources.",
                 validation=('can(regex("^[A-Za-z0-9._()-]{1,90}$", var.resource_group_name))',
                             "resource_group_name must be 1-90 letters, digits and ._()-.")),
        variable("location", "string", "Azure region.",
                 validation=('can(regex("^[a-z]+[0-9]?$", var.location))',
                             "location must be an Azure region name such as westeurope.")),
        variable("workspace_name", "string", "Log Analytics workspace name.",
                 validation=('can(regex("^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$", '
                             'var.workspace_name))',
                             "workspace_name must be 4-63 letters, digits and '-'.")),
        variable("retention_in_days", "number", "Days the workspace keeps logs (audit trail).",
                 validation=("var.retention_in_days >= 30 && var.retention_in_days <= 730",
                             "retention_in_days must be between 30 and 730.")),
        variable("export_activity_log", "bool",
                 "Export the subscription's activity log to this workspace (primary region)."),
        variable("activity_log_setting_name", "string",
                 "Name of the subscription diagnostic setting; unique per subscription."),
        variable("subscription_id", "string", "Subscription whose activity log is exported.",
                 validation=('can(regex("^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", '
                             'var.subscription_id))', "subscription_id must be a UUID.")),
        tags_variable(),
    ]
