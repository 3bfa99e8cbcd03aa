"""The one jinja2 Environment and the serialisers (YAML, JSON, Markdown escaping).

Emitters build data structures and hand them to a serialiser; templates are used for prose
documents only, and every user string that reaches a template goes through an escaping filter.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import json
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import jinja2
from ruamel.yaml import YAML
from ruamel.yaml.representer import SafeRepresenter


def to_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class _Representer(SafeRepresenter):
    """Keeps the caller's key order (workflow steps, Kubernetes manifests read top-down)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def represent_text(self, data: str) -> Any:
        if "\n" in data and not any(line != line.rstrip() for line in data.splitlines()):
            return self.represent_scalar("tag:yaml.org,2002:str", data, style="|")
        if _YAML11_SPECIAL.match(data):
            # YAML 1.1 readers (Kubernetes, many CI tools) would take these as bools or null.
            return self.represent_scalar("tag:yaml.org,2002:str", data, style="'")
        return self.represent_str(data)


_YAML11_SPECIAL = re.compile(r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|~|)$")


@functools.cache
def _yaml() -> YAML:
    # libyaml's emitter (ruamel.yaml.clib, a pinned dependency) is several times faster than the
    # pure-Python one; require it, so that every machine writes the same bytes.
    if importlib.util.find_spec("_ruamel_yaml") is None:
        raise RuntimeError("ruamel.yaml.clib is missing: reinstall mccompile")
    yaml = YAML(typ="safe", pure=False)
    yaml.Representer = _Representer
    yaml.Representer.add_representer(dict, _Representer.represent_dict)
    yaml.Representer.add_representer(str, _Representer.represent_text)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    yaml.width = 4096
    yaml.explicit_start = False
    return yaml


def to_yaml(value: Any, *, header: str = "") -> str:
    """YAML 1.2 text; ``header`` is prepended as comment lines."""
    stream = io.StringIO()
    _yaml().dump(value, stream)
    comments = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    return comments + stream.getvalue()


def md_cell(value: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, newlines or HTML."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


def mermaid_label(value: object) -> str:
    """Text safe inside a quoted Mermaid label."""
    text = " ".join(str(value).split())
    for raw, entity in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(raw, entity)
    return text


def code_span(value: object) -> str:
    """A Markdown code span that no backtick can close early and no pipe can split in a table."""
    text = " ".join(str(value).split()).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if "`" in text else f"`{text}`"


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(md=md_cell, mermaid=mermaid_label, code=code_span)
    return env


def _template_source(name: str) -> str:
    return _templates().joinpath(name).read_text(encoding="utf-8")


@functools.cache
def _templates() -> Traversable:
    installed = resources.files("compiler").joinpath("templates")
    if installed.is_dir():
        return installed
    # Running from a source checkout: the design card keeps templates/ beside compiler/.
    return Path(__file__).resolve().parent.parent / "templates"


def render_template(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
