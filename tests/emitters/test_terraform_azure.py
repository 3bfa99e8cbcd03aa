"""The Azure Terraform emitter: roles derived from `uses` at exact scopes, federated credentials
limited to the spec's repository and service accounts, names shared with the contract and the
workflows. (fmt, validate and Checkov run over the committed trees in test_terraform.py.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from compiler import contract, naming
from compiler.emitters.terraform import azure
from compiler.emitters.terraform.azure import github, identity
from compiler.emitters.terraform.common import GITHUB_OIDC_ISSUER
from compiler.errors import SpecError
from compiler.hcl import Expr
from compiler.model import Project
from compiler.pipeline import compile_project
from conftest import ROOT

REFERENCE = ROOT / "spec" / "multicloud.yaml"
POSTGRES = ROOT / "tests" / "cases" / "azure-postgres" / "multicloud.yaml"
COSMOS = ROOT / "tests" / "cases" / "azure-cosmos" / "multicloud.yaml"


def _project(path: Path) -> Project:
    return compile_project(path, path.name)


def _files(project: Project) -> dict[str, str]:
    return {artifact.path: artifact.content for artifact in azure.emit(project)}


def _text(value: object) -> Any:
    """Expressions as their text, so that expected values read like the generated HCL."""
    if isinstance(value, Expr):
        return value.text
    if isinstance(value, dict):
        return {key: _text(item) for key, item in value.items()}
    return value


def test_roles_follow_uses_at_exact_scopes() -> None:
    env = _project(REFERENCE).environment("production")
    roles = _text(identity.workload_roles(env, ["westeurope"]))
    storage = 'module.storage_westeurope.container_ids["reports"]'
    queue = 'module.servicebus_westeurope.queue_ids["analysis"]'
    assert roles == {
        "api-queue-analysis-sender-westeurope": {
            "identity": "api", "role": "Azure Service Bus Data Sender", "scope": queue},
        "api-storage-reports-reader-westeurope": {
            "identity": "api", "role": "Storage Blob Data Reader", "scope": storage},
        "worker-queue-analysis-receiver-westeurope": {
            "identity": "worker", "role": "Azure Service Bus Data Receiver", "scope": queue},
        "worker-storage-reports-contributor-westeurope": {
            "identity": "worker", "role": "Storage Blob Data Contributor", "scope": storage},
    }


def test_read_write_queue_gets_both_roles_in_every_region() -> None:
    env = _project(POSTGRES).environment("production")
    roles = _text(identity.workload_roles(env, ["westeurope", "northeurope"]))
    api_queue = sorted((v["role"], v["scope"]) for k, v in roles.items()
                       if k.startswith("api-queue-"))
    assert api_queue == [
        ("Azure Service Bus Data Receiver", 'module.servicebus_northeurope.queue_ids["settlements"]'),
        ("Azure Service Bus Data Receiver", 'module.servicebus_westeurope.queue_ids["settlements"]'),
        ("Azure Service Bus Data Sender", 'module.servicebus_northeurope.queue_ids["settlements"]'),
        ("Azure Service Bus Data Sender", 'module.servicebus_westeurope.queue_ids["settlements"]'),
    ]
    # No role anywhere wider than one container or one queue.
    assert all(re.fullmatch(r'module\.(storage|servicebus)_\w+\.(container|queue)_ids\["\w+"\]',
                            value["scope"]) for value in roles.values())


def test_cache_policies_follow_uses() -> None:
    env = _project(POSTGRES).environment("production")
    policies = _text(identity.cache_access(env.services))
    assert policies == {
        "api": {"alias": "api", "object_id": 'module.workloads.principal_ids["api"]',
                "policy": "Data Reader"},
        "settler": {"alias": "settler", "object_id": 'module.workloads.principal_ids["settler"]',
                    "policy": "Data Contributor"},
    }


def test_workload_federation_trusts_only_each_services_account_per_cluster() -> None:
    project = _project(POSTGRES)
    env = project.environment("production")
    federations = _text(identity.workload_federations(project, env, ["westeurope", "northeurope"]))
    assert sorted(federations) == ["api-northeurope", "api-westeurope",
                                   "settler-northeurope", "settler-westeurope"]
    for key, federation in federations.items():
        service, region = key.split("-")
        assert federation == {
            "identity": service,
            "name": naming.kubernetes_cluster("ledger", "production", region),
            "issuer": f"module.aks_{region}.oidc_issuer_url",
            "subject": f"system:serviceaccount:ledger:{naming.kubernetes_service_account(service)}",
        }


@pytest.mark.parametrize("path", [REFERENCE, POSTGRES], ids=["reference", "azure-postgres"])
def test_github_identities_trust_only_the_spec_repository(path: Path) -> None:
    project = _project(path)
    cloud = project.environments[0].cloud("azure")
    assert cloud is not None
    repo = f"repo:{project.repository}"
    shared = github.shared_arguments(project, cloud)["federations"]
    assert shared == {
        "plan": {"identity": "plan", "name": "github-plan", "issuer": GITHUB_OIDC_ISSUER,
                 "subject": f"{repo}:pull_request"},
        "push": {"identity": "push", "name": "github-push", "issuer": GITHUB_OIDC_ISSUER,
                 "subject": f"{repo}:ref:refs/heads/{project.default_branch}"},
    }
    for env in project.environments:
        env_cloud = env.cloud("azure")
        assert env_cloud is not None
        deploy = github.deploy_arguments(project, env, env_cloud, home=False)["federations"]
        assert deploy == {"deploy": {"identity": "deploy", "name": f"github-{env.name}",
                                     "issuer": GITHUB_OIDC_ISSUER,
                                     "subject": f"{repo}:environment:{env.name}"}}


def test_deploy_identity_delegates_only_workload_roles() -> None:
    project = _project(REFERENCE)
    env = project.environment("production")
    cloud = env.cloud("azure")
    assert cloud is not None
    arguments = github.deploy_arguments(project, env, cloud, home=False)
    delegated = {key for key, value in _text(arguments["role_assignments"]).items()
                 if value.get("delegate")}
    assert delegated == {"deploy-delegate-westeurope", "deploy-delegate-registry"}
    assignable = _text(arguments["assignable_roles"])
    assert "Owner" not in assignable and "Contributor" not in assignable
    assert "Role Based Access Control Administrator" not in assignable


def test_names_match_the_contract_and_the_workflows() -> None:
    project = _project(REFERENCE)
    files = _files(project)
    main = files["terraform/production/azure/main.tf"]
    env = project.environment("production")
    target = contract.Target("azure", "westeurope", "production", "aks", env.clouds[2].account)
    api = env.services[0]
    urls = {var.name: var.value for var in contract.service_env(project, api, target)}
    account = naming.storage_account("threat-modeler", "production", "westeurope")
    namespace = naming.servicebus_namespace("threat-modeler", "production", "westeurope")
    assert urls["STORAGE_REPORTS_URL"] == f"az://{account}/reports"
    assert urls["QUEUE_ANALYSIS_URL"] == f"servicebus://{namespace}.servicebus.windows.net/analysis"
    assert f'name   = "{account}"' in main
    assert f'name   = "{namespace}"' in main
    for name in (naming.kubernetes_cluster("threat-modeler", "production", "westeurope"),
                 naming.azure_resource_group("threat-modeler", "production", "westeurope"),
                 naming.service_identity("threat-modeler", "production", "api"),
                 naming.azure_github_identity("threat-modeler", "production")):
        assert f'"{name}"' in main


def test_shared_resources_come_from_the_first_environment_only() -> None:
    files = _files(_project(REFERENCE))
    staging = files["terraform/staging/azure/main.tf"]
    production = files["terraform/production/azure/main.tf"]
    assert 'module "registry"' in staging and 'module "github_shared"' in staging
    assert 'module "registry"' not in production and 'module "github_shared"' not in production
    assert github.registry_id(_project(REFERENCE), _project(REFERENCE).environments[0].clouds[2]) \
        in production


def test_every_checkov_skip_is_reasoned() -> None:
    skips: set[str] = set()
    for path in (REFERENCE, POSTGRES, COSMOS):
        for content in _files(_project(path)).values():
            for line in content.splitlines():
                if "checkov:skip" in line:
                    check, _, reason = line.split("checkov:skip=", 1)[1].partition(": ")
                    assert len(reason) > 40, line
                    skips.add(check)
    assert skips == {"CKV_AZURE_33", "CKV2_AZURE_21", "CKV_AZURE_164", "CKV_AZURE_165",
                     "CKV_AZURE_166", "CKV_AZURE_172"}


def test_geo_replication_skip_only_for_single_region_projects() -> None:
    single = _files(_project(REFERENCE))["terraform/modules/azure-registry/main.tf"]
    multi = _files(_project(POSTGRES))["terraform/modules/azure-registry/main.tf"]
    assert "CKV_AZURE_165" in single and "CKV_AZURE_165" not in multi


def test_cosmos_engine_emits_a_replicated_account() -> None:
    files = _files(_project(COSMOS))
    main = files["terraform/production/azure/main.tf"]
    assert 'source = "../../modules/azure-cosmos"' in main
    assert "terraform/modules/azure-cosmos/main.tf" in files
    assert "terraform/modules/azure-postgres/main.tf" not in files
    assert 'location       = "westus"' in main and 'zone_redundant = false' in main


def test_cosmos_engine_needs_azure_alone(tmp_path: Path) -> None:
    spec = COSMOS.read_text().replace(
        "clouds:\n", "clouds:\n  gcp:\n    project_id: notes-prod-1234\n    regions: [us-central1]\n"
                     "    state: {bucket: notes-tfstate}\n", 1)
    path = tmp_path / "multicloud.yaml"
    path.write_text(spec)
    with pytest.raises(SpecError, match="cosmos-mongodb runs on Azure only"):
        compile_project(path, "multicloud.yaml")


def test_no_azure_no_output() -> None:
    project = _project(ROOT / "examples" / "minimal.yaml")
    assert azure.emit(project) == []
