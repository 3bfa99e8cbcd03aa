"""Scan the generated tree: Checkov (in-process) plus the fast structural validators.

Checkov costs ~3 s to import and ~2 s per framework here, so results are cached by a hash of
every scanned input; a rescan of an unchanged tree reads the cache without importing Checkov.
Suppressions come only from the spec, each with a reason and an optional expiry, and are
applied to individual findings (check id, optionally resource) after the scan.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from compiler import helmrender
from compiler.errors import ToolMissingError
from compiler.model import Project, Service
from compiler.writer import Layout

CACHE_DIR = ".mcc-cache/scan"
INSTALL_HINT = "install the scanner with `pip install 'mccompile[scan]'` (or run `make run`)"


@dataclass(frozen=True)
class Finding:
    tool: str
    check_id: str
    title: str
    file: str  # relative to the repository root
    line: int
    resource: str = ""
    spec_line: int = 0
    suppressed: str = ""  # the reason, when a spec suppression applies

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Target:
    """One Checkov framework over one directory (relative to the repository root)."""

    framework: str
    directory: str


@dataclass(frozen=True)
class ScanResult:
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]
    cached: bool

    @property
    def failed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.suppressed)


def targets(project: Project, layout: Layout) -> list[Target]:
    out = _relative(layout, layout.out)
    found = [Target("terraform", f"{out}/terraform"), Target("dockerfile", f"{out}/docker"),
             Target("github_actions", project.ci.workflows_dir), Target("secrets", out)]
    if project.ci.workflows_dir and not project.ci.workflows_dir.startswith(f"{out}/"):
        found.append(Target("secrets", project.ci.workflows_dir))
    return [t for t in found if (layout.repo / t.directory).is_dir()]


def _relative(layout: Layout, path: Path) -> str:
    return path.resolve().relative_to(layout.repo.resolve()).as_posix()


def scan(project: Project, layout: Layout, *, today: dt.date | None = None,
         use_cache: bool = True) -> ScanResult:
    chosen = targets(project, layout)
    charts = helmrender.charts(layout.out)
    key = _cache_key(layout, chosen, charts)
    cache = layout.repo / CACHE_DIR / f"{key}.json"
    raw = _load(cache) if use_cache else None
    cached = raw is not None
    if raw is None:
        raw = [*_checkov(layout, chosen), *_checkov_charts(layout, charts), *_validators(layout)]
        _store(cache, raw)
    findings, notes = _apply_suppressions(project, raw, today or dt.date.today())
    return ScanResult(tuple(_with_spec_lines(project, findings)), tuple(notes), cached)


def _cache_key(layout: Layout, chosen: list[Target], charts: list[Path]) -> str:
    digest = hashlib.sha256()
    digest.update(_versions().encode())
    roots = sorted({layout.repo / t.directory for t in chosen} | set(charts))
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(_relative(layout, path).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(json.dumps([asdict(t) for t in chosen]).encode())
    return digest.hexdigest()


def _versions() -> str:
    names = ("mccompile", "checkov", "helm-python-sdk")
    found = []
    for name in names:
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=none")
    return ",".join(found)


def _load(cache: Path) -> list[Finding] | None:
    try:
        return [Finding(**item) for item in json.loads(cache.read_text())]
    except (OSError, ValueError, TypeError):
        return None


def _store(cache: Path, findings: list[Finding]) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    (cache.parent / ".gitignore").write_text("*\n")
    cache.write_text(json.dumps([asdict(f) for f in findings], sort_keys=True))


def _checkov(layout: Layout, chosen: Iterable[Target]) -> list[Finding]:
    findings = []
    for target in chosen:
        for record in _run_framework(target.framework, layout.repo / target.directory):
            path = (layout.repo / target.directory / record.file_path.lstrip("/")).resolve()
            findings.append(_finding(record, _relative(layout, path)))
    return findings


def _checkov_charts(layout: Layout, charts: list[Path]) -> list[Finding]:
    findings = []
    for chart in charts:
        with tempfile.TemporaryDirectory(prefix="mcc-helm-") as temp:
            sources = helmrender.render_to(chart, Path(temp))
            for record in _run_framework("kubernetes", Path(temp)):
                label = sources.get(record.file_path.lstrip("/"), "")
                where = f"{_relative(layout, chart)}/{label}" if label else _relative(layout, chart)
                findings.append(_finding(record, where))
    return findings


def _finding(record: Any, file: str) -> Finding:
    lines = getattr(record, "file_line_range", None) or [0]
    return Finding("checkov", str(getattr(record, "check_id", "")),
                   str(getattr(record, "check_name", "")), file, int(lines[0]),
                   str(getattr(record, "resource", "")))


def _run_framework(framework: str, directory: Path) -> list[Any]:
    # Checkov's own dependencies raise deprecation warnings on import; they are not ours to fix
    # and must not turn into errors where warnings are errors (our test suite).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        runner_type = _runner(framework)
        from checkov.runner_filter import RunnerFilter

        report = runner_type().run(
            root_folder=str(directory),
            runner_filter=RunnerFilter(framework=[framework], download_external_modules=False),
            collect_skip_comments=True,
        )
    reports = report if isinstance(report, list) else [report]
    return [record for r in reports for record in r.failed_checks]


def _runner(framework: str) -> Callable[[], Any]:
    try:
        if framework == "terraform":
            from checkov.terraform.runner import Runner as Terraform
            return Terraform
        if framework == "kubernetes":
            from checkov.kubernetes.runner import Runner as Kubernetes
            return Kubernetes
        if framework == "github_actions":
            from checkov.github_actions.runner import Runner as Actions
            return Actions
        if framework == "dockerfile":
            from checkov.dockerfile.runner import Runner as Dockerfile
            return Dockerfile
        from checkov.secrets.runner import Runner as Secrets
        return Secrets
    except ImportError as e:
        raise ToolMissingError(f"Checkov is not installed: {INSTALL_HINT}") from e


def _validators(layout: Layout) -> list[Finding]:
    """terraform fmt, hadolint, actionlint: quick checks a user may not have run."""
    findings = []
    terraform_dir = layout.out / "terraform"
    terraform = shutil.which("terraform")
    if terraform and terraform_dir.is_dir():
        result = subprocess.run([terraform, "fmt", "-check", "-recursive", "-list=true"],
                                cwd=terraform_dir, capture_output=True, text=True, check=False)
        for name in result.stdout.split():
            findings.append(Finding("terraform-fmt", "fmt", "file is not `terraform fmt` clean",
                                    _relative(layout, terraform_dir / name), 0))
    hadolint = _tool("hadolint")
    if hadolint is None:
        return findings
    dockerfiles = [p for p in (layout.out / "docker").glob("Dockerfile*") if p.suffix != ".dockerignore"]
    for dockerfile in sorted(dockerfiles):
        findings += _hadolint(hadolint, dockerfile, layout)
    return findings


def _tool(name: str) -> str | None:
    """A validator from this interpreter's environment first (PyPI wheels ship them), then PATH."""
    return shutil.which(name, path=os.pathsep.join([str(Path(sys.executable).parent),
                                                    os.environ.get("PATH", "")]))


