"""mcc-matrix: the application's tests on every Python version the spec lists (MC-020)."""

from __future__ import annotations

from compiler.artifact import Artifact
from compiler.emitters.workflows.ci import test_steps
from compiler.emitters.workflows.common import expr, job, lane, on_default_branch, workflow
from compiler.model import Project


def emit(project: Project) -> Artifact:
    versions = sorted(set(project.ci.tests.python), key=lambda v: tuple(map(int, v.split("."))))
    tests = job(
        "Tests on Python " + expr("matrix.python"),
        test_steps(project, expr("matrix.python")),
        permissions={"contents": "read"},
        timeout=30,
        # Every version reports even when one fails: the point is the whole picture.
        strategy={"fail-fast": False, "matrix": {"python": versions}},
    )
    summary = "Runs the application's tests on every Python version in ci.tests.python."
    return workflow(project, "matrix", summary, on_default_branch(project), {"tests": tests},
                    lane())
