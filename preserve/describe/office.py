"""Describe an Office Open XML or OpenDocument file from its own properties and its text.

What the container is comes from its content, never its name: an OpenDocument package's
``mimetype`` member, an OOXML package's main part (:mod:`preserve.describe.ooxml`), a flat
OpenDocument's root element (:mod:`preserve.describe.odf`). Its properties become embedded values
with provenance such as "DOCX core properties: title" or "ODT meta: dc:title"; a document's or
presentation's text goes through the plain-text analysis (:func:`draft_document` decides between
the two); a spreadsheet is data: its properties and a note on its sheets, no text analysis.

Bounds (:class:`Limits` and :mod:`preserve.describe.zipsafe`): members are read by name only,
each within max_member_bytes and max_ratio; the text stops at max_text_chars, a presentation at
max_pages slides, everything at max_seconds. A file larger than max_bytes has only its central
directory and its small property parts read. Every failure (a truncated zip, a bomb, hostile XML,
a missing part) becomes a note; what was read before it is kept.
"""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Literal

from lxml import etree

from preserve.describe import odf, ooxml
from preserve.describe.embedded import DEFAULT_LIMITS, Limits, clean, clip_lines, draft_document, embedded_date, language_code
from preserve.describe.text import Draft
from preserve.describe.zipsafe import Container, TextBudget, ZipRefused, open_container, read_failure, xml_events
from preserve.fixity import read_head
from preserve.record import Value

OfficeKind = Literal["docx", "xlsx", "pptx", "odt", "ods", "odp", "fodt", "fods", "fodp"]
#: the DCMI Type each kind implies (DCMI Type Vocabulary): documents and presentations are Text
DCMI_TYPE: dict[OfficeKind, Literal["Text", "Dataset"]] = {
    "docx": "Text", "pptx": "Text", "odt": "Text", "odp": "Text", "fodt": "Text", "fodp": "Text",
    "xlsx": "Dataset", "ods": "Dataset", "fods": "Dataset"}
#: the MIME type of each kind (IANA; the flat forms as LibreOffice names them)
OFFICE_MIME: dict[OfficeKind, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "fodt": "application/vnd.oasis.opendocument.text-flat-xml",
    "fods": "application/vnd.oasis.opendocument.spreadsheet-flat-xml",
    "fodp": "application/vnd.oasis.opendocument.presentation-flat-xml"}
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
#: longest value of an element kept from a property (the record schema's bounds)
_MAX_CHARS = {"title": 500, "description": 2000}
MAX_PROPERTY_CHARS = 2000

__all__ = ["DCMI_TYPE", "OFFICE_MIME", "OfficeKind", "describe_docx", "describe_office", "office_kind"]


def office_kind(path: Path | str) -> OfficeKind | None:
    """What the container at path is, by its content (None: not an Office or OpenDocument file)."""
    try:
        head = read_head(path, odf.FLAT_SNIFF)
        if not head.startswith(_ZIP_MAGIC):
            flat = odf.flat_kind(head)
            return f"f{flat}" if flat else None  # type: ignore[return-value]
        with open_container(path, DEFAULT_LIMITS) as c:
            return odf.odf_kind(c) or ooxml.read_package(c).kind
    except Exception:  # an unreadable container is simply not one of these kinds
        return None


def describe_office(path: Path, name: str, *, limits: Limits = DEFAULT_LIMITS, **context: Any) -> Draft:
    """Draft of an Office Open XML or OpenDocument file (the module doc says how)."""
    notes: list[str] = []
    deadline = time.monotonic() + limits.max_seconds
    try:
        head = read_head(path, odf.FLAT_SNIFF)
        if not head.startswith(_ZIP_MAGIC):
            flat = odf.flat_kind(head)
            if flat is None:
                return Draft(notes=["office: neither a zip container nor a flat OpenDocument; not described"])
            return _describe_flat(path, name, flat, limits, deadline, notes, context)
        with open_container(path, limits, deadline) as c:
            if c.unsafe:
                shown = ", ".join(repr(n) for n in c.unsafe[:3])
                notes.append(f"zip: {len(c.unsafe)} member(s) with an unsafe name (.., absolute or backslash) "
                             f"not read: {shown}")
            kind = odf.odf_kind(c)
            if kind is not None:
                return _describe_odf(c, name, kind, limits, notes, context)
            return _describe_ooxml(c, name, limits, notes, context)
    except Exception as exc:  # RecursionError and MemoryError included: any failure is a note
        why = str(exc) if isinstance(exc, ZipRefused) else f"{type(exc).__name__}: {str(exc)[:200]}"
        notes.append(f"office: not described ({why})")
        return Draft(notes=notes)


describe_docx = describe_office  # the kind is read from the container, whatever its name says


