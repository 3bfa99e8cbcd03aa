"""``mccompile init``: write a commented starter spec."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from compiler import writer
from compiler.errors import MccError
from compiler.render import render_template
from compiler.spec_types import NAME_PATTERN

HELP = "write a commented starter spec (one cloud, one service)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", default="my-app", help="project name (DNS label)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing spec")


def run(args: argparse.Namespace) -> int:
    if not re.match(NAME_PATTERN, args.name) or not 2 <= len(args.name) <= 20:
        raise MccError(f"--name {args.name!r}: use 2-20 lowercase letters, digits and '-'")
    path = Path(args.spec)
    if path.exists() and not args.force:
        raise MccError(f"{args.spec} already exists; use --force to overwrite it")
    depth = len(Path(args.spec).parent.parts)
    schema = "/".join([".."] * depth + ["schema.json"]) if depth else "schema.json"
    text = render_template("init/multicloud.yaml.j2", name=args.name, schema=schema)
    writer.write_atomic(path, text.encode())
    print(f"wrote {args.spec}; next: edit it, then run `mccompile build`")
    return 0
