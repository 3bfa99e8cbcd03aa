"""The AWS stack's rules that fmt, validate and Checkov cannot see: least privilege from `uses`,
OIDC trust, regions and tags on every resource, and names shared with the other emitters.
(Validation and Checkov run once per tree in test_terraform.py.)"""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from compiler import naming
from compiler.contract import Target, service_env
from compiler.emitters.terraform import aws
from compiler.emitters.terraform.aws import context, fargate, github, iam
from compiler.emitters.terraform.aws.base import Module
from compiler.emitters.workflows import common as workflows
from compiler.hcl import Attr, Block, Expr
from compiler.model import Project, Service
from compiler.pipeline import compile_project
from conftest import ROOT

GLOBAL_MODULES = {"aws-service-role", "aws-github-oidc", "aws-deploy-role"}
SPECS = {"reference": ROOT / "spec" / "multicloud.yaml",
         "aws-ecs": ROOT / "tests" / "cases" / "aws-ecs" / "multicloud.yaml",
         "postgres": ROOT / "tests" / "cases" / "postgres" / "multicloud.yaml"}


@cache
def project(name: str = "reference") -> Project:
    return compile_project(SPECS[name], SPECS[name].name)


@cache
def schema() -> dict[str, Any]:
    with gzip.open(ROOT / "tests" / "tfstub" / "schemas" / "aws.json.gz") as handle:
        data: dict[str, Any] = json.load(handle)
    resources: dict[str, Any] = data["resources"]
    return resources


def service(name: str, spec: str = "reference") -> Service:
    env = project(spec).environment("production")
    return next(s for s in env.services if s.name == name)


def _statements(name: str) -> dict[str, dict[str, Any]]:
    p = project()
    regions = ("us-east-1", "eu-west-1")
    found = iam.statements(p.name, "production", service(name), regions, "111122223333",
                           ["module.kms.key_arn"])
    return {s["sid"]: s for s in found}  # type: ignore[misc]


def test_read_access_yields_only_read_actions_on_exactly_the_named_bucket() -> None:
    statements = _statements("api")  # storage.reports: read
    buckets = [f"arn:aws:s3:::threat-modeler-production-reports-{r}" for r in ("useast1", "euwest1")]
    assert statements["ListReports"] == {"sid": "ListReports", "actions": ["s3:ListBucket"],
                                         "resources": buckets}
    assert statements["ObjectsReports"]["actions"] == ["s3:GetObject"]
    assert statements["ObjectsReports"]["resources"] == [f"{b}/*" for b in buckets]


def test_write_access_yields_only_write_actions() -> None:
    statements = _statements("worker")  # storage.reports: write, queue.analysis: read
    assert "ListReports" not in statements
    assert statements["ObjectsReports"]["actions"] == ["s3:AbortMultipartUpload", "s3:PutObject"]
    assert set(statements["QueueAnalysis"]["actions"]) == set(iam.QUEUE_CONSUME)
    assert "sqs:SendMessage" not in statements["QueueAnalysis"]["actions"]
    assert _statements("api")["QueueAnalysis"]["actions"] == sorted(iam.QUEUE_SEND)


def test_queue_arns_name_exactly_the_contract_queue() -> None:
    arns = _statements("api")["QueueAnalysis"]["resources"]
    assert arns == [f"arn:aws:sqs:{r}:111122223333:threat-modeler-production-analysis"
                    for r in ("us-east-1", "eu-west-1")]
    target = Target("aws", "eu-west-1", "production", "eks", "111122223333")
    url = next(v.value for v in service_env(project(), service("api"), target)
               if v.name == "QUEUE_ANALYSIS_URL")
    physical = naming.queue(project().name, "production", "analysis")
    assert url is not None and url.endswith(f"/111122223333/{physical}")


def test_database_users_connect_only_as_themselves() -> None:
    p = project("postgres")
    found = iam.statements(p.name, "production", service("worker", "postgres"), ("us-east-1",),
                           "111122223333", [], "module.database_us_east_1.resource_id")
    connect = next(s for s in found if s["sid"] == "ConnectAsItsOwnDatabaseUser")
    assert connect["actions"] == ["rds-db:connect"]
    assert [r.text for r in connect["resources"]] == [  # type: ignore[union-attr]
        '"arn:aws:rds-db:us-east-1:111122223333:dbuser:${module.database_us_east_1.resource_id}/worker"']


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_no_wildcard_action_anywhere(spec: str) -> None:
    text = "\n".join(a.content for a in aws.emit(project(spec)))
    actions = re.findall(r'"([a-z0-9-]+:\*|\*)"', text)
    allowed = {f"{s}:*" for s in github.REGIONAL_SERVICES} | {"s3:*", "sqs:*", "kms:*", "*"}
    assert set(actions) <= allowed
    # Wildcard services only where a condition or a resource ARN bounds them (see github.py);
    # "*" appears only as a resource or a Deny principal, never as an action.
    assert not re.search(r'Action\s*=\s*"\*"', text)
    assert not re.search(r'Action\s*=\s*\[\s*"\*"', text)
    assert '"iam:*"' not in text


