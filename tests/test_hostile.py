"""Hostile strings in a spec never change the structure of any output."""

from __future__ import annotations

import json
import re

import pytest
from ruamel.yaml import YAML

from conftest import ROOT, build_tree, tree_files

CASE = ROOT / "tests" / "cases" / "hostile" / "multicloud.yaml"


@pytest.fixture(scope="module")
def hostile_tree(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    repo = tmp_path_factory.mktemp("hostile")
    return tree_files(build_tree(CASE, repo, "tests/cases/hostile/multicloud.yaml"))


def test_structured_outputs_parse(hostile_tree: dict[str, bytes]) -> None:
    yaml = YAML(typ="safe", pure=True)
    for name, data in hostile_tree.items():
        if name.endswith((".yaml", ".yml")) and "/templates/" not in name:
            list(yaml.load_all(data.decode()))
        elif name.endswith(".json"):
            json.loads(data)


def _cells(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row))


def test_markdown_tables_keep_their_columns(hostile_tree: dict[str, bytes]) -> None:
    for name, data in hostile_tree.items():
        if not name.endswith(".md"):
            continue
        table: list[str] = []
        for line in [*data.decode().splitlines(), ""]:
            if line.startswith("|"):
                table.append(line)
                continue
            if table:
                widths = {_cells(row) for row in table}
                assert len(widths) == 1, f"{name}: a table row gained or lost a column: {table}"
                table = []


def test_markdown_code_spans_are_closed(hostile_tree: dict[str, bytes]) -> None:
    env = hostile_tree["generated/ENV.md"].decode()
    row = next(line for line in env.splitlines() if line.startswith("| `GREETING`"))
    assert '{{ template "x" }} $(reboot) # not a comment' in row
    assert row.count("`") % 2 == 0


def test_no_html_reaches_markdown(hostile_tree: dict[str, bytes]) -> None:
    for name, data in hostile_tree.items():
        if name.endswith(".md"):
            assert "<script>" not in data.decode(), name
