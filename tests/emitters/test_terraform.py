"""Every generated Terraform root stack: terraform fmt -check and validate against the real
provider schemas (offline stub), and Checkov's terraform framework, each run once per tree."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from checkov_runner import failed_checks

from conftest import ROOT, build_tree
from terraform_harness import TerraformHarness

CASES = sorted(p.parent for p in (ROOT / "tests" / "cases").glob("*/multicloud.yaml"))


def _committed_stacks(generated: Path) -> list[str]:
    return sorted(p.parent.relative_to(generated).as_posix()
                  for p in generated.glob("terraform/*/*/versions.tf")
                  if p.parent.parent.name != "modules")


TREES = {"reference": ROOT / "generated",
         **{case.name: case / "expected" / "generated" for case in CASES}}
STACKS = [(tree, stack) for tree, generated in TREES.items() for stack in _committed_stacks(generated)]


@pytest.fixture(scope="session")
def terraform() -> Iterator[TerraformHarness]:
    with TerraformHarness() as harness:
        yield harness


@pytest.fixture(scope="session")
def built_trees(reference_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    trees = {"reference": reference_tree / "generated"}
    for case in CASES:
        repo = tmp_path_factory.mktemp(case.name)
        build_tree(case / "multicloud.yaml", repo, f"tests/cases/{case.name}/multicloud.yaml")
        trees[case.name] = repo / "generated"
    return trees


@pytest.fixture(scope="session")
def validation(terraform: TerraformHarness, built_trees: dict[str, Path]) -> dict[tuple[str, str], list[str]]:
    """Validate every stack of every tree in one concurrent batch."""
    pairs = [(tree, stack) for tree, stack in STACKS]
    results = terraform.check_stacks([built_trees[tree] / stack for tree, stack in pairs])
    return {pair: result.errors for pair, result in zip(pairs, results, strict=True)}


@pytest.mark.parametrize(("tree", "stack"), STACKS, ids=[f"{t}:{s}" for t, s in STACKS])
def test_stack_is_formatted_and_valid(validation: dict[tuple[str, str], list[str]],
                                      tree: str, stack: str) -> None:
    assert validation[(tree, stack)] == []


@pytest.mark.parametrize("tree", sorted(TREES))
def test_checkov_terraform_finds_nothing(built_trees: dict[str, Path], tree: str) -> None:
    terraform_dir = built_trees[tree] / "terraform"
    if not terraform_dir.is_dir():
        pytest.skip(f"{tree} generates no Terraform")
    findings = failed_checks(terraform_dir, "terraform")
    assert not findings, "\n".join(str(f) for f in findings)
