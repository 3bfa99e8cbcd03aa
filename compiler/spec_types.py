"""Constrained string types shared by the spec models, with the reason for each limit."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

# DNS-1123 label. 20 characters so that `<project>-<environment>-<name>` (20+1+12+1+20 = 54)
# still fits the 63-character limit of S3/GCS bucket names, Kubernetes objects and Azure names.
NAME_PATTERN = r"^[a-z]([a-z0-9-]*[a-z0-9])?$"
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, min_length=2, max_length=20)]
EnvName = Annotated[str, StringConstraints(pattern=NAME_PATTERN, min_length=2, max_length=12)]
EnvVarName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$", max_length=64)]
EnvValue = Annotated[str, StringConstraints(max_length=4096)] | int | float | bool
Label = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$", max_length=63)]
HttpPath = Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9/_.-]*$", max_length=200)]
# Relative POSIX path inside the repository: no absolute paths, no `..`, no odd characters.
REL_PATH_PATTERN = r"^(?!/)(?!.*(^|/)\.\.(/|$))[A-Za-z0-9._/-]+$"
RelPath = Annotated[
    str, StringConstraints(pattern=REL_PATH_PATTERN, max_length=200)
]
Cpu = Annotated[str, StringConstraints(pattern=r"^([1-9][0-9]{0,4}m|[1-9][0-9]?(\.[0-9]{1,3})?)$")]
Memory = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,5}(Mi|Gi)$")]
UseRef = Annotated[
    str, StringConstraints(pattern=r"^(database|cache|storage\.[a-z0-9-]+|queue\.[a-z0-9-]+)$")
]
CloudName = Literal["aws", "gcp", "azure"]
Size = Literal["small", "medium", "large", "xlarge"]
HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$")]
Email = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")]
Domain = Annotated[
    str,
    StringConstraints(pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", max_length=200),
]


class Strict(BaseModel):
    """Every spec model: unknown keys are errors, values are immutable once read."""

    # python-re: some path patterns need look-ahead, which the default Rust engine lacks.
    model_config = ConfigDict(
        extra="forbid", frozen=True, regex_engine="python-re", defer_build=True
    )
