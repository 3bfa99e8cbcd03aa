"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

from compiler.model import Project
from compiler.pipeline import compile_project


def add_out(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="generated", metavar="DIR",
                        help="output directory (default: generated)")


def project_from(args: argparse.Namespace) -> Project:
    return compile_project(Path(args.spec), args.spec)
