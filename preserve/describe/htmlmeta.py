"""Read an HTML page's own metadata: <meta> (name, property, itemprop), JSON-LD, <title> and the
headline, and choose its title (site name removed by comparing sources), dates and publisher."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from preserve.describe.lines import strip_markup

MAX_JSONLD_SCRIPTS = 20
MAX_JSONLD_CHARS = 200_000
MAX_JSONLD_NODES = 2_000
MAX_META = 2_000
MAX_TITLE = 1_000
MAX_TITLE_PARTS = 12

#: separators between a page's headline and its site's name in <title> ("X | Site", "Site - X", "X：Site")
SEPARATOR = re.compile(r"\s+[|–—‹›«»·•:~-]\s+|\s*[|｜：]\s*|\s+::\s+|\s+-\s+")
_DOMAIN = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,12}$", re.I)
_PUBLISHED = ("article:published_time", "og:published_time", "datepublished", "dc.date.issued",
              "dcterms.issued", "dc.date", "dcterms.date", "date", "pubdate", "publishdate",
              "publication_date", "sailthru.date", "parsely-pub-date")
_ARTICLE_TYPES = ("article", "newsarticle", "reportage", "report", "blogposting", "pressrelease",
                  "webpage", "socialmediaposting", "scholarlyarticle", "techarticle")


@dataclass
class PageMeta:
    """What the markup states: meta values by lower-case key, JSON-LD nodes, <title>, headings."""

    meta: dict[str, list[str]] = field(default_factory=dict)
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    title: str = ""
    notes: list[str] = field(default_factory=list)

    def first(self, *keys: str) -> tuple[str, str] | None:
        """(key, value) of the first key with a non-empty value."""
        for k in keys:
            for v in self.meta.get(k, ()):
                if v:
                    return k, v
        return None


def read_meta(doc: Any) -> PageMeta:
    """<meta> values (content, or value as some saved pages write it), <title>, and JSON-LD."""
    page = PageMeta()
    for n, meta in enumerate(doc.iter("meta")):
        if n >= MAX_META:
            break
        for attr in ("name", "property", "itemprop"):
            key = (meta.get(attr) or "").strip().lower()
            content = strip_markup(meta.get("content") or meta.get("value") or "")
            if key and content:
                page.meta.setdefault(key, []).append(content)
    t = doc.find(".//title")
    if t is not None:
        page.title = strip_markup(t.text_content())
    page.jsonld = list(_jsonld_nodes(doc, page.notes))
    return page


def _jsonld_nodes(doc: Any, notes: list[str]) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object of the page's <script type="application/ld+json">, @graph unpacked."""
    count = 0
    scripts = [s for s in doc.iter("script") if "ld+json" in (s.get("type") or "").lower()]
    for script in scripts[:MAX_JSONLD_SCRIPTS]:
        raw = script.text or ""
        if len(raw) > MAX_JSONLD_CHARS:
            notes.append(f"html: a JSON-LD block of {len(raw)} characters is over the limit; ignored")
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            notes.append("html: a JSON-LD block is not valid JSON; ignored")
            continue
        stack = [data]
        while stack and count < MAX_JSONLD_NODES:
            item = stack.pop(0)
            count += 1
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])
                yield item


def _types(node: dict[str, Any]) -> list[str]:
    t = node.get("@type")
    return [str(x).lower() for x in (t if isinstance(t, list) else [t]) if x]


def _text(value: Any) -> str:
    """A JSON-LD value as text: a string, or an object's name, or the first of a list."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or ""
    return strip_markup(value) if isinstance(value, str) else ""


def jsonld_article(page: PageMeta) -> dict[str, Any] | None:
    """The page's main JSON-LD object: the first with a headline, else the first article-like one."""
    nodes = page.jsonld
    for node in nodes:
        if _text(node.get("headline")):
            return node
    for node in nodes:
        if any(t in _ARTICLE_TYPES for t in _types(node)):
            return node
    return None


def jsonld_value(page: PageMeta, key: str) -> str:
    """A property of the main JSON-LD object as text ("" when absent); a reference to
    another node of the page by its @id is followed."""
    node = jsonld_article(page)
    value = node.get(key) if node else None
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict) and not value.get("name") and value.get("@id"):
        value = next((n for n in page.jsonld if n.get("@id") == value["@id"] and n is not value), value)
    return _text(value)


def jsonld_publisher(page: PageMeta) -> str:
    """The publisher's name from JSON-LD: the article's publisher, else a lone Organization node."""
    name = jsonld_value(page, "publisher")
    if name:
        return name
    orgs = [n for n in page.jsonld if any(t in ("organization", "newsmediaorganization", "governmentorganization",
                                                "ngo") for t in _types(n)) and _text(n.get("name"))]
    return _text(orgs[0].get("name")) if len(orgs) == 1 else ""


def is_domain(name: str) -> bool:
    """Whether a site name is only a domain name (example.org), which names no organisation."""
    return bool(_DOMAIN.match(name.strip()))


def norm(s: str) -> str:
    """Text for comparing two statements of a name or title: words only, case folded."""
    return re.sub(r"\W+", " ", s).strip().casefold()


def split_title(title: str, headlines: list[str]) -> tuple[str, list[str]] | None:
    """(headline, site segments outermost last) when <title> is a headline joined to a site's name.

    The headline part is found by comparing with the page's other statements of its title
    (og:title, JSON-LD headline, h1), never by a list of site names.
    """
    parts = SEPARATOR.split(title[:MAX_TITLE])
    if not 2 <= len(parts) <= MAX_TITLE_PARTS:
        return None
    wanted = {norm(h) for h in headlines if h}
    found = [(i, j) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)
             if (i, j) != (0, len(parts)) and norm(_join(title, parts, i, j)) in wanted]
    if not found:
        return None
    # the longest agreeing part: a headline is longer than a site logo's heading
    i, j = max(found, key=lambda ij: len(_join(title, parts, *ij)))
    before, after = parts[:i], parts[j:]
    return _join(title, parts, i, j), [p.strip() for p in (*after, *reversed(before)) if p.strip()]


def _join(title: str, parts: list[str], i: int, j: int) -> str:
    """The original text of parts[i:j] with the separators between them."""
    start = title.find(parts[i])
    end = title.find(parts[j - 1], start) + len(parts[j - 1])
    return title[start:end].strip()


def strip_site(title: str, sites: list[str]) -> tuple[str, str] | None:
    """(headline, site) when <title> starts or ends with a known site name and a separator."""
    for site in sites:
        if not site or norm(site) == norm(title):
            continue
        for m in SEPARATOR.finditer(title):
            left, right = title[: m.start()].strip(), title[m.end():].strip()
            if norm(right) == norm(site) and left:
                return left, right
            if norm(left) == norm(site) and right:
                return right, left
    return None


def published_date(page: PageMeta) -> tuple[str, str] | None:
    """(raw date, where) of the publication date stated in meta or JSON-LD."""
    found = page.first(*_PUBLISHED)
    if found:
        return found[1], f"html meta {found[0]}"
    v = jsonld_value(page, "datePublished") or jsonld_value(page, "dateCreated")
    if v:
        return v, "html JSON-LD datePublished"
    return None
