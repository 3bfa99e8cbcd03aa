"""Offline ``terraform fmt`` / ``validate`` for generated root stacks.

Provider binaries cannot be downloaded here, and ``terraform init`` asks the
registry even for dev-overridden providers.  So the harness:

* writes one launcher per provider (``terraform-provider-<name>``, running
  ``tests/tfstub/stub_provider.py``, which serves the provider's real schema)
  and a CLI config whose ``dev_overrides`` point every provider source from
  ``compiler/data/providers.json`` at those launchers — once per session, in
  a temp dir, so no machine path is ever committed;
* by default (``reattach=True``) also starts each launcher once as a
  long-lived server (``tf``'s ``--dev`` mode) and hands their addresses to
  terraform in ``TF_REATTACH_PROVIDERS``: terraform then talks to running
  stubs instead of starting two Python processes per provider per validate
  (~0.25 s of CPU each).  ``reattach=False`` uses the launchers through
  ``dev_overrides`` only, exactly as terraform would run real providers;
* per root stack runs ``terraform fmt -check -recursive``, ``terraform get``
  (installs local modules, never touches providers) and ``terraform validate
  -json`` with ``TF_DATA_DIR`` in the temp dir, so nothing lands in the tree;
* returns readable messages (``file:line: summary: detail``), an empty list
  when everything is clean.

Usage from the suite (one harness for the whole session)::

    from terraform_harness import TerraformHarness

    @pytest.fixture(scope="session")
    def terraform() -> Iterator[TerraformHarness]:
        with TerraformHarness() as harness:
            yield harness

    def test_generated_tree_validates(terraform, generated_stacks):
        assert terraform.validate_tree(generated_stacks) == []

or the module-level ``validate_tree(stack_dirs)``, which shares one harness
per process.  ``HarnessError`` is raised when terraform is missing or a stub
provider cannot start: a broken harness must never look like a clean tree.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

REPO_ROOT = Path(__file__).resolve().parent.parent
STUB_SCRIPT = REPO_ROOT / "tests" / "tfstub" / "stub_provider.py"
SCHEMA_DIR = REPO_ROOT / "tests" / "tfstub" / "schemas"
PROVIDERS_JSON = REPO_ROOT / "compiler" / "data" / "providers.json"

# Each validate is CPU-bound (terraform plus two stub processes per
# provider); the machines have two cores.
DEFAULT_WORKERS = 2
STUB_START_TIMEOUT = 60.0
COMMAND_TIMEOUT = 300.0
DEV_OVERRIDES_WARNING = "Provider development overrides are in effect"

# Variables that would make terraform behave differently from a clean run.
_SCRUBBED_ENV = re.compile(
    r"^(TF_CLI_ARGS.*|TF_LOG.*|TF_WORKSPACE|TF_PLUGIN_CACHE_DIR|TF_CLI_CONFIG_FILE|TF_DATA_DIR)$"
)


_REATTACH_RE = re.compile(r"TF_REATTACH_PROVIDERS='(\{.*\})'")


class HarnessError(RuntimeError):
    """The harness itself cannot work (no terraform, stub does not start...)."""


@dataclass(frozen=True)
class StackResult:
    stack: Path
    errors: list[str]
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    # validate's warnings (except the one dev_overrides always causes); not
    # failures by themselves, kept for callers that want to be strict.
    warnings: list[str] = field(default_factory=list)


def load_providers(path: Path = PROVIDERS_JSON) -> dict[str, str]:
    """Provider local name -> source address, for every provider with a schema."""
    data: dict[str, dict[str, str]] = json.loads(path.read_text())
    return {
        name: entry["source"] for name, entry in data.items() if (SCHEMA_DIR / f"{name}.json.gz").is_file()
    }


class TerraformHarness:
    """Session-wide offline validator; see the module docstring."""

    def __init__(
        self,
        providers: Mapping[str, str] | None = None,
        workers: int = DEFAULT_WORKERS,
        terraform: str | None = None,
        reattach: bool = True,
    ) -> None:
        found = terraform or shutil.which("terraform")
        if not found:
            raise HarnessError("terraform is not on PATH; the Terraform checks cannot run")
        self.terraform = found
        self.providers = dict(providers if providers is not None else load_providers())
        if not self.providers:
            raise HarnessError(f"no provider schemas found under {SCHEMA_DIR}")
        self.workers = max(1, workers)
        self._tmp = Path(tempfile.mkdtemp(prefix="tfstub-session-"))
        self._counter = 0
        self._lock = threading.Lock()
        self._servers: list[subprocess.Popen[bytes]] = []
        self._reattach: str | None = None
        try:
            self._write_launchers()
            self._write_cli_config()
            if reattach:
                self._start_servers()
            else:
                self._start_every_stub()
        except BaseException:
            self.close()
            raise

    # ---- session setup --------------------------------------------------- #

    @property
    def bin_dir(self) -> Path:
        return self._tmp / "bin"

    @property
    def cli_config(self) -> Path:
        return self._tmp / "terraform.rc"

    def _write_launchers(self) -> None:
        self.bin_dir.mkdir()
        for name in sorted(self.providers):
            launcher = self.bin_dir / f"terraform-provider-{name}"
            command = shlex.join([sys.executable, str(STUB_SCRIPT), "--provider", name])
            # tf caches its TLS certificate under $HOME/.cache: keep that in
            # the session dir rather than in the real home directory.
            home = shlex.quote(str(self._tmp / "home"))
            launcher.write_text(f'#!/bin/sh\nHOME={home} exec {command} "$@"\n')
            launcher.chmod(0o755)

    def _write_cli_config(self) -> None:
        overrides = "\n".join(
            f"    {json.dumps(source)} = {json.dumps(str(self.bin_dir))}"
            for _, source in sorted(self.providers.items())
        )
        self.cli_config.write_text(
            f"provider_installation {{\n  dev_overrides {{\n{overrides}\n  }}\n  direct {{}}\n}}\n"
        )

    def _env(self, data_dir: Path | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not _SCRUBBED_ENV.match(k)}
        env.update(
            TF_CLI_CONFIG_FILE=str(self.cli_config),
            TF_IN_AUTOMATION="1",
            CHECKPOINT_DISABLE="1",  # no update check: there is no network
            TF_INPUT="0",
            TFSTUB_CACHE_DIR=str(self._tmp / "schema-cache"),
        )
        if data_dir is not None:
            env["TF_DATA_DIR"] = str(data_dir)
        if self._reattach is not None:
            env["TF_REATTACH_PROVIDERS"] = self._reattach
        return env

    def _start_servers(self) -> None:
        """Start one long-lived stub server per provider and collect their addresses."""
        run_dir = self._tmp / "run"
        run_dir.mkdir()
        env = self._env()
        # The servers' sockets live in TMPDIR: inside the session dir they go
        # away with it.  The stub exits by itself if the harness process dies.
        # Unbuffered: the address line must reach the log file at once.
        env.update(TMPDIR=str(run_dir), TFSTUB_PARENT_PID=str(os.getpid()), PYTHONUNBUFFERED="1")
        logs: dict[str, Path] = {}
        for name in sorted(self.providers):
            logs[name] = run_dir / f"{name}.log"
            with logs[name].open("wb") as log:
                launcher = self.bin_dir / f"terraform-provider-{name}"
                self._servers.append(
                    subprocess.Popen([str(launcher), "--dev"], stdout=log, stderr=log, env=env)
                )
        merged: dict[str, object] = {}
        failures: list[str] = []
        for (name, log_path), server in zip(sorted(logs.items()), self._servers, strict=True):
            found = _wait_for_reattach(server, log_path, STUB_START_TIMEOUT)
            if found is None:
                tail = log_path.read_text(errors="replace").strip()[-2000:]
                failures.append(f"{name} (exit code {server.poll()}): {tail}")
                continue
            # The stub does not know its registry address: key it here.
            [config] = found.values()
            merged[f"registry.terraform.io/{self.providers[name]}"] = config
        if failures:
            raise HarnessError("stub provider did not start: " + "; ".join(failures))
        self._reattach = json.dumps(merged)

    def _start_every_stub(self) -> None:
        """Start each launcher once and wait for its go-plugin handshake.

        A broken stub then fails the session here, loudly, instead of showing
        up as puzzling validate errors; and each stub leaves its serialized
        schema in the cache, so stubs started by terraform only parse it.
        """
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            failures = [f for f in pool.map(self._stub_failure, sorted(self.providers)) if f]
        if failures:
            raise HarnessError("stub provider did not start: " + "; ".join(failures))

    def _stub_failure(self, name: str) -> str | None:
        launcher = self.bin_dir / f"terraform-provider-{name}"
        with subprocess.Popen(
            [str(launcher)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self._env()
        ) as proc:
            try:
                line = _read_line(proc, STUB_START_TIMEOUT)
            finally:
                proc.kill()
                _, stderr = proc.communicate()
        if re.match(rb"^1\|6\|unix\|", line):
            return None
        return f"{name} (handshake {line!r}): {stderr.decode(errors='replace').strip()[-2000:]}"

    # ---- per stack ------------------------------------------------------- #

    def _data_dir(self) -> Path:
        with self._lock:
            self._counter += 1
            path = self._tmp / "data" / str(self._counter)
        path.mkdir(parents=True)
        return path

    def _run(
        self, args: Sequence[str], cwd: Path, env: Mapping[str, str]
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.terraform, *args],
            cwd=cwd,
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )

    def check_stack(self, stack_dir: Path, report_root: Path | None = None) -> StackResult:
        """fmt-check, get and validate one root stack."""
        stack_dir = Path(stack_dir).resolve()
        root = report_root or stack_dir.parent
        start = time.perf_counter()
        timings: dict[str, float] = {}
        env = self._env(self._data_dir())
        errors: list[str] = []

        t = time.perf_counter()
        errors += self._fmt_errors([stack_dir], root, env)
        timings["fmt"] = time.perf_counter() - t

        t = time.perf_counter()
        got = self._run(["get", "-no-color"], stack_dir, env)
        timings["get"] = time.perf_counter() - t
        if got.returncode != 0:
            errors.append(
                f"{_rel(stack_dir, root)}: terraform get failed: {_squash(got.stderr or got.stdout)}"
            )
            return StackResult(stack_dir, errors, time.perf_counter() - start, timings)
        errors += self._fmt_errors(_module_dirs(Path(env["TF_DATA_DIR"]), stack_dir), root, env)

        t = time.perf_counter()
        validated = self._run(["validate", "-json", "-no-color"], stack_dir, env)
        timings["validate"] = time.perf_counter() - t
        found, warnings = _validate_findings(validated, stack_dir, root)
        return StackResult(stack_dir, errors + found, time.perf_counter() - start, timings, warnings)

    def _fmt_errors(self, dirs: Iterable[Path], root: Path, env: Mapping[str, str]) -> list[str]:
        errors: list[str] = []
        for directory in dirs:
            result = self._run(["fmt", "-check", "-recursive", "-list=true", "-no-color"], directory, env)
            if result.returncode == 0:
                continue
            listed = [line for line in result.stdout.splitlines() if line.strip()]
            if not listed:  # not a formatting finding: fmt itself failed (syntax error...)
                errors.append(f"{_rel(directory, root)}: terraform fmt failed: {_squash(result.stderr)}")
            errors += [f"{_rel(directory / f, root)}: not formatted (run terraform fmt)" for f in listed]
        return errors

    def check_stacks(self, stack_dirs: Sequence[Path]) -> list[StackResult]:
        """Check several stacks concurrently; results in input order."""
        dirs = [Path(d).resolve() for d in stack_dirs]
        root = _common_root(dirs)
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            return list(pool.map(lambda d: self.check_stack(d, root), dirs))

    def validate_tree(self, stack_dirs: Sequence[Path]) -> list[str]:
        """All fmt/get/validate findings for these root stacks; [] when clean."""
        errors = [error for result in self.check_stacks(stack_dirs) for error in result.errors]
        # A module shared by several stacks is reported by each of them.
        return list(dict.fromkeys(errors))

    # ---- lifetime -------------------------------------------------------- #

    def close(self) -> None:
        for server in self._servers:
            server.terminate()
        for server in self._servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        self._servers.clear()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> TerraformHarness:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


def _read_line(proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    """First stdout line of proc, or b"" after timeout (a thread keeps this portable)."""
    box: list[bytes] = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline() if proc.stdout else b""))
    reader.daemon = True
    reader.start()
    reader.join(timeout)
    return box[0] if box else b""


def _wait_for_reattach(
    server: subprocess.Popen[bytes], log: Path, timeout: float
) -> dict[str, object] | None:
    """The reattach config a ``--dev`` stub prints, or None if it died or took too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = _REATTACH_RE.search(log.read_text(errors="replace"))
        if match:
            config: dict[str, object] = json.loads(match.group(1))
            return config
        if server.poll() is not None:
            return None
        time.sleep(0.05)
    return None


