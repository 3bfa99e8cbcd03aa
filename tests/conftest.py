"""Shared fixtures: golden comparison, and the reference spec built once per session."""

from __future__ import annotations

import difflib
import os
import shutil
import sys
from pathlib import Path

import pytest

from compiler import writer
from compiler.emitters import emit_all
from compiler.pipeline import compile_project

ROOT = Path(__file__).resolve().parent.parent
UPDATE_HINT = "run `.venv/bin/python -m pytest --update-goldens` and review the diff"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true",
                     help="rewrite golden files (generated/, tests/cases/*/expected, tests/errors)")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    return ROOT


def build_tree(spec: Path, repo: Path, display: str | None = None) -> Path:
    """Build ``spec`` into ``repo/generated`` (workflows relative to ``repo``)."""
    project = compile_project(spec, display or spec.name)
    layout = writer.Layout(repo=repo, out=repo / "generated")
    writer.apply(writer.plan(emit_all(project), layout))
    return repo


@pytest.fixture(scope="session")
def reference_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference spec compiled into a fresh directory; slow validators run on it once."""
    repo = tmp_path_factory.mktemp("reference")
    return build_tree(ROOT / "spec" / "multicloud.yaml", repo, "spec/multicloud.yaml")


def tree_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def assert_same_tree(actual: Path, expected: Path, update: bool) -> None:
    """Compare two trees both ways; with --update-goldens, make ``expected`` a copy."""
    if update:
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(actual, expected)
        return
    got, want = tree_files(actual), tree_files(expected)
    problems = [f"missing from output: {name}" for name in sorted(set(want) - set(got))]
    problems += [f"not in goldens: {name}" for name in sorted(set(got) - set(want))]
    for name in sorted(set(got) & set(want)):
        if got[name] != want[name]:
            diff = difflib.unified_diff(
                want[name].decode(errors="replace").splitlines(keepends=True),
                got[name].decode(errors="replace").splitlines(keepends=True),
                f"expected/{name}", f"actual/{name}")
            problems.append("".join(diff))
    if problems:
        pytest.fail("\n".join(problems) + f"\n{UPDATE_HINT}", pytrace=False)


def require_tool(name: str) -> str:
    """Path of a validator; missing is a failure, never a skip (CI must not go quietly green)."""
    found = shutil.which(name, path=os.pathsep.join([str(Path(sys.executable).parent),
                                                      os.environ.get("PATH", "")]))
    if found is None:
        pytest.fail(f"{name} is not installed: run `make test` (it installs every test tool)")
    return found
