"""flagd flag definitions: the structure flagd's schema (flagd.dev/schema/v0/flags.json)
requires, and the rollout percentages of the spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compiler.emitters.flags import SCHEMA, _flag

STATES = {"ENABLED", "DISABLED"}


def _check_flag(name: str, flag: dict[str, Any]) -> None:
    assert set(flag) <= {"state", "variants", "defaultVariant", "targeting", "metadata"}, name
    assert flag["state"] in STATES
    assert flag["variants"] == {"on": True, "off": False}
    assert flag["defaultVariant"] in flag["variants"]
    if "targeting" in flag:
        buckets = flag["targeting"]["fractional"]
        assert all(variant in flag["variants"] and isinstance(weight, int) and weight > 0
                   for variant, weight in buckets), name
        assert sum(weight for _, weight in buckets) == 100, name
    for value in flag.get("metadata", {}).values():
        assert isinstance(value, (str, int, float, bool))


def _files(reference_tree: Path) -> dict[str, dict[str, Any]]:
    folder = reference_tree / "generated" / "flags"
    return {p.name: json.loads(p.read_text()) for p in sorted(folder.glob("flags-*.json"))}


def test_one_file_per_environment(reference_tree: Path) -> None:
    assert sorted(_files(reference_tree)) == ["flags-production.json", "flags-staging.json"]


def test_structure(reference_tree: Path) -> None:
    for document in _files(reference_tree).values():
        assert set(document) == {"$schema", "flags"}
        assert document["$schema"] == SCHEMA
        for name, flag in document["flags"].items():
            _check_flag(name, flag)


def test_rollout_per_environment(reference_tree: Path) -> None:
    files = _files(reference_tree)
    staging = files["flags-staging.json"]["flags"]["new-report-engine"]
    production = files["flags-production.json"]["flags"]["new-report-engine"]
    assert (staging["defaultVariant"], "targeting" in staging) == ("on", False)
    assert production["targeting"] == {"fractional": [["on", 10], ["off", 90]]}


@pytest.mark.parametrize(("default", "percent", "variant", "targeted"), [
    (False, None, "off", False), (True, None, "on", False), (True, 0, "off", False),
    (False, 100, "on", False), (False, 1, "off", True), (True, 99, "off", True),
])
def test_edges(default: bool, percent: int | None, variant: str, targeted: bool) -> None:
    flag = _flag(default, percent, "")
    _check_flag("x", flag)
    assert (flag["defaultVariant"], "targeting" in flag) == (variant, targeted)
