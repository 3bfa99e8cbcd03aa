"""``mccompile explain``: what each service gets on each cloud and environment."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from compiler.commands.common import project_from

HELP = "print a table of what each service gets on each cloud and environment"
COLUMNS = ("service", "environment", "cloud", "regions", "runtime", "replicas", "cpu", "memory",
           "endpoint", "uses")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    project = project_from(args)
    rows = []
    for service in project.services:
        for env in project.environments:
            merged = next(s for s in env.services if s.name == service.name)
            endpoint = "internal"
            if merged.public:
                endpoint = env.fqdn(merged, project.dns.zone) if project.dns else "public"
            uses = ", ".join(f"{u.kind}{'.' + u.target if u.target else ''}:{u.access}"
                             for u in merged.uses) or "-"
            for cloud in env.clouds:
                rows.append((service.name, env.name, cloud.name, ",".join(cloud.regions),
                             cloud.runtime, f"{merged.scaling.min}-{merged.scaling.max}",
                             merged.cpu, merged.memory, endpoint, uses))
    print(_table(COLUMNS, rows), end="")
    return 0


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
             for row in (header, *rows)]
    return "\n".join(lines) + "\n"
