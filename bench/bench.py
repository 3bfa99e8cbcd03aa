"""Benchmark: whole-process wall time and peak RSS of `mccompile build` on synthetic specs.

Run with `make bench` (or `.venv/bin/python bench/bench.py`). Prints a Markdown table. Figures are
only comparable within one run on one machine; the ratios between rows are what matters.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = (1, 10, 50, 200)
HEADER = """version: 1
project: {{name: bench, owner: perf, repository: acme/bench}}
environments:
  staging: {{}}
  production: {{protected: true}}
clouds:
  aws: {{account_id: "123456789012", regions: [us-east-1, eu-west-1], runtime: eks,
        state: {{bucket: bench-tfstate, region: us-east-1}}}}
  gcp: {{project_id: bench-project, regions: [us-central1], state: {{bucket: bench-tfstate-gcp}}}}
  azure: {{subscription_id: 00000000-0000-0000-0000-000000000000,
          tenant_id: 11111111-1111-1111-1111-111111111111, regions: [westeurope],
          state: {{resource_group: tfstate, storage_account: benchtfstate}}}}
data:
  cache: {{}}
  buckets: {{files: {{replicate: true}}}}
  queues: {{jobs: {{}}}}
services:
"""
SERVICE = """  svc-{i}:
    port: {port}
    public: {public}
    scaling: {{min: 1, max: 4}}
    env: {{FEATURE_LEVEL: "{i}"}}
    uses: {{cache: read-write, storage.files: read, queue.jobs: write}}
"""


def spec_text(services: int) -> str:
    body = "".join(SERVICE.format(i=i, port=8000 + i, public=str(i % 5 == 0).lower())
                   for i in range(services))
    return HEADER.format() + body


def measure(args: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        detail = child.stderr.read().decode() if child.stderr else ""
        raise SystemExit(f"{' '.join(args)} exited {code}: {detail}")
    return wall, usage.ru_maxrss / 1024


def snapshot(root: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def run_size(mcc: str, services: int, work: Path) -> list[str]:
    repo = work / f"s{services}"
    (repo / "spec").mkdir(parents=True)
    (repo / "spec" / "multicloud.yaml").write_text(spec_text(services))
    cold, cold_rss = measure([mcc, "build", "--no-scan"], repo)
    before = snapshot(repo / "generated")
    noop, noop_rss = measure([mcc, "build", "--no-scan"], repo)
    written = sum(1 for p, m in snapshot(repo / "generated").items() if before.get(p) != m)
    check, check_rss = measure([mcc, "build", "--check"], repo)
    files = len(before)
    return [str(services), str(files), f"{cold:.2f}", f"{noop:.2f}", f"{check:.2f}",
            f"{max(cold_rss, noop_rss, check_rss):.0f}", str(written),
            f"{1000 * cold / services:.1f}"]


def scan_rows(mcc: str, reference: Path) -> list[list[str]]:
    """Cold scan, warm rescan and the Checkov CLI over the same generated tree."""
    checkov = shutil.which("checkov", path=str(Path(mcc).parent)) or "checkov"
    cold, cold_rss = measure([mcc, "scan", "--no-cache"], reference, ok=(0, 1))
    measure([mcc, "scan"], reference, ok=(0, 1))  # fills the cache if --no-cache did not
    warm, warm_rss = measure([mcc, "scan"], reference, ok=(0, 1))
    cli, cli_rss = measure([checkov, "--directory", "generated", "--framework", "terraform",
                            "kubernetes", "github_actions", "dockerfile", "secrets",
                            "--skip-download", "--quiet", "--compact"], reference, ok=(0, 1))
    return [["mccompile scan, cold", f"{cold:.2f}", f"{cold_rss:.0f}", f"{cold / cli:.2f}"],
            ["mccompile scan, warm (cached)", f"{warm:.2f}", f"{warm_rss:.0f}", f"{warm / cli:.2f}"],
            ["checkov CLI, same tree", f"{cli:.2f}", f"{cli_rss:.0f}", "1.00"]]


def print_table(rows: list[list[str]]) -> None:
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows[1:]:
        print("| " + " | ".join(row) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--no-scan", action="store_true", help="skip the scan benchmark")
    args = parser.parse_args()
    mcc = shutil.which("mccompile", path=str(Path(sys.executable).parent)) or "mccompile"
    rows = [["services", "files", "cold build s", "no-op rebuild s", "--check s",
             "peak RSS MiB", "files written by no-op", "cold ms/service"]]
    with tempfile.TemporaryDirectory() as temp:
        root = Path(__file__).resolve().parent.parent
        reference = Path(temp) / "reference"
        shutil.copytree(root / "spec", reference / "spec")
        wall, rss = measure([mcc, "build", "--no-scan"], reference)
        print(f"reference spec: cold build {wall:.2f} s, peak RSS {rss:.0f} MiB\n")
        rows += [run_size(mcc, size, Path(temp)) for size in args.sizes]
        print_table(rows)
        if not args.no_scan:
            print()
            print_table([["scan of the reference output", "wall s", "peak RSS MiB",
                          "ratio to checkov CLI"], *scan_rows(mcc, reference)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
