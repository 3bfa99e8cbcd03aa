"""The GCP part of one environment, and the names and facts every part of the stack derives
from it (so the modules, the root stack and the tests agree)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from compiler import naming
from compiler.emitters.terraform import common
from compiler.hcl import Value
from compiler.model import Cloud, Environment, Project, Service


@dataclass(frozen=True)
class Site:
    project: Project
    env: Environment
    cloud: Cloud

    @property
    def name(self) -> str:
        return naming.prefix(self.project.name, self.env.name)

    @property
    def project_id(self) -> str:
        return self.cloud.account

    @property
    def regions(self) -> tuple[str, ...]:
        return self.cloud.regions

    @property
    def primary(self) -> str:
        return self.cloud.regions[0]

    @property
    def gke(self) -> bool:
        return self.cloud.runtime == "gke"

    @property
    def services(self) -> tuple[Service, ...]:
        return self.env.services

    @cached_property
    def labels(self) -> dict[str, Value]:
        return common.tags(self.project, self.env)

    @property
    def home(self) -> bool:
        """This environment creates the project-wide resources (registry, CI identities)."""
        return common.home_environment(self.project, "gcp") == self.env

    @property
    def registry_region(self) -> str:
        home = common.home_environment(self.project, "gcp")
        assert home is not None
        cloud = home.cloud("gcp")
        assert cloud is not None
        return cloud.regions[0]

    @property
    def postgres(self) -> bool:
        database = self.project.data.database
        return database is not None and database.engine == "postgres"

    @property
    def public(self) -> tuple[Service, ...]:
        """Public services behind the load balancer: only with a DNS zone to name them."""
        return tuple(s for s in self.services if s.public) if self.project.dns else ()

    def service_account(self, service: str) -> str:
        return naming.gcp_service_account(self.project.name, self.env.name, service)

    def service_account_email(self, service: str) -> str:
        return f"{self.service_account(service)}@{self.project_id}.iam.gserviceaccount.com"

    def hostname(self, service: Service) -> str:
        assert self.project.dns is not None
        return self.env.fqdn(service, self.project.dns.zone)


def sites(project: Project) -> list[Site]:
    return [Site(project, env, cloud) for env in project.environments
            if (cloud := env.cloud("gcp")) is not None]


def key(text: str) -> str:
    """A Terraform identifier (module or map key) from a DNS-style name."""
    return common.identifier(text)
