"""Golden trees: generated/ for the reference spec, tests/cases/*/expected for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.emitters import REGISTRY, emit_all
from compiler.pipeline import compile_project
from conftest import ROOT, assert_same_tree, build_tree

CASES = sorted(p.parent for p in (ROOT / "tests" / "cases").glob("*/multicloud.yaml"))
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def test_generated_is_current(reference_tree: Path, update_goldens: bool) -> None:
    """The committed generated/ is exactly what the reference spec compiles to."""
    assert_same_tree(reference_tree / "generated", ROOT / "generated", update_goldens)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case(case: Path, tmp_path: Path, update_goldens: bool) -> None:
    build_tree(case / "multicloud.yaml", tmp_path, f"tests/cases/{case.name}/multicloud.yaml")
    assert_same_tree(tmp_path, case / "expected", update_goldens)


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.stem for example in EXAMPLES])
def test_example(example: Path, tmp_path: Path, update_goldens: bool) -> None:
    build_tree(example, tmp_path, f"examples/{example.name}")
    expected = ROOT / "tests" / "cases" / f"example-{example.stem}"
    assert_same_tree(tmp_path, expected / "expected", update_goldens)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_target_has_golden_output(name: str) -> None:
    project = compile_project(ROOT / "spec" / "multicloud.yaml", "spec/multicloud.yaml")
    artifacts = emit_all(project, only=(name,))
    assert artifacts, f"emitter {name} produced nothing for the reference spec"
    for artifact in artifacts:
        where = f"generated/{artifact.path}" if artifact.root == "out" else artifact.path
        assert (ROOT / where).is_file(), f"{where} from {name} is not committed"
