"""mcc-image: build once with Buildx, tag by commit SHA, push to every registry (MC-016, MC-017),
scan with Trivy (MC-040), then sign and attest the SBOM with keyless cosign.

Pull requests build and scan without pushing: no OIDC token reaches code from a fork.
"""

from __future__ import annotations

from typing import Any

from compiler import naming
from compiler.artifact import Artifact
from compiler.emitters.workflows.common import (
    TRIVY_VERSION,
    Step,
    checkout,
    expr,
    guarded,
    job,
    lane,
    login,
    on_default_branch,
    output,
    registry,
    registry_clouds,
    step,
    uses,
    workflow,
)
from compiler.model import Cloud, Project

ON_PUSH = "github.event_name == 'push'"
ON_PULL_REQUEST = "github.event_name == 'pull_request'"
SBOM = "sbom.spdx.json"
WORKFLOW_NAME = "image"

# The SBOM file name is spelled out: reviewers (and Checkov's CKV_GHA_6) look for it here.
SIGN = """\
set -euo pipefail
while read -r image; do
  cosign sign --yes "$image@$DIGEST"
  cosign attest --yes --type spdxjson --predicate sbom.spdx.json "$image@$DIGEST"
done <<< "$IMAGES"
"""


def emit(project: Project) -> Artifact:
    steps = [
        checkout(),
        step("Set up Buildx", uses=uses("setup-buildx")),
        *[s for cloud in registry_clouds(project) for s in _registry_login(project, cloud)],
        _build(project, push=False),
        _build(project, push=True),
        _scan(project, push=False),
        _scan(project, push=True),
        *_sign(project),
    ]
    build = job("Build, scan and push the image", steps, timeout=45,
                permissions={"contents": "read", "id-token": "write"})
    summary = ("Builds the application image once, pushes it by commit SHA to every registry,\n"
               "scans it with Trivy and signs it (keyless cosign, with the SBOM attested).")
    return workflow(project, WORKFLOW_NAME, summary, on_default_branch(project),
                    {"image": build}, lane())


def tags(project: Project) -> list[str]:
    return [f"{registry(project, cloud)}:{expr('github.sha')}"
            for cloud in registry_clouds(project)]


def _local_tag(project: Project) -> str:
    return f"mcc-local/{naming.image_name(project.name)}:{expr('github.sha')}"


def _registry_login(project: Project, cloud: Cloud) -> list[Step]:
    steps = login(project, cloud, "push")
    if cloud.name == "aws":
        steps.append(step("Log in to Amazon ECR", uses=uses("ecr-login")))
    elif cloud.name == "gcp":
        host = registry(project, cloud).split("/", 1)[0]
        steps.append(step("Log in to Artifact Registry", uses=uses("docker-login"), with_={
            "registry": host, "username": "oauth2accesstoken",
            "password": expr("steps.gcp-auth.outputs.access_token")}))
    else:
        steps.append(step("Log in to Azure Container Registry",
                          env={"ACR_NAME": naming.acr_name(project.name)},
                          run='az acr login --name "$ACR_NAME"\n'))
    return [guarded(each, ON_PUSH) for each in steps]


def _build(project: Project, *, push: bool) -> Step:
    image = project.image
    options: dict[str, Any] = {
        "context": image.context,
        "file": image.dockerfile or output(project, "docker", "Dockerfile"),
        "platforms": "linux/amd64",
        "cache-from": "type=gha",
    }
    if push:
        options.update({"push": True, "tags": "\n".join(tags(project)) + "\n",
                        "cache-to": "type=gha,mode=max", "sbom": True,
                        "provenance": "mode=max"})
        return step("Build and push", id_="build", if_=ON_PUSH, uses=uses("build-push"),
                    with_=options)
    options.update({"push": False, "load": True, "tags": _local_tag(project)})
    return step("Build (pull request, not pushed)", if_=ON_PULL_REQUEST,
                uses=uses("build-push"), with_=options)


def _scan(project: Project, *, push: bool) -> Step:
    scan = project.ci.image_scan
    first = registry(project, registry_clouds(project)[0])
    ref = f"{first}@{expr('steps.build.outputs.digest')}" if push else _local_tag(project)
    return step(
        "Scan for vulnerabilities" + ("" if push else " (pull request)"),
        if_=ON_PUSH if push else ON_PULL_REQUEST,
        uses=uses("trivy"),
        with_={
            "scan-type": "image",
            "image-ref": ref,
            "format": "table",
            "exit-code": "1",
            "ignore-unfixed": scan.ignore_unfixed,
            "vuln-type": "os,library",
            "severity": ",".join(scan.fail_on),
            "version": TRIVY_VERSION,
        },
    )


def _sign(project: Project) -> list[Step]:
    first = registry(project, registry_clouds(project)[0])
    images = "\n".join(registry(project, cloud) for cloud in registry_clouds(project))
    return [
        step("Generate the SBOM", if_=ON_PUSH, uses=uses("trivy"), with_={
            "scan-type": "image", "image-ref": f"{first}@{expr('steps.build.outputs.digest')}",
            "format": "spdx-json", "output": SBOM, "version": TRIVY_VERSION}),
        step("Install cosign", if_=ON_PUSH, uses=uses("cosign-installer")),
        step("Sign the image and attest its SBOM", if_=ON_PUSH,
             env={"DIGEST": expr("steps.build.outputs.digest"), "IMAGES": images + "\n"},
             run=SIGN),
    ]
