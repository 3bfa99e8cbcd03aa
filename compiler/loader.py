"""Read a spec file into plain Python data plus a source map of positions.

ruamel.yaml keeps line/column for every key and item; we copy them into a dict keyed by the
dotted path so later stages can locate any problem without holding ruamel objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from compiler.errors import Diagnostic, SpecError

MAX_BYTES = 1024 * 1024
# Aliases share nodes, so a tiny file can expand to billions of values when copied to plain data.
MAX_NODES = 100_000

PathKey = tuple[str | int, ...]


@dataclass
class SourceMap:
    """1-based (line, col) of each value and each mapping key, by path."""

    file: str
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """Position of ``path``; falls back to the nearest ancestor that has one."""
        probe = tuple(path)
        while probe:
            table = self.keys if key and probe in self.keys else self.values
            if probe in table:
                return table[probe]
            probe = probe[:-1]
            key = True
        return self.values.get((), (1, 1))

    def diagnostic(self, path: PathKey, message: str, *, key: bool = False) -> Diagnostic:
        line, col = self.locate(path, key=key)
        return Diagnostic(self.file, line, col, message, dotted(path))


def dotted(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class Loaded:
    data: dict[str, Any]
    source: SourceMap


def load_file(path: Path, display: str | None = None) -> Loaded:
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SpecError([Diagnostic(name, 1, 1, f"cannot read spec: {e.strerror}")]) from e
    return load_bytes(raw, name)


def load_bytes(raw: bytes, name: str) -> Loaded:
    text = _decode(raw, name)
    source = SourceMap(name)
    try:
        doc = _yaml().load(text)
    except DuplicateKeyError as e:
        e.context = None  # "while constructing a mapping" says nothing the problem doesn't
        raise _yaml_error(e, name, "duplicate key") from e
    except MarkedYAMLError as e:
        raise _yaml_error(e, name, "invalid YAML") from e
    if doc is None:
        raise SpecError([Diagnostic(name, 1, 1, "the spec is empty; run `mccompile init`")])
    if not isinstance(doc, CommentedMap):
        raise SpecError([Diagnostic(name, 1, 1, "the spec must be a mapping of sections")])
    source.values[()] = (doc.lc.line + 1, doc.lc.col + 1)
    counter = [0]
    data = _plain(doc, (), source, counter)
    return Loaded(data, source)


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    return yaml


def _decode(raw: bytes, name: str) -> str:
    if len(raw) > MAX_BYTES:
        message = f"the spec is {len(raw)} bytes; the limit is {MAX_BYTES}"
        raise SpecError([Diagnostic(name, 1, 1, message)])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        message = f"the spec is not valid UTF-8 (byte 0x{raw[e.start]:02x})"
        raise SpecError([Diagnostic(name, line, col, message)]) from e


def _yaml_error(e: MarkedYAMLError, name: str, what: str) -> SpecError:
    mark = e.problem_mark or e.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    detail = " ".join(part for part in (e.context, e.problem) if part)
    return SpecError([Diagnostic(name, line, col, f"{what}: {detail}".rstrip(": "))])


def _plain(node: Any, path: PathKey, source: SourceMap, counter: list[int]) -> Any:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        line, col = source.locate(path)
        message = f"the spec expands to more than {MAX_NODES} values (alias bomb?)"
        raise SpecError([Diagnostic(source.file, line, col, message)])
    if isinstance(node, CommentedMap):
        return _plain_map(node, path, source, counter)
    if isinstance(node, CommentedSeq):
        return _plain_seq(node, path, source, counter)
    return _scalar(node)


def _plain_map(node: CommentedMap, path: PathKey, source: SourceMap, counter: list[int]) -> Any:
    out: dict[str, Any] = {}
    for key in node:
        kline, kcol = node.lc.key(key)
        if not isinstance(key, str):
            diag = Diagnostic(source.file, kline + 1, kcol + 1, "keys must be strings", dotted(path))
            raise SpecError([diag])
        child = (*path, str(key))
        vline, vcol = node.lc.value(key)
        source.keys[child] = (kline + 1, kcol + 1)
        source.values[child] = (vline + 1, vcol + 1)
        out[str(key)] = _plain(node[key], child, source, counter)
    return out


def _plain_seq(node: CommentedSeq, path: PathKey, source: SourceMap, counter: list[int]) -> Any:
    out = []
    for index, item in enumerate(node):
        line, col = node.lc.item(index)
        source.values[(*path, index)] = (line + 1, col + 1)
        out.append(_plain(item, (*path, index), source, counter))
    return out


def _scalar(node: Any) -> Any:
    # ruamel's round-trip scalars subclass the builtins; hand on plain builtins only.
    if node is None or isinstance(node, dt.date):
        return node
    if isinstance(node, bool | ScalarBoolean):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)
