"""One generated file: what every emitter returns and the writer consumes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_SAFE_PATH = re.compile(r"^(?!/)(?!.*(^|/)\.\.?(/|$))[A-Za-z0-9._/-]+$")


@dataclass(frozen=True)
class Artifact:
    """One generated file.

    ``root`` is ``out`` for files under the output directory (``generated/``) and ``repo`` for
    files that must live elsewhere in the repository (GitHub only runs workflows from
    ``.github/workflows``).
    """

    path: str
    content: str
    root: Literal["out", "repo"] = "out"

    def __post_init__(self) -> None:
        if not _SAFE_PATH.match(self.path):
            raise ValueError(f"unsafe artifact path: {self.path!r}")

    @property
    def key(self) -> str:
        return f"{self.root}:{self.path}"

