"""The GCP stack's rules that fmt, validate and Checkov cannot see: least privilege from `uses`,
GitHub trust limited to the spec's repository, the env-var contract on Cloud Run, and names
shared with the contract, the chart and the workflows. (Validation and Checkov run once per
tree in test_terraform.py.)"""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hcl2.api import loads as parse_hcl

from compiler import naming
from compiler.contract import Target, service_env
from compiler.emitters.terraform import common, gcp
from compiler.emitters.terraform.gcp import identity, runtime
from compiler.emitters.terraform.gcp.context import sites
from compiler.model import Project, Service, Use
from compiler.pipeline import compile_project
from conftest import ROOT

SPECS = {"reference": ROOT / "spec" / "multicloud.yaml",
         "gcp-gke": ROOT / "tests" / "cases" / "gcp-gke" / "multicloud.yaml",
         "minimal": ROOT / "examples" / "minimal.yaml"}
PRIMITIVE = re.compile(r"roles/(owner|editor|viewer)\b")
KNOWN_SKIPS = {"CKV_GCP_42", "CKV_GCP_62", "CKV_GCP_65", "CKV_GCP_79"}


@cache
def project(spec: str) -> Project:
    return compile_project(SPECS[spec], SPECS[spec].name)


@cache
def files(spec: str) -> dict[str, str]:
    return {artifact.path: artifact.content for artifact in gcp.emit(project(spec))}


@cache
def calls(spec: str, env: str) -> dict[str, dict[str, Any]]:
    """Module calls of a root stack, attribute values unwrapped from hcl2's lists."""
    parsed = parse_hcl(files(spec)[f"terraform/{env}/gcp/main.tf"])
    return {name: {key: value[0] if isinstance(value, list) and len(value) == 1 else value
                   for key, value in body.items()}
            for block in parsed["module"] for name, body in block.items()}


def service(spec: str, env: str, name: str) -> Service:
    return next(s for s in project(spec).environment(env).services if s.name == name)


def test_storage_roles_follow_the_access_level_on_exactly_the_used_bucket() -> None:
    expected = {("reference", "api"): "roles/storage.objectViewer",
                ("reference", "worker"): "roles/storage.objectCreator",
                ("gcp-gke", "reporter"): "roles/storage.objectUser"}
    for (spec, name), role in expected.items():
        grants = calls(spec, "production")[f"identity_{name}"]["bucket_roles"]
        regions = project(spec).environment("production").cloud("gcp").regions  # type: ignore[union-attr]
        assert sorted(grants) == sorted(f"reports-{region}" for region in regions)
        for region in regions:
            grant = grants[f"reports-{region}"]
            assert grant == {"bucket": f'${{module.storage_{common.identifier(region)}'
                                       f'.bucket_names["reports"]}}', "role": role}


@pytest.mark.parametrize(("access", "expected"), [
    ("read", [("subscription", identity.SUBSCRIBER)]),
    ("write", [("topic", identity.PUBLISHER)]),
    ("read-write", [("topic", identity.PUBLISHER), ("subscription", identity.SUBSCRIBER)]),
])
def test_queue_roles_are_publisher_on_the_topic_and_subscriber_on_the_subscription(
        access: str, expected: list[tuple[str, str]]) -> None:
    assert identity.queue_roles(Use("queue", "analysis", access)) == expected  # type: ignore[arg-type]


def test_producer_and_consumer_get_only_their_side_of_the_queue() -> None:
    api, worker = (calls("reference", "production")[f"identity_{n}"] for n in ("api", "worker"))
    assert api["topic_roles"] == {"analysis": {"topic": '${module.pubsub.topics["analysis"]}',
                                               "role": "roles/pubsub.publisher"}}
    assert api["subscription_roles"] == {}
    assert worker["topic_roles"] == {}
    assert worker["subscription_roles"] == {"analysis": {
        "subscription": '${module.pubsub.subscriptions["analysis"]}',
        "role": "roles/pubsub.subscriber"}}


