"""What the AWS root stack of one environment derives from the IR, computed in one place."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from compiler import naming
from compiler.emitters.terraform.aws.ingress import CLOUDFLARE_IPV4
from compiler.model import Cloud, Environment, Project


def aws_environments(project: Project) -> list[Environment]:
    return [env for env in project.environments if env.cloud("aws") is not None]


def registry_region(project: Project) -> str:
    """Where the shared repository lives: the primary region as the last environment using
    AWS sees it (what the image workflow pushes to)."""
    last = aws_environments(project)[-1].cloud("aws")
    assert last is not None
    return last.regions[0]


@dataclass(frozen=True)
class Stack:
    project: Project
    env: Environment
    cloud: Cloud

    @property
    def prefix(self) -> str:
        return naming.prefix(self.project.name, self.env.name)

    @property
    def home(self) -> bool:
        """The first environment using AWS owns the account-wide resources."""
        return aws_environments(self.project)[0].name == self.env.name

    @property
    def account_region(self) -> str:
        return registry_region(self.project)

    @cached_property
    def all_regions(self) -> tuple[str, ...]:
        """The environment's regions, plus the account region in the home stack."""
        extra = (self.account_region,) if self.home and self.account_region not in self.cloud.regions else ()
        return (*self.cloud.regions, *extra)

    @property
    def runtime_module(self) -> str:
        return "eks" if self.cloud.runtime == "eks" else "ecs"

    @property
    def postgres(self) -> bool:
        database = self.project.data.database
        return database is not None and database.engine == "postgres"

    @property
    def registry_url(self) -> str:
        host = f"{self.cloud.account}.dkr.ecr.{self.account_region}.amazonaws.com"
        return f"{host}/{naming.ecr_repository(self.project.name)}"

    @property
    def oidc_provider_arn(self) -> str:
        return f"arn:aws:iam::{self.cloud.account}:oidc-provider/token.actions.githubusercontent.com"

    @property
    def ingress_cidrs(self) -> list[str]:
        dns = self.project.dns
        return list(CLOUDFLARE_IPV4) if dns is not None and dns.proxied else ["0.0.0.0/0"]

    def region_index(self, region: str) -> int:
        return self.all_regions.index(region)
