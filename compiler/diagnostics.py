"""Turn pydantic's errors into located, plain-language diagnostics."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from compiler.errors import Diagnostic
from compiler.loader import PathKey, SourceMap
from compiler.spec_types import REL_PATH_PATTERN


def from_validation_error(
    error: ValidationError, source: SourceMap, root: type[BaseModel]
) -> list[Diagnostic]:
    seen: set[tuple[PathKey, str]] = set()
    out = []
    for detail in error.errors(include_url=False):
        path, is_key = _clean_path(detail["loc"])
        message = _message(detail, path, root)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        key = is_key or detail["type"] == "extra_forbidden"
        out.append(source.diagnostic(path, message, key=key))
    return out


def _clean_path(loc: tuple[int | str, ...]) -> tuple[PathKey, bool]:
    """Drop pydantic's union-member and key markers, which are not part of the user's path."""
    path: list[str | int] = []
    is_key = False
    for part in loc:
        if part == "[key]":
            is_key = True
        elif isinstance(part, str) and ("[" in part or part in _UNION_TAGS):
            continue
        else:
            path.append(part)
    return tuple(path), is_key


_UNION_TAGS = {"str", "int", "float", "bool", "constrained-str", "function-after"}


def _message(detail: ErrorDetails, path: PathKey, root: type[BaseModel]) -> str:
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    name = path[-1] if path else ""
    if kind == "extra_forbidden":
        return _unknown_key(str(name), path[:-1], root)
    if kind == "missing":
        return f"missing required key '{name}'"
    if kind == "literal_error":
        return f"{_shown(detail['input'])} is not allowed; expected {ctx.get('expected', '')}"
    if kind == "string_pattern_mismatch":
        return _pattern_message(detail, str(ctx.get("pattern", "")))
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return _range_message(detail, path)
    if kind in ("string_too_long", "too_long"):
        return f"{_shown(detail['input'])} is too long (at most {ctx.get('max_length')})"
    if kind in ("string_too_short", "too_short"):
        return f"needs at least {ctx.get('min_length')} item(s) or character(s)"
    return f"{detail['msg'][:1].lower()}{detail['msg'][1:]} (got {_shown(detail['input'])})"


def _range_message(detail: ErrorDetails, path: PathKey) -> str:
    ctx = detail.get("ctx") or {}
    bounds = {
        "greater_than_equal": f"at least {ctx.get('ge')}",
        "less_than_equal": f"at most {ctx.get('le')}",
        "greater_than": f"greater than {ctx.get('gt')}",
        "less_than": f"less than {ctx.get('lt')}",
    }[detail["type"]]
    field = path[-1] if path else "value"
    return f"{field} must be {bounds} (got {_shown(detail['input'])})"


_PATTERN_HINTS = {
    REL_PATH_PATTERN: "must be a relative path inside the repository "
    "(no leading '/', no '..')",
    r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$": "must be a GitHub repository as owner/name",
    "^[a-z]([a-z0-9-]*[a-z0-9])?$": "must be a DNS-1123 label: lowercase letters, digits and "
    "'-', starting with a letter and not ending with '-'",
    "^[A-Z][A-Z0-9_]*$": "must be an environment variable name: A-Z, 0-9 and '_', "
    "starting with a letter",
}


def _pattern_message(detail: ErrorDetails, pattern: str) -> str:
    hint = _PATTERN_HINTS.get(pattern, f"must match {pattern}")
    return f"{_shown(detail['input'])} {hint}"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_key(name: str, parent: PathKey, root: type[BaseModel]) -> str:
    model = _model_at(parent, root)
    if model is None:
        return f"unknown key '{name}'"
    keys = sorted(model.model_fields)
    close = difflib.get_close_matches(name, keys, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(keys)}"
    return f"unknown key '{name}'{hint}"


def _model_at(path: PathKey, root: type[BaseModel]) -> type[BaseModel] | None:
    """Walk model annotations along ``path`` (dict keys and list indexes pass through)."""
    current: Any = root
    for part in path:
        current = _descend(current, part)
        if current is None:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _descend(annotation: Any, part: str | int) -> Any:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return field.annotation if field else None
    origin = typing.get_origin(annotation)
    if origin is dict:
        return typing.get_args(annotation)[1]
    if origin is list:
        return typing.get_args(annotation)[0]
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional[...] and Annotated[...] down to the one model type inside, if any."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(members[0]) if len(members) == 1 else annotation
    return annotation
