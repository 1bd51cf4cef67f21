"""A document's own metadata (PDF info, Office properties, e-mail headers, EXIF, tags) with its text.

Every describer of a binary document format gathers two things: the values its embedded
metadata states (each a :class:`~preserve.record.Value` whose provenance names the property,
e.g. "PDF document information: Title") and the lines of its text. :func:`draft_document`
turns them into one draft by fixed rules, recorded in each value's note:

- embedded values that are junk are dropped with a note: a title that is a file name, a
  template's or a converter's ("Microsoft Word - draft3.docx", "Document1", "Untitled"); a
  creator that is a login or a placeholder ("Administrator", "jsmith", "Microsoft Office User");
- a clean embedded title, description, subject list or language wins over the text's;
- the text's issue date and issuing organisation win over embedded ones (a file's creation date
  and its author are facts about the file, not the release); the embedded ones fill in where the
  text is silent, with a note saying so;
- everything else comes from the text analysis used for plain text (:mod:`preserve.describe.text`).

Describers never read more than :class:`Limits` allow; a bound reached becomes a note.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any, Mapping, Sequence

from preserve.describe import dates as D
from preserve.describe.lines import Line, split_lines
from preserve.describe.text import Draft, analyse
from preserve.record import Value


@dataclass(frozen=True)
class Limits:
    """How much of a document a describer may read; the file is bagged whole whatever these say."""

    max_bytes: int = 64 << 20        # bytes of the file a parser may read
    max_pages: int = 20              # pages (PDF) or slides whose text is read
    max_text_chars: int = 200_000    # characters of extracted text passed to the analysis
    max_member_bytes: int = 32 << 20  # uncompressed bytes read from one member of a zip container
    max_ratio: int = 200             # compression ratio above which a zip member is refused (a bomb)
    max_seconds: float = 10.0        # parsing time after which a describer stops at the next page/part


DEFAULT_LIMITS = Limits()

_SPACE = re.compile(r"\s+")
_CONVERTER_PREFIX = re.compile(
    r"^(microsoft (word|powerpoint|excel)|word|powerpoint|excel|libreoffice|openoffice)\s*[-–:]\s*", re.I)
_FILE_NAME = re.compile(r"^[^\s/\\]+\.[A-Za-z0-9]{1,5}$|[/\\]")
_PLACEHOLDER_TITLES = re.compile(
    r"^(untitled( document)?|document\s*\d*|doc\d+|presentation\s*\d*|powerpoint presentation|"
    r"slide\s*\d+|book\s*\d+|sheet\s*\d+|workbook\s*\d*|new document|title|no title|none|null|"
    r"template|normal(\.dot[mx]?)?|draft|untitled-\d+|\(anonymous\)|[-–_.\s\d]*)$", re.I)
_PLACEHOLDER_CREATORS = re.compile(
    r"^(administrator|admin|user|owner|unknown|default|guest|author|test|root|"
    r"(microsoft )?(office|windows) user|microsoft|authorised user|authorized user|"
    r"utilisateur|benutzer|usuario|utente|[-–_.\s\d]*)$", re.I)
_SOFTWARE = re.compile(
    r"\b(microsoft|word|excel|powerpoint|acrobat|adobe|distiller|pdfmaker|libreoffice|openoffice|"
    r"writer|ghostscript|pdftex|latex|quartz|skia|itext|reportlab|pypdf|canon|nikon|sony|"
    r"photoshop|gimp|lavf|ffmpeg|itunes)\b", re.I)
_LOGIN = re.compile(r"^[a-z][a-z0-9._-]{1,30}$")


def clean(value: str | None) -> str:
    """A property value with its white space folded and NULs removed ("" for None)."""
    return _SPACE.sub(" ", (value or "").replace("\x00", "")).strip()


def junk_title(value: str, filename: str) -> str | None:
    """Why an embedded title cannot be the release's title, or None when it can."""
    title = clean(value)
    stem = PurePosixPath(filename).stem.lower()
    if not title:
        return "empty"
    if _CONVERTER_PREFIX.match(title):
        return "a converter's label of a file name"
    if _FILE_NAME.search(title) or title.lower() == stem or title.lower() == filename.lower():
        return "looks like a file name"
    if _PLACEHOLDER_TITLES.match(title):
        return "a template's or placeholder title"
    if len(title) < 4:
        return "too short to be a title"
    return None


def junk_creator(value: str) -> str | None:
    """Why an embedded author cannot be a creator, or None when it can."""
    creator = clean(value)
    if not creator:
        return "empty"
    if _PLACEHOLDER_CREATORS.match(creator):
        return "a placeholder account name"
    if _SOFTWARE.search(creator) and len(creator.split()) <= 6:
        return "names software, not a person or organisation"
    if _LOGIN.match(creator):
        return "looks like a login name"
    return None


