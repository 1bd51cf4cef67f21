"""OpenDocument (odt, ods, odp and their flat XML forms): the kind, meta.xml and the text, within bounds.

- The kind is the package's own ``mimetype`` member (ODF 1.2 Part 3 §3.3), or a flat document's
  office:mimetype attribute (Part 1 §3.1.2, §2.1.2: one office:document element).
- Metadata (Part 1 §4.3, meta.xml's office:meta): dc:title, dc:description, dc:subject,
  meta:keyword (one keyword each), meta:initial-creator (the author), dc:language and
  meta:creation-date. dc:creator and dc:date name who saved the document last and when (§4.3.2.7,
  §4.3.2.8): dc:creator stands in for a missing initial creator, with a note; dc:date never
  becomes the issue date.
- Text (content.xml): text:h and text:p in document order (Part 1 §5.1, §5.2), text:s, text:tab
  and text:line-break as spaces and line breaks; headings marked as Markdown headings (their
  outline level). Notes, annotations, tracked deletions and generated indexes are left out. A
  presentation's draw:page elements in order, the first Limits.max_pages of them, its title
  frames as headings and its speaker notes left out. A spreadsheet is data: its table names and
  the first table's first row, in a note.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal

from lxml import etree

from preserve.describe.ooxml import MAX_HEADER_CELLS, MAX_SHEETS_NOTED, header_note
from preserve.describe.zipsafe import METADATA_BYTES, Bounded, Container, TextBudget, release
from preserve.fixity import open_for_reading
from preserve.xml.safe import parse_xml, root_tag

OdfKind = Literal["odt", "ods", "odp"]
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
PRESENTATION = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
DC = "http://purl.org/dc/elements/1.1/"
_MIME = re.compile(r"^application/vnd\.oasis\.opendocument\.(text|spreadsheet|presentation)(?:-template)?$")
_FLAT_MIME = re.compile(rb"mimetype\s*=\s*[\"']application/vnd\.oasis\.opendocument\."
                        rb"(text|spreadsheet|presentation)(?:-template)?[\"']")
_KINDS: dict[str, OdfKind] = {"text": "odt", "spreadsheet": "ods", "presentation": "odp"}
FLAT_SNIFF = 8192
P, H = f"{{{TEXT}}}p", f"{{{TEXT}}}h"
_PARAGRAPHS = (P, H)
OFFICE_META = f"{{{OFFICE}}}meta"
DRAW_PAGE, DRAW_FRAME = f"{{{DRAW}}}page", f"{{{DRAW}}}frame"
TABLE_TABLE, TABLE_ROW, TABLE_CELL = f"{{{TABLE}}}table", f"{{{TABLE}}}table-row", f"{{{TABLE}}}table-cell"
_S, _TAB, _LINE_BREAK = f"{{{TEXT}}}s", f"{{{TEXT}}}tab", f"{{{TEXT}}}line-break"
#: inline elements whose text is not the paragraph's (a note's body, a comment), or is its own paragraph
_SKIP_INLINE = {f"{{{TEXT}}}note", f"{{{OFFICE}}}annotation", f"{{{OFFICE}}}annotation-end", P, H, DRAW_FRAME}
#: containers whose paragraphs are not body text: notes, comments, deletions, generated indexes
_SKIP_CONTAINERS = [f"{{{TEXT}}}{n}" for n in ("note", "tracked-changes", "table-of-content", "alphabetical-index",
                                                "illustration-index", "table-index", "object-index",
                                                "user-index", "bibliography")] + \
    [f"{{{OFFICE}}}annotation", f"{{{PRESENTATION}}}notes"]
#: parts of a document that hold no text, freed as soon as parsed (styles, fonts, scripts, settings)
_DROPPED = [f"{{{OFFICE}}}{n}" for n in ("automatic-styles", "font-face-decls", "scripts", "styles",
                                           "master-styles", "settings")]
#: meta.xml element -> (DC element, or "initial" / "modifier" / "modified" for the rules above)
META_PROPERTIES = {f"{{{DC}}}title": "title", f"{{{DC}}}description": "description", f"{{{DC}}}subject": "subject",
                   f"{{{META}}}keyword": "subject", f"{{{META}}}initial-creator": "creator",
                   f"{{{DC}}}creator": "modifier", f"{{{DC}}}language": "language",
                   f"{{{META}}}creation-date": "date", f"{{{DC}}}date": "modified"}


def odf_kind(c: Container) -> OdfKind | None:
    """The kind named by the package's ``mimetype`` member, None when it names none of the three."""
    if not c.has("mimetype"):
        return None
    m = _MIME.match(c.read("mimetype", 256).decode("ascii", "replace").strip())
    return _KINDS[m.group(1)] if m else None


def flat_kind(head: bytes) -> OdfKind | None:
    """The kind of a flat XML OpenDocument from its first bytes, None when it is not one."""
    if root_tag(head) != f"{{{OFFICE}}}document":
        return None
    m = _FLAT_MIME.search(head)
    return _KINDS[m.group(1).decode()] if m else None


def meta_element(c: Container) -> etree._Element | None:
    """meta.xml's office:meta element, None when the package has no meta.xml."""
    if not c.has("meta.xml"):
        return None
    return next(parse_xml(c.read("meta.xml"), max_bytes=METADATA_BYTES).getroot().iter(OFFICE_META), None)


