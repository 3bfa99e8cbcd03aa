"""global-vault: the environment's KV v2 mount, one policy per service that reads only its own
secret paths, a Kubernetes auth mount per cluster with a role per service bound to its service
account, GitHub Actions OIDC sign-in for the environment's deploy jobs, the values this stack
provisions (Atlas connection strings), and an audit device (MC-036, MC-037, MC-039).

Paths are exact (no wildcards), taken from the env-var contract and ``naming``: the same paths
the Helm chart's Vault agent reads, so a policy grants exactly what its service reads.
"""

from __future__ import annotations

from compiler import naming
from compiler.contract import service_env, targets
from compiler.emitters.terraform.common import (
    CLUSTER_CA_OUTPUT,
    CLUSTER_ENDPOINT_OUTPUT,
    GITHUB_OIDC_ISSUER,
    ModuleFiles,
    github_subject,
    module_call,
    output,
    variable,
)
from compiler.emitters.terraform.globalstack.base import Site, ref, remote_output, resource
from compiler.hcl import Attr, Block, Value
from compiler.model import Service

NAME = "global-vault"
AUDIENCE = "vault"  # the audience of the chart's projected tokens and of GitHub's OIDC token
TOKEN_TTL_SECONDS = 900
ROLES = ("map(object({ backend = string, role = string, service_account = string, "
         "namespace = string, policy = string }))")
GITHUB = ("object({ path = string, role = string, subject = string, repository = string, "
          "environment = string, policies = list(string) })")
# Vault reads JSON policies as well as HCL: one `read` rule per exact path.
POLICY = 'jsonencode({ path = { for path in each.value : path => { capabilities = ["read"] } } })'
AUDIT_OPTIONS = {"file_path": "stdout", "format": "json", "log_raw": "false",
                 "hmac_accessor": "true"}


def module() -> ModuleFiles:
    mod = ModuleFiles(NAME, ("vault",))
    mod.variables += _variables()
    mod.main += [_mount(), _policies(), *_kubernetes(), *_github(), _audit(), _provisioned()]
    mod.outputs += [
        output("kv_mount", ref("vault_mount.kv.path"), "KV v2 mount of the environment."),
        output("policies", ref("sort([for policy in vault_policy.this : policy.name])"),
               "Policy names."),
        output("kubernetes_mounts", ref("sort([for auth in vault_auth_backend.kubernetes : "
                                        "auth.path])"), "Kubernetes auth mount per cluster."),
        output("github_mount", ref("vault_jwt_auth_backend.github.path"),
               "JWT auth mount GitHub Actions sign in to."),
    ]
    return mod


def _variables() -> list[Block]:
    return [
        variable("kv_mount", "string", "Path of the environment's KV v2 mount."),
        variable("policies", "map(list(string))", "Readable API paths by policy name."),
        variable("kubernetes", "map(object({ host = string, ca_cert = string }))",
                 "Cluster API by Kubernetes auth mount path."),
        variable("kubernetes_roles", ROLES, "Kubernetes auth role by <mount>/<role>."),
        variable("github", GITHUB, "JWT auth mount and role of the deploy jobs."),
        variable("audit_path", "string", "Path of the audit device; empty when another "
                 "environment's stack owns it.", default=""),
        variable("provisioned_paths", "list(string)", "KV paths this stack writes."),
        variable("provisioned_values", "map(string)", "Value by KV path.", sensitive=True),
    ]


def _mount() -> Block:
    return resource("vault_mount", "kv", [
        Attr("path", ref("var.kv_mount")), Attr("type", "kv"),
        Attr("options", {"version": "2"}),
        Attr("description", "Application secrets and provisioned values, managed by mccompile"),
    ])


def _policies() -> Block:
    return resource("vault_policy", "this", [
        Attr("for_each", ref("var.policies")), Attr("name", ref("each.key")),
        Attr("policy", ref(POLICY)),
    ])


def _kubernetes() -> list[Block]:
    auth = "vault_auth_backend.kubernetes"
    return [
        resource("vault_auth_backend", "kubernetes", [
            Attr("for_each", ref("var.kubernetes")), Attr("type", "kubernetes"),
            Attr("path", ref("each.key")), Attr("description", "One cluster's service accounts")]),
        resource("vault_kubernetes_auth_backend_config", "this", [
            Attr("for_each", ref("var.kubernetes")),
            Attr("backend", ref(f"{auth}[each.key].path")),
            Attr("kubernetes_host", ref("each.value.host")),
            Attr("kubernetes_ca_cert", ref("each.value.ca_cert")),
            # Vault runs outside the clusters: it reviews each login with the caller's own token.
            Attr("disable_local_ca_jwt", True),
        ]),
        resource("vault_kubernetes_auth_backend_role", "this", [
            Attr("for_each", ref("var.kubernetes_roles")),
            Attr("backend", ref(f"{auth}[each.value.backend].path")),
            Attr("role_name", ref("each.value.role")),
            Attr("bound_service_account_names", [ref("each.value.service_account")]),
            Attr("bound_service_account_namespaces", [ref("each.value.namespace")]),
            Attr("audience", AUDIENCE),
            Attr("token_policies", [ref("vault_policy.this[each.value.policy].name")]),
            Attr("token_ttl", TOKEN_TTL_SECONDS),
            Attr("token_max_ttl", 4 * TOKEN_TTL_SECONDS),
        ]),
    ]


