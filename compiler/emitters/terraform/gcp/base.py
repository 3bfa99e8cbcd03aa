"""Building blocks every GCP module shares: resource blocks, the common variables, and the
module file layout (``common.ModuleFiles``).

Every module takes ``project_id`` (resources name their project explicitly, so a module never
depends on the provider's default) and ``labels`` (``common.tags``), which every resource that
supports labels carries.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.emitters.terraform.common import ModuleFiles, output, variable
from compiler.hcl import Attr, Block, Body, Comment, Expr, Value

PROJECT = Attr("project", Expr("var.project_id"))
LABELS = Attr("labels", Expr("var.labels"))
REGION_PATTERN = "^[a-z]+-[a-z]+[0-9]+$"
# GCP resource ids: lowercase letter first, then lowercase letters, digits and '-'.
NAME_PATTERN = "^[a-z]([-a-z0-9]*[a-z0-9])?$"


def ref(text: str) -> Expr:
    return Expr(text)


def block(type_: str, *items: Attr | Block | Comment) -> Block:
    return Block(type_, body=list(items))


def resource(type_: str, name: str, body: Body, *, skips: Sequence[Comment] = ()) -> Block:
    """A resource with its reasoned Checkov skips first."""
    return Block("resource", (type_, name), [*skips, *body])


def data(type_: str, name: str, body: Body = ()) -> Block:
    return Block("data", (type_, name), list(body))


def for_each(expression: str) -> Attr:
    return Attr("for_each", Expr(expression))


def lifecycle(*items: Attr) -> Block:
    return Block("lifecycle", body=list(items))


def module(name: str, *, providers: tuple[str, ...] = ("google",)) -> ModuleFiles:
    return ModuleFiles(name, providers, variables=[project_variable()])


def add_output(mod: ModuleFiles, name: str, value: str, description: str, *,
               sensitive: bool = False) -> None:
    mod.outputs.append(output(name, Expr(value), description, sensitive=sensitive))


def project_variable() -> Block:
    return variable("project_id", "string", "GCP project every resource of this module lives in.",
                    validation=('can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))',
                                "project_id must be a GCP project id (6-30 lowercase letters, "
                                "digits and '-')."))


def labels_variable() -> Block:
    return variable("labels", "map(string)", "Labels set on every resource of this module "
                    "that supports them.")


def region_variable(name: str = "region") -> Block:
    return variable(name, "string", "GCP region of this module's resources.",
                    validation=(f'can(regex("{REGION_PATTERN}", var.{name}))',
                                f"{name} must be a GCP region name such as us-central1."))


def name_variable(description: str, limit: int = 63, name: str = "name") -> Block:
    return variable(name, "string", description,
                    validation=(f'can(regex("{NAME_PATTERN}", var.{name})) && '
                                f"length(var.{name}) <= {limit}",
                                f"{name} must be at most {limit} lowercase letters, digits and "
                                "'-', starting with a letter."))


def typed(name: str, type_: str, description: str, default: Value = None) -> Block:
    return variable(name, type_, description, default=default)
