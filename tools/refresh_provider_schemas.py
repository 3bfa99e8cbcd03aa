#!/usr/bin/env python3
"""Regenerate the offline provider schemas used by the Terraform test harness.

Terraform validates a configuration against the schema each provider reports
over the plugin protocol.  Provider binaries cannot be downloaded here, but
the prebuilt CDK provider bindings on PyPI are generated from those very
schemas, so we recover the schema from them:

* ``pip download --no-deps`` fetches one wheel per provider into a temp dir
  (nothing is installed: the wheels are large).
* Each wheel holds ``_jsii/<name>.jsii.tgz``; its ``package/lib/<module>/``
  JavaScript carries an inline source map whose ``sourcesContent`` is the
  generated TypeScript.  That source is richer than the ``.jsii`` type model:
  every getter is preceded by ``// <snake_name> - computed: X, optional: Y,
  required: Z`` (so computed-only attributes and exact flags are known), and
  the ``...ToHclTerraform`` functions name each argument in snake_case with
  its collection kind (list / set / map / struct) and whether it is a block.
* The result is written as one compact, deterministic gzipped JSON file per
  provider under ``tests/tfstub/schemas/`` plus ``compiler/data/providers.json``
  (source address and exact provider version for ``required_providers``).

Compact schema format (``format`` 1)::

    DOCUMENT = {"format": 1, "provider": {"name", "source", "version"},
                "provider_config": BLOCK, "resources": {type: BLOCK},
                "data_sources": {type: BLOCK}}
    BLOCK  = {"a": {name: ATTR}, "b": {name: NESTED}}        # empty keys omitted
    ATTR   = [TYPE, FLAGS]
    TYPE   = cty JSON type ("string", ["list", "string"], ["object", {...}, [optional names]])
           | {"n": "single"|"list"|"set"|"map", "a": {name: ATTR}}   # nested attribute
    FLAGS  = "r" (required) | "o" (optional) | "c" (computed) | "oc"
    NESTED = {"n": "single"|"list"|"set", "a": ..., "b": ..., "min": int, "max": int}

How generated code maps back to schema (the non-obvious parts):

* ``listMapperHcl(fn, true)`` = repeated block; ``listMapperHcl(fn, false)``
  = list/set attribute of objects: a nested attribute in plugin-framework
  providers, a cty list/set(object) in SDKv2 ones (Terraform still accepts
  block syntax for those); ``hashMapperHcl`` = map nested attribute; a direct
  ``fn(...)`` call = block with max 1 item, or for kind "struct" a single
  nested block if documented as "<name> block", else a single nested attribute.
* Members of plain cty objects all read "computed + optional": such objects
  are kept strict (every member required in attribute syntax, as Terraform
  does); otherwise members that need not be written get cty optional markers.
* ``alias`` is dropped from the provider block (a meta-argument); a set that
  would hold a dynamic value becomes a list (Terraform forbids it).
* Recursive models are unrolled ``MAX_STRUCT_REPEATS`` times; blocks the
  generator left untyped are borrowed from another resource (``BORROWED_BLOCKS``).
* The provider version is read from the README and must match every
  ``providerVersion`` and registry doc link in the sources.

Usage: ``python tools/refresh_provider_schemas.py [--wheel-dir DIR] [--only NAME ...]``
(``--wheel-dir`` reuses already downloaded wheels instead of calling pip).
"""

from __future__ import annotations

import argparse
import base64
import gzip
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO_ROOT / "tests" / "tfstub" / "schemas"
PROVIDERS_JSON = REPO_ROOT / "compiler" / "data" / "providers.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ProviderSpec:
    local_name: str
    wheel: str  # pip requirement, pinned exactly so refreshes are reproducible
    source: str  # registry source address used in required_providers
    # Providers built purely on terraform-plugin-framework: their nested
    # arguments are real nested attributes, never SDKv2 "attributes as blocks".
    framework_only: bool = False


PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec("aws", "cdktn-provider-aws==25.8.1", "hashicorp/aws"),
    ProviderSpec("google", "cdktn-provider-google==21.1.0", "hashicorp/google"),
    ProviderSpec("azurerm", "cdktn-provider-azurerm==18.9.0", "hashicorp/azurerm"),
    ProviderSpec("azuread", "cdktn-provider-azuread==17.1.0", "hashicorp/azuread"),
    ProviderSpec("cloudflare", "cdktn-provider-cloudflare==16.4.0", "cloudflare/cloudflare", True),
    ProviderSpec("mongodbatlas", "cdktf-cdktf-provider-mongodbatlas==8.6.2", "mongodb/mongodbatlas"),
    ProviderSpec("vault", "cdktn-provider-vault==18.3.0", "hashicorp/vault"),
    ProviderSpec("random", "cdktn-provider-random==15.0.1", "hashicorp/random", True),
    ProviderSpec("tls", "cdktn-provider-tls==14.1.1", "hashicorp/tls", True),
)

# --------------------------------------------------------------------------- #
# Parsing the generated TypeScript
# --------------------------------------------------------------------------- #

_SOURCE_MAP_RE = re.compile(rb"sourceMappingURL=data:application/json;base64,([A-Za-z0-9+/=]+)")
_INTERFACE_RE = re.compile(r"^export interface (\w+)(?: extends [^{]*)? \{\n(.*?)^\}", re.M | re.S)
_PROP_RE = re.compile(r"/\*\*(.*?)\*/\s*readonly (\w+)(\?)?:", re.S)
_DOC_LINK_RE = re.compile(r"\{@link https://registry\.terraform\.io/\S+#(\w+) ")
_HCL_FN_RE = re.compile(r"^export function (\w+)ToHclTerraform\(.*?^\}", re.M | re.S)
_CLASS_RE = re.compile(r"^export class (\w+) extends cdkt[nf]\.(\w+) \{\n(.*?)^\}", re.M | re.S)
_HCL_ENTRY_RE = re.compile(
    r'^\s+"?(\w+)"?: \{\n\s+value: (.+),\n\s+isBlock: (true|false),\n'
    r'\s+type: "(\w+)",\n\s+storageClassType: "(\w+)",\n\s+\},?$',
    re.M,
)
_GETTER_COMMENT_RE = re.compile(
    r"^  // (\w+) - computed: (true|false), optional: (true|false), required: (true|false)\n", re.M
)
_ELEMENT_GET_RE = re.compile(r"public get\((?:index|key): \w+\): (\w+) \{")
_RESOURCE_TYPE_RE = re.compile(r'public static readonly tfResourceType = "(\w+)";')
_PROVIDER_VERSION_RE = re.compile(r"providerVersion: '([^']+)'")
_REGISTRY_VERSION_RE = re.compile(r"registry\.terraform\.io/providers/([\w-]+/[\w-]+)/([0-9][\w.+-]*)/docs")
_README_VERSION_RE = re.compile(r"bindings for ([\w-]+/[\w-]+) provider version (\S+)")

