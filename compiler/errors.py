"""The exception tree. ``str(error)`` is always the whole user-facing message."""

from __future__ import annotations

from dataclasses import dataclass


class MccError(Exception):
    """Base of every error a user can act on; maps to exit code 2 unless stated."""

    exit_code = 2


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One located problem in a spec file."""

    file: str
    line: int
    col: int
    message: str
    path: str = ""

    def __str__(self) -> str:
        where = f" (at {self.path})" if self.path else ""
        return f"{self.file}:{self.line}:{self.col}: error: {self.message}{where}"


class SpecError(MccError):
    """The spec is invalid; carries every diagnostic, sorted by position."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class WriterError(MccError):
    """The writer refused to touch the output tree (e.g. a hand-edited owned file)."""


class DriftError(MccError):
    """``build --check`` found generated output that differs from what the spec produces."""

    exit_code = 1


class ToolMissingError(MccError):
    """An external tool (Checkov, terraform, ...) that a command needs is not installed."""
