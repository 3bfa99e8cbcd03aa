"""generated/helm/<project>/: one chart that EKS, GKE and AKS clusters all install.

The chart templates are static Go templates kept in templates/helm/ and copied verbatim; they
reference only ``.Values``. Every spec-derived string reaches the chart as data in a values file
written by the YAML serialiser, so no user string is ever parsed as template text.

Values are layered the way Helm merges them (maps deep-merge, lists and scalars replace):
values.yaml holds cloud-neutral defaults; values-<cloud>-<env>.yaml holds only what differs for
that cloud and environment, plus a ``regions`` map with what differs per cluster, selected by
``region`` (the chart merges ``regions[region]`` over the rest).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from compiler.emitters.base import GENERATED_HEADER, Artifact
from compiler.emitters.helm_values import Placement, base_values, placements, target_values
from compiler.model import Project
from compiler.render import environment, to_yaml

CHART_VERSION = "0.1.0"
# The .j2 suffix only gets them packaged with the other templates: they are copied verbatim,
# never rendered by jinja2.
TEMPLATES = (
    "_helpers.tpl", "serviceaccount.yaml", "configmap.yaml", "deployment.yaml", "service.yaml",
    "hpa.yaml", "pdb.yaml", "ingress.yaml", "networkpolicy.yaml", "externalsecret.yaml",
    "istio.yaml",
)
_INSTALL = (
    "Install with the values file of the cluster's cloud and environment, e.g.\n"
    "  helm upgrade --install {project} helm/{project} --namespace {namespace} \\\n"
    "    -f helm/{project}/values-<cloud>-<env>.yaml --set region=<region> \\\n"
    "    --set image.tag=<git sha> --set image.digest=<pushed digest>\n"
)


def emit(project: Project) -> list[Artifact]:
    clusters = placements(project)
    if not clusters:
        return []
    root = f"helm/{project.name}"
    base = base_values(project)
    header = GENERATED_HEADER.format(spec=project.spec_file)
    install = _INSTALL.format(project=project.name, namespace=project.namespace)
    artifacts = [
        Artifact(f"{root}/Chart.yaml", to_yaml(_chart(project, clusters), header=header)),
        Artifact(f"{root}/values.yaml", to_yaml(base, header=f"{header}\n\n"
                 "Cloud-neutral defaults; the values-<cloud>-<env>.yaml files override them.\n"
                 + install)),
    ]
    for (cloud, env), group in groupby(clusters, key=lambda p: (p.cloud.name, p.environment.name)):
        layer = cluster_layer(project, base, tuple(group))
        artifacts.append(Artifact(f"{root}/values-{cloud}-{env}.yaml",
                                  to_yaml(layer, header=f"{header}\n\n{_note(cloud)}")))
    artifacts += [Artifact(f"{root}/templates/{name}", _template(name)) for name in TEMPLATES]
    return artifacts


def _chart(project: Project, clusters: tuple[Placement, ...]) -> dict[str, Any]:
    oldest = min((p.cloud.kubernetes_version for p in clusters),
                 key=lambda v: tuple(int(part) for part in v.split(".")))
    return {
        "apiVersion": "v2",
        "name": project.name,
        # Helm turns control characters into spaces when it loads Chart.yaml: write what it shows.
        "description": " ".join(project.description.split())
        or f"{project.name}, compiled by mccompile",
        "type": "application",
        "version": CHART_VERSION,
        "kubeVersion": f">={oldest}.0-0",
    }


def _note(cloud: str) -> str:
    note = ("Overrides values.yaml for one cloud and environment. `region` selects the cluster;\n"
            "`regions.<region>` holds what differs between its clusters.\n")
    if cloud == "azure":
        note += ("Pass each service's managed identity client id (known once Terraform created\n"
                 "it): --set-string services.<service>.identity.azureClientId=<client id>\n")
    return note


def cluster_layer(project: Project, base: dict[str, Any],
                  group: tuple[Placement, ...]) -> dict[str, Any]:
    """values-<cloud>-<env>.yaml: what every cluster of the group needs beyond ``base``."""
    full = {p.region: target_values(project, p) for p in group}
    shared = overlay(base, intersect(list(full.values())))
    merged = merge(base, {**shared, "region": group[0].region})
    regions = {region: {k: v for k, v in overlay(merged, values).items() if k != "region"}
               for region, values in full.items()}
    # Cloud-wide settings first, in the order of values.yaml; the per-cluster map last.
    ordered = {key: value for key, value in shared.items() if key != "region"}
    ordered = {**{k: ordered.pop(k) for k in ("cloud", "environment") if k in ordered},
               "region": group[0].region, **ordered, "regions": regions}
    return ordered


def overlay(base: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    """The smallest values file that, merged over ``base`` by Helm, yields ``target``."""
    out: dict[str, Any] = {}
    for key, value in target.items():
        if key not in base:
            out[key] = value
        elif isinstance(value, dict) and isinstance(base[key], dict):
            nested = overlay(base[key], value)
            if nested:
                out[key] = nested
        elif value != base[key]:
            out[key] = value
    return out


def intersect(maps: list[dict[str, Any]]) -> dict[str, Any]:
    """What every map has in common (maps compared key by key, anything else as a whole)."""
    first, rest = maps[0], maps[1:]
    out: dict[str, Any] = {}
    for key, value in first.items():
        others = [other.get(key) for other in rest]
        if isinstance(value, dict) and all(isinstance(other, dict) for other in others):
            out[key] = intersect([value, *others])  # type: ignore[list-item]
        elif all(key in other and other[key] == value for other in rest):
            out[key] = value
    return out


def merge(base: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of a values file over defaults (maps deep-merge, the rest replaces)."""
    out = dict(base)
    for key, value in layer.items():
        current = out.get(key)
        out[key] = merge(current, value) if isinstance(value, dict) and isinstance(
            current, dict) else value
    return out


def _template(name: str) -> str:
    env = environment()
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, f"helm/{name}.j2")
    return source
