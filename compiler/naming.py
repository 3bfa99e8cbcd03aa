"""Physical names of cloud resources, derived the same way by every emitter.

Names that could exceed a cloud's limit keep a readable prefix and end in a short hash of the
full name, so they stay unique and never change between builds.
"""

from __future__ import annotations

import hashlib
import re


def fit(name: str, limit: int) -> str:
    """``name`` if it fits, else a truncated prefix plus a stable 6-hex-digit hash."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[: limit - 7].rstrip('-')}-{digest}"


def prefix(project: str, environment: str) -> str:
    return f"{project}-{environment}"


def bucket(project: str, environment: str, name: str, cloud: str, region: str) -> str:
    """Globally unique bucket name (S3 and GCS: 3-63 chars, lowercase, digits and '-')."""
    return fit(f"{project}-{environment}-{name}-{_short_region(cloud, region)}", 63)


def storage_account(project: str, environment: str, region: str) -> str:
    """Azure storage accounts: 3-24 lowercase letters and digits, globally unique."""
    flat = re.sub(r"[^a-z0-9]", "", f"{project}{environment}{region}")
    if len(flat) <= 24:
        return flat
    return flat[:18] + hashlib.sha256(flat.encode()).hexdigest()[:6]


def servicebus_namespace(project: str, environment: str, region: str) -> str:
    """Azure Service Bus namespaces: 6-50 chars, globally unique."""
    return fit(f"{project}-{environment}-{region}", 50)


def _short_region(cloud: str, region: str) -> str:
    if cloud == "azure":
        return region
    return region.replace("-", "")