def _github() -> list[Block]:
    return [
        resource("vault_jwt_auth_backend", "github", [
            Attr("path", ref("var.github.path")), Attr("type", "jwt"),
            Attr("oidc_discovery_url", GITHUB_OIDC_ISSUER),
            Attr("bound_issuer", GITHUB_OIDC_ISSUER),
            Attr("description", "GitHub Actions OIDC tokens of one environment's jobs"),
        ]),
        resource("vault_jwt_auth_backend_role", "github", [
            Attr("backend", ref("vault_jwt_auth_backend.github.path")),
            Attr("role_name", ref("var.github.role")),
            Attr("role_type", "jwt"),
            Attr("user_claim", "sub"),
            Attr("bound_audiences", [AUDIENCE]),
            Attr("bound_subject", ref("var.github.subject")),
            Attr("bound_claims", {"repository": ref("var.github.repository"),
                                  "environment": ref("var.github.environment")}),
            Attr("token_policies", ref("[for name in var.github.policies : "
                                       "vault_policy.this[name].name]")),
            Attr("token_ttl", TOKEN_TTL_SECONDS),
            Attr("token_max_ttl", TOKEN_TTL_SECONDS),
        ]),
    ]


def _audit() -> Block:
    return resource("vault_audit", "this", [
        Attr("count", ref('var.audit_path == "" ? 0 : 1')),
        Attr("type", "file"), Attr("path", ref("var.audit_path")),
        Attr("description", "Every request and response, secrets HMAC-ed"),
        Attr("options", AUDIT_OPTIONS),
    ])


def _provisioned() -> Block:
    return resource("vault_kv_secret_v2", "provisioned", [
        Attr("for_each", ref("toset(var.provisioned_paths)")),
        Attr("mount", ref("vault_mount.kv.path")), Attr("name", ref("each.key")),
        Attr("data_json", ref("jsonencode({ value = var.provisioned_values[each.key] })")),
    ])


def secret_paths(site: Site, service: Service) -> list[str]:
    """Every KV path ``service`` reads in this environment, as API paths of the mount."""
    project = site.project
    found: set[str] = set()
    for target in targets(project, site.env):
        for var in service_env(project, service, target):
            if var.source == "secret":
                found.add(naming.vault_secret_path(project.name, var.name))
            elif var.source == "provisioned":
                found.add(naming.vault_provisioned_path(project.name, target.cloud,
                                                        target.region, service.name, var.name))
    return [f"{site.kv_mount}/data/{path}" for path in sorted(found)]


def policies(site: Site) -> dict[str, list[str]]:
    """Policy name -> readable paths: one per service that reads anything, and the deploy
    jobs' (the application secrets, which they copy to the runtimes without Vault agents)."""
    project, env = site.project, site.env
    found = {naming.service_identity(project.name, env.name, s.name): paths
             for s in env.services if (paths := secret_paths(site, s))}
    names = {n for s in env.services for n in s.secrets}
    if exporter := project.observability.exporter.credentials_secret:
        names.add(exporter)
    if names:
        found[naming.vault_github_role(project.name, env.name)] = [
            f"{site.kv_mount}/data/{naming.vault_secret_path(project.name, n)}" for n in sorted(names)]
    return dict(sorted(found.items()))


def _clusters(site: Site) -> dict[str, Value]:
    project, env = site.project, site.env
    return {naming.vault_kubernetes_auth_mount(project.name, env.name, region): {
        "host": remote_output(cloud.name, CLUSTER_ENDPOINT_OUTPUT, region),
        "ca_cert": remote_output(cloud.name, CLUSTER_CA_OUTPUT, region),
    } for cloud in site.kubernetes_clouds() for region in cloud.regions}


def _roles(site: Site, readers: dict[str, list[str]]) -> dict[str, Value]:
    project, env = site.project, site.env
    roles: dict[str, Value] = {}
    for cloud in site.kubernetes_clouds():
        for region in cloud.regions:
            mount = naming.vault_kubernetes_auth_mount(project.name, env.name, region)
            for service in env.services:
                policy = naming.service_identity(project.name, env.name, service.name)
                if policy in readers:
                    account = naming.kubernetes_service_account(service.name)
                    roles[f"{mount}/{account}"] = {
                        "backend": mount, "role": account, "service_account": account,
                        "namespace": project.namespace, "policy": policy}
    return roles


def call(site: Site, provisioned_paths: list[str], provisioned_values: Value) -> Block:
    """The root stack's call; the provisioned values (by KV path) come from other modules."""
    project, env = site.project, site.env
    readers = policies(site)
    deploy = naming.vault_github_role(project.name, env.name)
    return module_call("vault", NAME, {
        "kv_mount": site.kv_mount,
        "policies": readers,
        "kubernetes": _clusters(site),
        "kubernetes_roles": _roles(site, readers),
        "github": {"path": naming.vault_github_auth_mount(project.name, env.name),
                   "role": deploy, "subject": github_subject(project, env.name),
                   "repository": project.repository, "environment": env.name,
                   "policies": [deploy] if deploy in readers else []},
        "audit_path": naming.vault_audit_path(project.name) if site.first else "",
        "provisioned_paths": provisioned_paths,
        "provisioned_values": provisioned_values,
    })
