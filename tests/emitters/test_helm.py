"""The Helm chart of the reference spec, checked by the tools that consume it.

For values.yaml and every values-<cloud>-<env>.yaml (each region): the Helm v4 SDK lints the chart
(strict) and renders it; every manifest validates with kubernetes-validate (strict) against the
cluster's Kubernetes version; Checkov's kubernetes framework finds nothing in the renderings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml  # type: ignore[import-untyped]  # YAML 1.1, as Kubernetes reads it
from helm_render import (
    CRD_KINDS,
    Rendering,
    checkov,
    failures,
    install_values,
    installs,
    render_all,
    validate,
)

from compiler.emitters import helm
from compiler.emitters.helm_values import base_values, placements, target_values
from compiler.pipeline import compile_project
from conftest import ROOT

SPEC = ROOT / "spec" / "multicloud.yaml"
NAMESPACE = "threat-modeler"


@pytest.fixture(scope="session")
def chart(reference_tree: Path) -> Path:
    return reference_tree / "generated" / "helm" / "threat-modeler"


@pytest.fixture(scope="session")
def renderings(chart: Path) -> list[Rendering]:
    return render_all(chart, NAMESPACE)


def _kubernetes_version(values: dict[str, Any]) -> str:
    project = compile_project(SPEC, "spec/multicloud.yaml")
    if not values["cloud"]:  # values.yaml alone: the oldest version the chart supports
        return min((p.cloud.kubernetes_version for p in placements(project)),
                   key=lambda v: tuple(map(int, v.split("."))))
    cloud = project.environment(values["environment"]).cloud(values["cloud"])
    assert cloud is not None
    return cloud.kubernetes_version


def test_every_cluster_has_a_values_file(chart: Path) -> None:
    names = sorted(path.name for path in chart.glob("values*.yaml"))
    assert names == ["values-aws-production.yaml", "values-aws-staging.yaml",
                     "values-azure-production.yaml", "values-azure-staging.yaml", "values.yaml"]
    assert [region for name, region in installs(chart) if name == "values-aws-production.yaml"] \
        == ["us-east-1", "eu-west-1"]


@pytest.mark.parametrize("values_file", ["values.yaml", "values-aws-staging.yaml",
                                         "values-aws-production.yaml", "values-azure-staging.yaml",
                                         "values-azure-production.yaml"])
def test_chart_lints_strict(chart: Path, values_file: str) -> None:
    values = install_values(chart, values_file, None)
    version = _kubernetes_version(helm.merge(yaml.safe_load(
        (chart / "values.yaml").read_text(encoding="utf-8")), values))
    report = helm_python.lint(str(chart), values, strict=True, namespace=NAMESPACE,
                              kube_version=f"v{version}.0")
    # Severity 1 is information ("icon is recommended"); strict lint fails on 2 and above.
    problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
    assert not problems, problems


def test_manifests_validate_strict(renderings: list[Rendering]) -> None:
    checked = 0
    for rendering in renderings:
        values = rendering.values
        merged = {"cloud": values.get("cloud", ""), "environment": values.get("environment", "")}
        version = _kubernetes_version(merged)
        for document in rendering.documents:
            assert document["kind"] not in CRD_KINDS  # linkerd and vault-agent: no CRDs here
            validate(document, version)
            checked += 1
    # 6 installs x (api: 8 objects, worker: 7 without an Ingress, the default-deny policy)
    assert checked == len(renderings) * 16 == 96


def test_checkov_finds_nothing(renderings: list[Rendering], tmp_path: Path) -> None:
    report = checkov(renderings, tmp_path)
    summary = report.summary
    assert not failures(report), failures(report)
    assert summary["parsing_errors"] == 0
    assert summary["skipped"] == 0  # no inline skips anywhere in the chart
    # 96 objects, plus the pod template Checkov extracts from each of the 12 Deployments
    assert summary["resource_count"] == 108 and summary["passed"] > 900


def test_values_layers_rebuild_every_cluster() -> None:
    """values.yaml + values-<cloud>-<env>.yaml + regions[region] == that cluster's values."""
    project = compile_project(SPEC, "spec/multicloud.yaml")
    base = base_values(project)
    for placement in placements(project):
        group = tuple(p for p in placements(project) if (p.cloud, p.environment) ==
                      (placement.cloud, placement.environment))
        layer = helm.cluster_layer(project, base, group)
        merged = helm.merge(helm.merge(base, layer), layer["regions"][placement.region])
        merged["region"] = placement.region
        assert {k: v for k, v in merged.items() if k != "regions"} == \
            target_values(project, placement)
