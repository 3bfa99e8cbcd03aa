"""Focused behaviour of the Helm chart: the contract, secrets by name, network and mesh policy,
workload identity, and refusals. Each test renders the chart with the Helm v4 SDK."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml  # type: ignore[import-untyped]  # YAML 1.1, as Kubernetes reads it
from helm_render import (
    CRD_KINDS,
    DEPLOY,
    Rendering,
    checkov,
    failures,
    install_values,
    render,
    validate,
    with_kubernetes,
    write_chart,
)

from compiler import naming
from compiler.contract import service_env
from compiler.emitters import docker_image, helm_network, helm_values
from compiler.emitters.helm_values import Placement, placements
from compiler.model import Project
from compiler.pipeline import compile_project
from conftest import ROOT

SPEC = ROOT / "spec" / "multicloud.yaml"


@pytest.fixture(scope="module")
def project() -> Project:
    return compile_project(SPEC, "spec/multicloud.yaml")


def _install(project: Project, tmp: Path, placement: Placement) -> Rendering:
    chart = write_chart(project, tmp)
    name = f"values-{placement.cloud.name}-{placement.environment.name}.yaml"
    return render(chart, install_values(chart, name, placement.region), name, project.namespace)


def _pod(rendering: Rendering, service: str) -> dict[str, Any]:
    template: dict[str, Any] = rendering.one("Deployment", service)["spec"]["template"]
    return template


def test_configmap_is_the_contract_and_secrets_come_by_name(project: Project, tmp_path: Path) -> None:
    for placement in placements(project):
        rendering = _install(project, tmp_path, placement)
        for service in placement.environment.services:
            variables = service_env(project, service, placement.target)
            values = {v.name: v.value for v in variables if v.source == "value"}
            hidden = sorted(v.name for v in variables if v.source != "value")
            assert rendering.one("ConfigMap", f"{service.name}-env")["data"] == values
            annotations = _pod(rendering, service.name)["metadata"]["annotations"]
            files = sorted(value for key, value in annotations.items()
                           if key.startswith("vault.hashicorp.com/agent-inject-file-"))
            assert files == hidden
            mount = f"apps-{placement.environment.name}/data/"
            paths = [v for k, v in annotations.items() if "agent-inject-secret-" in k]
            assert all(path.startswith(mount) for path in paths)
        assert "sha256:" + "0" * 64 in rendering.text  # the image is pinned by digest


def test_pod_is_hardened_and_mounts_no_token(project: Project, tmp_path: Path) -> None:
    assert helm_values.APP_UID == docker_image.APP_UID  # the user the image creates
    rendering = _install(project, tmp_path, placements(project)[0])
    for service in ("api", "worker"):
        spec = _pod(rendering, service)["spec"]
        assert spec["automountServiceAccountToken"] is False
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] >= 10000
        container = spec["containers"][0]
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"] == {"drop": ["ALL"]}
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
        # Only the Vault agent gets a (projected, audience-bound) token; the app mounts none.
        token = next(v for v in spec["volumes"] if v["name"] == "vault-token")
        assert token["projected"]["sources"][0]["serviceAccountToken"]["audience"] == "vault"
        assert all(m["name"] != "vault-token" for m in container["volumeMounts"])


def _egress_ports(policy: dict[str, Any]) -> list[set[tuple[int, str]]]:
    return [{(p["port"], p["protocol"]) for p in rule["ports"]} for rule in
            policy["spec"]["egress"] if "ports" in rule]


def test_network_policy_allows_exactly_what_uses_says(project: Project, tmp_path: Path) -> None:
    placement = placements(project)[-1]  # azure: Service Bus also speaks AMQP
    rendering = _install(project, tmp_path, placement)
    deny = rendering.one("NetworkPolicy", "default-deny")["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    for service in placement.environment.services:
        policy = rendering.one("NetworkPolicy", service.name)
        expected = [{(53, "UDP"), (53, "TCP")}, {(4317, "TCP")}]
        expected += [{(p["port"], p["protocol"]) for p in rule["ports"]} for rule in
                     helm_network.dependency_egress(project, service, "azure").values()]
        expected.append({(8200, "TCP")})  # the Vault agent
        assert _egress_ports(policy) == expected
        assert policy["spec"]["egress"][-1]["to"] == [  # linkerd's control plane, no ports
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "linkerd"}}}]
        ingress = policy["spec"]["ingress"]
        if service.public:
            assert ingress == [{"from": [{"namespaceSelector": {"matchLabels": {
                "kubernetes.io/metadata.name": "ingress-nginx"}}}],
                "ports": [{"port": service.port, "protocol": "TCP"}]}]
        else:
            assert ingress == []
    rules = {use.kind: helm_network.dependency_egress(project, service, "azure")
             for service in project.services for use in service.uses}
    assert rules["cache"]["cache"]["ports"] == [{"port": 6380, "protocol": "TCP"}]
    assert rules["queue"]["queue-analysis"]["ports"] == [
        {"port": 443, "protocol": "TCP"}, {"port": 5671, "protocol": "TCP"}]


def test_a_service_without_uses_gets_no_dependency_egress(project: Project) -> None:
    lonely = dataclasses.replace(project.services[0], uses=())
    assert helm_network.dependency_egress(project, lonely, "aws") == {}


def test_istio_policies_only_with_mesh_istio(project: Project, tmp_path: Path) -> None:
    placement = placements(project)[0]
    linkerd = _install(project, tmp_path / "linkerd", placement)
    assert not linkerd.kind("PeerAuthentication") and not linkerd.kind("AuthorizationPolicy")
    assert _pod(linkerd, "api")["metadata"]["annotations"]["linkerd.io/inject"] == "enabled"
    istio = _install(with_kubernetes(project, mesh="istio"), tmp_path / "istio", placement)
    peer = istio.one("PeerAuthentication", "default")
    assert peer["spec"] == {"mtls": {"mode": "STRICT"}}
    api, worker = istio.one("AuthorizationPolicy", "api"), istio.one("AuthorizationPolicy", "worker")
    assert api["spec"]["rules"] == [{"from": [{"source": {"namespaces": ["ingress-nginx"]}}],
                                     "to": [{"operation": {"ports": ["8000"]}}]}]
    assert worker["spec"] == {"selector": worker["spec"]["selector"], "action": "ALLOW"}
    pod = _pod(istio, "api")
    assert pod["metadata"]["labels"]["sidecar.istio.io/inject"] == "true"
    assert "linkerd.io/inject" not in pod["metadata"]["annotations"]
    # The Vault agent init container runs before the proxy: its port bypasses redirection.
    assert pod["metadata"]["annotations"]["traffic.sidecar.istio.io/excludeOutboundPorts"] == "8200"
    assert _pod(linkerd, "api")["metadata"]["annotations"][
        "config.linkerd.io/skip-outbound-ports"] == "8200"
    none = _install(with_kubernetes(project, mesh="none"), tmp_path / "none", placement)
    assert not none.kind("PeerAuthentication")
    assert "sidecar.istio.io/inject" not in _pod(none, "api")["metadata"]["labels"]


def test_external_secrets_delivery(project: Project, tmp_path: Path) -> None:
    placement = placements(project)[0]
    variant = with_kubernetes(project, secrets_delivery="external-secrets")
    rendering = _install(variant, tmp_path, placement)
    store = rendering.one("SecretStore", "api")["spec"]["provider"]["vault"]
    assert store["path"] == "apps-staging"
    assert store["auth"]["kubernetes"]["serviceAccountRef"] == {"name": "api",
                                                                "audiences": ["vault"]}
    external = rendering.one("ExternalSecret", "api")["spec"]
    assert [item["secretKey"] for item in external["data"]] == [
        "CACHE_URL", "DATABASE_URL", "JWT_SIGNING_KEY", "MONGODB_URI", "OPENAI_API_KEY"]
    assert external["data"][2]["remoteRef"] == {"key": "threat-modeler/JWT_SIGNING_KEY",
                                                "property": "value"}
    pod = _pod(rendering, "api")
    assert not any(k.startswith("vault.hashicorp.com") for k in pod["metadata"]["annotations"])
    container = pod["spec"]["containers"][0]
    assert {"name": "secrets", "mountPath": "/run/secrets/app", "readOnly": True} in \
        container["volumeMounts"]
    assert "env" not in container  # secrets are files, exported to the process at start
    for document in rendering.documents:
        if document["kind"] not in ("SecretStore", "ExternalSecret"):
            validate(document, "1.31")


def test_workload_identity_per_cloud(project: Project, tmp_path: Path) -> None:
    aws, azure = placements(project)[0], placements(project)[-1]
    rendering = _install(project, tmp_path / "aws", aws)
    role = naming.service_identity("threat-modeler", "staging", "api")
    annotations = rendering.one("ServiceAccount", "api")["metadata"]["annotations"]
    assert annotations["eks.amazonaws.com/role-arn"] == f"arn:aws:iam::111122223333:role/{role}"
    rendering = _install(project, tmp_path / "azure", azure)
    annotations = rendering.one("ServiceAccount", "api")["metadata"]["annotations"]
    assert annotations["azure.workload.identity/client-id"].startswith("0000000")
    labels = _pod(rendering, "api")["metadata"]["labels"]
    assert labels["azure.workload.identity/use"] == "true"


def test_gke_identity_registry_and_metadata_egress(tmp_path: Path) -> None:
    project = _gke_project(tmp_path)
    gke = next(p for p in placements(project) if p.cloud.name == "gcp")
    rendering = _install(project, tmp_path / "chart", gke)
    account = naming.gcp_service_account("threat-modeler", gke.environment.name, "worker")
    annotations = rendering.one("ServiceAccount", "worker")["metadata"]["annotations"]
    assert annotations["iam.gke.io/gcp-service-account"] == \
        f"{account}@threat-modeler-prod.iam.gserviceaccount.com"
    image = _pod(rendering, "worker")["spec"]["containers"][0]["image"]
    assert image.startswith("us-central1-docker.pkg.dev/threat-modeler-prod/threat-modeler/")
    egress = rendering.one("NetworkPolicy", "worker")["spec"]["egress"]
    assert {"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}],
            "ports": [{"port": 80, "protocol": "TCP"}]} in egress


def test_hostile_strings_stay_data(tmp_path: Path) -> None:
    spec = ROOT / "tests" / "cases" / "hostile" / "multicloud.yaml"
    project = compile_project(spec, "multicloud.yaml")
    placement = placements(project)[0]
    rendering = _install(project, tmp_path, placement)
    service = placement.environment.services[0]
    data = rendering.one("ConfigMap", "web-env")["data"]
    assert {k: data[k] for k, _ in service.env} == dict(service.env)
    assert "{{ template" in data["GREETING"] and "\n# not a comment" in data["GREETING"]
    assert _pod(rendering, "web")["spec"]["containers"][0]["command"] == list(service.command)
    with helm_python.Chart.load(str(tmp_path / "helm" / "hostile")) as chart:
        assert chart.metadata["description"] == " ".join(project.description.split())
    for document in rendering.documents:
        validate(document, placement.cloud.kubernetes_version)


def _gke_project(tmp_path: Path) -> Project:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    spec["clouds"]["gcp"]["runtime"] = "gke"
    (tmp_path / "multicloud.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return compile_project(tmp_path / "multicloud.yaml", "multicloud.yaml")


def test_variants_validate_and_pass_checkov(project: Project, tmp_path: Path) -> None:
    """Istio with External Secrets on every cluster, and GKE: the same bar as the reference."""
    variant = with_kubernetes(_gke_project(tmp_path), mesh="istio",
                              secrets_delivery="external-secrets")
    renderings = [_install(variant, tmp_path / "chart", p) for p in placements(variant)]
    kinds = {doc["kind"] for r in renderings for doc in r.documents}
    assert kinds >= CRD_KINDS
    for rendering, placement in zip(renderings, placements(variant), strict=True):
        for document in rendering.documents:
            if document["kind"] not in CRD_KINDS:
                validate(document, placement.cloud.kubernetes_version)
    scan = tmp_path / "scan"
    scan.mkdir()
    report = checkov(renderings, scan)
    assert not failures(report), failures(report)
    assert report.summary["skipped"] == 0 and report.summary["passed"] > 900


@pytest.mark.parametrize(("change", "message"), [
    ({"image": {"tag": "", "digest": ""}}, "set image.digest"),
    ({"image": {"tag": "latest", "digest": ""}}, "set image.digest"),
    ({"image": {"digest": "sha256:short"}}, "image.digest must look like"),
    ({"region": "mars-1"}, 'region "mars-1" is not one of'),
])
def test_render_refuses_unsafe_installs(project: Project, tmp_path: Path,
                                       change: dict[str, Any], message: str) -> None:
    chart = write_chart(project, tmp_path)
    values = install_values(chart, "values-aws-production.yaml", None)
    values = {**values, **{k: {**values.get(k, {}), **v} if isinstance(v, dict) else v
                           for k, v in change.items()}}
    with pytest.raises(helm_python.HelmError, match=message):
        render(chart, values, "refused", project.namespace)


def test_render_refuses_other_namespace_and_missing_azure_client_id(
        project: Project, tmp_path: Path) -> None:
    chart = write_chart(project, tmp_path)
    values = install_values(chart, "values-aws-staging.yaml", None)
    with pytest.raises(helm_python.HelmError, match='install this chart in namespace "threat-'):
        render(chart, values, "elsewhere", "default")
    azure = helm_python.values_from_yaml((chart / "values-azure-staging.yaml").read_text())
    with pytest.raises(helm_python.HelmError, match="azureClientId"):
        render(chart, {**azure, **DEPLOY}, "no client id", project.namespace)
