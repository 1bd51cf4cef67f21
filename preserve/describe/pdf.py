"""Describe a PDF from its document information dictionary, its XMP metadata and its first pages' text.

Sources, named in each value's provenance: the document information dictionary (PDF 32000-1 §14.3.3,
Table 317: Title, Author, Subject as description, Keywords as subjects, CreationDate; Creator and
Producer name software, never a dc:creator); the catalog's XMP packet (§14.3.2; XMP Part 1 §7 for
its RDF forms: dc:title, dc:creator, dc:description, dc:subject, dc:language, dc:rights,
xmp:CreateDate), parsed only through :mod:`preserve.xml.safe`; and the text of the first pages,
analysed as a plain text is (:func:`draft_document`). Where both stores state an element the newer
wins, as Adobe's XMP tools reconcile them: the dictionary when its ModDate is later than the XMP's
xmp:MetadataDate (a tool that writes no XMP edited the file last), else XMP (ISO 32000-2 §14.3.3
deprecates the dictionary's other entries). Subjects from both are merged.

Bounds (:class:`Limits`): a file over max_bytes is not parsed; the page tree is walked lazily, each
node once and at most MAX_TREE_DEPTH deep, so only the first max_pages pages are ever reached;
reading stops at the next page once max_seconds have passed; an encrypted file is read only when the
empty user password opens it. A parser failure (broken xref, truncation, RecursionError, memory) ends
that part of the reading with a note, keeping what was read. pypdf's warnings become one note.
"""
from __future__ import annotations

import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from pypdf import PageObject, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

from preserve.describe.embedded import (DEFAULT_LIMITS, Limits, clean, clip_lines, draft_document, embedded_date,
                                        junk_creator, junk_title, language_code)
from preserve.describe.text import Draft
from preserve.describe.xmp import property_values
from preserve.fixity import open_regular
from preserve.record import Value
from preserve.xml.safe import parse_xml

INFO = "PDF document information"
XMP = "PDF XMP"
#: attributes a page inherits from its ancestors in the page tree (PDF 32000-1 §7.7.3.4)
_INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
MAX_TREE_DEPTH = 64         # real page trees are balanced and a few levels deep
MAX_PROPERTY_CHARS = 2000   # a longer "title" or "author" is not metadata
MAX_XMP_BYTES = 4 << 20     # XMP packets are a few KiB; pypdf bounds the decoding itself
#: a line starting more than this many font sizes below the previous one starts a new paragraph
PARAGRAPH_GAP = 1.6

_INFO_KEYS = {"title": "/Title", "creator": "/Author", "description": "/Subject", "subject": "/Keywords",
              "date": "/CreationDate"}
_XMP_KEYS = {"title": "dc:title", "creator": "dc:creator", "description": "dc:description",
             "subject": "dc:subject", "language": "dc:language", "rights": "dc:rights", "date": "xmp:CreateDate"}
#: a store's (element, text, provenance) properties and its modification date
Properties = tuple[list[tuple[str, str, str]], str | None]


# --- pypdf's warnings: kept per describing thread, never printed -----------------------------------

class _Collector(logging.Handler):
    """Keeps pypdf's warnings (its repairs of a damaged file) for the describe running in this thread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        sink = getattr(self.local, "sink", None)
        if sink is not None and len(sink) < 100:
            try:
                sink.append(record.getMessage()[:160])
            except Exception:  # a message pypdf formats badly
                self.handleError(record)

    def handleError(self, record: logging.LogRecord) -> None:
        """Nothing reaches stderr."""


_COLLECTOR = _Collector()
logging.getLogger("pypdf").addHandler(_COLLECTOR)
logging.getLogger("pypdf").propagate = False  # they are about the file described: its notes, not the terminal


@contextmanager
def _pypdf_messages() -> Iterator[list[str]]:
    """The warnings pypdf logs in this thread while the block runs."""
    previous = getattr(_COLLECTOR.local, "sink", None)
    _COLLECTOR.local.sink = sink = []
    try:
        yield sink
    finally:
        _COLLECTOR.local.sink = previous


def _why(exc: BaseException) -> str:
    """An exception as a short phrase for a note."""
    if isinstance(exc, RecursionError):
        return "objects nested too deeply (RecursionError)"
    text = str(exc).splitlines()[0][:160] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def describe_pdf(path: Path, name: str, *, limits: Limits = DEFAULT_LIMITS, **context: Any) -> Draft:
    """A draft from a PDF's embedded metadata and the text of its first pages, with notes on every bound."""
    notes: list[str] = []
    embedded: dict[str, list[Value]] = {}
    pages: list[str] = []
    deadline = time.monotonic() + limits.max_seconds
    with _pypdf_messages() as messages:
        try:
            fd, st = open_regular(path)
        except OSError as exc:
            notes.append(f"PDF: cannot be opened ({exc.strerror or exc})")
        else:
            with os.fdopen(fd, "rb") as fh:
                _read(fh, st.st_size, name, limits, deadline, embedded, pages, notes)
    repairs = list(dict.fromkeys(messages))
    if repairs:
        more = f" and {len(repairs) - 3} more" if len(repairs) > 3 else ""
        notes.append(f"PDF: the parser worked around damage: {'; '.join(map(repr, repairs[:3]))}{more}")
    lines = clip_lines("\n\n".join(pages), limits, notes, "PDF")
    return draft_document(embedded, lines, filename=name, notes=notes, **context)


