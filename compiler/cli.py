"""Command line: ``main(argv) -> int``; one handler maps exceptions to exit codes."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from compiler.commands import build, explain, init, scan, schema, validate
from compiler.errors import MccError

DEFAULT_SPEC = "spec/multicloud.yaml"
DEFAULT_OUT = "generated"

COMMANDS = {
    "validate": validate,
    "build": build,
    "scan": scan,
    "schema": schema,
    "init": init,
    "explain": explain,
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="mccompile",
        description="Compile multicloud.yaml into Terraform, Helm, CI, Docker and observability.",
    )
    subs = top.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        sub = subs.add_parser(name, help=module.HELP, description=module.HELP)
        if name != "schema":
            sub.add_argument("--spec", default=DEFAULT_SPEC, metavar="FILE",
                             help=f"spec file (default: {DEFAULT_SPEC})")
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    if args.command is None:
        cli.print_help(sys.stderr)
        return 2
    try:
        return int(args.run(args))
    except MccError as e:
        print(e, file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:
        traceback.print_exc()
        print("mccompile: internal error; please report it with the traceback above",
              file=sys.stderr)
        return 3
