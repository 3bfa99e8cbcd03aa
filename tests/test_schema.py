"""schema.json is current, and every spec we ship validates against it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from compiler.commands.schema import schema_text
from conftest import ROOT

SPECS = [ROOT / "spec" / "multicloud.yaml", *sorted((ROOT / "examples").glob("*.yaml"))]


def test_schema_json_is_current(update_goldens: bool) -> None:
    path = ROOT / "schema.json"
    if update_goldens:
        path.write_text(schema_text())
    assert path.read_text() == schema_text(), "schema.json is stale: run `make schema`"


@pytest.mark.parametrize("spec", SPECS, ids=[spec.stem for spec in SPECS])
def test_spec_validates_against_schema(spec: Path) -> None:
    schema = json.loads((ROOT / "schema.json").read_text())
    data = YAML(typ="safe", pure=True).load(spec.read_text())
    jsonschema.Draft202012Validator(schema).validate(data)


@pytest.mark.parametrize("spec", SPECS, ids=[spec.stem for spec in SPECS])
def test_spec_has_schema_modeline(spec: Path) -> None:
    assert spec.read_text().startswith("# yaml-language-server: $schema=../schema.json\n")


def test_schema_documents_every_field() -> None:
    """Editors show descriptions on hover: every top-level section has one."""
    schema = json.loads((ROOT / "schema.json").read_text())
    for name, prop in schema["properties"].items():
        refs = [prop, *prop.get("anyOf", [])]
        targets = [schema["$defs"][r["$ref"].split("/")[-1]] for r in refs if "$ref" in r]
        described = prop.get("description") or any(t.get("description") for t in targets)
        assert described, f"top-level section {name} has no description"