def _read(fh: BinaryIO, size: int, name: str, limits: Limits, deadline: float, embedded: dict[str, list[Value]],
          pages: list[str], notes: list[str]) -> None:
    """Fill embedded and pages as far as the file can be read; a note for each bound and failure."""
    if size > limits.max_bytes:
        notes.append(f"PDF: not parsed: {size} bytes, over the limit of {limits.max_bytes}")
        return
    try:  # every failure of the parser on untrusted bytes, RecursionError and MemoryError included
        reader = PdfReader(fh, strict=False)
        if not _unlock(reader, notes):
            return
    except Exception as exc:
        notes.append(f"PDF: could not be parsed ({_why(exc)}); nothing described from its content")
        return
    embedded.update(_metadata(reader, name, notes))
    try:
        _read_pages(reader, limits, deadline, pages, notes)
    except Exception as exc:
        notes.append(f"PDF text: reading stopped after {len(pages)} pages ({_why(exc)})")


def _unlock(reader: PdfReader, notes: list[str]) -> bool:
    """Whether the document can be read: not encrypted, or opened by the empty user password."""
    if not reader.is_encrypted:
        return True
    try:
        opened, why = bool(reader.decrypt("")), "a password"
    except Exception as exc:  # an unsupported or damaged security handler
        opened, why = False, f"a method not read here ({_why(exc)})"
    notes.append("PDF: encrypted without a user password; read with the empty password" if opened else
                 f"PDF: encrypted with {why}; its metadata and text were not read (the file is bagged as it is)")
    return opened


def _resolve(obj: Any) -> Any:
    """An object with its indirect references followed (a chain of references to references is cut)."""
    for _ in range(16):
        obj = obj.get_object() if isinstance(obj, IndirectObject) else obj
    return None if isinstance(obj, IndirectObject) else obj


# --- metadata --------------------------------------------------------------------------------------

def _metadata(reader: PdfReader, name: str, notes: list[str]) -> dict[str, list[Value]]:
    """The embedded values of both stores, one store per element as the module doc says."""
    info, info_mod = _gather(_info_properties, "document information dictionary", reader, notes)
    xmp, xmp_mod = _gather(_xmp_properties, "XMP metadata stream", reader, notes)
    info_newer, why = _newer_store(info_mod, xmp_mod)
    first, second = (info, xmp) if info_newer else (xmp, info)
    out: dict[str, list[Value]] = {}
    for element in dict.fromkeys([*first, *second]):
        preferred, other = first.get(element, []), second.get(element, [])
        if element == "subject":
            seen = {v.value.casefold() for v in preferred}
            out[element] = preferred + [v for v in other if v.value.casefold() not in seen]
        elif any(_usable(element, v.value, name) for v in preferred):
            out[element] = preferred
            if other and {v.value for v in other} != {v.value for v in preferred}:
                notes.append(f"{element}: {preferred[0].provenance} used over {other[0].provenance} "
                             f"{other[0].value!r}: {why}")
        else:  # the preferred store is silent or junk (draft_document notes the junk): the other may serve
            out[element] = preferred + other
    return out


def _usable(element: str, value: str, name: str) -> bool:
    """Whether draft_document would keep an embedded value (titles and creators may be junk)."""
    reason = junk_title(value, name) if element == "title" else junk_creator(value) if element == "creator" else None
    return reason is None


