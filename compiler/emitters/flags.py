"""flags/flags-<env>.json: flagd flag definitions for gradual rollout (MC-019).

Every flag is a boolean with variants ``on`` and ``off``. An environment with a rollout
percentage between 0 and 100 gets flagd's ``fractional`` targeting, which buckets each
evaluation context by a hash of the flag key and the targeting key: the same user stays in
the same bucket, and raising the percentage only ever adds users.
"""

from __future__ import annotations

from typing import Any

from compiler.artifact import Artifact
from compiler.model import Environment, Flags, Project
from compiler.render import to_json

SCHEMA = "https://flagd.dev/schema/v0/flags.json"


def emit(project: Project) -> list[Artifact]:
    if not project.flags.definitions:
        return []
    return [Artifact(f"flags/flags-{env.name}.json", to_json(definitions(project.flags, env)))
            for env in project.environments]


def definitions(flags: Flags, env: Environment) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "flags": {name: _flag(flag.default, flag.rollout.get(env.name), flag.description)
                  for name, flag in sorted(flags.definitions.items())},
    }


def _flag(default: bool, percent: int | None, description: str) -> dict[str, Any]:
    flag: dict[str, Any] = {
        "state": "ENABLED",
        "variants": {"on": True, "off": False},
        "defaultVariant": _variant(default if percent is None else percent >= 100),
    }
    if percent is not None and 0 < percent < 100:
        # The two-argument shorthand buckets by flag key and targetingKey.
        flag["targeting"] = {"fractional": [["on", percent], ["off", 100 - percent]]}
        flag["defaultVariant"] = "off"
    if description:
        flag["metadata"] = {"description": description}
    return flag


def _variant(on: bool) -> str:
    return "on" if on else "off"
