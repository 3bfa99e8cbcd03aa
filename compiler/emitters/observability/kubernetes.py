"""Plain Kubernetes manifests that run the cloud collector in each cluster.

The Service name and port are the ones the env-var contract gives every service
(``otel-collector.<namespace>.svc.cluster.local:4317``). Credentials come from the Secret
``otel-collector-credentials`` (one key per ``${env:...}`` reference), synced from Vault.
"""

from __future__ import annotations

import hashlib
from typing import Any

from compiler.emitters.observability import collector
from compiler.model import Project
from compiler.render import to_yaml

NAME = "otel-collector"
SECRET = "otel-collector-credentials"
# The same release the local compose stack runs, so both read the same config dialect.
IMAGE = "otel/opentelemetry-collector-contrib:0.127.0"
UID = 10001  # the image's own non-root user; >= 10000 stays clear of host users
CONFIG_DIR = "/etc/otelcol"
Manifest = dict[str, Any]

# Inline Checkov skips, each with the reason it cannot be met by a generated manifest.
SKIPS = {
    "CKV_K8S_35": "the collector config reads credentials as ${env:...} references; the values "
                  "stay in a Secret synced from Vault and never appear in the manifest",
    "CKV_K8S_43": "pinned to a release tag; the digest cannot be resolved offline at generation "
                  "time, pin it in the deploy pipeline (e.g. by the image-update bot)",
}


def manifests(project: Project, config_text: str, env_names: tuple[str, ...]) -> str:
    labels = _labels(project)
    documents = [
        _service_account(project, labels),
        _config_map(project, labels, config_text),
        _deployment(project, labels, config_text, env_names),
        _service(project, labels),
        _network_policy(project, labels),
        _disruption_budget(project, labels),
    ]
    return "---\n".join(to_yaml(document) for document in documents)


def _labels(project: Project) -> dict[str, str]:
    return {"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": project.name,
            "app.kubernetes.io/component": "telemetry", "app.kubernetes.io/managed-by": "mccompile"}


def _selector(project: Project) -> dict[str, str]:
    return {"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": project.name}


def _metadata(project: Project, labels: dict[str, str], **extra: Any) -> Manifest:
    return {"name": NAME, "namespace": project.namespace, "labels": dict(labels), **extra}


def _service_account(project: Project, labels: dict[str, str]) -> Manifest:
    # No Kubernetes API access is needed: the detectors read cloud metadata endpoints.
    return {"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": _metadata(project, labels), "automountServiceAccountToken": False}


def _config_map(project: Project, labels: dict[str, str], config_text: str) -> Manifest:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _metadata(project, labels),
            "data": {"config.yaml": config_text}}


def _deployment(project: Project, labels: dict[str, str], config_text: str,
                env_names: tuple[str, ...]) -> Manifest:
    skips = {f"checkov.io/skip{index}": f"{check}={reason}"
             for index, (check, reason) in enumerate(sorted(SKIPS.items()), start=1)}
    # A changed config changes this annotation, which rolls the pods onto the new config.
    checksum = hashlib.sha256(config_text.encode()).hexdigest()
    pod = {
        "serviceAccountName": NAME,
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": UID,
                            "fsGroup": UID, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [_container(env_names)],
        "volumes": [{"name": "config", "configMap": {"name": NAME}}],
    }
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": _metadata(project, labels, annotations=skips),
        "spec": {
            "replicas": 2, "revisionHistoryLimit": 5,
            "selector": {"matchLabels": _selector(project)},
            "template": {"metadata": {"labels": dict(labels),
                                      "annotations": {"checksum/config": checksum}},
                         "spec": pod},
        },
    }


def _container(env_names: tuple[str, ...]) -> Manifest:
    probe = {"httpGet": {"path": "/", "port": "health"}, "timeoutSeconds": 3}
    return {
        "name": NAME, "image": IMAGE, "imagePullPolicy": "Always",
        "args": [f"--config={CONFIG_DIR}/config.yaml"],
        "ports": [{"name": "otlp-grpc", "containerPort": collector.OTLP_GRPC_PORT,
                   "protocol": "TCP"},
                  {"name": "otlp-http", "containerPort": collector.OTLP_HTTP_PORT,
                   "protocol": "TCP"},
                  {"name": "health", "containerPort": collector.HEALTH_PORT, "protocol": "TCP"}],
        "env": _env(env_names),
        "resources": {"requests": {"cpu": "200m", "memory": "256Mi"},
                      "limits": {"cpu": "1", "memory": "512Mi"}},
        "livenessProbe": {**probe, "initialDelaySeconds": 10, "periodSeconds": 10},
        "readinessProbe": {**probe, "periodSeconds": 5},
        "securityContext": {"allowPrivilegeEscalation": False, "privileged": False,
                            "readOnlyRootFilesystem": True, "runAsNonRoot": True,
                            "runAsUser": UID, "capabilities": {"drop": ["ALL"]},
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "volumeMounts": [{"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}],
    }


def _env(env_names: tuple[str, ...]) -> list[Manifest]:
    # The Go runtime collects garbage before the 512Mi limit; memory_limiter sheds load first.
    env: list[Manifest] = [{"name": "GOMEMLIMIT", "value": "400MiB"}]
    env += [{"name": name, "valueFrom": {"secretKeyRef": {"name": SECRET, "key": name}}}
            for name in env_names]
    return env


def _service(project: Project, labels: dict[str, str]) -> Manifest:
    ports = [{"name": "otlp-grpc", "port": collector.OTLP_GRPC_PORT, "targetPort": "otlp-grpc",
              "protocol": "TCP", "appProtocol": "grpc"},
             {"name": "otlp-http", "port": collector.OTLP_HTTP_PORT, "targetPort": "otlp-http",
              "protocol": "TCP", "appProtocol": "http"}]
    return {"apiVersion": "v1", "kind": "Service", "metadata": _metadata(project, labels),
            "spec": {"type": "ClusterIP", "selector": _selector(project), "ports": ports}}


def _network_policy(project: Project, labels: dict[str, str]) -> Manifest:
    otlp = [{"protocol": "TCP", "port": port}
            for port in (collector.OTLP_GRPC_PORT, collector.OTLP_HTTP_PORT)]
    ingress = [
        {"from": [{"podSelector": {}}], "ports": otlp},  # the project's own pods only
        {"ports": [{"protocol": "TCP", "port": collector.HEALTH_PORT}]},  # kubelet probes
    ]
    dns = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    egress = [
        {"ports": dns},
        {"ports": [{"protocol": "TCP", "port": 443}]},  # the telemetry backend
        # Cloud metadata services, read by the resource detectors.
        {"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}],
         "ports": [{"protocol": "TCP", "port": 80}]},
    ]
    spec = {"podSelector": {"matchLabels": _selector(project)},
            "policyTypes": ["Ingress", "Egress"], "ingress": ingress, "egress": egress}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": _metadata(project, labels), "spec": spec}


def _disruption_budget(project: Project, labels: dict[str, str]) -> Manifest:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": _metadata(project, labels),
            "spec": {"minAvailable": 1, "selector": {"matchLabels": _selector(project)}}}
