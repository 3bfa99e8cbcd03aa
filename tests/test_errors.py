"""The error corpus: every malformed spec exits 2 with exact, located messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.cli import main
from conftest import ROOT, tree_files

CASES = sorted((ROOT / "tests" / "errors").glob("*.yaml"))


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_error_message(case: Path, in_root: Path, capsys: pytest.CaptureFixture[str],
                       update_goldens: bool) -> None:
    spec = case.relative_to(in_root).as_posix()
    assert main(["validate", "--spec", spec]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    expected = case.with_suffix(".expected")
    if update_goldens:
        expected.write_text(captured.err)
    assert captured.err == expected.read_text(), f"stderr differs for {case.name}"
    for line in captured.err.splitlines():
        assert line.startswith(f"{spec}:"), f"unlocated message: {line}"


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


def test_bad_spec_leaves_output_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec").mkdir()
    good = (ROOT / "examples" / "minimal.yaml").read_text()
    (tmp_path / "spec" / "multicloud.yaml").write_text(good)
    assert main(["build", "--no-scan"]) == 0
    before = tree_files(tmp_path / "generated")
    for case in CASES:
        (tmp_path / "spec" / "multicloud.yaml").write_bytes(case.read_bytes())
        assert main(["build", "--no-scan"]) == 2, case.name
        assert tree_files(tmp_path / "generated") == before, case.name


def test_oversized_spec_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "big.yaml"
    spec.write_text("# padding\n" * 200_000)
    assert main(["validate", "--spec", str(spec)]) == 2
    assert "the limit is 1048576" in capsys.readouterr().err


def test_unreadable_spec_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--spec", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read spec: No such file or directory" in capsys.readouterr().err
