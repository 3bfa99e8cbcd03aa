"""Render the generated Helm chart the way a deploy does, with the Helm v4 SDK (no binary)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # YAML 1.1, as Kubernetes reads it
from checkov_runner import Report, scan

from compiler import helmrender
from compiler.emitters import helm
from compiler.model import Project

try:
    import helm_python  # noqa: F401  # imported to fail loudly when missing
    import kubernetes_validate  # type: ignore[import-untyped]
except ImportError as missing:  # a missing validator fails, it never skips
    pytest.fail(f"{missing.name} is not installed: run `make test`", pytrace=False)

DEPLOY = helmrender.DEPLOY_IMAGE
# Kinds defined by CRDs (External Secrets Operator, Istio): kubernetes-validate has no schema.
CRD_KINDS = frozenset({"ExternalSecret", "SecretStore", "PeerAuthentication",
                       "AuthorizationPolicy"})


@dataclass(frozen=True)
class Rendering:
    """One install: a values file, a region, and what the chart renders for it."""

    label: str  # e.g. "values-aws-production.yaml@eu-west-1"
    values: dict[str, Any]
    documents: tuple[dict[str, Any], ...]
    text: str

    def kind(self, kind: str) -> list[dict[str, Any]]:
        return [doc for doc in self.documents if doc["kind"] == kind]

    def one(self, kind: str, name: str) -> dict[str, Any]:
        found = [doc for doc in self.kind(kind) if doc["metadata"]["name"] == name]
        assert len(found) == 1, f"{self.label}: {len(found)} {kind} named {name}"
        return found[0]


def write_chart(project: Project, out: Path) -> Path:
    """Write only the helm emitter's files for ``project`` under ``out``; return the chart."""
    for artifact in helm.emit(project):
        target = out / artifact.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(artifact.content, encoding="utf-8")
    return out / "helm" / project.name


def with_kubernetes(project: Project, **changes: str) -> Project:
    """``project`` with other `kubernetes` settings (mesh, secrets_delivery, ...)."""
    return dataclasses.replace(project, kubernetes=project.kubernetes.model_copy(update=changes))


def merge(base: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    return helm.merge(base, layer)


def install_values(chart: Path, values_file: str, region: str | None) -> dict[str, Any]:
    """The values a deploy passes: the file, the region, the image, Azure client ids."""
    return helmrender.install_values(chart, helmrender.Install(values_file, region))


def render(chart: Path, values: dict[str, Any], label: str, namespace: str) -> Rendering:
    text = helmrender.render(chart, values, namespace)
    documents = tuple(doc for doc in yaml.safe_load_all(text) if doc)
    return Rendering(label, values, documents, text)


def installs(chart: Path) -> list[tuple[str, str | None]]:
    """Every (values file, region) a deploy can use: values.yaml alone, then each cluster."""
    return [(install.values_file, install.region) for install in helmrender.installs(chart)]


def render_all(chart: Path, namespace: str) -> list[Rendering]:
    return [render(chart, install_values(chart, name, region),
                   f"{name}@{region}" if region else name, namespace)
            for name, region in installs(chart)]


def validate(document: dict[str, Any], kubernetes_version: str) -> None:
    """kubernetes-validate in strict mode against the cluster's version (or the newest it has)."""
    version = f"{kubernetes_version}.0"
    newest = kubernetes_validate.utils.latest_version()
    if tuple(map(int, kubernetes_version.split("."))) > tuple(map(int, newest.split(".")[:2])):
        version = newest
    kubernetes_validate.validate(document, version, strict=True)


def checkov(renderings: list[Rendering], out: Path) -> Report:
    """Checkov's kubernetes framework over the renderings (one run)."""
    for index, rendering in enumerate(renderings):
        (out / f"{index:02d}.yaml").write_text(rendering.text, encoding="utf-8")
    return scan(out, "kubernetes")


def failures(report: Report) -> list[str]:
    return [str(finding) for finding in report.failed]
