"""``mccompile validate``: check the spec and report every problem at once."""

from __future__ import annotations

import argparse

from compiler.commands.common import project_from

HELP = "check the spec; print every problem as file:line:col"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    project = project_from(args)
    clouds = {cloud.name for env in project.environments for cloud in env.clouds}
    print(f"{args.spec}: ok ({len(project.services)} services, {len(clouds)} clouds, "
          f"{len(project.environments)} environments)")
    return 0
