"""``mccompile schema``: print the JSON Schema of the spec (committed as schema.json)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from compiler.spec import Spec

HELP = "print the JSON Schema of multicloud.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def schema_text() -> str:
    document: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://mccompile.dev/schema/multicloud-v1.json",
        **Spec.model_json_schema(),
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace) -> int:
    del args
    print(schema_text(), end="")
    return 0