def test_a_service_reads_only_its_own_secrets() -> None:
    p = project("reference")
    for name in ("api", "worker"):
        s = service("reference", "production", name)
        readable = {_secret_id(value) for value in calls("reference", "production")[
            f"identity_{name}"]["secrets"]}
        names = [*s.secrets, p.observability.exporter.credentials_secret or ""]
        allowed = {naming.gcp_secret(p.name, "production", secret) for secret in names}
        allowed |= {naming.gcp_provisioned_secret(p.name, "production", "us-central1", name, var)
                    for var in ("CACHE_URL", "DATABASE_URL")}
        assert readable <= allowed
    worker = calls("reference", "production")["identity_worker"]["secrets"]
    assert not any("JWT_SIGNING_KEY" in value or "-api-" in value for value in worker)


def _secret_id(reference: str) -> str:
    match = re.fullmatch(r'\$\{module\.secrets\.ids\["([^"]+)"\]\}', reference)
    assert match, reference
    return match.group(1)


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_no_primitive_roles_and_no_project_wide_roles_for_services(spec: str) -> None:
    for path, text in files(spec).items():
        assert not PRIMITIVE.search(text), path
    main = parse_hcl(files(spec)["terraform/modules/gcp-service-identity/main.tf"])
    project_grants = [name for block in main["resource"]
                      for kind, body in block.items() if kind == "google_project_iam_member"
                      for name in body]
    # The only project-level grant is the Cloud SQL login, conditioned on one instance.
    assert project_grants == ["sql"]
    assert "condition" in files(spec)["terraform/modules/gcp-service-identity/main.tf"]


def test_github_trust_is_limited_to_the_repository_and_its_known_subjects() -> None:
    p = project("reference")
    module = parse_hcl(files("reference")["terraform/modules/gcp-github-oidc/main.tf"])
    provider = next(body["github"] for block in module["resource"]
                    for kind, body in block.items()
                    if kind == "google_iam_workload_identity_pool_provider")
    condition = provider["attribute_condition"]
    condition = condition[0] if isinstance(condition, list) else condition
    assert condition.startswith(f"assertion.repository == '{p.repository}' && (")
    claims = re.findall(r"assertion\.sub == '([^']+)'", condition)
    expected = {common.github_subject(p, purpose) for purpose in ("push", "plan", "staging",
                                                                  "production")}
    assert set(claims) == expected
    assert all(claim.startswith(f"repo:{p.repository}:") for claim in claims)


def test_each_ci_identity_trusts_only_its_own_subject() -> None:
    p = project("reference")
    staging = calls("reference", "staging")
    assert staging["ci_push"]["subjects"] == [common.github_subject(p, "push")]
    assert staging["ci_plan"]["subjects"] == [common.github_subject(p, "plan")]
    for env in ("staging", "production"):
        deploy = calls("reference", env)["ci_deploy"]
        assert deploy["subjects"] == [common.github_subject(p, env)]
        assert deploy["account_id"] == naming.gcp_ci_service_account(p.name, env)
    assert "github_oidc" not in calls("reference", "production")  # created once, by staging


def test_cloud_run_gets_the_whole_contract_with_secrets_by_name() -> None:
    p = project("reference")
    for s in p.environment("production").services:
        call = calls("reference", "production")[f"run_{s.name}_us_central1"]
        target = Target("gcp", "us-central1", "production", "cloud-run", p.environment(
            "production").cloud("gcp").account)  # type: ignore[union-attr]
        contract = service_env(p, s, target)
        assert set(call["env"]) | set(call["secret_env"]) == {
            v.name for v in contract} - runtime.RESERVED_ENV
        for var in contract:
            if var.source == "value" and var.name not in runtime.RESERVED_ENV:
                assert call["env"][var.name] == var.value
            elif var.source != "value":
                assert var.name not in call["env"]
                assert _secret_id(call["secret_env"][var.name]).endswith(var.name)


def test_cloud_run_names_ingress_and_worker_choice() -> None:
    p = project("reference")
    run = calls("reference", "production")
    assert run["run_api_us_central1"]["name"] == naming.workload(p.name, "production", "api")
    assert run["run_api_us_central1"]["ingress"] == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
    worker = run["run_worker_us_central1"]
    assert worker["ingress"] == "INGRESS_TRAFFIC_INTERNAL_ONLY"
    assert worker["cpu_always_allocated"] is True and worker["min_instances"] >= 1
    assert run["ingress_us_central1"]["backends"]["api"]["hostnames"] == [
        "api.threatmodeler.example.com"]


