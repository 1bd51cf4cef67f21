"""Describe HTML: <title>, <meta name=date|author|description|keywords>, <html lang>, then
the text of block elements (numbered by their source line) as plain text."""
from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree

from preserve.record import Value
from preserve.describe import dates as D
from preserve.describe.lines import Line, strip_markup
from preserve.describe.text import Draft, analyse

_BLOCKS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "blockquote", "pre",
           "dt", "dd", "address", "figcaption", "caption", "div", "section", "article", "header",
           "footer", "main"}
_META_ELEMENTS = {"date": "date", "dc.date": "date", "dcterms.date": "date", "dc.date.issued": "date",
         "article:published_time": "date", "author": "creator", "dc.creator": "creator",
         "dcterms.creator": "creator", "description": "description", "dc.description": "description",
         "keywords": "subject", "dc.subject": "subject", "dc.language": "language",
         "dc.publisher": "publisher", "dc.rights": "rights", "dc.coverage": "coverage"}


def parse(text: str) -> Any | None:
    """The HTML document tree (an XML declaration ignored), or None when there is none."""
    text = re.sub(r"^\ufeff?\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def head_values(doc: Any) -> tuple[dict[str, list[Value]], list[str]]:
    """DC values from <title>, <meta> and <html lang>."""
    out: dict[str, list[Value]] = {}
    notes: list[str] = []
    title = doc.find(".//title")
    if title is not None and (t := strip_markup(title.text_content())):
        out["title"] = [Value(t, "html <title>")]
    for meta in doc.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        element = _META_ELEMENTS.get(name)
        content = (meta.get("content") or "").strip()
        if not element or not content:
            continue
        values = [v.strip() for v in content.split(",")] if element in ("subject", "creator") and ";" not in content \
            else [v.strip() for v in content.split(";")] if element in ("subject", "creator") else [content]
        for v in filter(None, values):
            note = None
            if element == "date":
                parsed = D.metadata_date(v, f"html meta {name!r}", notes)
                if parsed is None:
                    continue
                v, note = parsed
            out.setdefault(element, []).append(Value(v, f"html meta ({name})", note))
    lang = (doc.get("lang") or doc.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip()
    if lang and "language" not in out:
        code = lang.split("-")[0].lower()
        if re.fullmatch(r"[a-z]{2}", code):
            out["language"] = [Value(code, "html lang attribute", f"lang={lang!r}")]
    return out, notes


def body_lines(doc: Any) -> list[Line]:
    """One line per innermost block element, numbered by its source line."""
    for bad in doc.xpath("//script|//style|//noscript|//template|//head"):
        bad.drop_tree()
    lines: list[Line] = []
    for el in doc.iter():
        if not isinstance(el.tag, str) or el.tag not in _BLOCKS:
            continue
        if any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in el.iterdescendants()):
            continue
        text = re.sub(r"\s+", " ", el.text_content()).strip()
        if not text:
            continue
        raw = ("# " + text) if el.tag in ("h1", "h2", "h3") else text
        n = el.sourceline or 0
        lines.append(Line(n, raw, text))
        lines.append(Line(n, "", ""))
    return lines


def describe_html(text: str, **context: Any) -> Draft:
    """Head metadata wins; body text fills the rest."""
    doc = parse(text)
    if doc is None:
        draft = Draft()
        draft.notes.append("html: no parsable content")
        return draft
    known, notes = head_values(doc)
    draft = analyse(body_lines(doc), title_known="title" in known, date_known="date" in known,
                    description_known="description" in known, creator_known="creator" in known, **context)
    if "language" in known:
        draft.elements["language"] = known.pop("language")
    for element, values in known.items():
        draft.elements[element] = values
    draft.notes.extend(notes)
    return draft
