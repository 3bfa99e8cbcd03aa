"""Serialise Python data to Terraform HCL that `terraform fmt` leaves byte-for-byte unchanged.

Layout, chosen to be a fixed point of `terraform fmt`:

* two-space indent; a file is its top-level items separated by one blank line;
* inside a body, consecutive attributes stay together and nested blocks get one blank
  line on each side;
* `=` is padded across each run of consecutive single-line assignments, which is the
  unit terraform fmt aligns: a multi-line value, a block or a blank line ends the run;
* objects are always multi-line with sorted keys; tuples of scalars stay on one line
  while short, otherwise one element per line with a trailing comma; empty ones are
  `{}` and `[]`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias, TypeGuard

__all__ = ["Attr", "Block", "Body", "Comment", "Expr", "Value", "attrs", "jsonencode", "quote", "render"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INDENT = "  "
_INLINE_TUPLE_MAX = 80
# A bare `for` opens a for-expression; the literals would read as values, not names.
_QUOTED_KEYWORDS = frozenset({"for", "true", "false", "null"})
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters whose general category looks harmless but which fuse with a neighbour into
# one grapheme cluster: Prepend, SpacingMark and Extend letters and emoji modifiers (found
# by running terraform fmt over every L/N/P/S/Zs code point between two ASCII letters),
# plus regional indicators and Hangul jamo, which fuse with each other.
_FUSING = (
    (0x0D4E, 0x0D4E), (0x0E33, 0x0E33), (0x0EB3, 0x0EB3), (0x1100, 0x11FF),
    (0xA960, 0xA97F), (0xD7B0, 0xD7FF), (0xFF9E, 0xFF9F), (0x111C2, 0x111C3),
    (0x1193F, 0x1193F), (0x11941, 0x11941), (0x11A3A, 0x11A3A), (0x11A84, 0x11A89),
    (0x11D46, 0x11D46), (0x1F1E6, 0x1F1FF), (0x1F3FB, 0x1F3FF),
)  # fmt: skip


@dataclass(frozen=True)
class Expr:
    """A raw Terraform expression such as `var.region`, emitted verbatim.

    Multi-line text is re-indented as a unit, so write continuation lines relative to the
    first one, and end the first line with an opening bracket (as in `merge(`): that is
    what makes terraform fmt leave it out of `=` alignment, and the layout assumes it.
    Heredocs are not supported because re-indenting would change their content.
    """

    text: str

    def __post_init__(self) -> None:
        if not self.text or self.text != self.text.strip():
            raise ValueError(f"Expr text must be non-empty without outer whitespace: {self.text!r}")
        first, newline, _ = self.text.partition("\n")
        if newline and first[-1] not in "([{":
            raise ValueError(f"multi-line Expr must end its first line with a bracket: {first!r}")


Value: TypeAlias = "bool | int | float | str | Expr | Sequence[Value] | Mapping[str, Value] | None"


@dataclass(frozen=True)
class Attr:
    """`name = value` inside a body."""

    name: str
    value: Value

    def __post_init__(self) -> None:
        _check_identifier(self.name)


@dataclass(frozen=True)
class Block:
    """`type "label" ... { body }`."""

    type: str
    labels: tuple[str, ...] = ()
    body: Body = ()

    def __post_init__(self) -> None:
        _check_identifier(self.type)
        for label in self.labels:
            _label(label)  # fail at construction rather than at render time


@dataclass(frozen=True)
class Comment:
    """`# text` lines in a body, set apart by blank lines (e.g. a reasoned `checkov:skip`)."""

    text: str

    def __post_init__(self) -> None:
        if not self.text or any(unicodedata.category(c) == "Cc" for c in self.text.replace("\n", "")):
            raise ValueError(f"comment text must be non-empty without control characters: {self.text!r}")


Body: TypeAlias = "Sequence[Attr | Block | Comment]"


def attrs(values: Mapping[str, Value]) -> list[Attr]:
    """Attributes in the mapping's own order (bodies keep caller order; objects sort)."""
    return [Attr(name, value) for name, value in values.items()]


def jsonencode(value: Value) -> Expr:
    """`jsonencode(...)` of `value` written as an HCL object/tuple, the idiom for IAM policies."""
    return Expr(f"jsonencode({_value(value)})")


def render(items: Body) -> str:
    """A whole .tf (or .tfvars) file: top-level blocks and/or attributes."""
    text = _body(items)
    return text + "\n" if text else ""


def quote(text: str) -> str:
    """`text` as a quoted HCL string literal that evaluates back to NFC(`text`)."""
    return '"' + _escape(text, _is_printable) + '"'


def _label(text: str) -> str:
    # terraform fmt re-quotes every label itself, so match its escaping exactly. It also
    # deletes any label with `$` or `%` in it (the lexer splits it into several tokens,
    # which fmt does not expect), so such labels are refused rather than written.
    if isinstance(text, str) and ("$" in text or "%" in text):
        raise ValueError(f"terraform fmt deletes block labels containing '$' or '%': {text!r}")
    return '"' + _escape(text, _is_go_printable) + '"'