_MAIN_BASES = {
    "TerraformResource": "resources",
    "TerraformDataSource": "data_sources",
    "TerraformProvider": "provider",
}
_PRIMITIVES = {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic"}
# The generator renders Terraform's dynamic pseudo-type as a map of "any";
# "dynamic" also admits maps, so it is the safe reading of both.
_DYNAMIC_STORAGE = {"any", "anyMap"}

# Getter bodies of computed attributes -> cty type.  Order matters: the
# ``Fn.tolist`` forms wrap the plain list getters, so they are tested first.
_GETTER_TYPES: tuple[tuple[str, Any], ...] = (
    ("Fn.tolist(this.getNumberListAttribute(", ["set", "number"]),
    ("Fn.tolist(this.getListAttribute(", ["set", "string"]),
    ("this.getNumberListAttribute(", ["list", "number"]),
    ("this.getListAttribute(", ["list", "string"]),
    ("this.getStringMapAttribute(", ["map", "string"]),
    ("this.getNumberMapAttribute(", ["map", "number"]),
    ("this.getBooleanMapAttribute(", ["map", "bool"]),
    ("this.getAnyMapAttribute(", "dynamic"),
    ("this.getStringAttribute(", "string"),
    ("this.getNumberAttribute(", "number"),
    ("this.getBooleanAttribute(", "bool"),
    ("this.interpolationForAttribute(", "dynamic"),
)
_BUILTIN_CLASS_TYPES: dict[str, Any] = {
    "StringMap": ["map", "string"],
    "NumberMap": ["map", "number"],
    "BooleanMap": ["map", "bool"],
    "AnyMap": "dynamic",
    "StringListMap": ["map", ["list", "string"]],
    "NumberListMap": ["map", ["list", "number"]],
    "BooleanListMap": ["map", ["list", "bool"]],
    "AnyListMap": ["map", ["list", "dynamic"]],
    "StringMapList": ["list", ["map", "string"]],
    "NumberMapList": ["list", ["map", "number"]],
    "BooleanMapList": ["list", ["map", "bool"]],
    "AnyMapList": ["list", ["map", "dynamic"]],
}
_NEW_CLASS_RE = re.compile(r'= new (?:(cdkt[nf])\.)?(\w+)\(this, "\w+"(?:, (true|false))?\)')


@dataclass
class Prop:
    """One property of a generated TypeScript config interface."""

    snake: str
    optional: bool
    is_block_doc: bool  # doc summary is "<name> block": the generator's mark of a nested block


@dataclass
class HclEntry:
    """One argument as rendered by a ``...ToHclTerraform`` function."""

    is_block: bool
    kind: str  # simple | list | set | map | struct
    storage: str  # storageClassType, e.g. "stringList" or "S3BucketCorsRuleList"
    value: str  # the value expression (names the child converter function)


@dataclass
class Getter:
    """A ``// name - computed: ..`` annotated getter of a generated class."""

    snake: str
    computed: bool
    optional: bool
    required: bool
    body: str


@dataclass
class Module:
    """Everything parsed from one ``lib/<module>/`` directory."""

    interfaces: dict[str, dict[str, Prop]] = field(default_factory=dict)
    hcl_fns: dict[str, dict[str, HclEntry]] = field(default_factory=dict)
    classes: dict[str, tuple[str, list[Getter], dict[str, HclEntry]]] = field(default_factory=dict)
    # Return type of each collection class's ``get(index|key)``: its element class.
    element_class: dict[str, str] = field(default_factory=dict)


def typescript_sources(js_text: bytes) -> str:
    """Return the TypeScript embedded in a compiled file's inline source map."""
    match = _SOURCE_MAP_RE.search(js_text)
    if not match:
        return ""
    source_map = json.loads(base64.b64decode(match.group(1)))
    return "\n".join(source_map.get("sourcesContent") or [])


def _parse_hcl_entries(text: str) -> dict[str, HclEntry]:
    return {
        m.group(1): HclEntry(m.group(3) == "true", m.group(4), m.group(5), m.group(2))
        for m in _HCL_ENTRY_RE.finditer(text)
    }


def _parse_interfaces(ts: str, module: Module) -> None:
    for match in _INTERFACE_RE.finditer(ts):
        props: dict[str, Prop] = {}
        for prop in _PROP_RE.finditer(match.group(2)):
            doc = prop.group(1)
            link = _DOC_LINK_RE.search(doc)
            if not link:
                continue
            snake = link.group(1)
            lines = [ln.strip(" *\t") for ln in doc.splitlines()]
            first = next((ln for ln in lines if ln), "")
            props[snake] = Prop(snake, prop.group(3) == "?", first == f"{snake} block")
        module.interfaces[match.group(1)] = props


def _parse_getters(body: str) -> list[Getter]:
    getters: list[Getter] = []
    matches = list(_GETTER_COMMENT_RE.finditer(body))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(body)
        snake, computed, optional, required = match.groups()
        getters.append(
            Getter(snake, computed == "true", optional == "true", required == "true", body[match.end() : end])
        )
    return getters


def parse_module(ts: str) -> Module:
    module = Module()
    _parse_interfaces(ts, module)
    for match in _HCL_FN_RE.finditer(ts):
        module.hcl_fns[match.group(1)] = _parse_hcl_entries(match.group(0))
    for match in _CLASS_RE.finditer(ts):
        name, base, body = match.groups()
        hcl_start = body.find("synthesizeHclAttributes()")
        hcl = _parse_hcl_entries(body[hcl_start:]) if hcl_start >= 0 else {}
        module.classes[name] = (base, _parse_getters(body), hcl)
        element = _ELEMENT_GET_RE.search(body)
        if element:
            module.element_class[name] = element.group(1)
    return module


# --------------------------------------------------------------------------- #
# Building schema blocks
# --------------------------------------------------------------------------- #


class SchemaError(RuntimeError):
    pass


def _flags(required: bool, optional: bool, computed: bool) -> str:
    if required:
        return "r"
    if computed and optional:
        return "oc"
    if computed:
        return "c"
    return "o"  # includes write-only arguments the generator marks with no flag


def _storage_to_cty(storage: str, kind: str) -> Any:
    """``stringListMap`` -> map(list(string)); the outermost kind may be a set."""
    if storage in _DYNAMIC_STORAGE:
        return "dynamic"
    match = re.fullmatch(r"(string|number|boolean|any)((?:List|Map)*)", storage)
    if not match:
        raise SchemaError(f"unknown storage class {storage!r}")
    cty: Any = _PRIMITIVES[match.group(1)]
    suffixes = re.findall("List|Map", match.group(2))
    for index, suffix in enumerate(suffixes):
        outer = index == len(suffixes) - 1
        collection = "map" if suffix == "Map" else ("set" if outer and kind == "set" else "list")
        cty = [collection, cty]
    return cty


def _has_dynamic(attrs: dict[str, Any]) -> bool:
    return "dynamic" in json.dumps(attrs)


def _mapper(value: str) -> str:
    """How an HCL value expression maps a complex argument.

    ``listMapperHcl(fn, true)`` renders repeated blocks, ``listMapperHcl(fn,
    false)`` a list/set attribute, ``hashMapperHcl(fn)`` a map attribute and a
    direct ``fn(...)`` call a single object (block with max 1 or a struct).
    """
    match = re.search(r"listMapperHcl\(\w+, (true|false)\)", value)
    if match:
        return "block-list" if match.group(1) == "true" else "attr-list"
    if "hashMapperHcl(" in value:
        return "map"
    return "direct"


def _child_struct(value: str) -> str:
    """Name of the struct whose converter appears in an HCL value expression."""
    match = re.search(r"(?<![.\w])(\w+)ToHclTerraform\b", value)
    if match:
        return match.group(1)[0].upper() + match.group(1)[1:]
    raise SchemaError(f"no child converter in {value!r}")


# The generator replaced a few very deep blocks by an untyped "any" attribute.
# Where another resource of the same provider models the same block, use its
# structure: (provider, struct, field) -> (donor module dir, donor struct).
# Still opaque (a dynamic attribute): aws quicksight analysis/dashboard/template
# "definition", for which no donor exists.
BORROWED_BLOCKS: dict[tuple[str, str, str], tuple[str, str]] = {
    ("aws", "Wafv2WebAclRule", "statement"): ("wafv2-web-acl-rule", "Wafv2WebAclRuleStatement"),
    ("aws", "Wafv2RuleGroupRule", "statement"): ("wafv2-web-acl-rule", "Wafv2WebAclRuleStatement"),
}

# A few generated models are recursive (aws wafv2 rule statements nest
# statements): the generator reused one struct for every level.  Unroll such a
# cycle this many times, then drop the recursive field.
MAX_STRUCT_REPEATS = 3


class _Recursion(Exception):
    """Raised when a struct would exceed MAX_STRUCT_REPEATS on the current path."""


@dataclass
class Builder:
    module: Module
    framework_only: bool
    where: str
    path: tuple[str, ...] = ()
    # (struct, field) -> (parsed donor module, donor struct); see BORROWED_BLOCKS.
    donors: dict[tuple[str, str], tuple[Module, str]] = field(default_factory=dict)

    # ---- struct level --------------------------------------------------- #

    def struct_fields(
        self, struct: str, main: str | None = None
    ) -> list[tuple[str, str, HclEntry | None, Getter | None]]:
        """(name, flags, hcl entry, getter) per field of a struct, class order first."""
        if main is not None:
            _, getters, hcl = self.module.classes[main]
            iface = self.module.interfaces.get(main + "Config", {})
        else:
            _, getters, _ = self.module.classes.get(struct + "OutputReference", ("", [], {}))
            hcl = self.module.hcl_fns.get(struct[0].lower() + struct[1:], {})
            iface = self.module.interfaces.get(struct, {})
        fields: list[tuple[str, str, HclEntry | None, Getter | None]] = []
        seen: set[str] = set()
        for getter in getters:
            if getter.snake in seen:
                continue
            seen.add(getter.snake)
            flags = _flags(getter.required, getter.optional, getter.computed)
            fields.append((getter.snake, flags, hcl.get(getter.snake), getter))
        for name, entry in hcl.items():
            if name in seen:
                continue
            prop = iface.get(name)
            fields.append((name, "o" if prop is None or prop.optional else "r", entry, None))
        known = struct + "OutputReference" in self.module.classes or struct in self.module.interfaces
        if not fields and not hcl and not known:
            raise SchemaError(f"{self.where}: struct {struct} not found")
        return fields

    def _is_block_doc(self, struct: str, name: str) -> bool:
        prop = self.module.interfaces.get(struct, {}).get(name)
        return bool(prop and prop.is_block_doc)

    def _enter(self, struct: str) -> Builder:
        """Builder for the fields of ``struct``; guards against recursive models."""
        if self.path.count(struct) >= MAX_STRUCT_REPEATS:
            raise _Recursion(struct)
        return Builder(self.module, self.framework_only, self.where, (*self.path, struct), self.donors)

    # ---- blocks ---------------------------------------------------------- #

    def block(self, struct: str, main: str | None = None, iface_name: str | None = None) -> dict[str, Any]:
        me = self._enter(struct)
        attrs: dict[str, Any] = {}
        blocks: dict[str, Any] = {}
        owner = iface_name or struct
        for name, flags, entry, getter in me.struct_fields(struct, main):
            try:
                if entry is None:
                    attrs[name] = [me.computed_type(getter), flags]
                elif (owner, name) in self.donors:
                    blocks[name] = me._borrowed_block(owner, name, flags)
                elif entry.storage[0].islower():
                    attrs[name] = [_storage_to_cty(entry.storage, entry.kind), flags]
                else:
                    me._complex_argument(name, flags, entry, owner, attrs, blocks)
            except _Recursion:
                continue
        out: dict[str, Any] = {}
        if attrs:
            out["a"] = attrs
        if blocks:
            out["b"] = blocks
        return out

    def _borrowed_block(self, owner: str, name: str, flags: str) -> dict[str, Any]:
        donor_module, donor_struct = self.donors[(owner, name)]
        donor = Builder(donor_module, self.framework_only, self.where, self.path, self.donors)
        return donor.nested_block(donor_struct, "list", flags, max_one=True)

    def _complex_argument(
        self,
        name: str,
        flags: str,
        entry: HclEntry,
        owner: str,
        attrs: dict[str, Any],
        blocks: dict[str, Any],
    ) -> None:
        child = _child_struct(entry.value)
        mapper = _mapper(entry.value)
        if mapper == "block-list":
            blocks[name] = self.nested_block(child, entry.kind, flags, max_one=False)
        elif mapper == "attr-list":
            attrs[name] = [self.nested_collection_attr(child, entry.kind), flags]
        elif mapper == "map":
            attrs[name] = [self.nested_attr(child, "map"), flags]
        elif entry.kind in ("list", "set"):
            blocks[name] = self.nested_block(child, entry.kind, flags, max_one=True)
        elif entry.kind == "struct" and self._is_block_doc(owner, name):
            blocks[name] = self.nested_block(child, "single", flags, max_one=True)
        elif entry.kind == "struct":
            attrs[name] = [self.nested_attr(child, "single"), flags]
        else:
            raise SchemaError(f"{self.where}: unhandled argument {name}: {entry}")

    def nested_block(self, struct: str, nesting: str, flags: str, max_one: bool) -> dict[str, Any]:
        spec = self.block(struct)
        if nesting == "set" and _has_dynamic(spec.get("a", {})):
            # Terraform rejects dynamic attributes inside set blocks; they only
            # occur where the generator replaced a too-deep block by "any".
            nesting = "list"
        spec["n"] = nesting
        required = flags == "r"
        if nesting == "single":
            # Terraform insists MinItems == MaxItems in (0, 1) for NestingSingle.
            if required:
                spec["min"] = spec["max"] = 1
        else:
            if required:
                spec["min"] = 1
            if max_one:
                spec["max"] = 1
        return spec

    # ---- nested attributes and cty object types -------------------------- #

    def nested_collection_attr(self, struct: str, nesting: str) -> Any:
        """List/set argument that is not a block.

        Framework providers declare these as nested attributes.  In SDKv2
        providers they are attributes of type list/set(object) ("attributes
        as blocks"): Terraform then still accepts block syntax for them, and
        attribute syntax demands every object attribute, so keep the cty type.
        """
        if self.framework_only:
            return self.nested_attr(struct, nesting)
        return [nesting, self.object_type(struct)]

    def nested_attr(self, struct: str, nesting: str) -> dict[str, Any]:
        me = self._enter(struct)
        attrs: dict[str, Any] = {}
        for name, flags, entry, getter in me.struct_fields(struct):
            try:
                if entry is None:
                    attrs[name] = [me.computed_type(getter), flags]
                elif entry.storage[0].islower():
                    attrs[name] = [_storage_to_cty(entry.storage, entry.kind), flags]
                else:
                    kind = "map" if _mapper(entry.value) == "map" else entry.kind
                    kind = "single" if kind == "struct" else kind
                    attrs[name] = [me.nested_attr(_child_struct(entry.value), kind), flags]
            except _Recursion:
                continue
        if nesting == "set" and _has_dynamic(attrs):
            nesting = "list"  # as for set blocks: sets cannot hold dynamic values
        return {"n": nesting, "a": attrs}

    def object_type(self, struct: str, computed_only: bool = False) -> Any:
        """cty object type of a struct.

        The generator marks every member of a plain cty object "computed +
        optional" (it has no per-member flags); such objects are strict, as in
        Terraform.  Otherwise members that need not be written are marked
        optional.  Computed-only values are never written: no markers.
        """
        me = self._enter(struct)
        fields = me.struct_fields(struct)
        types: dict[str, Any] = {}
        optional: list[str] = []
        strict = computed_only or all(flags == "oc" for _, flags, _, _ in fields)
        for name, flags, entry, getter in fields:
            try:
                types[name] = me._member_type(entry, getter, computed_only)
            except _Recursion:
                continue
            if not strict and flags != "r":
                optional.append(name)
        return ["object", types, sorted(optional)] if optional else ["object", types]

    def _member_type(self, entry: HclEntry | None, getter: Getter | None, computed_only: bool) -> Any:
        if entry is None:
            return self.computed_type(getter)
        if entry.storage[0].islower():
            return _storage_to_cty(entry.storage, entry.kind)
        child = self.object_type(_child_struct(entry.value), computed_only)
        if _mapper(entry.value) == "map":
            return ["map", child]
        if entry.kind == "struct":
            return child
        return [entry.kind, child]

    def class_type(self, cls: str, wraps_set: bool) -> Any:
        """cty type of a generated complex class (object, list, list of lists, map)."""
        base = self.module.classes.get(cls, ("",))[0]
        if base == "ComplexObject" and cls.endswith("OutputReference"):
            return self.object_type(cls[: -len("OutputReference")], True)
        element = self.module.element_class.get(cls)
        if element is None:
            raise SchemaError(f"{self.where}: unknown complex class {cls}")
        if base in ("ComplexList", "MapList"):  # MapList: the generator's list of lists
            return ["set" if wraps_set else "list", self.class_type(element, False)]
        if base == "ComplexMap":
            return ["map", self.class_type(element, False)]
        raise SchemaError(f"{self.where}: unknown base {base} of {cls}")

    def computed_type(self, getter: Getter | None) -> Any:
        """cty type of an attribute that only exists as a getter (computed-only)."""
        if getter is None:
            raise SchemaError(f"{self.where}: field without getter or HCL entry")
        body = getter.body
        new = _NEW_CLASS_RE.search(body)
        if new:
            namespace, cls, wraps_set = new.groups()
            if namespace:
                if cls in _BUILTIN_CLASS_TYPES:
                    cty = _BUILTIN_CLASS_TYPES[cls]
                    if wraps_set == "true" and cty[0] == "list":
                        cty = ["set", cty[1]]
                    return cty
                raise SchemaError(f"{self.where}: unknown builtin {cls} for {getter.snake}")
            return self.class_type(cls, wraps_set == "true")
        for needle, cty in _GETTER_TYPES:
            if needle in body:
                return cty
        raise SchemaError(f"{self.where}: cannot type computed attribute {getter.snake}: {body[:200]!r}")


# --------------------------------------------------------------------------- #
# Per-provider extraction
# --------------------------------------------------------------------------- #


@dataclass
class ProviderSchema:
    spec: ProviderSpec
    version: str
    provider: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    data_sources: dict[str, Any] = field(default_factory=dict)
    versions_seen: set[str] = field(default_factory=set)


def _module_sources(wheel: Path) -> Iterator[tuple[str, str]]:
    """Yield (module dir, concatenated TypeScript) for every lib/<module>/ dir."""
    with zipfile.ZipFile(wheel) as zf:
        tgz_name = next(n for n in zf.namelist() if n.endswith(".jsii.tgz"))
        tgz = zf.read(tgz_name)
    by_module: dict[str, list[str]] = {}
    readme = ""
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        for member in tar:
            parts = member.name.split("/")
            if member.name == "package/README.md":
                readme = tar.extractfile(member).read().decode()  # type: ignore[union-attr]
            # package/lib/<module>/.../*.js; files directly in lib/ are indexes.
            if len(parts) >= 4 and parts[1] == "lib" and parts[-1].endswith(".js"):
                data = tar.extractfile(member).read()  # type: ignore[union-attr]
                by_module.setdefault(parts[2], []).append(typescript_sources(data))
    yield "README", readme
    for module in sorted(by_module):
        yield module, "\n".join(by_module[module])


def _main_classes(module: Module) -> Iterator[tuple[str, str]]:
    for name, (base, _, _) in module.classes.items():
        if base in _MAIN_BASES:
            yield name, _MAIN_BASES[base]


def _donors(spec: ProviderSpec, sources: dict[str, str]) -> dict[tuple[str, str], tuple[Module, str]]:
    parsed: dict[str, Module] = {}
    donors: dict[tuple[str, str], tuple[Module, str]] = {}
    for (provider, struct, name), (module_dir, donor_struct) in BORROWED_BLOCKS.items():
        if provider != spec.local_name:
            continue
        if module_dir not in parsed:
            parsed[module_dir] = parse_module(sources[module_dir])
        donors[(struct, name)] = (parsed[module_dir], donor_struct)
    return donors


def _add_module(schema: ProviderSchema, module_name: str, ts: str, donors: dict[Any, Any]) -> None:
    spec = schema.spec
    schema.versions_seen.update(_PROVIDER_VERSION_RE.findall(ts))
    schema.versions_seen.update(v for s, v in _REGISTRY_VERSION_RE.findall(ts) if s == spec.source)
    module = parse_module(ts)
    for cls, kind in _main_classes(module):
        type_match = _RESOURCE_TYPE_RE.search(ts[ts.find(f"export class {cls} ") :])
        if not type_match:
            raise SchemaError(f"{spec.local_name}/{module_name}: no tfResourceType for {cls}")
        builder = Builder(module, spec.framework_only, f"{spec.local_name}/{module_name}", donors=donors)
        block = builder.block(cls, main=cls, iface_name=cls + "Config")
        if kind == "provider":
            # alias is a meta-argument that cdktf models as a provider argument.
            block.get("a", {}).pop("alias", None)
            if not block.get("a", True):
                del block["a"]
            schema.provider = block
        else:
            getattr(schema, kind)[type_match.group(1)] = block


def extract_provider(spec: ProviderSpec, wheel: Path) -> ProviderSchema:
    sources = dict(_module_sources(wheel))
    match = _README_VERSION_RE.search(sources.pop("README", ""))
    if not match or match.group(1) != spec.source:
        raise SchemaError(f"{spec.local_name}: README does not name {spec.source}")
    schema = ProviderSchema(spec, match.group(2))
    donors = _donors(spec, sources)
    for module_name in sorted(sources):
        _add_module(schema, module_name, sources[module_name], donors)
    if schema.versions_seen != {schema.version}:
        raise SchemaError(f"{spec.local_name}: inconsistent versions {sorted(schema.versions_seen)}")
    return schema


# --------------------------------------------------------------------------- #
# Output
# --------------------------------------------------------------------------- #


def schema_document(schema: ProviderSchema) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "provider": {"name": schema.spec.local_name, "source": schema.spec.source, "version": schema.version},
        "provider_config": schema.provider,
        "resources": schema.resources,
        "data_sources": schema.data_sources,
    }