# --- values --------------------------------------------------------------------------------------
def property_values(props: list[tuple[str, str, str]], notes: list[str]) -> dict[str, list[Value]]:
    """Embedded values from (DC element, provenance, text): dates and languages normalised, values
    longer than the record allows dropped with a note."""
    out: dict[str, list[Value]] = {}
    for element, where, raw in props:
        text = clean(raw)
        limit = _MAX_CHARS.get(element, MAX_PROPERTY_CHARS)
        if len(text) > limit:
            notes.append(f"{element}: {where} not used: {len(text)} characters, more than {limit}")
            continue
        if element == "date":
            value = embedded_date(text, where, notes)
        elif element == "language":
            value = _language(text, where, notes)
        else:
            value = Value(text, where)
        if value is None or (element == "date" and out.get("date")):  # one issue date
            continue
        out.setdefault(element, []).append(value)
    return out


def _language(text: str, where: str, notes: list[str]) -> Value | None:
    """An ISO 639-1 code from a BCP 47 tag ("en-GB" -> "en"), None with a note when it is not one."""
    primary = language_code(text)
    if primary is not None:
        return Value(primary, where, f"tag {text!r}" if primary != text else None)
    notes.append(f"language: {where} value {text!r} is not an ISO 639-1 language; ignored")
    return None


def _split(text: str) -> list[str]:
    """A delimited keyword list ("a, b; c") as its items."""
    return [k.strip() for k in re.split(r"[;,]", text) if k.strip()]


# --- OOXML ---------------------------------------------------------------------------------------
def _describe_ooxml(c: Container, name: str, limits: Limits, notes: list[str], context: dict[str, Any]) -> Draft:
    """Draft of an OOXML package: core properties, extended-property notes, the text or sheet note."""
    try:
        pkg = ooxml.read_package(c)
    except Exception as exc:
        notes.append(read_failure("[Content_Types].xml", exc))
        return Draft(notes=notes)
    notes.extend(pkg.notes)
    if pkg.kind is None or pkg.main is None:
        notes.append("office: a zip container that is neither Office Open XML nor OpenDocument; not described")
        return Draft(notes=notes)
    label = pkg.kind.upper()
    props: list[tuple[str, str, str]] = []
    if pkg.core and c.has(pkg.core):
        try:
            props = _ooxml_props(ooxml.core_properties(c, pkg.core), label, notes)
        except Exception as exc:
            notes.append(read_failure(pkg.core, exc))
    else:
        notes.append(f"{label}: no core properties part")
    if pkg.app and c.has(pkg.app):
        try:
            _app_notes(ooxml.app_properties(c, pkg.app), label, notes)
        except Exception as exc:
            notes.append(read_failure(pkg.app, exc))
    if pkg.kind == "xlsx":
        try:
            notes.append(ooxml.workbook_note(c, pkg.main, label))
        except Exception as exc:
            notes.append(read_failure(pkg.main, exc))
        text = None
    else:
        text = _ooxml_text(c, pkg.kind, pkg.main, label, limits, notes)
    return _finish(property_values(props, notes), text, name, limits, notes, label, context)


def _ooxml_props(found: list[tuple[str, str, str]], label: str, notes: list[str]) -> list[tuple[str, str, str]]:
    """Core properties as (DC element, provenance, text); keywords and creators split."""
    out: list[tuple[str, str, str]] = []
    modified = None
    for element, prop, text in found:
        where = f"{label} core properties: {prop}"
        if element == "modified":
            modified = text
        elif prop == "keywords":
            out.extend(("subject", where, k) for k in _split(text))
        elif element == "creator":
            out.extend(("creator", where, k.strip()) for k in text.split(";") if k.strip())
        else:
            out.append((element, where, text))
    if modified and not any(e == "date" for e, _, _ in out):
        notes.append(f"date: {label} core properties: modified {modified!r} not used (the last save, "
                     "not the issue date)")
    return out


def _app_notes(app: dict[str, str], label: str, notes: list[str]) -> None:
    if app.get("Application"):
        notes.append(f"{label} extended properties: written with {clean(app['Application'])[:100]!r}")
    if app.get("Company"):
        notes.append(f"publisher: {label} extended properties: Company {clean(app['Company'])[:200]!r} is a "
                     "candidate only (the software's licensee, not necessarily the issuer); not used")


def _ooxml_text(c: Container, kind: str, main: str, label: str, limits: Limits, notes: list[str]) -> str:
    """The text of a document or the first slides of a presentation (paragraphs between blank lines)."""
    if c.size > limits.max_bytes:
        notes.append(f"{label}: text not read: the file ({c.size} bytes) is larger than the "
                     f"{limits.max_bytes}-byte bound; properties only")
        return ""
    budget = TextBudget(limits.max_text_chars)
    lines: list[str] = []
    part = main
    try:
        if kind == "docx":
            lines.extend(ooxml.docx_paragraphs(c, main, budget, notes))
        else:
            slides = ooxml.slide_parts(c, main)
            if len(slides) > limits.max_pages:
                notes.append(f"{label}: text of the first {limits.max_pages} of {len(slides)} slides read")
            for part in slides[: limits.max_pages]:
                if budget.stopped or time.monotonic() > c.deadline:
                    break
                lines.extend(ooxml.slide_paragraphs(c, part, budget))
            if time.monotonic() > c.deadline:
                notes.append(f"{label}: stopped at the time bound ({limits.max_seconds} s)")
    except Exception as exc:
        notes.append(read_failure(part, exc) + ("; the text before it was used" if lines else ""))
    return _joined(lines, budget, label, limits, notes)


