"""``mccompile scan``: Checkov and the validators over the generated tree."""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

from compiler.commands.common import add_out, project_from
from compiler.model import Project
from compiler.writer import Layout

HELP = "scan the generated tree with Checkov and the validators; exit 1 on any finding"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_out(parser)
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    parser.add_argument("--no-cache", action="store_true", help="ignore cached results")


def run(args: argparse.Namespace) -> int:
    project = project_from(args)
    return scan_and_report(project, Layout(repo=Path.cwd(), out=Path(args.out)), args.spec,
                           output_format=args.format, use_cache=not args.no_cache)


def scan_and_report(project: Project, layout: Layout, spec_file: str, *,
                    output_format: str = "text", use_cache: bool = True) -> int:
    # Imported here so that the commands that do not scan start without Helm and the emitters.
    from compiler import scan_report, scanner

    result = scanner.scan(project, layout, use_cache=use_cache)
    if output_format == "json":
        sys.stdout.write(scan_report.to_json(result))
    elif output_format == "sarif":
        sys.stdout.write(scan_report.sarif(result, metadata.version("mccompile")))
    else:
        sys.stdout.write(scan_report.text(result, spec_file))
    return 1 if result.failed else 0
