"""A non-editable `pip install .` into a fresh venv works from any directory."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

SOURCES = ("compiler", "templates", "pyproject.toml", "README.md")


def test_wheel_install_runs_from_anywhere(tmp_path: Path) -> None:
    source = tmp_path / "src"
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                    str(source)], check=True, capture_output=True)
    shutil.rmtree(source)  # the installed package must not need the source tree
    work = tmp_path / "elsewhere"
    work.mkdir()
    mcc = str(venv / "bin" / "mccompile")
    subprocess.run([mcc, "init", "--name", "demo"], cwd=work, check=True, capture_output=True)
    result = subprocess.run([mcc, "build", "--no-scan"], cwd=work, check=True,
                            capture_output=True, text=True)
    assert result.stdout.startswith("generated: ")
    assert (work / "generated" / "ARCHITECTURE.md").is_file()


def test_every_package_is_listed_in_pyproject() -> None:
    """setuptools installs only the packages pyproject names; a missing one breaks `pip install .`."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {p.parent.relative_to(ROOT).as_posix().replace("/", ".")
             for p in (ROOT / "compiler").rglob("__init__.py")}
    assert found | {"compiler.templates"} == listed
