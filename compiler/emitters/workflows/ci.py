"""mcc-ci: the committed output is current, the scan is clean (SARIF to code scanning), the
application's tests pass on the image's Python."""

from __future__ import annotations

from compiler.artifact import Artifact
from compiler.emitters.workflows.common import (
    Job,
    Step,
    checkout,
    job,
    lane,
    on_default_branch,
    shell_words,
    step,
    uses,
    workflow,
)
from compiler.model import Project

SARIF = "mccompile.sarif"


def emit(project: Project) -> Artifact:
    jobs = {"generated": _generated(project), "scan": _scan(project), "tests": _tests(project)}
    summary = ("Checks that generated files match the spec, scans them, and runs the tests.")
    return workflow(project, "ci", summary, on_default_branch(project), jobs, lane())


def mccompile_env(project: Project) -> dict[str, str]:
    return {"MCC_SPEC": project.spec_file, "MCC_OUT": project.ci.output_dir}


def install_mccompile(project: Project) -> list[Step]:
    return [
        step("Set up Python", uses=uses("setup-python"),
             with_={"python-version": project.image.version}),
        step("Install mccompile", env={"MCC_REQUIREMENT": project.ci.install},
             run='python -m pip install --disable-pip-version-check "$MCC_REQUIREMENT"\n'),
    ]


def _generated(project: Project) -> Job:
    steps = [
        checkout(),
        *install_mccompile(project),
        step("Generated files are current", env=mccompile_env(project),
             run='mccompile build --check --diff --spec "$MCC_SPEC" --out "$MCC_OUT"\n'),
    ]
    return job("Generated files are current", steps, permissions={"contents": "read"},
               timeout=15)


def _scan(project: Project) -> Job:
    run = f'mccompile scan --spec "$MCC_SPEC" --out "$MCC_OUT" --format sarif > {SARIF}\n'
    steps = [
        checkout(),
        *install_mccompile(project),
        step("Scan generated files", env=mccompile_env(project), run=run),
        # Upload findings even when the scan failed on them: that is when they matter.
        step("Upload findings to code scanning", if_="success() || failure()",
             uses=uses("upload-sarif"), with_={"sarif_file": SARIF, "category": "mccompile"}),
    ]
    permissions = {"actions": "read", "contents": "read", "security-events": "write"}
    return job("Security scan", steps, permissions=permissions, timeout=20)


def test_steps(project: Project, python: str) -> list[Step]:
    return [
        checkout(),
        step("Set up Python", uses=uses("setup-python"),
             with_={"python-version": python, "cache": "pip",
                    "cache-dependency-path": project.image.dependency_file}),
        step("Install dependencies", env={"DEPENDENCY_FILE": project.image.dependency_file},
             run='python -m pip install --disable-pip-version-check -r "$DEPENDENCY_FILE"\n'),
        step("Run the tests", run=shell_words(project.ci.tests.command) + "\n"),
    ]


def _tests(project: Project) -> Job:
    return job("Tests", test_steps(project, project.image.version),
               permissions={"contents": "read"}, timeout=30)