@lru_cache(maxsize=1)
def accepted_languages() -> frozenset[str]:
    """The language codes the record schema accepts (ISO 639-1, zxx, und)."""
    from preserve._runtime.resources import schemas_dir

    schema = json.loads((schemas_dir() / "dublin-core.schema.json").read_text(encoding="utf-8"))
    return frozenset(schema["properties"]["language"]["items"]["enum"])


def language_code(tag: str) -> str | None:
    """The record's code for a language tag as metadata writes it ("en-GB", "de_DE", "fr, en"): its
    primary subtag (BCP 47) when the schema accepts it, else None."""
    primary = re.split(r"[-_,;\s]", tag.strip(), maxsplit=1)[0].lower()
    return primary if primary in accepted_languages() else None


def embedded_date(raw: str, where: str, notes: list[str]) -> Value | None:
    """A date stated in metadata (PDF 'D:20160215…', ISO, EXIF '2016:02:15 10:00') as a Value."""
    text = clean(raw)
    pdf = re.match(r"^D:(\d{4})(\d{2})?(\d{2})?", text)
    if pdf:
        text = "-".join(p for p in pdf.groups() if p)
    exif = re.match(r"^(\d{4}):(\d{2}):(\d{2})(?:\s|$)", text)
    if exif:
        text = "-".join(exif.groups())
    if re.fullmatch(r"0{4}[-:]?0{2}[-:]?0{2}.*", text) or text.startswith("1601-01-01") or text.startswith("1970-01-01"):
        notes.append(f"date: {where} value {raw!r} is a placeholder; ignored")
        return None
    parsed = D.metadata_date(text, where, notes)
    if parsed is None:
        return None
    value, note = parsed
    return Value(value, where, note)


def clip_lines(text: str, limits: Limits, notes: list[str], what: str) -> list[Line]:
    """The lines of extracted text, at most limits.max_text_chars of it (a note when cut)."""
    if len(text) > limits.max_text_chars:
        notes.append(f"{what}: text described from its first {limits.max_text_chars} characters of {len(text)}")
        text = text[: limits.max_text_chars]
    return split_lines(text)


def _filter(embedded: Mapping[str, Sequence[Value]], filename: str, notes: list[str]) -> dict[str, list[Value]]:
    """The embedded values worth keeping; a note for each one dropped and why."""
    kept: dict[str, list[Value]] = {}
    for element, values in embedded.items():
        for v in values:
            if not clean(v.value):
                continue
            reason = junk_title(v.value, filename) if element == "title" else \
                junk_creator(v.value) if element in ("creator", "contributor") else None
            if reason:
                notes.append(f"{element}: {v.provenance} {v.value!r} not used: {reason}")
                continue
            kept.setdefault(element, []).append(Value(clean(v.value), v.provenance, v.note))
    return kept


#: elements whose clean embedded values win over the text's
EMBEDDED_FIRST = ("title", "description", "subject", "language", "rights", "coverage", "publisher")
#: elements whose text values win; embedded ones fill in only where the text is silent
TEXT_FIRST = ("date", "creator")


def draft_document(embedded: Mapping[str, Sequence[Value]], lines: Sequence[Line], *, filename: str,
                   notes: Sequence[str] = (), text_first: Sequence[str] = TEXT_FIRST, **context: Any) -> Draft:
    """One draft from a document's embedded values and its text lines (the rules in the module doc).

    ``text_first``: the elements whose text values win over embedded ones (an e-mail's From header
    names its sender better than its body does, so a message passes only "date"). ``context`` is
    passed on to :func:`preserve.describe.text.analyse` (config_language, address_country).
    """
    kept_notes: list[str] = list(notes)
    kept = _filter(embedded, filename, kept_notes)
    embedded_first = [e for e in TEXT_FIRST if e not in text_first and e in kept]
    draft = analyse(lines, title_known="title" in kept, description_known="description" in kept,
                    creator_known="creator" in embedded_first, date_known="date" in embedded_first, **context) \
        if any(line.text.strip() for line in lines) else Draft()
    for element in embedded_first:
        draft.elements[element] = kept.pop(element)
    for element in EMBEDDED_FIRST:
        if element in kept:
            draft.elements[element] = kept.pop(element)
    for element in text_first:
        values = kept.pop(element, [])
        if values and not draft.elements.get(element):
            draft.elements[element] = [Value(v.value, v.provenance,
                                             "; ".join(filter(None, [v.note, "the text states none"])))
                                       for v in values]
        elif values:
            kept_notes.append(f"{element}: the text's value was kept over {values[0].provenance} "
                              f"{values[0].value!r}")
    for element, values in kept.items():  # anything else a describer found (relation, contributor, ...)
        draft.elements.setdefault(element, []).extend(values)
    draft.notes[:0] = kept_notes
    return draft
