"""observability/: OpenTelemetry collectors, Grafana dashboards and alerts (MC-021 to MC-025).

Split by concern: ``collector`` (collector configs), ``kubernetes`` (manifests that run the
cloud collector), ``dashboards`` + ``grafana`` (dashboard JSON), ``alerts`` (provisioning
files), all querying through ``promql`` and ``compiler.telemetry`` (the metric contract).
"""

from __future__ import annotations

from compiler import otelcheck, telemetry
from compiler.emitters.base import GENERATED_HEADER, Artifact
from compiler.emitters.observability import alerts, collector, dashboards, grafana, kubernetes
from compiler.model import Project
from compiler.render import render_template, to_yaml

OUT = "observability"


def emit(project: Project) -> list[Artifact]:
    header = GENERATED_HEADER.format(spec=project.spec_file)
    cloud, local = collector.cloud_config(project), collector.local_config()
    for name, config in (("otel-collector", cloud), ("otel-collector-local", local)):
        problems = otelcheck.check(config)
        if problems:  # a bug in this emitter, never in the user's spec
            raise AssertionError(f"{name}: " + "; ".join(problems))
    artifacts = [
        Artifact(f"{OUT}/otel-collector.yaml", to_yaml(cloud, header=header)),
        Artifact(f"{OUT}/otel-collector-local.yaml", to_yaml(local, header=header)),
        Artifact(f"{OUT}/kubernetes/otel-collector.yaml",
                 f"# {header}\n" + kubernetes.manifests(project, to_yaml(cloud),
                                                        collector.env_references(cloud))),
    ]
    specs = dashboards.dashboards(project) if project.observability.dashboards else []
    artifacts += [Artifact(f"{OUT}/dashboards/{spec.name}.json", grafana.render(project.name, spec))
                  for spec in specs]
    artifacts += _alerts(project, header)
    artifacts.append(Artifact(f"{OUT}/README.md", _readme(project, header, cloud, specs)))
    return artifacts


def _alerts(project: Project, header: str) -> list[Artifact]:
    found = [Artifact(f"{OUT}/alerts/rules.yaml",
                      to_yaml(alerts.rules_document(project), header=header))]
    contact_points = alerts.contact_points_document(project)
    if contact_points is not None:
        found += [
            Artifact(f"{OUT}/alerts/contactpoints.yaml", to_yaml(contact_points, header=header)),
            Artifact(f"{OUT}/alerts/policies.yaml",
                     to_yaml(alerts.policies_document(project), header=header)),
        ]
    return found


def _readme(project: Project, header: str, cloud: collector.Config,
            specs: list[grafana.Dashboard]) -> str:
    exporter = project.observability.exporter
    return render_template(
        "observability/README.md.j2",
        header=header,
        project=project,
        exporter=exporter.kind if exporter.endpoint or exporter.kind == "datadog"
        else "nowhere yet (no exporter endpoint in the spec: the debug exporter logs a summary)",
        detectors=", ".join(cloud["processors"]["resourcedetection"]["detectors"]),
        env_names=collector.env_references(cloud),
        dashboards=[(spec.name, spec.title, grafana.uid(project.name, spec.name))
                    for spec in specs],
        labels=telemetry.LABELS,
        metrics=telemetry.metrics(project),
        groups=alerts.groups(project),
        datasource_uid=alerts.datasource_uid(project),
        contact_points=alerts.contact_points_document(project) is not None,
        contact_point=alerts.contact_point_name(project),
    )
