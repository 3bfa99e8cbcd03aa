"""Writer safety: ownership, hand edits, stale files, and builds killed at any point."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from compiler import writer
from compiler.artifact import Artifact
from compiler.errors import WriterError
from conftest import tree_files

A = [Artifact("a.txt", "alpha\n"), Artifact("sub/b.txt", "beta\n"),
     Artifact("ci/x.yml", "x: 1\n", root="repo")]
B = [Artifact("a.txt", "alpha 2\n"), Artifact("c.txt", "gamma\n")]


def build(repo: Path, artifacts: list[Artifact], *, force: bool = False) -> writer.Plan:
    layout = writer.Layout(repo=repo, out=repo / "generated")
    result = writer.plan(artifacts, layout)
    writer.apply(result, force=force)
    return result


def test_first_build_writes_files_and_manifest(tmp_path: Path) -> None:
    build(tmp_path, A)
    assert (tmp_path / "generated" / "sub" / "b.txt").read_text() == "beta\n"
    assert (tmp_path / "ci" / "x.yml").read_text() == "x: 1\n"
    manifest = json.loads((tmp_path / "generated" / writer.MANIFEST).read_text())
    assert sorted(manifest["files"]) == ["ci/x.yml", "generated/a.txt", "generated/sub/b.txt"]


def test_stale_owned_files_are_removed_and_unowned_survive(tmp_path: Path) -> None:
    build(tmp_path, A)
    (tmp_path / "generated" / "mine.txt").write_text("keep me\n")
    build(tmp_path, B)
    files = tree_files(tmp_path)
    assert "generated/sub/b.txt" not in files and "ci/x.yml" not in files
    assert not (tmp_path / "generated" / "sub").exists()
    assert files["generated/mine.txt"] == b"keep me\n"
    assert files["generated/c.txt"] == b"gamma\n"


def test_hand_edited_file_is_refused_then_forced(tmp_path: Path) -> None:
    build(tmp_path, A)
    edited = tmp_path / "generated" / "a.txt"
    edited.write_text("my edit\n")
    with pytest.raises(WriterError) as info:
        build(tmp_path, B)
    assert "generated/a.txt: edited by hand since the last build" in str(info.value)
    assert edited.read_text() == "my edit\n"
    assert not (tmp_path / "generated" / "c.txt").exists(), "nothing may be written on refusal"
    build(tmp_path, B, force=True)
    assert edited.read_text() == "alpha 2\n"


def test_unowned_file_in_the_way_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "x.yml").write_text("theirs\n")
    with pytest.raises(WriterError, match=r"ci/x\.yml: exists and was not written by mccompile"):
        build(tmp_path, A)
    assert (tmp_path / "ci" / "x.yml").read_text() == "theirs\n"


def test_identical_unowned_file_is_adopted(tmp_path: Path) -> None:
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "a.txt").write_text("alpha\n")
    build(tmp_path, A)
    assert "generated/a.txt" in json.loads((tmp_path / "generated" / writer.MANIFEST).read_text())["files"]


def test_stale_file_edited_by_hand_is_kept(tmp_path: Path) -> None:
    build(tmp_path, A)
    (tmp_path / "generated" / "sub" / "b.txt").write_text("edited\n")
    with pytest.raises(WriterError, match="no longer generated, but edited by hand"):
        build(tmp_path, B)


def test_tampered_manifest_never_reaches_outside(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    build(repo, A)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    manifest = repo / "generated" / writer.MANIFEST
    body = json.loads(manifest.read_text())
    body["files"]["../victim.txt"] = writer.sha256(b"precious\n")
    manifest.write_text(json.dumps(body))
    build(repo, B)
    assert victim.read_text() == "precious\n"


def test_corrupt_manifest_is_a_clear_error(tmp_path: Path) -> None:
    build(tmp_path, A)
    (tmp_path / "generated" / writer.MANIFEST).write_text("{not json")
    with pytest.raises(WriterError, match="unreadable manifest"):
        build(tmp_path, B)


def test_leftover_temp_files_are_cleaned(tmp_path: Path) -> None:
    (tmp_path / "generated").mkdir()
    leftover = tmp_path / "generated" / f".a.txt.999{writer.TEMP_SUFFIX}"
    leftover.write_text("half")
    build(tmp_path, A)
    assert not leftover.exists()


B_KILLED = [*B, Artifact("sub/d.txt", "delta\n")]
DRIVER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from compiler import writer
    from compiler.artifact import Artifact
    A = [Artifact("a.txt", "alpha\\n"), Artifact("sub/b.txt", "beta\\n"),
         Artifact("ci/x.yml", "x: 1\\n", root="repo")]
    B = [Artifact("a.txt", "alpha 2\\n"), Artifact("c.txt", "gamma\\n"),
         Artifact("sub/d.txt", "delta\\n")]
    repo, which, kill_after = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    calls = [0]
    def counting(real):
        def wrapper(*args, **kwargs):
            if calls[0] == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
            calls[0] += 1
            return real(*args, **kwargs)
        return wrapper
    if kill_after >= 0:
        os.replace = counting(os.replace)
        Path.unlink = counting(Path.unlink)
    layout = writer.Layout(repo=repo, out=repo / "generated")
    writer.apply(writer.plan(A if which == "A" else B, layout))
""")


def run_driver(repo: Path, which: str, kill_after: int) -> int:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    return subprocess.run([sys.executable, "-c", DRIVER, str(repo), which, str(kill_after)],
                          env=env, check=False).returncode


@pytest.mark.parametrize("kill_after", range(12))
def test_build_killed_at_any_point_is_reported_and_repaired(tmp_path: Path, kill_after: int) -> None:
    clean = tmp_path / "clean"
    build(clean, B_KILLED)
    repo = tmp_path / "repo"
    build(repo, A)
    code = run_driver(repo, "B", kill_after)
    assert code in (0, -signal.SIGKILL)
    layout = writer.Layout(repo=repo, out=repo / "generated")
    check = writer.plan(B_KILLED, layout)
    truth = _visible(repo) == _visible(clean)
    assert check.clean == truth, writer.describe(check, layout)
    assert not check.conflicts, "a killed build must never look like a hand edit"
    assert run_driver(repo, "B", -1) == 0
    assert _visible(repo) == _visible(clean)


def _visible(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree_files(root).items() if not k.endswith(writer.TEMP_SUFFIX)}
