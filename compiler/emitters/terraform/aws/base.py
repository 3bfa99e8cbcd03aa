"""Building blocks every AWS module shares: resource blocks, the region and tag arguments,
IAM policy documents, and the module file layout.

Multi-region design: aws provider 6.x gives nearly every regional resource a ``region``
argument, so a root stack has ONE provider and calls each regional module once per region
with ``region = "<name>"``. No provider aliases are threaded through modules, and a module
that spans regions (S3 replication, ECR replication) needs no ``configuration_aliases``.
Global resources (IAM) have no ``region``; a test checks that every regional resource in a
regional module sets it, since a forgotten one would silently land in the provider's region.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from compiler.artifact import Artifact
from compiler.emitters.terraform.common import TfFiles, module_dir, output, required_providers, variable
from compiler.hcl import Attr, Block, Body, Comment, Expr, Value, jsonencode
from compiler.model import Project

REGION = Attr("region", Expr("var.region"))
TAGS = Attr("tags", Expr("var.tags"))
POLICY_VERSION = "2012-10-17"
REGION_PATTERN = "^[a-z]{2}(-[a-z]+)+-[0-9]$"


def ref(text: str) -> Expr:
    return Expr(text)


def skip(check: str, reason: str) -> Comment:
    """An inline Checkov skip; only where the check cannot apply, always with the reason."""
    return Comment(f"checkov:skip={check}: {reason}")


def resource(type_: str, name: str, body: Body, *, regional: bool = True, tagged: bool = True,
             skips: Sequence[Comment] = ()) -> Block:
    """A resource with its skips first, then ``region``, the body, and ``tags`` last."""
    items: list[Attr | Block | Comment] = [*skips]
    if regional:
        items.append(REGION)
    items += list(body)
    if tagged:
        items.append(TAGS)
    return Block("resource", (type_, name), items)


def private_endpoint(subnet_group: str, suffix: str, engine: str, port: int) -> list[Block]:
    """Subnet group and security group of a managed data service, open to the workload subnets only."""
    return [
        resource(subnet_group, "this", [
            Attr("name", ref("var.name")),
            Attr("subnet_ids", ref("var.subnet_ids")),
        ]),
        resource("aws_security_group", "this", [
            Attr("name", ref(f'"${{var.name}}-{suffix}"')),
            Attr("description", f"{engine} from the workload subnets only"),
            Attr("vpc_id", ref("var.vpc_id")),
        ]),
        resource("aws_vpc_security_group_ingress_rule", "clients", [
            Attr("count", ref("length(var.client_cidrs)")),
            Attr("security_group_id", ref("aws_security_group.this.id")),
            Attr("description", f"{engine} over TLS from a workload subnet"),
            Attr("ip_protocol", "tcp"),
            Attr("from_port", port),
            Attr("to_port", port),
            Attr("cidr_ipv4", ref("var.client_cidrs[count.index]")),
        ]),
    ]


def data(type_: str, name: str, body: Body, *, regional: bool = True) -> Block:
    return Block("data", (type_, name), [REGION, *body] if regional else list(body))


def named_tags(name: str) -> Attr:
    """``tags`` plus a ``Name`` tag (the console's display name); ``name`` is an expression."""
    return Attr("tags", Expr(f"merge(var.tags, {{ Name = {name} }})"))


def statement(sid: str, actions: Sequence[str], resources: Value, *, effect: str = "Allow",
              principal: Mapping[str, Value] | None = None,
              condition: Mapping[str, Value] | None = None) -> dict[str, Value]:
    out: dict[str, Value] = {"Sid": sid, "Effect": effect, "Action": list(actions),
                             "Resource": resources}
    if principal is not None:
        out["Principal"] = dict(principal)
    if condition is not None:
        out["Condition"] = dict(condition)
    return out


def policy(statements: Sequence[Mapping[str, Value]]) -> Expr:
    return jsonencode({"Version": POLICY_VERSION, "Statement": list(statements)})


def assume_role(principal: Mapping[str, Value], actions: Sequence[str] = ("sts:AssumeRole",),
                condition: Mapping[str, Value] | None = None) -> Expr:
    trust: dict[str, Value] = {"Effect": "Allow", "Principal": dict(principal),
                               "Action": list(actions)}
    if condition is not None:
        trust["Condition"] = dict(condition)
    return jsonencode({"Version": POLICY_VERSION, "Statement": [trust]})


def region_variable() -> Block:
    return variable("region", "string", "AWS region every resource of this module is created in.",
                    validation=(f"can(regex({_q(REGION_PATTERN)}, var.region))",
                                "region must be an AWS region name such as us-east-1."))


def name_variable(limit: int = 40) -> Block:
    return variable("name", "string", "Prefix of every resource name (project-environment).",
                    validation=(f"can(regex(\"^[a-z][a-z0-9-]{{1,{limit - 1}}}$\", var.name))",
                                f"name must be 2-{limit} lowercase letters, digits and '-'."))


def tags_variable() -> Block:
    return variable("tags", "map(string)", "Tags set on every resource of this module.")


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\") + '"'


@dataclass
class Module:
    """One reusable module ``terraform/modules/<name>/``."""

    name: str
    main: list[Block] = field(default_factory=list)
    variables: list[Block] = field(default_factory=list)
    outputs: list[Block] = field(default_factory=list)
    providers: tuple[str, ...] = ("aws",)

    def output(self, name: str, value: str, description: str, *, sensitive: bool = False) -> None:
        self.outputs.append(output(name, Expr(value), description, sensitive=sensitive))

    def artifacts(self, project: Project) -> list[Artifact]:
        files = TfFiles(module_dir(self.name))
        files.add("versions.tf", required_providers(self.providers))
        files.add("main.tf", *self.main)
        files.add("variables.tf", *self.variables)
        files.add("outputs.tf", *self.outputs)
        return files.artifacts(project)