def test_physical_names_match_the_contract_and_the_chart() -> None:
    p = project("reference")
    production = calls("reference", "production")
    assert production["pubsub"]["queues"]["analysis"]["name"] == naming.queue(
        p.name, "production", "analysis")
    assert production["storage_us_central1"]["buckets"]["reports"]["name"] == naming.bucket(
        p.name, "production", "reports", "gcp", "us-central1")
    env = production["run_api_us_central1"]["env"]
    assert env["STORAGE_REPORTS_URL"] == "gs://" + naming.bucket(
        p.name, "production", "reports", "gcp", "us-central1")
    assert env["QUEUE_ANALYSIS_URL"].endswith("/topics/" + naming.queue(
        p.name, "production", "analysis"))
    for s in p.environment("production").services:
        assert production[f"identity_{s.name}"]["account_id"] == naming.gcp_service_account(
            p.name, "production", s.name)


def test_gke_binds_each_chart_service_account_to_its_google_service_account() -> None:
    p = project("gcp-gke")
    production = calls("gcp-gke", "production")
    assert not [name for name in production if name.startswith("run_")]
    assert {"gke_us_central1", "gke_europe_west1", "nodes"} <= set(production)
    for s in p.environment("production").services:
        member = production[f"identity_{s.name}"]["kubernetes_member"]
        ksa = naming.kubernetes_service_account(s.name)
        assert member == ("serviceAccount:${module.gke_us_central1.workload_pool}"
                          f"[{p.namespace}/{ksa}]")
    assert production["gke_europe_west1"]["name"] == naming.kubernetes_cluster(
        p.name, "production", "europe-west1")


def test_cloud_sql_logins_follow_database_access() -> None:
    users = calls("gcp-gke", "production")["database"]["users"]
    assert users["reporter"]["roles"] == ["pg_read_all_data"]
    assert users["api"]["roles"] == ["cloudsqlsuperuser"]
    assert users["worker"]["email"] == "${module.identity_worker.email}"
    reporter = calls("gcp-gke", "production")["identity_reporter"]
    assert reporter["sql_instance"] == ("projects/threat-modeler-prod/instances/"
                                        + naming.gcp_sql_instance("threat-modeler", "production"))


def test_minimal_spec_without_dns_or_data() -> None:
    production = calls("minimal", "production")
    assert not [n for n in production if n.startswith(("ingress_", "storage_", "cache_"))]
    assert "certificates" not in production
    assert 'origins' in files("minimal")["terraform/production/gcp/outputs.tf"]


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_checkov_skips_are_few_known_and_reasoned(spec: str) -> None:
    for path, text in files(spec).items():
        for check, reason in re.findall(r"checkov:skip=(CKV\w+): (.+)", text):
            assert check in KNOWN_SKIPS, (path, check)
            assert len(reason) > 40, (path, check)


def test_modules_are_written_once_and_every_environment_gets_a_stack() -> None:
    paths = [artifact.path for artifact in gcp.emit(project("reference"))]
    assert len(paths) == len(set(paths))
    assert {p.split("/")[1] for p in paths if not p.startswith("terraform/modules/")} == {
        "staging", "production"}


def test_cloud_run_rounds_resources_to_whole_vcpus_with_enough_memory_headroom() -> None:
    base = service("reference", "production", "api")
    for cpu, memory, expected in (("500m", "1Gi", "1"), ("1", "2Gi", "1"), ("1500m", "1Gi", "2"),
                                  ("1", "6Gi", "2"), ("250m", "12Gi", "4")):
        assert runtime.cloud_run_resources(dataclasses.replace(base, cpu=cpu, memory=memory)) == (
            expected, memory)


def test_sites_follow_environments_that_enable_gcp() -> None:
    assert [site.env.name for site in sites(project("reference"))] == ["staging", "production"]
    assert [site.home for site in sites(project("reference"))] == [True, False]


def test_output_is_deterministic() -> None:
    first = {a.path: a.content for a in gcp.emit(project("gcp-gke"))}
    second = {a.path: a.content for a in gcp.emit(
        compile_project(SPECS["gcp-gke"], SPECS["gcp-gke"].name))}
    assert first == second
    assert all(Path(path).suffix == ".tf" for path in first)