def meta_properties(meta: etree._Element) -> list[tuple[str, str, str]]:
    """(element or rule, property name such as "dc:title", text) of each property holding text."""
    out = []
    for el in meta:
        kind = META_PROPERTIES.get(el.tag) if isinstance(el.tag, str) else None
        text = "".join(el.itertext()).strip()
        if kind and text:
            prefix = "dc" if el.tag.startswith(f"{{{DC}}}") else "meta"
            out.append((kind, f"{prefix}:{el.tag.rsplit('}', 1)[1]}", text))
    return out


class FileReader(Bounded):
    """A flat document's bytes in chunks, at most limit of them and until the deadline."""

    def __init__(self, path: Path, limit: int, deadline: float) -> None:
        super().__init__(limit, deadline)
        self.path = path

    def __iter__(self) -> Iterator[bytes]:
        fd = open_for_reading(self.path)
        try:
            yield from self.chunks(lambda n: os.read(fd, n))
        finally:
            os.close(fd)


def content_tags(kind: OdfKind) -> tuple[list[str], tuple[str, ...]]:
    """(tags, events) a content stream of this kind is parsed for."""
    if kind == "ods":
        return [TABLE_TABLE, TABLE_ROW, OFFICE_META, *_DROPPED], ("start", "end")
    if kind == "odp":
        return [P, H, DRAW_PAGE, OFFICE_META, *_DROPPED], ("end",)
    return [P, H, OFFICE_META, *_DROPPED], ("end",)


def paragraph_text(el: etree._Element) -> str:
    """A paragraph's text: spans followed, text:s as spaces, text:tab a space, text:line-break a newline."""
    parts: list[str] = []

    def walk(e: etree._Element) -> None:
        if e.text:
            parts.append(e.text)
        for child in e:
            if child.tag == _S:
                count = child.get(f"{{{TEXT}}}c") or "1"
                parts.append(" " * min(int(count) if count.isdigit() else 1, 64))
            elif child.tag == _TAB:
                parts.append(" ")
            elif child.tag == _LINE_BREAK:
                parts.append("\n")
            elif isinstance(child.tag, str) and child.tag not in _SKIP_INLINE:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return "".join(parts).strip()


def text_lines(events: Iterable[tuple[str, etree._Element]], kind: OdfKind, budget: TextBudget, max_pages: int,
               on_meta: Callable[[etree._Element], None], notes: list[str], label: str) -> Iterator[str]:
    """The paragraphs of a text or presentation as lines (headings and slide titles with "#")."""
    pages = 0
    for _, el in events:
        if el.tag == OFFICE_META:
            on_meta(el)
            release(el)
            continue
        if el.tag == DRAW_PAGE:
            pages += 1
            release(el)
            continue
        if el.tag in _DROPPED:
            release(el)
            continue
        if pages >= max_pages:
            notes.append(f"{label}: text of the first {max_pages} slides read; the rest not read")
            return
        budget.spend(2)  # the blank line between paragraphs
        skip = next(el.iterancestors(_SKIP_CONTAINERS), None) is not None
        text = "" if skip else paragraph_text(el)
        level = _level(el)
        release(el, _PARAGRAPHS)
        if text:
            yield budget.take(("#" * min(level, 6) + " " + text) if level else text)
        if budget.stopped:
            return


def _level(el: etree._Element) -> int:
    """A heading's level (text:h's outline level; a slide's title frame is 1), else 0."""
    if el.tag == H:
        level = el.get(f"{{{TEXT}}}outline-level") or "1"
        return int(level) if level.isdigit() and 0 < int(level) < 10 else 1
    frame = next(el.iterancestors(DRAW_FRAME), None)
    return 1 if frame is not None and frame.get(f"{{{PRESENTATION}}}class") == "title" else 0


def sheet_note(events: Iterable[tuple[str, etree._Element]], on_meta: Callable[[etree._Element], None],
               label: str) -> str:
    """A note naming the tables and, where it is clean, the first table's header row."""
    names: list[str] = []
    header: list[str] | None = None
    first_row = True
    for event, el in events:
        if el.tag == OFFICE_META and event == "end":
            on_meta(el)
            release(el)
        elif el.tag == TABLE_TABLE and event == "start":
            names.append(el.get(f"{{{TABLE}}}name") or "")
        elif el.tag == TABLE_ROW and event == "end":
            if first_row and len(names) == 1:
                header, first_row = _row_texts(el), False
            release(el)
        elif el.tag in _DROPPED and event == "end":
            release(el)
    if not names:
        return f"{label}: the spreadsheet holds no tables"
    listed = ", ".join(repr(n) for n in names[:MAX_SHEETS_NOTED]) + (" ..." if len(names) > MAX_SHEETS_NOTED else "")
    return f"{label}: {len(names)} sheet(s): {listed}; " + header_note(names[0], header)


def _row_texts(row: etree._Element) -> list[str] | None:
    """The texts of a row's cells, trailing empty cells dropped (None: a cell holds a non-text value)."""
    cells: list[str] = []
    for cell in row.iter(TABLE_CELL):
        value_type = cell.get(f"{{{OFFICE}}}value-type")
        if value_type not in (None, "string"):
            return None
        text = " ".join(paragraph_text(p) for p in cell.iter(P)).strip()
        repeat = cell.get(f"{{{TABLE}}}number-columns-repeated") or "1"
        cells.extend([" ".join(text.split())] * min(int(repeat) if repeat.isdigit() else 1, MAX_HEADER_CELLS + 1))
        if len(cells) > 4 * MAX_HEADER_CELLS:
            break
    while cells and not cells[-1]:
        cells.pop()
    return cells