def write_gzip_json(path: Path, document: dict[str, Any]) -> int:
    """Deterministic output: sorted keys, no whitespace, gzip mtime 0 and no file name."""
    raw = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return len(buffer.getvalue())


def download_wheels(dest: Path) -> None:
    requirements = [spec.wheel for spec in PROVIDERS]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(dest), *requirements]
    subprocess.run(cmd, check=True)


def find_wheel(directory: Path, spec: ProviderSpec) -> Path:
    dist, version = spec.wheel.split("==")
    pattern = f"{dist.replace('-', '_')}-{version}-*.whl"
    matches = sorted(directory.glob(pattern))
    if not matches:
        raise SchemaError(f"no wheel matching {pattern} in {directory}")
    return matches[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel-dir", type=Path, help="use wheels already downloaded here")
    parser.add_argument("--only", nargs="*", help="refresh only these providers (local names)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="provider-wheels-") as tmp:
        wheel_dir = args.wheel_dir or Path(tmp)
        if args.wheel_dir is None:
            download_wheels(wheel_dir)
        providers: dict[str, dict[str, str]] = (
            json.loads(PROVIDERS_JSON.read_text()) if PROVIDERS_JSON.exists() else {}
        )
        for spec in PROVIDERS:
            if args.only and spec.local_name not in args.only:
                continue
            schema = extract_provider(spec, find_wheel(wheel_dir, spec))
            size = write_gzip_json(SCHEMA_DIR / f"{spec.local_name}.json.gz", schema_document(schema))
            providers[spec.local_name] = {"source": spec.source, "version": schema.version}
            print(
                f"{spec.local_name:13} {schema.version:9} resources={len(schema.resources):5} "
                f"data_sources={len(schema.data_sources):4} gz={size / 1024:.0f} KiB"
            )
    ordered = {
        spec.local_name: providers[spec.local_name] for spec in PROVIDERS if spec.local_name in providers
    }
    PROVIDERS_JSON.parent.mkdir(parents=True, exist_ok=True)
    PROVIDERS_JSON.write_text(json.dumps(ordered, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
