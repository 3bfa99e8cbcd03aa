"""What every part of the global stack shares: HCL building blocks and ``Site``, the facts one
environment's global stack derives from the IR (so modules, root stack and tests agree)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compiler import naming
from compiler.emitters.terraform.common import state_key
from compiler.hcl import Attr, Block, Body, Comment, Expr, quote
from compiler.model import Cloud, Environment, Project, Service

STACK = "global"


def ref(text: str) -> Expr:
    return Expr(text)


def resource(type_: str, name: str, body: Body, *, skips: Sequence[Comment] = ()) -> Block:
    """A resource with its reasoned Checkov skips first."""
    return Block("resource", (type_, name), [*skips, *body])


def data(type_: str, name: str, body: Body = ()) -> Block:
    return Block("data", (type_, name), list(body))


def dynamic(name: str, for_each: str, *content: Attr | Block) -> Block:
    return Block("dynamic", (name,), [Attr("for_each", Expr(for_each)),
                                      Block("content", body=list(content))])


def remote_output(cloud: str, output: str, region: str) -> Expr:
    """One region's entry of a per-cloud stack's root output (a map keyed by region)."""
    return Expr(f"data.terraform_remote_state.{cloud}.outputs.{output}[{quote(region)}]")


@dataclass(frozen=True)
class Site:
    """One environment's global stack."""

    project: Project
    env: Environment

    @property
    def prefix(self) -> str:
        return naming.prefix(self.project.name, self.env.name)

    @property
    def first(self) -> bool:
        """The first environment in promotion order owns what is shared by every environment
        (the zone's TLS settings, Vault's audit device), so a change reaches staging first."""
        return self.env == self.project.environments[0]

    @property
    def public(self) -> tuple[Service, ...]:
        """Services behind the global load balancer: public, and only with a zone to name them."""
        return tuple(s for s in self.env.services if s.public) if self.project.dns else ()

    @property
    def atlas(self) -> bool:
        database = self.project.data.database
        return database is not None and database.engine == "mongodb-atlas"

    @property
    def vault(self) -> bool:
        return self.project.secrets is not None

    @property
    def kv_mount(self) -> str:
        assert self.project.secrets is not None
        return naming.vault_kv_mount(self.project.secrets.vault.mount_prefix, self.env.name)

    def hostname(self, service: Service) -> str:
        assert self.project.dns is not None
        return self.env.fqdn(service, self.project.dns.zone)

    def database_users(self) -> tuple[Service, ...]:
        return tuple(s for s in self.env.services if s.uses_kind("database")) if self.atlas else ()

    def kubernetes_clouds(self) -> tuple[Cloud, ...]:
        """Clouds running EKS, GKE or AKS: each cluster gets a Vault Kubernetes auth mount."""
        return tuple(cloud for cloud in self.env.clouds if cloud.kubernetes)

    def stack_key(self, stack: str) -> str:
        return state_key(self.project, self.env, stack)
