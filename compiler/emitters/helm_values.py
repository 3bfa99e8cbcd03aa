"""The chart's values: every spec-derived setting, as data that the static templates read.

``target_values`` is everything one cluster (environment x cloud x region) needs;
``base_values`` is the cloud-neutral default that values.yaml carries. helm.py layers them
into values.yaml, values-<cloud>-<env>.yaml and per-region overlays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from compiler import naming
from compiler.contract import Target, service_env
from compiler.emitters import helm_network
from compiler.model import Cloud, Environment, Health, Project, Service

# The image's user (docker_image.APP_UID; a test keeps them equal): a high UID that no host
# account uses.
APP_UID = 10001
DEFAULT_INGRESS_NAMESPACE = "ingress-nginx"


@dataclass(frozen=True)
class Placement:
    """One cluster the chart is installed in."""

    environment: Environment
    cloud: Cloud
    region: str

    @property
    def target(self) -> Target:
        cloud = self.cloud
        return Target(cloud.name, self.region, self.environment.name, cloud.runtime, cloud.account)


def placements(project: Project) -> tuple[Placement, ...]:
    """Every Kubernetes cluster, in promotion order, then cloud order, then region order."""
    return tuple(
        Placement(env, cloud, region)
        for env in project.environments for cloud in env.clouds if cloud.kubernetes
        for region in cloud.regions
    )


def target_values(project: Project, placement: Placement) -> dict[str, Any]:
    services = {
        service.name: _service(project, service, placement, _env(project, service, placement),
                               _secrets(project, service, placement))
        for service in placement.environment.services
    }
    return _chart(project, placement, services)


def base_values(project: Project) -> dict[str, Any]:
    """Cloud-neutral defaults: the spec's services before environment overrides, the variables
    every cluster shares, no identity and no secrets (those are per environment and cluster)."""
    every = placements(project)
    services = {
        service.name: _service(project, service, None, _shared_env(project, service, every), {})
        for service in project.services
    }
    return _chart(project, None, services)


def _chart(project: Project, placement: Placement | None, services: dict[str, Any]) -> dict[str, Any]:
    cloud = placement.cloud if placement else None
    return {
        "project": project.name,
        "namespace": project.namespace,
        "cloud": cloud.name if cloud else "",
        "environment": placement.environment.name if placement else "",
        "region": placement.region if placement else "",
        "commonLabels": dict(project.labels),
        "image": {"repository": _repository(project, cloud), "tag": "", "digest": "",
                  "pullPolicy": "Always"},
        "identity": _identity(cloud),
        "mesh": project.kubernetes.mesh,
        "secrets": _secret_delivery(project, placement),
        "ingress": {"className": project.kubernetes.ingress_class,
                    "controllerNamespace": DEFAULT_INGRESS_NAMESPACE, "clusterIssuer": ""},
        "networkPolicy": _network_defaults(cloud),
        "podSecurityContext": {"runAsNonRoot": True, "runAsUser": APP_UID, "runAsGroup": APP_UID,
                               "fsGroup": APP_UID, "seccompProfile": {"type": "RuntimeDefault"}},
        "containerSecurityContext": {
            "runAsNonRoot": True, "runAsUser": APP_UID, "runAsGroup": APP_UID,
            "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
            "privileged": False, "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "services": services,
    }


def _repository(project: Project, cloud: Cloud | None) -> str:
    """The cloud's one registry (shared by every environment, in the cloud's first region)."""
    image = naming.image_name(project.name)
    if cloud is None:
        return image
    region = _registry_region(project, cloud.name)
    if cloud.name == "aws":
        registry = f"{cloud.account}.dkr.ecr.{region}.amazonaws.com"
        return f"{registry}/{naming.ecr_repository(project.name)}"
    if cloud.name == "gcp":
        repo = naming.artifact_registry_repo(project.name)
        return f"{region}-docker.pkg.dev/{cloud.account}/{repo}/{image}"
    return f"{naming.acr_name(project.name)}.azurecr.io/{image}"


def _registry_region(project: Project, cloud: str) -> str:
    """The primary region of the first environment (in promotion order) that enables ``cloud``:
    the environment that creates the registry."""
    return next(c.regions[0] for env in project.environments for c in env.clouds if c.name == cloud)


def _identity(cloud: Cloud | None) -> dict[str, Any]:
    if cloud is None:
        return {"provider": "none"}
    if cloud.runtime == "aks":
        return {"provider": "aks", "azureTenantId": cloud.tenant}
    return {"provider": cloud.runtime}


def _secret_delivery(project: Project, placement: Placement | None) -> dict[str, Any]:
    vault = project.secrets.vault if project.secrets else None
    settings = {
        "address": vault.address if vault else "",
        "port": helm_network.vault_port(vault.address) if vault else 443,
        # The KV mount is per environment and the auth mount per cluster: empty in values.yaml.
        "kvMount": naming.vault_kv_mount(vault.mount_prefix, placement.environment.name)
        if vault and placement else "",
        "authMount": naming.vault_kubernetes_auth_mount(
            project.name, placement.environment.name, placement.region) if placement else "",
        "audience": "vault",
    }
    return {"delivery": project.kubernetes.secrets_delivery, "vault": settings}


def _network_defaults(cloud: Cloud | None) -> dict[str, Any]:
    return {
        "dns": {"namespace": "kube-system", "podLabels": {"k8s-app": "kube-dns"}},
        "collector": {"podLabels": {"app.kubernetes.io/name": "otel-collector"}, "port": 4317},
        "blockedCidrs": list(helm_network.METADATA_CIDRS),
        "identityEgress": helm_network.identity_egress(cloud.runtime if cloud else ""),
        "meshNamespaces": {"linkerd": "linkerd", "istio": "istio-system"},
    }


def _service(project: Project, service: Service, placement: Placement | None,
             env: dict[str, str], secrets: dict[str, str]) -> dict[str, Any]:
    scaling = service.scaling
    return {
        "port": service.port,
        "command": list(service.command),
        "public": service.public,
        "host": _host(project, service, placement),
        "autoscaling": {
            # Scale-to-zero needs a feature gate the managed clusters don't enable: keep one pod.
            "enabled": scaling.max > max(scaling.min, 1),
            "minReplicas": max(scaling.min, 1),
            "maxReplicas": max(scaling.max, 1),
            "targetCPUUtilizationPercentage": scaling.target_cpu_percent,
        },
        "resources": _resources(service),
        "probes": _probes(service.health),
        "env": env,
        "secrets": secrets,
        "vaultRole": naming.kubernetes_service_account(service.name),
        "identity": _service_identity(project, service, placement),
        "egress": helm_network.dependency_egress(
            project, service, placement.cloud.name if placement else None),
    }


def _host(project: Project, service: Service, placement: Placement | None) -> str:
    if not service.public or project.dns is None or placement is None:
        return ""
    return placement.environment.fqdn(service, project.dns.zone)


def _resources(service: Service) -> dict[str, Any]:
    # A CPU limit twice the request: a ceiling against noisy neighbours that still lets a
    # request burst instead of being throttled at its steady-state share.
    millicores = _millicores(service.cpu)
    return {
        "requests": {"cpu": service.cpu, "memory": service.memory},
        "limits": {"cpu": f"{2 * millicores}m", "memory": service.memory},
    }


def _millicores(cpu: str) -> int:
    if cpu.endswith("m"):
        return int(cpu[:-1])
    return round(float(cpu) * 1000)


def _probes(health: Health) -> dict[str, Any]:
    def probe(path: str, failures: int) -> dict[str, Any]:
        return {"httpGet": {"path": path, "port": "http"}, "periodSeconds": health.interval,
                "timeoutSeconds": health.timeout, "failureThreshold": failures}

    # The start period becomes a startup probe: liveness only counts once the app answered.
    grace = math.ceil(health.start_period / health.interval)
    return {
        "liveness": probe(health.liveness, health.failure_threshold),
        "readiness": probe(health.readiness, health.failure_threshold),
        "startup": probe(health.liveness, health.failure_threshold + grace),
    }


def _service_identity(project: Project, service: Service,
                      placement: Placement | None) -> dict[str, str]:
    if placement is None:
        return {}
    cloud, env = placement.cloud, placement.environment.name
    if cloud.name == "aws":
        role = naming.service_identity(project.name, env, service.name)
        return {"awsRoleArn": f"arn:aws:iam::{cloud.account}:role/{role}"}
    if cloud.name == "gcp":
        account = naming.gcp_service_account(project.name, env, service.name)
        return {"gcpServiceAccount": f"{account}@{cloud.account}.iam.gserviceaccount.com"}
    # Azure assigns a managed identity's client id when it is created: the deploy passes it.
    return {"azureClientId": ""}


def _env(project: Project, service: Service, placement: Placement) -> dict[str, str]:
    return {var.name: var.value for var in service_env(project, service, placement.target)
            if var.source == "value" and var.value is not None}


def _shared_env(project: Project, service: Service,
                every: tuple[Placement, ...]) -> dict[str, str]:
    """The variables with the same value on every cluster that runs ``service``."""
    maps = [_env(project, s, p) for p in every for s in p.environment.services
            if s.name == service.name]
    if not maps:
        return {}
    return {key: value for key, value in maps[0].items()
            if all(other.get(key) == value for other in maps[1:])}


def _secrets(project: Project, service: Service, placement: Placement) -> dict[str, str]:
    """Secret and provisioned variables: where each lives in the KV mount, never a value."""
    out: dict[str, str] = {}
    cloud, region = placement.cloud.name, placement.region
    for var in service_env(project, service, placement.target):
        if var.source == "secret":
            path = naming.vault_secret_path(project.name, var.name)
        elif var.source == "provisioned":
            path = naming.vault_provisioned_path(project.name, cloud, region, service.name,
                                                 var.name)
        else:
            continue
        out[var.name] = path
    return out
