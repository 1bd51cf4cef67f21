"""A problem found in a bag: a stable code, the path it concerns and a human message."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One defect. ``code`` is stable (documented in schemas/verify-report.schema.json)."""

    code: str
    path: str
    message: str
    expected: str | None = None
    actual: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def __str__(self) -> str:
        return f"{self.code}: {self.path}: {self.message}"
