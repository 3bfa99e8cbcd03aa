"""``mccompile build``: compile the spec and write (or check) the generated tree."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compiler import writer
from compiler.commands.common import add_out, project_from
from compiler.commands.scan import scan_and_report
from compiler.errors import DriftError

HELP = "compile the spec into generated/ (or --check that it is current)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_out(parser)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the generated files are stale")
    parser.add_argument("--diff", action="store_true",
                        help="with --check, print a unified diff of what would change")
    parser.add_argument("--force", action="store_true",
                        help="overwrite files edited by hand or not owned by mccompile")
    parser.add_argument("--no-scan", action="store_true",
                        help="skip the security scan after writing")


def run(args: argparse.Namespace) -> int:
    # Imported here so that `validate`, `schema` and `init` start without loading every target.
    from compiler.emitters import emit_all

    project = project_from(args)
    layout = writer.Layout(repo=Path.cwd(), out=Path(args.out))
    result = writer.plan(emit_all(project), layout)
    if args.check or args.diff:
        return _check(result, layout, show_diff=args.diff)
    writer.apply(result, force=args.force)
    changed = len(result.write) + len(result.delete)
    print(f"{args.out}: {changed} file(s) changed, {len(result.unchanged)} unchanged")
    if args.no_scan:
        return 0
    return scan_and_report(project, layout, args.spec)


def _check(result: writer.Plan, layout: writer.Layout, *, show_diff: bool) -> int:
    if result.clean and not result.conflicts:
        print("generated files are up to date")
        return 0
    if show_diff:
        sys.stdout.write(writer.diff(result, layout))
    lines = "\n".join(writer.describe(result, layout))
    raise DriftError(f"{lines}\ngenerated files are stale: run `mccompile build`")
