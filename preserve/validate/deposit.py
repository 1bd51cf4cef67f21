"""Whether a record is fit for deposit, at two levels: wrong values, and elements it lacks.

A *wrong* value (one ``schemas/dublin-core.schema.json`` rejects: an impossible date, an unknown
language code, a type outside the DCMI vocabulary; see :mod:`preserve.validate.schema`) stops
its release: a person must fix it. An *incomplete* record lacks an element deposit needs; its
release is bagged all the same, since getting the bytes safe comes first, and the run says what
is missing and where to supply it (``--strict`` refuses such a release instead). Deposit needs:

- title: a real one, not the "[Untitled]" placeholder, so the record is findable by a name;
- identifier: the stable key that ties the record to its bag;
- type and format: what is needed to render and migrate the content;
- language: only for textual content (dc:type Text, or no type known). DCMI's Language element
  is "a language of the resource"; a photograph, a sound or a data set typed as such needs none;
- rights: an archive cannot keep or give access without a rights statement. None is ever
  invented, not even rightsstatements.org's "Copyright Not Evaluated": that statement asserts
  that its holder decided not to evaluate the copyright, a decision nobody made.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

from preserve.record import Record, is_placeholder, plain
from preserve.validate.schema import RecordProblem, validate_record

#: the elements deposit needs (language only for textual content), in the order they are reported
DepositElement = Literal["title", "identifier", "type", "format", "language", "rights"]
DEPOSIT_ELEMENTS: tuple[DepositElement, ...] = ("title", "identifier", "type", "format", "language", "rights")

#: where a curator supplies each: the preserve.toml key (None: the config has none), the metadata.csv column
SUPPLY: dict[DepositElement, tuple[str | None, str]] = {
    "title": (None, "dc.title"), "identifier": (None, "dc.identifier"), "type": (None, "dc.type"),
    "format": (None, "dc.format"), "language": ("language", "dc.language"), "rights": ("rights", "dc.rights"),
}

#: the DCMI Type whose content has a language to record
TEXTUAL_TYPE = "Text"


@dataclass(frozen=True)
class Missing:
    """An element a record lacks for deposit, and where to supply it."""

    element: DepositElement

    @property
    def where(self) -> str:
        """How to supply it: "set rights in preserve.toml or dc.rights in metadata.csv"."""
        key, column = SUPPLY[self.element]
        return f"set {key} in preserve.toml or {column} in metadata.csv" if key else f"set {column} in metadata.csv"

    def __str__(self) -> str:
        return f"no {self.element} ({self.where})"


def incomplete_message(missing: Sequence[Missing]) -> str:
    """The one line that says what a record lacks: "incomplete for deposit: no rights (...); ..."."""
    return "incomplete for deposit: " + "; ".join(map(str, missing))


def needs_language(types: Sequence[str]) -> bool:
    """Whether content of these DCMI types needs a language: Text, or no type known."""
    return not types or TEXTUAL_TYPE in types


def missing_for_deposit(record: Record) -> list[Missing]:
    """The elements deposit needs that the record lacks (empty: complete), in DEPOSIT_ELEMENTS order."""
    present = plain(record)
    missing = []
    for element in DEPOSIT_ELEMENTS:
        if element == "language" and not needs_language(present.get("type", [])):
            continue
        if element == "title":
            found = any(v.value.strip() and not is_placeholder(v) for v in record.elements.get("title", []))
        else:
            found = bool(present.get(element))
        if not found:
            missing.append(Missing(element))
    return missing


@dataclass(frozen=True)
class RecordCheck:
    """A record at both levels: its wrong values (errors) and what it lacks for deposit."""

    release: str
    errors: tuple[RecordProblem, ...] = ()
    incomplete: tuple[Missing, ...] = ()

    @property
    def complete(self) -> bool:
        """True when nothing is wrong and nothing is missing."""
        return not self.errors and not self.incomplete


#: provenances of values a person gave: their wrong values stop a release
PERSON_GIVEN = frozenset({"curator sheet", "collection config"})


def drop_wrong_extracted(record: Record, problems: Sequence[RecordProblem] | None = None) -> list[str]:
    """Remove from record every extracted value the schema rejects; a note for each (returned too).

    ``problems``: the record's wrong values when the caller has them already.

    Only a person's wrong value stops a release: a value preserve drafted from a document (an
    HTML lang attribute that is no ISO 639-1 code, an embedded date that does not exist) is
    dropped, and the element is then as if the document were silent.
    """
    dropped: list[str] = []
    if problems is None:
        problems = validate_record(plain(record), record.release_id)
    for problem in problems:
        values = record.elements.get(problem.field, [])
        bad = [v for v in values if v.value == problem.value and v.provenance not in PERSON_GIVEN]
        for v in bad:
            values.remove(v)
            dropped.append(f"{problem.field}: {v.provenance} value {v.value!r} dropped: not {problem.expectation}")
        if not values and problem.field in record.elements:
            del record.elements[problem.field]
    record.notes.extend(dropped)
    return dropped


def check_record(record: Record) -> RecordCheck:
    """Check one record at both levels, after dropping its wrong extracted values (drop_wrong_extracted)."""
    errors = validate_record(plain(record), record.release_id)
    if errors and drop_wrong_extracted(record, errors):
        errors = validate_record(plain(record), record.release_id)
    return RecordCheck(record.release_id, tuple(errors), tuple(missing_for_deposit(record)))


def problem_line(problem: RecordProblem) -> str:
    """A wrong value as one readable line: "date: '2025-02-30': an ISO 8601 / EDTF date ..."."""
    return f"{problem.field}: {problem.value!r}: {problem.expectation}" if problem.value \
        else f"{problem.field}: {problem.expectation}"
