"""The only module that writes to disk.

It owns exactly the files listed in its manifest (``<out>/.mccompile-manifest.json``, holding
each owned file's sha256). Order of a build, chosen so that a kill at any point leaves a tree
the next ``--check`` describes truthfully and the next build repairs:

1. plan everything and refuse (all conflicts at once) before touching anything;
2. write changed files, each to a temp file then ``os.replace``;
3. delete stale owned files;
4. write the manifest, last and atomically.

A file whose bytes already equal the desired output is never a conflict, even if the manifest
does not list it yet (a previous build died before step 4), so it is simply adopted.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from compiler.artifact import Artifact
from compiler.errors import WriterError

MANIFEST = ".mccompile-manifest.json"
TEMP_SUFFIX = ".mcc-tmp"


@dataclass(frozen=True)
class Layout:
    """Where the two artifact roots are on disk."""

    repo: Path
    out: Path

    def resolve(self, artifact: Artifact) -> Path:
        return (self.out if artifact.root == "out" else self.repo) / artifact.path

    def key(self, path: Path) -> str:
        """Manifest key: POSIX path relative to the repository root."""
        return path.resolve().relative_to(self.repo.resolve()).as_posix()


@dataclass
class Plan:
    write: dict[Path, bytes] = field(default_factory=dict)
    delete: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    manifest: bytes = b""
    root: Path = Path()

    @property
    def clean(self) -> bool:
        return not self.write and not self.delete


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plan(artifacts: list[Artifact], layout: Layout) -> Plan:
    owned = read_manifest(layout)
    desired = {layout.resolve(a): a.content.encode("utf-8") for a in artifacts}
    result = Plan(root=layout.repo)
    for path, data in sorted(desired.items()):
        _plan_file(result, layout, owned, path, data)
    wanted = {layout.key(path) for path in desired}
    for key, digest in sorted(owned.items()):
        if key not in wanted:
            _plan_stale(result, layout, key, digest)
    result.manifest = _manifest_bytes(layout, desired)
    manifest_path = layout.out / MANIFEST
    if _read(manifest_path) != result.manifest:
        result.write[manifest_path] = result.manifest
    return result


def _plan_file(result: Plan, layout: Layout, owned: dict[str, str], path: Path, data: bytes) -> None:
    current = _read(path)
    if current == data:
        result.unchanged.append(path)
        return
    key = layout.key(path)
    if current is not None:
        if key not in owned:
            result.conflicts.append(f"{key}: exists and was not written by mccompile")
        elif sha256(current) != owned[key]:
            result.conflicts.append(f"{key}: edited by hand since the last build")
    result.write[path] = data


def _plan_stale(result: Plan, layout: Layout, key: str, digest: str) -> None:
    path = layout.repo / key
    current = _read(path)
    if current is None:
        return
    if sha256(current) != digest:
        result.conflicts.append(f"{key}: no longer generated, but edited by hand; remove it yourself")
        return
    result.delete.append(path)


def _manifest_bytes(layout: Layout, desired: dict[Path, bytes]) -> bytes:
    files = {layout.key(path): sha256(data) for path, data in desired.items()}
    body = {"about": "Files owned by mccompile; it rewrites and removes only these.",
            "files": files}
    return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()


def read_manifest(layout: Layout) -> dict[str, str]:
    raw = _read(layout.out / MANIFEST)
    if raw is None:
        return {}
    try:
        files = json.loads(raw)["files"]
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
            raise TypeError
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise WriterError(f"{layout.key(layout.out / MANIFEST)}: unreadable manifest; "
                          "delete it and rebuild with --force") from e
    return {key: digest for key, digest in files.items() if _inside(layout, key)}


def _inside(layout: Layout, key: str) -> bool:
    """A tampered manifest must never make us delete outside the repository."""
    target = (layout.repo / key).resolve()
    return target.is_relative_to(layout.repo.resolve()) and ".." not in Path(key).parts


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None


def apply(result: Plan, *, force: bool = False) -> None:
    if result.conflicts and not force:
        lines = "\n".join(f"  {conflict}" for conflict in result.conflicts)
        raise WriterError(f"refusing to overwrite files mccompile does not own or that were "
                          f"edited by hand:\n{lines}\nrerun with --force to overwrite them")
    manifest = next((p for p in result.write if p.name == MANIFEST), None)
    for path, data in sorted(result.write.items()):
        if path != manifest:
            write_atomic(path, data)
    for path in result.delete:
        path.unlink(missing_ok=True)
        _prune_empty_dirs(path.parent, result.root)
    if manifest is not None:
        write_atomic(manifest, result.write[manifest])


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftover_temps(path.parent)
    temp = path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")
    try:
        # No fsync: the rename is what makes a killed build safe; surviving power loss is the
        # file system's job, and hundreds of fsyncs made a cold build several times slower.
        temp.write_bytes(data)
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)


def _remove_leftover_temps(directory: Path) -> None:
    """Temp files of a build that was killed mid-write are ours to clean up."""
    for leftover in directory.glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _prune_empty_dirs(directory: Path, root: Path) -> None:
    with contextlib.suppress(OSError):
        while directory.resolve() != root.resolve() and directory.is_dir() \
                and not any(directory.iterdir()):
            directory.rmdir()
            directory = directory.parent


def describe(result: Plan, layout: Layout) -> list[str]:
    """One line per file that a build would change, for ``--check``."""
    lines = []
    for path in sorted(result.write):
        state = "missing" if _read(path) is None else "drifted"
        lines.append(f"{state}: {layout.key(path)}")
    lines += [f"stale: {layout.key(path)}" for path in result.delete]
    lines += [f"conflict: {conflict}" for conflict in result.conflicts]
    return lines


def diff(result: Plan, layout: Layout) -> str:
    chunks: list[str] = []
    for path, data in sorted(result.write.items()):
        old = (_read(path) or b"").decode("utf-8", "replace").splitlines(keepends=True)
        new = data.decode("utf-8").splitlines(keepends=True)
        key = layout.key(path)
        chunks.extend(difflib.unified_diff(old, new, f"a/{key}", f"b/{key}"))
    for path in result.delete:
        old = (_read(path) or b"").decode("utf-8", "replace").splitlines(keepends=True)
        key = layout.key(path)
        chunks.extend(difflib.unified_diff(old, [], f"a/{key}", "/dev/null"))
    return "".join(chunks)