def _squash(text: str) -> str:
    return " ".join(text.split())[:2000]


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def _common_root(dirs: Sequence[Path]) -> Path:
    if not dirs:
        return Path.cwd()
    root = Path(os.path.commonpath([str(d) for d in dirs]))
    # A single stack reports paths as "<stack>/main.tf", not "main.tf".
    return root.parent if len(dirs) == 1 or root in dirs else root


def _module_dirs(data_dir: Path, stack_dir: Path) -> list[Path]:
    """Local module directories recorded by ``terraform get`` (outside the stack)."""
    manifest = data_dir / "modules" / "modules.json"
    if not manifest.is_file():
        return []
    found: set[Path] = set()
    for module in json.loads(manifest.read_text()).get("Modules", []):
        if not module.get("Key"):
            continue  # the root module itself
        directory = (stack_dir / module["Dir"]).resolve()
        if (
            directory.is_dir()
            and not directory.is_relative_to(stack_dir)
            and data_dir not in directory.parents
        ):
            found.add(directory)
    return sorted(found)


def _validate_findings(
    result: subprocess.CompletedProcess[str], stack_dir: Path, root: Path
) -> tuple[list[str], list[str]]:
    """(errors, warnings) of ``terraform validate -json``."""
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        output = _squash(result.stderr or result.stdout)
        return [f"{_rel(stack_dir, root)}: terraform validate failed: {output}"], []
    diagnostics = report.get("diagnostics", [])
    errors = [_diagnostic(d, stack_dir, root) for d in diagnostics if d["severity"] == "error"]
    warnings = [
        _diagnostic(d, stack_dir, root)
        for d in diagnostics
        if d["severity"] == "warning" and d.get("summary") != DEV_OVERRIDES_WARNING
    ]
    if result.returncode != 0 and not errors:
        errors.append(f"{_rel(stack_dir, root)}: terraform validate exited {result.returncode}")
    return errors, warnings


def _diagnostic(diag: Mapping[str, object], stack_dir: Path, root: Path) -> str:
    where = _rel(stack_dir, root)
    span = diag.get("range")
    if isinstance(span, dict):
        where = f"{_rel(stack_dir / str(span['filename']), root)}:{span['start']['line']}"
    detail = _squash(str(diag.get("detail") or ""))
    return f"{where}: {diag.get('summary')}" + (f": {detail}" if detail else "")


_SHARED: TerraformHarness | None = None
_SHARED_LOCK = threading.Lock()


def shared_harness() -> TerraformHarness:
    """One harness per process, removed at exit."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = TerraformHarness()
            atexit.register(_SHARED.close)
        return _SHARED


def validate_tree(stack_dirs: Sequence[Path]) -> list[str]:
    """fmt/get/validate every root stack with the shared harness; [] when clean."""
    return shared_harness().validate_tree(stack_dirs)