def _hadolint(hadolint: str, dockerfile: Path, layout: Layout) -> list[Finding]:
    result = subprocess.run([hadolint, "--format", "json", "--no-fail", str(dockerfile)],
                            capture_output=True, text=True, check=False)
    try:
        items = json.loads(result.stdout or "[]")
    except ValueError:
        return [Finding("hadolint", "crash", result.stderr.strip()[:200], _relative(layout, dockerfile), 0)]
    return [Finding("hadolint", item["code"], item["message"], _relative(layout, dockerfile),
                    int(item.get("line", 0))) for item in items]


def _apply_suppressions(project: Project, raw: list[Finding],
                        today: dt.date) -> tuple[list[Finding], list[str]]:
    notes = []
    findings = []
    active = []
    for rule in project.scan.suppressions:
        if rule.expires is not None and rule.expires < today:
            notes.append(f"suppression of {rule.check} expired on {rule.expires}; it no longer applies")
        else:
            active.append(rule)
    for finding in raw:
        match = next((r for r in active if r.check == finding.check_id
                      and (r.resource is None or r.resource == finding.resource)), None)
        findings.append(replace(finding, suppressed=match.reason) if match else finding)
    return sorted(findings, key=lambda f: (f.file, f.line, f.check_id, f.resource)), notes


def _with_spec_lines(project: Project, findings: list[Finding]) -> list[Finding]:
    """Point each finding at the spec line of the service it is about, where one is named."""
    services = sorted(project.services, key=lambda s: -len(s.name))
    return [replace(f, spec_line=_spec_line(services, f)) for f in findings]


def _spec_line(services: list[Service], finding: Finding) -> int:
    text = f"{finding.file} {finding.resource}"
    for service in services:
        if service.name in text.replace("_", "-"):
            return service.line
    return 0
