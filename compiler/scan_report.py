"""Render scan results as text (grouped by file), JSON, or SARIF 2.1.0 for code scanning."""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict
from typing import Any

from compiler.scanner import Finding, ScanResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
HELP_URI = "https://www.checkov.io/5.Policy%20Index/all.html"


def text(result: ScanResult, spec_file: str) -> str:
    lines: list[str] = [f"note: {note}" for note in result.notes]
    for file, group in itertools.groupby(result.findings, key=lambda f: f.file):
        lines.append(file)
        for finding in group:
            lines.append(f"  {_describe(finding, spec_file)}")
    failed, suppressed = len(result.failed), len(result.findings) - len(result.failed)
    cache = " (cached)" if result.cached else ""
    lines.append(f"scan: {failed} finding(s), {suppressed} suppressed{cache}")
    return "\n".join(lines) + "\n"


def _describe(finding: Finding, spec_file: str) -> str:
    where = f"line {finding.line}" if finding.line else "file"
    parts = [f"{finding.check_id} {finding.title}", f"[{finding.tool}]", where]
    if finding.resource:
        parts.append(f"resource {finding.resource}")
    if finding.spec_line:
        parts.append(f"from {spec_file}:{finding.spec_line}")
    if finding.suppressed:
        parts.append(f"suppressed: {finding.suppressed}")
    return " · ".join(parts)


def to_json(result: ScanResult) -> str:
    body = {"findings": [asdict(f) for f in result.findings], "notes": list(result.notes),
            "failed": len(result.failed)}
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def sarif(result: ScanResult, version: str) -> str:
    rules = {f.check_id: f for f in result.findings}
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mccompile",
                "version": version,
                "informationUri": "https://github.com/bridgecrewio/checkov",
                "rules": [_rule(check, finding) for check, finding in sorted(rules.items())],
            }},
            "results": [_result(f) for f in result.findings],
        }],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def _rule(check: str, finding: Finding) -> dict[str, Any]:
    return {"id": check, "name": check, "shortDescription": {"text": finding.title or check},
            "helpUri": HELP_URI, "properties": {"tool": finding.tool}}


def _result(finding: Finding) -> dict[str, Any]:
    region = {"startLine": max(finding.line, 1)}
    result: dict[str, Any] = {
        "ruleId": finding.check_id,
        "level": "note" if finding.suppressed else "error",
        "message": {"text": f"{finding.title} ({finding.resource})" if finding.resource
                    else finding.title or finding.check_id},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": finding.file},
            "region": region,
        }}],
    }
    if finding.suppressed:
        result["suppressions"] = [{"kind": "external", "justification": finding.suppressed}]
    return result