def _gather(read: Callable[[PdfReader], Properties], store: str, reader: PdfReader,
            notes: list[str]) -> tuple[dict[str, list[Value]], str | None]:
    """The distinct values of one store's properties, and its modification date."""
    try:
        found, modified = read(reader)
    except Exception as exc:  # any failure of the parser on this store: the other and the text remain
        notes.append(f"PDF: the {store} could not be read ({_why(exc)})")
        return {}, None
    out: dict[str, list[Value]] = {}
    for element, raw, where in found:
        raw = clean(raw)
        if len(raw) > MAX_PROPERTY_CHARS:
            notes.append(f"{element}: {where} ignored: {len(raw)} characters is too long for a property")
        if not raw or len(raw) > MAX_PROPERTY_CHARS:
            continue
        if element == "date":
            values = [d for d in [embedded_date(raw, where, notes)] if d]
        elif element == "subject" or (element == "creator" and where.startswith(INFO)):
            # keywords are free text (Table 317): split on ; and ,; one Author string separates people
            # by semicolons only, as commas occur inside names ("Doe, Jane")
            values = [Value(clean(p), where) for p in re.split(r"[;,]" if element == "subject" else ";", raw)]
        elif element == "language":
            values = _language(raw, where, notes)
        else:
            values = [Value(raw, where)]
        known = {v.value for v in out.get(element, [])}
        out.setdefault(element, []).extend(v for v in values if v.value and v.value not in known)
    return {k: v for k, v in out.items() if v}, modified


def _info_properties(reader: PdfReader) -> Properties:
    """The text properties of the document information dictionary, and its ModDate."""
    info = _resolve(reader.trailer.get("/Info"))
    if not isinstance(info, DictionaryObject):
        return [], None
    texts = {key: _resolve(info.get(key)) for key in [*_INFO_KEYS.values(), "/ModDate"]}
    texts = {key: value for key, value in texts.items() if isinstance(value, str)}
    found = [(element, texts[key], f"{INFO}: {key[1:]}") for element, key in _INFO_KEYS.items() if key in texts]
    return found, texts.get("/ModDate")


def _xmp_properties(reader: PdfReader) -> Properties:
    """The properties of the catalog's XMP packet, and its xmp:MetadataDate (else xmp:ModifyDate)."""
    root = _resolve(reader.trailer.get("/Root"))
    stream = _resolve(root.get("/Metadata")) if isinstance(root, DictionaryObject) else None
    if not isinstance(stream, StreamObject):
        return [], None
    data = stream.get_data()
    if len(data) > MAX_XMP_BYTES:
        raise ValueError(f"{len(data)} bytes is over the limit of {MAX_XMP_BYTES}")
    tree = parse_xml(data.lstrip(b" \t\r\n\x00"), max_bytes=MAX_XMP_BYTES)
    found = [(element, raw, f"{XMP}: {prop}") for element, prop in _XMP_KEYS.items()
             for raw in property_values(tree, prop)]
    modified = property_values(tree, "xmp:MetadataDate") or property_values(tree, "xmp:ModifyDate")
    return found, modified[0] if modified else None


def _language(raw: str, where: str, notes: list[str]) -> list[Value]:
    """An ISO 639-1 code from an RFC 3066 tag ("en-GB" gives "en"); a note for anything else."""
    code = language_code(raw)
    if code is not None:
        return [Value(code, where, f"tag {raw!r}" if code != raw else None)]
    notes.append(f"language: {where} {raw!r} is not an ISO 639-1 language tag; ignored")
    return []


def _newer_store(info_mod: str | None, xmp_date: str | None) -> tuple[bool, str]:
    """Whether the information dictionary wins over XMP where both state an element, and why.

    The two stamps (PDF 32000-1 §7.9.4 "D:YYYYMMDDHHmmSS", ISO 8601) are compared by their digits
    to the second, as written: a tool writes both stores with the same clock.
    """
    info_at, xmp_at = (re.sub(r"\D", "", (stamp or "").split("+")[0])[:14] for stamp in (info_mod, xmp_date))
    if len(info_at) >= 8 and len(xmp_at) >= 8 and info_at.ljust(14, "0") > xmp_at.ljust(14, "0"):
        return True, f"the information dictionary's ModDate {info_mod!r} is later than the XMP's {xmp_date!r}"
    return False, "XMP metadata takes precedence over the information dictionary (ISO 32000-2 §14.3.3)"


# --- pages -----------------------------------------------------------------------------------------

