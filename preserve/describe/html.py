"""Describe HTML: title, dates and publisher from the page's own markup (<meta>, Open Graph,
JSON-LD, <title> with the site name removed, the headline, <time datetime>), <html lang>, then
the main content (page furniture dropped) as lines for the text analysis."""
from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree

from preserve.record import Value
from preserve.describe import htmlmeta as M
from preserve.describe.embedded import embedded_date, language_code
from preserve.describe.lines import Line, strip_markup
from preserve.describe.text import Draft, analyse

_BLOCKS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "ul", "ol", "dl", "td", "th", "tr", "table",
           "blockquote", "pre", "dt", "dd", "address", "figcaption", "caption", "div", "section",
           "article", "header", "footer", "main", "nav", "aside", "figure", "form", "hr", "body",
           "center", "fieldset", "legend", "details", "summary", "time"}
_HEADINGS = ("h1", "h2", "h3")
_FURNITURE_TAGS = ("nav", "aside", "form", "button", "select", "menu", "dialog")
_FURNITURE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar",
                    "dialog", "alertdialog"}
#: class and id words of page furniture (menus, breadcrumbs, footers, sharing, cookie banners)
_FURNITURE_WORDS = {"nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "footer",
                    "sidebar", "cookie", "cookies", "share", "sharing", "social", "skip", "masthead",
                    "banner", "toolbar", "pagination", "related", "comments", "subscribe", "newsletter",
                    "topnav", "megamenu", "offcanvas", "dropdown", "gdpr", "consent", "breadcrumbsa",
                    "topbar", "topbara", "utility", "search"}
