"""Run the Checkov CLI once per (directory, framework, options) and return its report.

Every test that asks Checkov about a generated tree goes through here, so each tree is scanned
once per session and a crash or a missing Checkov fails the same way everywhere.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections import Counter
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


@dataclass(frozen=True)
class Report:
    failed: tuple[Finding, ...]
    summary: dict[str, int]  # Checkov's summary counts, added up over its reports


@functools.cache
def scan(directory: Path, framework: str, *options: str) -> Report:
    checkov = Path(sys.executable).parent / "checkov"
    if not checkov.is_file():
        pytest.fail("checkov is not installed: run `make test` (it installs every test tool)")
    result = subprocess.run(
        [str(checkov), "--directory", str(directory), "--framework", framework, "--skip-download",
         "--quiet", "--compact", "--output", "json", *options],
        capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):
        pytest.fail(f"checkov crashed ({result.returncode}): {result.stderr[-2000:]}")
    return _report(result.stdout)


def failed_checks(directory: Path, framework: str, *options: str) -> tuple[Finding, ...]:
    return scan(directory, framework, *options).failed


def _report(stdout: str) -> Report:
    text = stdout.strip()
    reports = json.loads(text) if text else []
    if isinstance(reports, dict):
        reports = [reports]
    findings = []
    summary: Counter[str] = Counter()
    for report in reports:
        summary.update({key: value for key, value in report.get("summary", {}).items()
                        if isinstance(value, int)})
        for check in report.get("results", {}).get("failed_checks", []):
            findings.append(Finding(check["check_id"], check.get("check_name", ""),
                                    check.get("file_path", ""), check.get("resource", ""),
                                    tuple(check.get("file_line_range") or ())))
    return Report(tuple(sorted(findings, key=str)), dict(summary))