def _read_pages(reader: PdfReader, limits: Limits, deadline: float, pages: list[str], notes: list[str]) -> None:
    """The text of the first pages into pages, and a note saying how many of how many were read."""
    root = _resolve(reader.trailer.get("/Root"))
    top = root.raw_get("/Pages") if isinstance(root, DictionaryObject) and "/Pages" in root else None
    count = _resolve(_resolve(top).get("/Count")) if isinstance(_resolve(top), DictionaryObject) else None
    declared = count if isinstance(count, int) and count >= 0 else None
    if top is None:
        notes.append("PDF text: none read: the document has no page tree")
        return
    met, stopped = {"loop": 0, "deep": 0, "other": 0, "time": 0}, ""
    for page in _pages(reader, top, deadline, met):
        if len(pages) == limits.max_pages:
            stopped = f" (the limit is {limits.max_pages} pages)"
            break
        try:
            pages.append(_page_text(page))
        except Exception as exc:
            pages.append("")
            notes.append(f"PDF text: page {len(pages)} could not be read ({_why(exc)})")
        if time.monotonic() > deadline:
            stopped = f": stopped when the time limit of {limits.max_seconds:g} s was reached"
            break
    if met["time"]:
        stopped = f": the page tree was walked until the time limit of {limits.max_seconds:g} s"
    notes.extend(note for count, note in (
        (met["loop"], f"PDF page tree: {met['loop']} references back to nodes already read (a loop); not followed"),
        (met["deep"], f"PDF page tree: deeper than {MAX_TREE_DEPTH} levels; the deeper nodes were not read"),
        (met["other"], f"PDF page tree: {met['other']} entries are not page dictionaries; skipped")) if count)
    read = len(pages)
    if not stopped:
        found = "" if declared in (None, read) else f" found (the page tree declares {declared})"
        notes.append(f"PDF text: read from all {read} pages{found}")
    else:
        total = str(declared) if declared is not None and declared > read else f"more than {read}"
        notes.append(f"PDF text: read from {read} of {total} pages{stopped}")


def _pages(reader: PdfReader, top: Any, deadline: float, met: dict[str, int]) -> Iterator[PageObject]:
    """The leaf pages of the page tree in document order, found lazily (PDF 32000-1 §7.7.3).

    Each node is visited once (a loop is cut), at most MAX_TREE_DEPTH levels deep, until the
    deadline; ``met`` counts each of these. The attributes a page inherits are copied into it.
    """
    seen: set[object] = set()
    stack: list[tuple[Iterator[Any], dict[str, Any], int]] = [(iter([top]), {}, 0)]
    while stack:
        kids, inherited, depth = stack[-1]
        kid = next(kids, None)
        if kid is None:
            stack.pop()
            continue
        if time.monotonic() > deadline:
            met["time"] += 1
            return
        key = (kid.idnum, kid.generation) if isinstance(kid, IndirectObject) else id(kid)
        if key in seen:
            met["loop"] += 1
            continue
        seen.add(key)
        node = _resolve(kid)
        if not isinstance(node, DictionaryObject):
            met["other"] += 1
        elif "/Kids" not in node:
            direct = not isinstance(kid, IndirectObject)
            page = PageObject(reader, None if direct else kid)  # from a reference, it reads the node itself
            page.update(node if direct else {})
            page.update({NameObject(k): v for k, v in inherited.items() if k not in page})
            yield page
        elif depth >= MAX_TREE_DEPTH:
            met["deep"] += 1
        elif isinstance(children := _resolve(node["/Kids"]), ArrayObject):
            passed = {**inherited, **{k: node.raw_get(k) for k in _INHERITABLE if k in node}}
            stack.append((iter(list(children)), passed, depth + 1))


def _page_text(page: PageObject) -> str:
    """A page's text as pypdf extracts it, with a blank line wherever the next line starts more than
    PARAGRAPH_GAP font sizes below the previous one, or above it (a paragraph or block begins)."""
    parts: list[str] = []
    last: tuple[float, float] | None = None  # the previous line's baseline and font size
    at_line_start = True

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        nonlocal last, at_line_start
        if not text:
            return
        if at_line_start:  # the text and current transformation matrices place the line (§9.4.2)
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            height = abs(size * math.hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])) or 1.0
            if last is not None and parts and not parts[-1].endswith("\n\n"):
                drop = last[0] - y
                if drop > PARAGRAPH_GAP * max(height, last[1]) or drop < -0.5 * height:
                    parts.append("\n")
            last = (y, height)
        parts.append(text)
        at_line_start = text.endswith("\n")

    plain = page.extract_text(visitor_text=visit)
    spaced = "".join(parts)
    # the fragments are the extracted text itself; should a pypdf version pass other pieces, use its text
    return spaced if re.sub(r"\s", "", spaced) == re.sub(r"\s", "", plain) else plain
