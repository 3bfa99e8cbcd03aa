"""The one-way pipeline up to the IR: load -> validate -> normalise. No disk writes here."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from compiler import checks, diagnostics
from compiler.errors import SpecError
from compiler.loader import Loaded, load_file
from compiler.model import Project, normalise
from compiler.spec import Spec


def validate(loaded: Loaded) -> Spec:
    """Return the validated spec, or raise SpecError with every diagnostic at once."""
    try:
        spec = Spec.model_validate(loaded.data)
    except ValidationError as e:
        raise SpecError(diagnostics.from_validation_error(e, loaded.source, Spec)) from None
    findings = checks.run_all(spec)
    if findings:
        raise SpecError([loaded.source.diagnostic(path, message) for path, message in findings])
    return spec


def compile_project(spec_path: Path, display: str | None = None) -> Project:
    loaded = load_file(spec_path, display)
    return normalise(validate(loaded), loaded.source)
