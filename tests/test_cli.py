"""CLI behaviour: exit codes and exact output, by calling main() in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.cli import main
from conftest import ROOT

MINIMAL = (ROOT / "examples" / "minimal.yaml").read_text()


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "multicloud.yaml").write_text(MINIMAL)
    return tmp_path


def test_validate_ok(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == "spec/multicloud.yaml: ok (1 services, 1 clouds, 1 environments)\n"


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: mccompile" in capsys.readouterr().err


def test_build_then_check_then_drift(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--no-scan"]) == 0
    capsys.readouterr()
    assert main(["build", "--check"]) == 0
    assert capsys.readouterr().out == "generated files are up to date\n"
    spec = project_dir / "spec" / "multicloud.yaml"
    spec.write_text(MINIMAL.replace("port: 8080", "port: 8081"))
    assert main(["build", "--check"]) == 1
    err = capsys.readouterr().err
    assert "drifted: generated/ENV.md" in err
    assert err.rstrip().endswith("generated files are stale: run `mccompile build`")


def test_check_diff_prints_unified_diff(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--no-scan"]) == 0
    (project_dir / "spec" / "multicloud.yaml").write_text(MINIMAL.replace("8080", "8081"))
    capsys.readouterr()
    assert main(["build", "--check", "--diff"]) == 1
    out = capsys.readouterr().out
    assert "--- a/generated/ENV.md\n+++ b/generated/ENV.md\n" in out
    assert "-| `PORT` | `8080` |" in out and "+| `PORT` | `8081` |" in out


def test_noop_rebuild_writes_nothing(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--no-scan"]) == 0
    stamps = {p: p.stat().st_mtime_ns for p in (project_dir / "generated").rglob("*")}
    capsys.readouterr()
    assert main(["build", "--no-scan"]) == 0
    assert capsys.readouterr().out.startswith("generated: 0 file(s) changed")
    assert {p: p.stat().st_mtime_ns for p in (project_dir / "generated").rglob("*")} == stamps


def test_out_option(project_dir: Path) -> None:
    assert main(["build", "--no-scan", "--out", "elsewhere"]) == 0
    assert (project_dir / "elsewhere" / "ENV.md").is_file()
    assert not (project_dir / "generated").exists()


def test_schema_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "mccompile spec"
    assert "services" in schema["required"]


def test_init_writes_a_valid_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--name", "shop"]) == 0
    text = (tmp_path / "spec" / "multicloud.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../schema.json\n")
    assert main(["validate"]) == 0
    assert main(["init"]) == 2
    assert "already exists; use --force" in capsys.readouterr().err


def test_init_rejects_bad_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--name", "Bad Name"]) == 2
    assert "use 2-20 lowercase letters" in capsys.readouterr().err
    assert not (tmp_path / "spec").exists()


def test_explain_table(in_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["service", "environment", "cloud", "regions", "runtime",
                                "replicas", "cpu", "memory", "endpoint", "uses"]
    api_prod_aws = next(line.split() for line in lines
                        if line.startswith("api") and " production " in line and " aws " in line)
    assert api_prod_aws[:9] == ["api", "production", "aws", "us-east-1,eu-west-1", "eks", "2-10",
                                "500m", "1Gi", "api.threatmodeler.example.com"]


def test_internal_error_exit_code(monkeypatch: pytest.MonkeyPatch, project_dir: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    def boom(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("compiler.commands.validate.project_from", boom)
    assert main(["validate"]) == 3
    assert "internal error; please report it" in capsys.readouterr().err


def test_ctrl_c_exit_code(monkeypatch: pytest.MonkeyPatch, project_dir: Path) -> None:
    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("compiler.commands.validate.project_from", interrupt)
    assert main(["validate"]) == 130
