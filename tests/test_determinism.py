"""Two builds are byte-identical: other hash seeds, other working directories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, tree_files


def _build(repo: Path, seed: str) -> dict[str, bytes]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "compiler", "build", "--no-scan"], cwd=repo, env=env,
                   check=True, capture_output=True)
    return tree_files(repo / "generated")


def test_builds_are_identical_across_hash_seeds_and_directories(tmp_path: Path) -> None:
    trees = []
    for index, seed in enumerate(("0", "1", "4242")):
        repo = tmp_path.joinpath(f"checkout-{index}", *["nested"] * index)
        (repo / "spec").mkdir(parents=True)
        shutil.copy(ROOT / "spec" / "multicloud.yaml", repo / "spec" / "multicloud.yaml")
        trees.append(_build(repo, seed))
    assert trees[0] == trees[1] == trees[2]
    assert trees[0] == tree_files(ROOT / "generated"), "committed generated/ differs"


def test_output_holds_no_machine_paths(reference_tree: Path) -> None:
    for name, data in tree_files(reference_tree).items():
        text = data.decode("utf-8", "replace")
        for marker in (str(reference_tree), str(ROOT), str(Path.home()) + "/"):
            assert marker not in text, f"{name} contains the machine path {marker}"