def _joined(lines: list[str], budget: TextBudget, label: str, limits: Limits, notes: list[str]) -> str:
    """Paragraphs between blank lines, cut to max_text_chars (with a note) when the budget ran out."""
    if budget.stopped:
        notes.append(f"{label}: text read up to {limits.max_text_chars} characters; the rest not read")
        return "\n\n".join(lines)[: limits.max_text_chars]
    return "\n\n".join(lines)


# --- OpenDocument --------------------------------------------------------------------------------
def _odf_props(meta: etree._Element, label: str, notes: list[str]) -> list[tuple[str, str, str]]:
    """meta.xml's properties as (DC element, provenance, text), by the rules of odf's module doc."""
    found = odf.meta_properties(meta)
    out: list[tuple[str, str, str]] = []
    has_initial = any(kind == "creator" for kind, _, _ in found)
    has_created = any(kind == "date" for kind, _, _ in found)
    for kind, prop, text in found:
        where = f"{label} meta: {prop}"
        if kind == "modifier":
            if not has_initial:
                out.append(("creator", where, text))
                notes.append(f"creator: {where} names who saved the document last; used as no "
                             "meta:initial-creator is stated")
        elif kind == "modified":
            if not has_created:
                notes.append(f"date: {where} {text!r} not used (the last save, not the issue date)")
        else:
            out.append((kind, where, text))
    return out


def _describe_odf(c: Container, name: str, kind: odf.OdfKind, limits: Limits, notes: list[str],
                  context: dict[str, Any]) -> Draft:
    """Draft of an OpenDocument package: meta.xml, then content.xml's text or its sheet note."""
    label = kind.upper()
    props: list[tuple[str, str, str]] = []
    try:
        meta = odf.meta_element(c)
        if meta is None:
            notes.append(f"{label}: no meta.xml")
        else:
            props = _odf_props(meta, label, notes)
    except Exception as exc:
        notes.append(read_failure("meta.xml", exc))
    text: str | None = None
    if c.size > limits.max_bytes:
        notes.append(f"{label}: content not read: the file ({c.size} bytes) is larger than the "
                     f"{limits.max_bytes}-byte bound; properties only")
    elif not c.has("content.xml"):
        notes.append(f"{label}: no content.xml")
    else:
        try:
            member = c.member("content.xml")
        except Exception as exc:
            notes.append(read_failure("content.xml", exc))
        else:
            text = _odf_content(xml_events(member, *odf.content_tags(kind)), kind, label, limits, notes,
                                lambda el: None, "content.xml")
            if member.stopped:
                notes.append(f"content.xml: read up to {member.read} bytes ({member.stopped} bound)")
    return _finish(property_values(props, notes), text, name, limits, notes, label, context)


def _finish(embedded: dict[str, list[Value]], text: str | None, name: str, limits: Limits, notes: list[str],
            label: str, context: dict[str, Any]) -> Draft:
    """The draft of embedded values and text (None: data, no text analysis)."""
    if text is None:
        return draft_document(embedded, [], filename=name, notes=notes)
    return draft_document(embedded, clip_lines(text, limits, notes, label), filename=name, notes=notes, **context)


def _odf_content(events: Iterable[tuple[str, etree._Element]], kind: odf.OdfKind, label: str, limits: Limits,
                 notes: list[str], on_meta: Callable[[etree._Element], None], part: str) -> str | None:
    """The text of content events (None for a spreadsheet, whose sheet note is added instead)."""
    if kind == "ods":
        try:
            notes.append(odf.sheet_note(events, on_meta, label))
        except Exception as exc:
            notes.append(read_failure(part, exc))
        return None
    budget = TextBudget(limits.max_text_chars)
    lines: list[str] = []
    try:
        lines.extend(odf.text_lines(events, kind, budget, limits.max_pages, on_meta, notes, label))
    except Exception as exc:
        notes.append(read_failure(part, exc) + ("; the text before it was used" if lines else ""))
    return _joined(lines, budget, label, limits, notes)


def _describe_flat(path: Path, name: str, kind: odf.OdfKind, limits: Limits, deadline: float, notes: list[str],
                   context: dict[str, Any]) -> Draft:
    """Draft of a flat XML OpenDocument: its office:meta and body in one bounded pass over the file."""
    label = f"F{kind.upper()}"
    metas: list[list[tuple[str, str, str]]] = []
    chunks = odf.FileReader(path, limits.max_bytes, deadline)
    tags, events = odf.content_tags(kind)
    text = _odf_content(xml_events(chunks, tags, events), kind, label, limits, notes,
                        lambda el: metas.append(_odf_props(el, label, notes)), name)
    if chunks.stopped:
        notes.append(f"{label}: read up to {chunks.read} bytes ({chunks.stopped} bound)")
    if not metas:
        notes.append(f"{label}: no office:meta read")
    return _finish(property_values(metas[0] if metas else [], notes), text, name, limits, notes, label, context)
