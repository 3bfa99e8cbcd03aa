"""Render the generated Helm charts the way a deploy installs them (Helm v4 SDK, no binary).

Used by `mccompile scan`, whose Checkov kubernetes framework needs manifests, not templates, and
by the tests. Every values file is rendered once per region it lists, with the values a deploy
adds: the pushed image by digest and, on AKS, the workload-identity client ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from compiler.emitters.helm import merge
from compiler.errors import ToolMissingError

# Stand-ins for what only a deploy knows; they make every template branch render.
DEPLOY_IMAGE = {"image": {"tag": "0123abc", "digest": "sha256:" + "0" * 64}}


@dataclass(frozen=True)
class Install:
    values_file: str
    region: str | None

    @property
    def label(self) -> str:
        return f"{self.values_file}@{self.region}" if self.region else self.values_file


def charts(out: Path) -> list[Path]:
    return sorted(p.parent for p in (out / "helm").glob("*/Chart.yaml"))


def _load(path: Path) -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def installs(chart: Path) -> list[Install]:
    """values.yaml alone, then every (cloud values file, region) a deploy can use."""
    found = [Install("values.yaml", None)]
    for path in sorted(chart.glob("values-*.yaml")):
        found += [Install(path.name, region) for region in _load(path).get("regions", {})]
    return found


def install_values(chart: Path, install: Install) -> dict[str, Any]:
    values = {} if install.values_file == "values.yaml" else _load(chart / install.values_file)
    values = merge(values, DEPLOY_IMAGE)
    if install.region is not None:
        values["region"] = install.region
    if values.get("identity", {}).get("provider") == "aks":
        services = sorted(merge(_load(chart / "values.yaml"), values).get("services", {}))
        client_ids = {name: {"identity": {"azureClientId": f"{index:08d}-0000-0000-0000-000000000000"}}
                      for index, name in enumerate(services)}
        values = merge(values, {"services": client_ids})
    return values


def render(chart: Path, values: dict[str, Any], namespace: str | None = None) -> str:
    """All manifests of one install, as one multi-document YAML text."""
    helm = _helm()
    namespace = namespace or str(_load(chart / "values.yaml").get("namespace", "default"))
    with helm.Chart.load(str(chart)) as loaded:
        manifests = loaded.render(values=values, name=chart.name, namespace=namespace)
    return "".join(manifests[name] for name in sorted(manifests))


def render_all(chart: Path) -> Iterator[tuple[Install, str]]:
    for install in installs(chart):
        yield install, render(chart, install_values(chart, install))


def render_to(chart: Path, dest: Path) -> dict[str, str]:
    """Write each install's manifests to ``dest``; file name -> install label."""
    labels = {}
    for index, (install, text) in enumerate(render_all(chart)):
        name = f"{index:02d}.yaml"
        (dest / name).write_text(text, encoding="utf-8")
        labels[name] = install.label
    return labels


def _helm() -> Any:
    try:
        import helm_python
    except ImportError as e:
        raise ToolMissingError("the Helm v4 SDK (helm-python-sdk) is not installed: install the "
                               "scanner with `pip install 'mccompile[scan]'`") from e
    return helm_python
