"""Schema-only Terraform provider for offline ``terraform validate``.

Serves the real schema of one provider (recovered by
``tools/refresh_provider_schemas.py``) over the plugin protocol, using the
PyPI ``tf`` package for the gRPC server and handshake.  Every configuration
is accepted: Terraform itself checks arguments, blocks, types and required
arguments against the schema, which is all ``validate`` needs.  Plan and
apply are not supported.

The provider is chosen by ``--provider NAME``, else ``$TFSTUB_PROVIDER``,
else the executable name ``terraform-provider-NAME`` (how Terraform's
``dev_overrides`` launches it).

Terraform starts a provider twice per ``validate`` (once to read the schema,
once to validate), so start-up cost matters:

* converting the compact JSON into protobuf messages is the expensive step
  (~0.4 s for aws), so the serialized response is cached in
  ``$TFSTUB_CACHE_DIR`` (keyed by the schema file's digest) and later starts
  only parse bytes (~10 ms); without that variable nothing is cached;
* the response advertises ``get_provider_schema_optional``, so Terraform
  reuses the schema it read from the first process instead of fetching and
  decoding ~2 MB again from the second;
* grpc is imported only after the schema is ready, and only the one
  provider's schema file is ever read;
* with ``--dev`` (``tf``'s mode for debuggers) the stub keeps running and
  prints a ``TF_REATTACH_PROVIDERS`` value: the test harness starts every
  stub once that way, so terraform starts no process at all.  Such a stub
  exits when ``$TFSTUB_PARENT_PID`` is no longer its parent.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
EXECUTABLE_PREFIX = "terraform-provider-"

# Compact nesting names -> protocol enum names (same for blocks and objects).
_NESTING = {"single": "SINGLE", "list": "LIST", "set": "SET", "map": "MAP"}


def provider_name(argv: list[str], environ: Mapping[str, str]) -> str:
    if "--provider" in argv:
        return argv[argv.index("--provider") + 1]
    if environ.get("TFSTUB_PROVIDER"):
        return environ["TFSTUB_PROVIDER"]
    executable = Path(argv[0]).name
    if executable.startswith(EXECUTABLE_PREFIX):
        # dev_overrides may run "terraform-provider-aws" or "..._v1.2.3".
        return executable[len(EXECUTABLE_PREFIX) :].split("_v", 1)[0]
    raise SystemExit("tfstub: name the provider with --provider, $TFSTUB_PROVIDER or the executable name")


def schema_path(name: str) -> Path:
    path = SCHEMA_DIR / f"{name}.json.gz"
    if not path.is_file():
        raise SystemExit(f"tfstub: no schema for provider {name!r} in {SCHEMA_DIR}")
    return path


def load_compact_schema(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(gzip.decompress(schema_path(name).read_bytes()))
    return document


# --------------------------------------------------------------------------- #
# Compact JSON -> protobuf
# --------------------------------------------------------------------------- #


def _pb() -> Any:
    # Deferred: importing protobuf code costs start-up time.
    from tf.gen import tfplugin_pb2  # type: ignore[import-untyped]

    return tfplugin_pb2


def _attribute(pb: Any, name: str, spec: list[Any]) -> Any:
    type_or_nested, flags = spec
    kwargs: dict[str, Any] = {
        "name": name,
        "required": flags == "r",
        "optional": "o" in flags,
        "computed": "c" in flags,
    }
    if isinstance(type_or_nested, dict):
        kwargs["nested_type"] = pb.Schema.Object(
            attributes=[_attribute(pb, n, s) for n, s in sorted(type_or_nested["a"].items())],
            nesting=_NESTING[type_or_nested["n"]],
        )
    else:
        kwargs["type"] = json.dumps(type_or_nested, separators=(",", ":")).encode()
    return pb.Schema.Attribute(**kwargs)


def _block(pb: Any, spec: dict[str, Any]) -> Any:
    return pb.Schema.Block(
        attributes=[_attribute(pb, n, s) for n, s in sorted(spec.get("a", {}).items())],
        block_types=[_nested_block(pb, n, s) for n, s in sorted(spec.get("b", {}).items())],
    )


def _nested_block(pb: Any, name: str, spec: dict[str, Any]) -> Any:
    return pb.Schema.NestedBlock(
        type_name=name,
        block=_block(pb, spec),
        nesting=_NESTING[spec["n"]],
        min_items=spec.get("min", 0),
        max_items=spec.get("max", 0),
    )


def build_response(document: dict[str, Any]) -> Any:
    """The full GetProviderSchema response for a compact schema document."""
    pb = _pb()
    return pb.GetProviderSchema.Response(
        # Lets Terraform reuse the schema of the first stub it starts instead
        # of fetching (and decoding) it again from the second one.
        server_capabilities=pb.ServerCapabilities(get_provider_schema_optional=True),
        provider=pb.Schema(block=_block(pb, document["provider_config"])),
        provider_meta=pb.Schema(block=pb.Schema.Block()),
        resource_schemas={n: pb.Schema(block=_block(pb, s)) for n, s in document["resources"].items()},
        data_source_schemas={n: pb.Schema(block=_block(pb, s)) for n, s in document["data_sources"].items()},
    )


def cached_response(name: str, cache_dir: Path | None) -> Any:
    """Parse the cached serialized response, building (and caching) it if needed."""
    raw = schema_path(name).read_bytes()
    cache = None
    if cache_dir is not None:
        digest = hashlib.sha256(raw).hexdigest()[:16]
        cache = cache_dir / f"{name}-{digest}.pb"
        if cache.is_file():
            return _pb().GetProviderSchema.Response.FromString(cache.read_bytes())
    response = build_response(json.loads(gzip.decompress(raw)))
    if cache is not None:
        # Write-then-rename: concurrent stubs never read a half-written cache.
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=cache.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(response.SerializeToString())
        Path(tmp).replace(cache)
    return response


# --------------------------------------------------------------------------- #
# The tf.iface.Provider implementation
# --------------------------------------------------------------------------- #


class _SchemaOnly:
    """Stands in for a resource/data source class: a name and a ready schema."""

    def __init__(self, type_name: str, schema: Any) -> None:
        self._type_name = type_name
        self._schema = schema

    def get_name(self) -> str:
        return self._type_name

    def get_schema(self) -> _SchemaOnly:
        return self

    def to_pb(self) -> Any:
        return self._schema

    def validate(self, diags: Any, type_name: str, config: Any) -> None:
        """Accept everything: Terraform already checked the config against the schema."""


class StubProvider:
    """A ``tf.iface.Provider`` that only reports a schema.

    ``tf``'s servicer asks for classes with ``get_name``/``get_schema`` and
    calls ``.to_pb()`` on schemas; the prebuilt protobuf messages are handed
    over as they are instead of being rebuilt from ``tf.schema`` objects.
    """

    def __init__(self, name: str, response: Any) -> None:
        self._name = name
        self.schema_response = response

    def get_model_prefix(self) -> str:
        return ""  # type names in the schema are already complete

    def full_name(self) -> str:
        return f"registry.terraform.io/tfstub/{self._name}"

    def get_provider_schema(self, diags: Any) -> _SchemaOnly:
        return _SchemaOnly(self._name, self.schema_response.provider)

    def validate_config(self, diags: Any, config: Any) -> None:
        pass

    def configure_provider(self, diags: Any, config: Any) -> None:
        pass

    def get_data_sources(self) -> list[Any]:
        return [_SchemaOnly(n, s) for n, s in self.schema_response.data_source_schemas.items()]

    def get_resources(self) -> list[Any]:
        return [_SchemaOnly(n, s) for n, s in self.schema_response.resource_schemas.items()]

    def get_functions(self) -> list[Any]:
        return []

    def new_resource(self, klass: Any) -> Any:
        return klass

    def new_data_source(self, klass: Any) -> Any:
        return klass

    def new_function(self, klass: Any) -> Any:
        raise NotImplementedError("the stub provider has no functions")


def _use_prebuilt_schema_response() -> None:
    """Make ``tf.runner.run_provider`` serve the prebuilt response as it is.

    ``tf``'s servicer rebuilds the response from every type's schema (a copy
    of ~2 MB for aws) and drops ``server_capabilities``; ``run_provider``
    looks the servicer class up in ``tf.provider`` when it starts, so a
    subclass placed there is used instead.
    """
    import tf.provider  # type: ignore[import-untyped]

    base = tf.provider.ProviderServicer

    class SchemaServicer(base):  # type: ignore[misc, valid-type]
        def GetProviderSchema(self, request: Any, context: Any) -> Any:  # gRPC method name
            return self.app.schema_response

    tf.provider.ProviderServicer = SchemaServicer


def _exit_with_parent(environ: Mapping[str, str]) -> None:
    """A long-lived (``--dev``) stub must not outlive the harness that started it."""
    parent = environ.get("TFSTUB_PARENT_PID")
    if not parent:
        return

    def watch() -> None:
        while os.getppid() == int(parent):
            time.sleep(1.0)
        os._exit(0)  # the server thread would otherwise keep the process alive

    threading.Thread(target=watch, name="tfstub-parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    name = provider_name(argv, os.environ)
    cache_dir = os.environ.get("TFSTUB_CACHE_DIR")
    response = cached_response(name, Path(cache_dir) if cache_dir else None)

    from tf.runner import run_provider  # type: ignore[import-untyped]  # deferred: grpc

    _use_prebuilt_schema_response()
    _exit_with_parent(os.environ)
    run_provider(StubProvider(name, response), [a for a in argv if a != "--provider" and a != name])


if __name__ == "__main__":
    main()