def _check_identifier(name: str) -> None:
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"invalid HCL identifier: {name!r}")


def _escape(text: str, keep: Callable[[str], bool]) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    # HCL NFC-normalises every string it reads; doing it here makes the file show the
    # value Terraform will see, and makes colliding object keys detectable.
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif keep(char):
            out.append(char)
        elif unicodedata.category(char) == "Cs":
            raise ValueError(f"lone surrogate {char!r} cannot be written as UTF-8")
        else:
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
    # Doubling is how HCL spells a literal `${` / `%{`; the escapes above add no `$`/`%`/`{`.
    return "".join(out).replace("${", "$${").replace("%{", "%%{")


def _is_printable(char: str) -> bool:
    return unicodedata.category(char) not in ("Cc", "Cs")


def _is_go_printable(char: str) -> bool:
    # Go's unicode.IsPrint, which fmt uses to decide what to escape in labels.
    return char == " " or unicodedata.category(char)[0] in "LMNPS"


def _stands_alone(char: str) -> bool:
    # terraform fmt measures keys in grapheme clusters, which the stdlib cannot segment;
    # keys keep only characters that are always a cluster of their own, so len() is exact.
    if " " <= char <= "~":
        return True
    category = unicodedata.category(char)
    if category[0] not in "LNPS" and category != "Zs":
        return False
    return not any(low <= ord(char) <= high for low, high in _FUSING)


def _key(key: str) -> str:
    if _IDENTIFIER.fullmatch(key) and key not in _QUOTED_KEYWORDS:
        return key
    return '"' + _escape(key, _stands_alone) + '"'


def _value(value: Value) -> str:
    """Render at relative indent zero; continuation lines carry their relative indent."""
    if isinstance(value, Expr):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)  # not str(): an IntEnum or other subclass may override it
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, Mapping):
        return _object(value)
    if _is_sequence(value):
        return _tuple(value)
    raise TypeError(f"cannot render {type(value).__name__} as HCL")


def _is_sequence(value: object) -> TypeGuard[Sequence[Value]]:
    # Bytes type-check as Sequence[int] but would silently become a tuple of numbers.
    return isinstance(value, Sequence) and not isinstance(
        value, str | bytes | bytearray | memoryview
    )


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"HCL has no literal for {value!r}")
    return float.__repr__(value)  # shortest round-trip form, always valid HCL number syntax


def _tuple(items: Sequence[Value]) -> str:
    if not items:
        return "[]"
    rendered = [_value(item) for item in items]
    scalars = not any(isinstance(item, Mapping) or _is_sequence(item) for item in items)
    inline = "[" + ", ".join(rendered) + "]"
    if scalars and "\n" not in inline and len(inline) <= _INLINE_TUPLE_MAX:
        return inline
    return "[\n" + "".join(_indent(text) + ",\n" for text in rendered) + "]"


def _object(obj: Mapping[str, Value]) -> str:
    if not obj:
        return "{}"
    by_key: dict[str, Value] = {}
    for key, item in obj.items():
        if not isinstance(key, str):
            raise TypeError(f"object keys must be str, got {type(key).__name__}")
        normalised = unicodedata.normalize("NFC", key)
        if normalised in by_key:
            raise ValueError(f"object keys collide once NFC-normalised, as HCL does: {key!r}")
        by_key[normalised] = item
    pairs = [(_key(key), _value(by_key[key])) for key in sorted(by_key)]
    return "{\n" + _indent("\n".join(_assignments(pairs))) + "\n}"


def _assignments(pairs: Sequence[tuple[str, str]]) -> list[str]:
    lines: list[str] = []
    run: list[tuple[str, str]] = []

    def close_run() -> None:
        width = max((len(name) for name, _ in run), default=0)
        lines.extend(f"{name.ljust(width)} = {text}" for name, text in run)
        run.clear()

    for name, text in pairs:
        if "\n" in text:
            close_run()
            lines.append(f"{name} = {text}")
        else:
            run.append((name, text))
    close_run()
    return lines


def _body(items: Body) -> str:
    chunks: list[str] = []
    run: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, Attr):
            run.append((item.name, _value(item.value)))
            continue
        if not isinstance(item, Block | Comment):
            raise TypeError(f"body items must be Attr, Block or Comment, got {type(item).__name__}")
        if run:
            chunks.append("\n".join(_assignments(run)))
            run = []
        chunks.append(_block(item) if isinstance(item, Block) else _comment(item))
    if run:
        chunks.append("\n".join(_assignments(run)))
    return "\n\n".join(chunks)


def _comment(comment: Comment) -> str:
    return "\n".join(f"# {line}".rstrip() for line in comment.text.split("\n"))


def _block(block: Block) -> str:
    header = " ".join([block.type, *(_label(label) for label in block.labels)])
    if not block.body:
        return header + " {}"
    return f"{header} {{\n{_indent(_body(block.body))}\n}}"


def _indent(text: str) -> str:
    # Blank lines stay empty: terraform fmt strips trailing whitespace.
    return "\n".join(_INDENT + line if line else line for line in text.split("\n"))
