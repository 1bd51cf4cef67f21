"""The Dublin Core record of one release: values with their provenance, and notes.

Every value says where it came from (``provenance``): "curator sheet", "front matter",
"html meta", "html <title>", "text line N", "collection config", "default", or
"inferred: <how>". ``note`` carries evidence (why a numeric date was read day-first...).
``notes`` on the record give the reasons for absent values and facts about the input
(detected encoding, main document).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

#: The 15 Dublin Core 1.1 elements in canonical order: the one list every stage uses.
DC_ELEMENTS: tuple[str, ...] = (
    "title", "creator", "subject", "description", "publisher", "contributor", "date",
    "type", "format", "identifier", "source", "language", "relation", "coverage", "rights",
)

PLACEHOLDER_TITLE = "[Untitled]"


@dataclass(frozen=True)
class Value:
    """One element value and where it came from."""

    value: str
    provenance: str
    note: str | None = None


@dataclass(frozen=True)
class RecordFile:
    """One file of a release as its record lists it: path in the release, MIME format, size."""

    path: str
    format: str
    size: int


@dataclass
class Record:
    """The DC record of one release."""

    release_id: str
    elements: dict[str, list[Value]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    main_document: str | None = None
    files: list[RecordFile] = field(default_factory=list)
    release_name: str | None = None

    def values(self, element: str) -> list[str]:
        """The plain values of one element (empty list when absent)."""
        return [v.value for v in self.elements.get(element, [])]

    def first(self, element: str) -> str | None:
        """The first plain value of one element (None when absent)."""
        found = self.values(element)
        return found[0] if found else None


def is_placeholder(value: Value) -> bool:
    """True for the default title placeholder given when a document has no headline."""
    return value.provenance == "default" and value.value == PLACEHOLDER_TITLE


def plain(record: Record) -> dict[str, list[str]]:
    """Element -> values, only non-empty, in canonical DC order (what the schema checks)."""
    out: dict[str, list[str]] = {}
    for name in DC_ELEMENTS:
        vals = [v.value for v in record.elements.get(name, []) if v.value.strip()]
        if vals:
            out[name] = vals
    return out


def _value_json(v: Value) -> dict[str, str]:
    d = {"value": v.value, "provenance": v.provenance}
    if v.note:
        d["note"] = v.note
    return d


def to_json(record: Record) -> dict[str, Any]:
    """A JSON-serialisable form with provenance and notes; deterministic key order."""
    elements = {
        name: [_value_json(v) for v in record.elements[name]]
        for name in DC_ELEMENTS if record.elements.get(name)
    }
    return {
        "release": record.release_id,
        "name": record.release_name,
        "elements": elements,
        "notes": list(record.notes),
        "encoding": record.encoding,
        "main_document": record.main_document,
        "files": [{"path": f.path, "format": f.format, "size": f.size} for f in record.files],
    }


def from_json(data: Mapping[str, Any]) -> Record:
    """Inverse of to_json."""
    elements = {
        name: [Value(v["value"], v["provenance"], v.get("note")) for v in vals]
        for name, vals in data.get("elements", {}).items()
    }
    return Record(
        release_id=data["release"],
        elements=elements,
        notes=list(data.get("notes", [])),
        encoding=data.get("encoding"),
        main_document=data.get("main_document"),
        files=[RecordFile(f["path"], f["format"], int(f["size"])) for f in data.get("files", [])],
        release_name=data.get("name"),
    )
