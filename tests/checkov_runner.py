"""Run Checkov once per (directory, framework) and return its failed checks."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Finding:
    check_id: str
    name: str
    file: str
    resource: str
    lines: tuple[int, ...]

    def __str__(self) -> str:
        line = self.lines[0] if self.lines else 0
        return f"{self.file}:{line}: {self.check_id} {self.name} ({self.resource})"


@functools.cache
def failed_checks(directory: Path, framework: str) -> tuple[Finding, ...]:
    checkov = Path(sys.executable).parent / "checkov"
    if not checkov.is_file():
        pytest.fail("checkov is not installed: run `make test` (it installs every test tool)")
    result = subprocess.run(
        [str(checkov), "--directory", str(directory), "--framework", framework, "--skip-download",
         "--quiet", "--compact", "--output", "json", "--no-fail-on-crash"],
        capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):
        pytest.fail(f"checkov crashed ({result.returncode}): {result.stderr[-2000:]}")
    return tuple(_findings(result.stdout))


def _findings(stdout: str) -> list[Finding]:
    text = stdout.strip()
    if not text:
        return []
    reports = json.loads(text)
    if isinstance(reports, dict):
        reports = [reports]
    findings = []
    for report in reports:
        for check in report.get("results", {}).get("failed_checks", []):
            findings.append(Finding(check["check_id"], check.get("check_name", ""),
                                    check.get("file_path", ""), check.get("resource", ""),
                                    tuple(check.get("file_line_range") or ())))
    return sorted(findings, key=str)
