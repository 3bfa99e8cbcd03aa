"""The contract between root stacks: every output a global stack reads through
``terraform_remote_state`` is declared by the stack whose backend that remote state points at.

``terraform validate`` cannot see this (remote state outputs are only known at plan time), so a
missing output would first fail a real plan. The committed trees are read as text (they are
terraform-fmt formatted; tests/test_goldens.py keeps them equal to what the compiler builds).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT

CASES = sorted(p.parent for p in (ROOT / "tests" / "cases").glob("*/multicloud.yaml"))
TREES = {"reference": ROOT / "generated",
         **{case.name: case / "expected" / "generated" for case in CASES}}

# A top-level block ends at the first `}` in column 0 after its header.
REMOTE_STATE = re.compile(r'^data "terraform_remote_state" "(\w+)" \{\n(.*?)^\}', re.M | re.S)
BACKEND = re.compile(r'^  backend "(\w+)" \{\n(.*?)^  \}', re.M | re.S)
KIND = re.compile(r'^  backend\s*=\s*"(\w+)"', re.M)
CONFIG = re.compile(r"^  config = \{\n(.*?)^  \}", re.M | re.S)
SETTING = re.compile(r'^\s+(\w+)\s*=\s*("[^"\n]*"|true|false|\d+)\s*$', re.M)
OUTPUT_USE = re.compile(r"\bdata\.terraform_remote_state\.(\w+)\.outputs\.(\w+)")
OUTPUT_DECL = re.compile(r'^output "(\w+)" \{', re.M)

Backend = tuple[str, frozenset[tuple[str, str]]]


def _stacks(generated: Path) -> list[Path]:
    return sorted(p.parent for p in generated.glob("terraform/*/*/versions.tf")
                  if p.parent.parent.name != "modules")


def _text(stack: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(stack.glob("*.tf")))


def _settings(body: str) -> frozenset[tuple[str, str]]:
    return frozenset(SETTING.findall(body))


def _backend(stack: Path) -> Backend:
    match = BACKEND.search((stack / "backend.tf").read_text())
    assert match, f"{stack}: no backend block"
    return match.group(1), _settings(match.group(2))


def _remote_states(text: str) -> dict[str, Backend]:
    """Name -> backend kind and config settings of each ``terraform_remote_state``."""
    found = {}
    for name, body in REMOTE_STATE.findall(text):
        kind, config = KIND.search(body), CONFIG.search(body)
        assert kind and config, f"remote state {name}: no backend or config"
        found[name] = (kind.group(1), _settings(config.group(1)))
    return found


def _uses(text: str) -> dict[str, set[str]]:
    """Remote state name -> the outputs read from it."""
    uses: dict[str, set[str]] = {}
    for name, output in OUTPUT_USE.findall(text):
        uses.setdefault(name, set()).add(output)
    return uses


def _declared_outputs(stack: Path) -> set[str]:
    outputs = stack / "outputs.tf"
    return set(OUTPUT_DECL.findall(outputs.read_text())) if outputs.is_file() else set()


def _global_stacks() -> list[tuple[str, Path]]:
    return [(tree, stack) for tree, generated in TREES.items() for stack in _stacks(generated)
            if _remote_states(_text(stack))]


GLOBAL_STACKS = _global_stacks()


def test_some_stack_reads_remote_state() -> None:
    """Guards the regexes: the reference tree's global stacks do read the cloud stacks."""
    assert any(tree == "reference" for tree, _ in GLOBAL_STACKS)


@pytest.mark.parametrize(("tree", "consumer"), GLOBAL_STACKS,
                         ids=[f"{tree}:{stack.parent.name}/{stack.name}"
                              for tree, stack in GLOBAL_STACKS])
def test_remote_state_outputs_are_declared(tree: str, consumer: Path) -> None:
    producers = {_backend(stack): stack for stack in _stacks(TREES[tree])}
    text = _text(consumer)
    states = _remote_states(text)
    uses = _uses(text)
    assert set(uses) <= set(states), f"outputs read from undeclared remote states: {uses}"
    missing = []
    for name, backend in sorted(states.items()):
        producer = producers.get(backend)
        assert producer is not None, f"remote state {name}: no stack writes to {backend}"
        assert producer.parent == consumer.parent, (
            f"remote state {name} reads {producer.parent.name}/{producer.name}, "
            f"another environment than {consumer.parent.name}")
        assert producer != consumer
        declared = _declared_outputs(producer)
        missing += [f"{producer.parent.name}/{producer.name}: output {output!r}"
                    for output in sorted(uses.get(name, set()) - declared)]
    assert not missing, "read by the global stack but not declared:\n" + "\n".join(missing)
