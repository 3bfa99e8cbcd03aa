"""Golden trees: generated/ for the reference spec, tests/cases/*/expected for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.emitters import REGISTRY, Artifact, emit_all
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


def _first_output(name: str) -> tuple[Path, list[Artifact]]:
    """The target's output for the reference spec or, for a target the reference does not use
    (atlantis), for the first golden case that uses it; with the tree it is committed in."""
    specs = [(ROOT / "spec" / "multicloud.yaml", ROOT),
             *((case / "multicloud.yaml", case / "expected") for case in CASES)]
    for spec, root in specs:
        project = compile_project(spec, spec.relative_to(ROOT).as_posix())
        artifacts = emit_all(project, only=(name,))
        if artifacts:
            return root, artifacts
    return ROOT, []


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_target_has_golden_output(name: str) -> None:
    root, artifacts = _first_output(name)
    assert artifacts, f"emitter {name} produced nothing for the reference spec or any case"
    for artifact in artifacts:
        where = f"generated/{artifact.path}" if artifact.root == "out" else artifact.path
        assert (root / where).is_file(), f"{where} from {name} is not committed in {root}"
