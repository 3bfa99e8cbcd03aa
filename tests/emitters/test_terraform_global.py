"""The global stack (Cloudflare, Atlas, Vault) against expectations derived from the IR.

Schema validity (terraform validate against the real cloudflare, mongodbatlas and vault
schemas) and Checkov are covered for every committed stack by test_terraform.py; these tests
check what the schemas cannot: which pools exist, in which order traffic fails over, where
Atlas puts its nodes, who may read what, and that no secret leaves the stack in clear.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from compiler import naming
from compiler.contract import service_env, targets
from compiler.emitters.terraform import globalstack
from compiler.emitters.terraform.globalstack import stack
from compiler.emitters.terraform.globalstack.base import Site
from compiler.hcl import Attr, Block, Expr
from compiler.model import Environment, Project
from compiler.pipeline import compile_project
from conftest import ROOT

CASES = sorted(p for p in (ROOT / "tests" / "cases").glob("*/multicloud.yaml"))
SPECS = [ROOT / "spec" / "multicloud.yaml", *CASES]


def _compile(path: Path) -> Project:
    return compile_project(path, path.relative_to(ROOT).as_posix())


def _variant(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Project:
    """The reference spec with ``change`` applied to its data."""
    yaml = YAML(typ="safe", pure=True)
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # keep promotion order
    data = yaml.load((ROOT / "spec" / "multicloud.yaml").read_text())
    change(data)
    path = tmp_path / "multicloud.yaml"
    with path.open("w") as stream:
        yaml.dump(data, stream)
    return compile_project(path, "multicloud.yaml")


@pytest.fixture(scope="module")
def reference() -> Project:
    return _compile(ROOT / "spec" / "multicloud.yaml")


def _sites(project: Project) -> list[Site]:
    return [Site(project, env) for env in project.environments]


def _module(site: Site, name: str) -> dict[str, Any]:
    """The arguments of one module call in the environment's root stack."""
    main = stack.build(site).files["main.tf"]
    block = next(b for b in main if b.type == "module" and b.labels == (name,))
    return {item.name: item.value for item in block.body if isinstance(item, Attr)}


def _places(env: Environment) -> list[str]:
    return [f"{cloud.name}.{region}" for cloud in env.clouds for region in cloud.regions]


# --- Cloudflare: pools, steering, health -------------------------------------------------

@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.parent.name)
def test_every_cloud_region_has_exactly_one_pool_per_public_service(spec: Path) -> None:
    project = _compile(spec)
    if project.dns is None:
        pytest.skip("no DNS: no load balancer")
    for site in _sites(project):
        public = [s.name for s in site.env.services if s.public]
        if not public:
            continue
        args = _module(site, "cloudflare")
        expected = sorted(f"{s}.{place}" for s in public for place in _places(site.env))
        assert sorted(args["pools"]) == expected
        assert len({pool["name"] for pool in args["pools"].values()}) == len(expected)
        for key, pool in args["pools"].items():
            service, cloud, region = key.split(".", 2)
            assert pool["monitor"] == service
            assert isinstance(pool["origin"], Expr)
            assert f"remote_state.{cloud}." in pool["origin"].text
            assert f'["{region}"]' in pool["origin"].text
        for service, balancer in args["load_balancers"].items():
            # Every pool of the hostname is in its default pools, once.
            assert sorted(balancer["default_pools"]) == sorted(
                f"{service}.{place}" for place in _places(site.env))
            assert balancer["fallback_pool"] == balancer["default_pools"][-1]


def test_failover_order_is_the_spec_order(reference: Project) -> None:
    assert reference.dns is not None
    for site in _sites(reference):
        balancer = _module(site, "cloudflare")["load_balancers"]["api"]
        declared = [ref for ref in reference.dns.failover_order if ref in _places(site.env)]
        order = [key.removeprefix("api.") for key in balancer["default_pools"]]
        assert order[: len(declared)] == declared
        assert sorted(order) == sorted(_places(site.env))
    production = _module(_sites(reference)[-1], "cloudflare")["load_balancers"]["api"]
    assert production["default_pools"] == [
        "api.aws.us-east-1", "api.aws.eu-west-1", "api.gcp.us-central1", "api.azure.westeurope"]
    assert production["fallback_pool"] == "api.azure.westeurope"