def test_github_roles_trust_only_the_spec_repository_and_environment() -> None:
    module = github.deploy_module()
    text = "".join(a.content for a in module.artifacts(project()))
    subject = ('"token.actions.githubusercontent.com:sub" = '
               '"repo:${var.repository}:environment:${var.environment}"')
    assert subject in text
    assert "StringLike" not in text
    oidc = "".join(a.content for a in github.oidc_module().artifacts(project()))
    assert "repo:${var.repository}:ref:refs/heads/${var.default_branch}" in oidc
    assert "repo:${var.repository}:pull_request" in oidc
    root = next(a.content for a in aws.emit(project()) if a.path == "terraform/staging/aws/main.tf")
    assert _assigned(root, "repository", "acme/threat-modeler-ai")
    assert _assigned(root, "environment", "staging")


def _assigned(text: str, name: str, value: str) -> bool:
    return re.search(rf'\b{name}\s+= "{re.escape(value)}"', text) is not None


def _resources(module: Module) -> list[Block]:
    return [b for b in module.main if b.type == "resource" and b.labels[0].startswith("aws_")]


def _has(block: Block, name: str) -> bool:
    return any(isinstance(item, Attr) and item.name == name for item in block.body)


@pytest.mark.parametrize("spec", ["reference", "aws-ecs", "postgres"])
def test_every_regional_resource_names_its_region_and_every_taggable_one_is_tagged(spec: str) -> None:
    resources = schema()
    missing = []
    for module in aws.modules(project(spec)):
        for block in _resources(module):
            arguments = resources[block.labels[0]]["a"]
            wants_region = "region" in arguments and module.name not in GLOBAL_MODULES
            if wants_region and not _has(block, "region"):
                missing.append(f"{module.name}: {block.labels} has no region")
            if "tags" in arguments and not _has(block, "tags"):
                missing.append(f"{module.name}: {block.labels} has no tags")
    assert missing == []


def test_region_attribute_is_the_module_variable() -> None:
    for module in aws.modules(project()):
        for block in _resources(module):
            for item in block.body:
                if isinstance(item, Attr) and item.name == "region":
                    assert item.value == Expr("var.region")


def test_registry_is_where_the_image_workflow_pushes() -> None:
    for spec in SPECS:
        p = project(spec)
        aws_cloud = next(c for c in workflows.clouds(p) if c.name == "aws")
        for env in context.aws_environments(p):
            cloud = env.cloud("aws")
            assert cloud is not None
            pushed = workflows.registry(p, aws_cloud)
            assert context.Stack(p, env, cloud).registry_url == pushed


def test_service_roles_use_the_names_the_helm_chart_annotates() -> None:
    root = next(a.content for a in aws.emit(project()) if a.path == "terraform/production/aws/main.tf")
    for name in ("api", "worker"):
        assert _assigned(root, "role_name", naming.service_identity("threat-modeler", "production", name))
        assert f'"system:serviceaccount:threat-modeler:{naming.kubernetes_service_account(name)}"' in root


def test_ecs_services_are_the_workloads_the_deploy_workflow_updates() -> None:
    root = next(a.content for a in aws.emit(project("aws-ecs")) if a.path == "terraform/staging/aws/main.tf")
    for name in ("api", "worker"):
        assert _assigned(root, "family", naming.workload("threat-modeler", "staging", name))
    assert _assigned(root, "cluster_name", naming.ecs_cluster("threat-modeler", "staging"))


def test_ecs_environment_is_the_contract() -> None:
    p = project("aws-ecs")
    stack = context.Stack(p, p.environment("production"), p.environment("production").clouds[0])
    api = service("api", "aws-ecs")
    entry = fargate._service(stack, api, "eu-west-1")
    target = Target("aws", "eu-west-1", "production", "ecs", "111122223333")
    contract = service_env(p, api, target)
    assert entry["environment"] == {v.name: v.value for v in contract if v.source == "value"}
    assert set(entry["secrets"]) == {v.name for v in contract if v.source != "value"}  # type: ignore[arg-type]
    secrets = entry["secrets"]
    assert isinstance(secrets, dict)
    assert secrets["CACHE_URL"] == "threat-modeler/production/provisioned/api/CACHE_URL"


@pytest.mark.parametrize(("cpu", "memory", "expected"), [
    ("250m", "512Mi", (512, 1024, 256, 512)),
    ("500m", "1Gi", (1024, 2048, 512, 1024)),
    ("1", "2Gi", (2048, 4096, 1024, 2048)),
    ("4", "16Gi", (8192, 17408, 4096, 16384)),
])
def test_fargate_sizes_fit_the_request_and_the_sidecar(cpu: str, memory: str,
                                                      expected: tuple[int, int, int, int]) -> None:
    sized = dataclasses.replace(service("api"), cpu=cpu, memory=memory)
    assert fargate.task_size(sized) == expected


def test_one_stack_per_environment_and_modules_once() -> None:
    paths = [a.path for a in aws.emit(project())]
    assert len(paths) == len(set(paths))
    stacks = sorted({str(Path(p).parent) for p in paths if not p.startswith("terraform/modules/")})
    assert stacks == ["terraform/production/aws", "terraform/staging/aws"]


def test_account_wide_resources_live_in_the_first_environment_only() -> None:
    contents = {a.path: a.content for a in aws.emit(project())}
    assert 'module "registry"' in contents["terraform/staging/aws/main.tf"]
    assert 'module "registry"' not in contents["terraform/production/aws/main.tf"]
    provider = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    assert _assigned(contents["terraform/production/aws/main.tf"], "oidc_provider_arn", provider)