_META_ELEMENTS = {"author": "creator", "dc.creator": "creator", "dcterms.creator": "creator",
                  "description": "description", "dc.description": "description", "og:description": "description",
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


def _words(el: Any) -> set[str]:
    return set(re.split(r"[\W_]+", f"{el.get('class') or ''} {el.get('id') or ''}".lower())) - {""}


def _is_furniture(el: Any, page_chars: int) -> bool:
    """Navigation, banners, footers, forms, cookie and sharing boxes: not the page's content.

    Only <nav> and navigation roles are dropped whatever their size; anything else that holds
    half the page's text or its h1 is content (whole pages sit inside a <form> on some sites)."""
    if el.tag == "nav" or (el.get("role") or "").lower() in ("navigation", "menubar", "menu"):
        return True
    hidden = el.get("aria-hidden") == "true" or el.get("hidden") is not None
    page_header = el.tag in ("header", "footer") and not any(a.tag in ("article", "main") for a in el.iterancestors())
    named = bool(_words(el) & _FURNITURE_WORDS) and el.tag not in ("body", "html", "main", "article")
    if not (hidden or page_header or named or el.tag in _FURNITURE_TAGS
            or (el.get("role") or "").lower() in _FURNITURE_ROLES):
        return False
    if next(el.iter("h1"), None) is not None:
        return False  # a banner holding the page's headline is kept
    return len(el.text_content()) * 2 < page_chars


def main_content(doc: Any) -> Any:
    """The page's main content: <main> or role=main, else the one <article> (or the one
    holding the page's h1 among several), else <body>."""
    for path in ("//main", "//*[@role='main']", "//article"):
        found = doc.xpath(path)
        if len(found) > 1 and path == "//article":
            found = [a for a in found if next(a.iter("h1"), None) is not None]
        if len(found) == 1 and len(found[0].text_content().strip()) >= 200:
            return found[0]
    body = doc.find(".//body")
    return body if body is not None else doc


def _drop(doc: Any) -> None:
    """Remove script, style and page furniture from the tree (their tails kept)."""
    for bad in doc.xpath("//script|//style|//noscript|//template|//head|//iframe|//svg"):
        bad.drop_tree()
    stack = [doc]
    page_chars = len(doc.text_content())
    while stack:  # furniture is dropped whole, so nothing inside it is looked at again
        for child in list(stack.pop()):
            if isinstance(child.tag, str) and _is_furniture(child, page_chars):
                child.drop_tree()
            elif isinstance(child.tag, str):
                stack.append(child)


def block_lines(root: Any) -> list[Line]:
    """Text of root, one line per block element and per <br>, blocks separated by blank lines.

    Inline text is joined as written (a drop capital stays in its word); a block boundary or a
    <br> always separates, so words on either side of one are never glued together.
    """
    lines: list[Line] = []
    buf: list[str] = []
    number = [root.sourceline or 0]
    heading = [False]

    def flush(blank: bool) -> None:
        text = re.sub(r"\s+", " ", "".join(buf)).strip()
        buf.clear()
        if text:
            lines.append(Line(number[0], ("# " + text) if heading[0] else text, text))
        if blank and lines and lines[-1].text:
            lines.append(Line(number[0], "", ""))

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCKS or tag == "br":
                flush(tag != "br")
                number[0] = el.sourceline or number[0]
                heading[0] = tag in _HEADINGS or (heading[0] and tag == "br")
            if tag and el.text:
                buf.append(el.text)
        else:
            if tag in _BLOCKS:
                flush(True)
                heading[0] = False
            if el is not root and el.tail:
                buf.append(el.tail)
    flush(True)
    return lines


def body_lines(doc: Any) -> list[Line]:
    """The main content's lines (furniture dropped), numbered by their source line."""
    _drop(doc)
    return block_lines(main_content(doc))


def _heading_lines(el: Any) -> list[str]:
    """A heading's lines as set by <br>, each with inline text joined by spaces."""
    return [l.text for l in block_lines(el) if l.text]


Heading = tuple[str, list[str]]  # (tag, its lines)


def _headings(root: Any) -> list[Heading]:
    return [(el.tag, ls) for el in root.iter(*_HEADINGS) if (ls := _heading_lines(el))][:50]


def choose_title(page: M.PageMeta, headings: list[Heading], notes: list[str]) -> Value | None:
    """The headline: <title> without the site name (found by agreement with og:title, JSON-LD
    headline or a heading, or a known site name), else og:title or JSON-LD headline, else h1."""
    sources: list[tuple[str, str]] = []
    if og := page.first("og:title", "twitter:title"):
        sources.append((og[1], f"html meta {og[0]}"))
    if headline := M.jsonld_value(page, "headline"):
        sources.append((headline, "html JSON-LD headline"))
    heads = [(ls[0], f"html {tag}") for tag, ls in headings]
    title = page.title
    if title:
        split = M.split_title(title, [v for v, _ in sources] + [h for h, _ in heads])
        if split:
            head, sites = split
            where = next((w for v, w in sources + heads if M.norm(v) == M.norm(head)), "html <title>")
            return _title_proper(Value(head, where, f"<title> {title!r} less the site name {' | '.join(sites)!r}"),
                                 headings)
        stripped = M.strip_site(title, _site_names(page))
        if stripped:
            return Value(stripped[0], "html <title>", f"site name {stripped[1]!r} removed")
        if any(M.norm(title) == M.norm(v) for v, _ in sources + heads) or not sources:
            return _title_proper(Value(title, "html <title>"), headings)
        notes.append(f"title: <title> {title!r} agrees with no other statement of the title; og:title or JSON-LD used")
    if sources:
        return _title_proper(Value(sources[0][0], sources[0][1]), headings)
    return None


def _title_proper(value: Value, headings: list[Heading]) -> Value:
    """The title proper when a heading sets the title over several lines (<br>) and the chosen
    title begins with its first line: the other lines are a subtitle (ISBD 1.3, other title information)."""
    t = M.norm(value.value)
    for tag, lines in headings:
        first = M.norm(lines[0])
        if len(lines) > 1 and len(first) >= 3 and t.startswith(first) and t != first:
            return Value(lines[0], f"html {tag}", f"first line of a heading set over {len(lines)} lines; "
                         f"the rest is a subtitle ({value.provenance} {value.value!r})")
    return value


def _site_names(page: M.PageMeta) -> list[str]:
    names = [M.jsonld_publisher(page), *page.meta.get("og:site_name", []), *page.meta.get("application-name", [])]
    return [n for n in names if n]


def choose_publisher(page: M.PageMeta, title_value: Value | None) -> Value | None:
    """The organisation publishing the page: JSON-LD publisher, else the outermost site name in
    <title> when og:site_name is absent or one of its parts (a site section inside it), else
    og:site_name; never a bare domain."""
    pub = M.jsonld_publisher(page)
    if pub and not M.is_domain(pub):
        return Value(pub, "html JSON-LD publisher", "publisher of the page")
    site = (page.first("og:site_name") or ("", ""))[1]
    if page.title:
        heads = [title_value.value] if title_value else []
        split = M.split_title(page.title, heads)
        segs = split[1] if split else []
        if site and not any(M.norm(site) == M.norm(s) for s in segs):
            segs = []  # the page states its site's name, and <title> does not repeat it
        for seg in reversed(segs):
            if not M.is_domain(seg) and re.search(r"[^\W\d_]", seg):
                note = "site name in <title>" + (f"; og:site_name {site!r} is a part of it" if site and
                                                 M.norm(site) != M.norm(seg) else "")
                return Value(seg, "html <title>", note)
    if site and not M.is_domain(site):
        return Value(site, "html meta og:site_name", "the site publishing the page")
    return None


def spelled_domain(page: M.PageMeta, lines: list[Line]) -> Value | None:
    """The organisation whose name a domain-only site name spells ("example-trust.org" and a
    line "The Example Trust"), from a short line near the top of the main content."""
    sites = [*page.meta.get("og:site_name", []), *_title_segments(page.title)]
    domains = sorted({site for site in sites if M.is_domain(site)})
    labels = {lab.replace("-", "") for d in domains for lab in re.sub(r"^www\.", "", d.lower()).split(".")[:-1]
              if len(lab) >= 2}
    if not labels:
        return None
    for line in [l for l in lines if l.text][:40]:
        words = re.findall(r"[^\W\d_]+", line.text.casefold())
        if not 1 <= len(words) <= 8:
            continue
        # a short first word is an article in most languages ("The", "La", "Die")
        spelled = {"".join(words), "".join(words[1:]) if len(words[0]) <= 3 else "",
                   "".join(w[0] for w in words), "".join(w[0] for w in words if len(w) > 3)}
        if spelled & labels:
            return Value(line.text, f"text line {line.number}", f"spells the site's domain name {domains[0]!r}")
    return None


def _title_segments(title: str) -> list[str]:
    return [p.strip() for p in M.SEPARATOR.split(title)] if title else []


def choose_date(page: M.PageMeta, content: Any, notes: list[str]) -> Value | None:
    """The publication date from meta or JSON-LD, else a datePublished element or the first
    <time datetime> of the main content (before its first paragraph)."""
    stated = M.published_date(page)
    if stated and (v := embedded_date(stated[0], stated[1], notes)):
        return v
    for el in content.xpath(".//*[@itemprop='datePublished']")[:3]:
        raw = el.get("datetime") or el.get("content") or strip_markup(el.text_content())
        if raw and (v := embedded_date(raw, "html itemprop datePublished", notes)):
            return v
    for el in content.iter("time", "p"):
        if el.tag == "p" and len(el.text_content().strip()) > 80:
            break
        if el.tag == "time" and el.get("datetime"):
            return embedded_date(el.get("datetime"), "html <time datetime>", notes)
    return None


def head_values(doc: Any) -> tuple[dict[str, list[Value]], list[str], list[Line]]:
    """DC values from the page's markup (title, date, publisher, <meta> elements, <html lang>),
    notes, and the main content's lines.

    Reads the head first, then drops the page furniture from the tree (see body_lines)."""
    page = M.read_meta(doc)
    out: dict[str, list[Value]] = {}
    notes = page.notes
    _drop(doc)
    content = main_content(doc)
    body = doc.find(".//body")
    title = choose_title(page, _headings(body if body is not None else doc), notes)
    if title:
        out["title"] = [title]
    date = choose_date(page, content, notes)
    if date:
        out["date"] = [date]
    lines = block_lines(content)
    pub = choose_publisher(page, title) or spelled_domain(page, lines)
    if pub:
        out["creator"] = [pub]
    for key, values in page.meta.items():
        element = _META_ELEMENTS.get(key)
        if not element or (element == "description" and "description" in out):
            continue
        for content_value in values[:1] if element == "description" else values:
            sep = ";" if ";" in content_value else ","
            items = [v.strip() for v in content_value.split(sep)] if element in ("subject", "creator") else [content_value]
            for v in filter(None, items):
                if not any(M.norm(v) == M.norm(o.value) for o in out.get(element, [])):
                    out.setdefault(element, []).append(Value(v, f"html meta {key}"))
    lang = (doc.get("lang") or doc.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip()
    if lang and "language" not in out:
        code = language_code(lang)
        if code is not None:
            out["language"] = [Value(code, "html lang attribute", f"lang={lang!r}")]
    return out, notes, lines


def describe_html(text: str, **context: Any) -> Draft:
    """The page's markup wins; the main content's text fills the rest."""
    doc = parse(text)
    if doc is None:
        draft = Draft()
        draft.notes.append("html: no parsable content")
        return draft
    known, notes, lines = head_values(doc)
    draft = analyse(lines, title_known="title" in known, date_known="date" in known,
                    description_known="description" in known, creator_known="creator" in known, **context)
    if "language" in known:
        draft.elements["language"] = known.pop("language")
    for element, values in known.items():
        draft.elements[element] = values
    draft.notes.extend(notes)
    return draft