def test_failover_without_an_order_follows_the_declared_clouds(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["dns"].update(steering="failover", failover_order=[], geo={})
    project = _variant(tmp_path, change)
    balancer = _module(_sites(project)[-1], "cloudflare")["load_balancers"]["api"]
    assert balancer["steering_policy"] == "off"  # Cloudflare's name for ordered failover
    assert balancer["default_pools"] == [
        "api.aws.us-east-1", "api.aws.eu-west-1", "api.gcp.us-central1", "api.azure.westeurope"]
    assert balancer["region_pools"] == {}


def test_geo_steering_maps_cloudflare_regions_to_the_environment_pools(reference: Project) -> None:
    staging, production = (_module(site, "cloudflare")["load_balancers"]["api"]
                           for site in _sites(reference))
    assert production["steering_policy"] == "geo"
    assert production["region_pools"] == {
        "EEU": ["api.aws.eu-west-1", "api.azure.westeurope"],
        "ENAM": ["api.aws.us-east-1", "api.gcp.us-central1"],
        "WEU": ["api.azure.westeurope", "api.aws.eu-west-1"],
        "WNAM": ["api.gcp.us-central1", "api.aws.us-east-1"],
    }
    # Staging runs AWS in us-east-1 only: eu-west-1 is dropped, never pointed at.
    assert staging["region_pools"]["EEU"] == ["api.azure.westeurope"]
    assert all("eu-west-1" not in key for keys in staging["region_pools"].values() for key in keys)


def test_dynamic_latency_and_session_affinity(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["dns"].update(steering="dynamic_latency", geo={}, session_affinity="cookie")
    balancer = _module(_sites(_variant(tmp_path, change))[-1], "cloudflare")["load_balancers"]["api"]
    assert balancer["steering_policy"] == "dynamic_latency"
    assert balancer["session_affinity"] == "cookie"


def test_monitors_probe_readiness_with_the_spec_health_settings(reference: Project) -> None:
    assert reference.dns is not None
    health = reference.dns.health
    for site in _sites(reference):
        monitor = _module(site, "cloudflare")["monitors"]["api"]
        assert monitor["path"] == "/ready"
        assert monitor["host"] == site.env.fqdn(site.env.services[0], reference.dns.zone)
        assert (monitor["interval"], monitor["timeout"], monitor["retries"],
                monitor["expected_codes"]) == (health.interval_seconds, health.timeout_seconds,
                                               health.retries, health.expected_codes)


def test_zone_wide_settings_belong_to_the_first_environment(reference: Project) -> None:
    owners = [_module(site, "cloudflare")["manage_zone_settings"] for site in _sites(reference)]
    assert owners == [True, False]


# --- Atlas: placement, users, connection strings -------------------------------------------

def test_atlas_regions_and_priorities_follow_the_spec(reference: Project) -> None:
    regions = _module(_sites(reference)[-1], "atlas")["regions"]
    assert [(r["provider_name"], r["region_name"], r["priority"], r["electable_nodes"])
            for r in regions] == [("AWS", "US_EAST_1", 7, 2), ("GCP", "CENTRAL_US", 6, 2),
                                  ("AZURE", "EUROPE_WEST", 5, 1)]


def test_atlas_defaults_to_the_primary_region_of_every_enabled_cloud(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        del data["data"]["database"]["atlas"]["regions"]
        data["environments"]["staging"]["clouds"] = {
            "aws": {"regions": ["us-east-1"]}, "gcp": {"enabled": False},
            "azure": {"enabled": False}}
    staging, production = (_module(site, "atlas")["regions"]
                           for site in _sites(_variant(tmp_path, change)))
    assert [(r["region_name"], r["priority"], r["electable_nodes"]) for r in staging] == [
        ("US_EAST_1", 7, 3)]
    assert [(r["provider_name"], r["region_name"], r["priority"], r["electable_nodes"])
            for r in production] == [("AWS", "US_EAST_1", 7, 2), ("GCP", "CENTRAL_US", 6, 2),
                                     ("AZURE", "EUROPE_WEST", 5, 1)]


def test_one_database_user_per_service_with_least_privilege(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["services"]["worker"]["uses"]["database"] = "read"
    project = _variant(tmp_path, change)
    args = _module(_sites(project)[-1], "atlas")
    assert args["users"] == {
        "api": {"role": "readWrite", "username": "threat-modeler-production-api"},
        "worker": {"role": "read", "username": "threat-modeler-production-worker"}}


def test_connection_strings_go_where_the_contract_provisions_database_url(
        reference: Project) -> None:
    for site in _sites(reference):
        expected = sorted(
            naming.vault_provisioned_path(reference.name, t.cloud, t.region, s.name, v.name)
            for s in site.env.services for t in targets(reference, site.env)
            for v in service_env(reference, s, t) if v.name == "DATABASE_URL")
        connections = _module(site, "atlas")["connections"]
        assert sorted(connections) == expected
        vault = _module(site, "vault")
        assert vault["provisioned_paths"] == expected
        assert vault["provisioned_values"] == Expr("module.atlas.urls")
        for path, connection in connections.items():
            assert f"/{connection['user']}/DATABASE_URL" in path


def test_readers_prefer_their_region_writers_the_primary(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["services"]["worker"]["uses"]["database"] = "read"
    connections = _module(_sites(_variant(tmp_path, change))[-1], "atlas")["connections"]
    api = connections["threat-modeler/provisioned/gcp-us-central1/api/DATABASE_URL"]["options"]
    assert "readPreference=primary" in api and "w=majority" in api
    worker = connections["threat-modeler/provisioned/gcp-us-central1/worker/DATABASE_URL"]
    assert worker["options"].startswith(
        "readPreference=nearest&readPreferenceTags=provider:GCP,region:CENTRAL_US&"
        "readPreferenceTags=provider:GCP&readPreferenceTags=&")
    # No Atlas node in eu-west-1: the worker there prefers AWS, then any node.
    far = connections["threat-modeler/provisioned/aws-eu-west-1/worker/DATABASE_URL"]["options"]
    assert "region:" not in far and "readPreferenceTags=provider:AWS&" in far


def test_backups_export_to_the_second_cloud_where_it_runs(reference: Project) -> None:
    staging, production = _sites(reference)
    for site in (staging, production):
        args = _module(site, "atlas")
        assert args["backup"] == {"point_in_time": True, "restore_window_days": 7,
                                  "retention_days": 30, "snapshot_interval_hours": 6}
        assert args["export_enabled"] is True
        assert args["export_bucket_id"] == Expr("module.atlas_export.bucket_id")
        assert _module(site, "atlas_export")["location"] == "us-central1"


def test_network_access_is_the_clouds_egress_never_the_internet(reference: Project) -> None:
    for site in _sites(reference):
        cidrs = _module(site, "atlas")["allowed_cidrs"]
        assert isinstance(cidrs, Expr)
        for cloud in site.env.clouds:
            assert f"remote_state.{cloud.name}.outputs.egress_ips" in cidrs.text
    files = {a.path: a.content for a in globalstack.emit(reference)}
    assert '!endswith(cidr, "/0")' in files["terraform/modules/global-atlas/variables.tf"]
    assert not any("0.0.0.0" in text for text in files.values())


# --- Vault ---------------------------------------------------------------------------------

def _owner(path: str, services: list[str]) -> str | None:
    match = re.search(r"/provisioned/[^/]+/([^/]+)/", path)
    return match.group(1) if match and match.group(1) in services else None


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.parent.name)
def test_each_policy_reads_only_its_own_paths(spec: Path) -> None:
    project = _compile(spec)
    if project.secrets is None:
        pytest.skip("no Vault")
    for site in _sites(project):
        policies = _module(site, "vault")["policies"]
        mount = naming.vault_kv_mount(project.secrets.vault.mount_prefix, site.env.name)
        names = [s.name for s in site.env.services]
        for service in site.env.services:
            policy = policies.get(naming.service_identity(project.name, site.env.name,
                                                           service.name), [])
            secrets = {f"{mount}/data/{naming.vault_secret_path(project.name, n)}"
                       for n in service.secrets}
            for path in policy:
                assert "*" not in path and "+" not in path
                assert path in secrets or _owner(path, names) == service.name, path
            assert secrets <= set(policy)


def test_kubernetes_roles_bind_each_service_account_per_cluster(reference: Project) -> None:
    production = _sites(reference)[-1]
    args = _module(production, "vault")
    eks_aks = [(c.name, r) for c in production.env.clouds if c.kubernetes for r in c.regions]
    assert sorted(args["kubernetes"]) == sorted(
        naming.vault_kubernetes_auth_mount(reference.name, "production", r) for _, r in eks_aks)
    roles = args["kubernetes_roles"]
    assert len(roles) == len(eks_aks) * len(production.env.services)
    for role in roles.values():
        assert role["service_account"] == role["role"]
        assert role["namespace"] == reference.namespace
        assert role["policy"] == naming.service_identity(reference.name, "production", role["role"])
    # Cloud Run has no cluster to sign in from.
    assert not any("us-central1" in mount for mount in args["kubernetes"])


def test_github_oidc_is_bound_to_the_repository_and_environment(reference: Project) -> None:
    github = _module(_sites(reference)[-1], "vault")["github"]
    assert github["repository"] == reference.repository
    assert github["subject"] == f"repo:{reference.repository}:environment:production"
    assert github["environment"] == "production"


def test_secret_manager_and_vault_stay_in_step_on_gcp(reference: Project) -> None:
    for site in _sites(reference):
        args = _module(site, "sync_gcp")
        assert args["to_vault"] == Expr("data.terraform_remote_state.gcp.outputs.to_vault")
        assert args["from_vault"] == Expr("data.terraform_remote_state.gcp.outputs.from_vault")
        # Connection strings created in this apply come from their module, not from Vault.
        assert args["provided_paths"] == sorted(_module(site, "atlas")["connections"])
        assert args["provided"] == Expr("module.atlas.urls")
        assert args["kv_mount"] == Expr("module.vault.kv_mount")


# --- Secrets never leave the stack in clear ------------------------------------------------

def _blocks(project: Project) -> list[Block]:
    from compiler.emitters.terraform.globalstack import atlas, vault
    found = [b for site in _sites(project) for f in stack.build(site).files.values() for b in f]
    return found + atlas.module().outputs + vault.module().outputs


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.parent.name)
def test_no_secret_value_in_any_output(spec: Path) -> None:
    project = _compile(spec)
    for block in _blocks(project):
        if block.type != "output":
            continue
        body = {item.name: item.value for item in block.body if isinstance(item, Attr)}
        text = str(body["value"])
        if re.search(r"urls|password|random_password|data_json", text):
            assert body.get("sensitive") is True, block.labels
        assert "module.atlas.urls" not in text, "root outputs never expose connection strings"


def test_no_global_stack_without_dns_atlas_or_vault() -> None:
    project = _compile(ROOT / "tests" / "cases" / "hostile" / "multicloud.yaml")
    assert globalstack.emit(project) == []
