"""Describe Markdown: YAML (safe_load) or TOML (+++) front matter first, then the body as text."""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from typing import Any

import yaml

from preserve.record import Value
from preserve.describe import dates as D
from preserve.describe.embedded import junk_creator
from preserve.describe.lines import split_lines, strip_markup
from preserve.describe.text import Draft, analyse

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$\n?", re.S | re.M)
#: TOML front matter between +++ lines (Hugo, Zola)
_TOML_FRONT_MATTER = re.compile(r"\A\ufeff?\+\+\+[ \t]*\r?\n(.*?)^\+\+\+[ \t]*\r?$\n?", re.S | re.M)
_FRONT_MATTER_ELEMENTS = {
    "title": "title", "date": "date", "published": "date", "pubdate": "date", "issued": "date",
    "author": "creator", "authors": "creator", "creator": "creator", "organisation": "creator",
    "organization": "creator", "description": "description", "summary": "description",
    "excerpt": "description", "tags": "subject", "keywords": "subject", "subject": "subject",
    "subjects": "subject", "categories": "subject", "language": "language", "lang": "language",
    "coverage": "coverage", "places": "coverage", "location": "coverage", "publisher": "publisher",
    "rights": "rights", "license": "rights", "contributor": "contributor", "contributors": "contributor",
}


def split_front_matter(text: str) -> tuple[dict[str, Any] | None, str, int, str | None]:
    """(front matter mapping or None, body, number of the body's first line, problem)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return _toml_front_matter(text)
    first = text[: m.end()].count("\n") + 1
    try:
        data = yaml.safe_load(m.group(1))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 2}" if where else ""
        return None, text[m.end():], first, f"front matter is not valid YAML{line}; ignored"
    if data is None:
        return {}, text[m.end():], first, None
    if not isinstance(data, dict):
        return None, text[m.end():], first, "front matter is not a mapping of keys; ignored"
    return data, text[m.end():], first, None


def _toml_front_matter(text: str) -> tuple[dict[str, Any] | None, str, int, str | None]:
    """split_front_matter for TOML front matter between +++ lines (TOML 1.0, Python's tomllib)."""
    m = _TOML_FRONT_MATTER.match(text)
    if not m:
        return None, text, 1, None
    first = text[: m.end()].count("\n") + 1
    try:
        data = tomllib.loads(m.group(1))
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        return None, text[m.end():], first, f"TOML front matter is not valid ({exc}); ignored"
    return data, text[m.end():], first, None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _as_list(v)]
    if isinstance(value, dict):
        name = value.get("name")
        return [str(name)] if name else []
    if isinstance(value, (dt.date, dt.datetime)):
        return [value.isoformat()[:10]]
    if isinstance(value, str) and "," in value and not value.strip().startswith(("http", "urn")):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(value).strip()] if str(value).strip() else []


def front_matter_values(data: dict[str, Any]) -> tuple[dict[str, list[Value]], list[str]]:
    """DC values from front matter keys, with provenance, and notes for unusable values."""
    out: dict[str, list[Value]] = {}
    notes: list[str] = []
    for key, raw in data.items():
        element = _FRONT_MATTER_ELEMENTS.get(str(key).lower())
        if element is None:
            continue
        values = [str(raw).strip()] if element in ("title", "description", "rights") and isinstance(raw, str) \
            else _as_list(raw)
        for v in values:
            note = None
            if element == "date":
                parsed = D.metadata_date(v, f"front matter {key!r}", notes)
                if parsed is None:
                    continue
                v, note = parsed
            if element == "creator" and (why := _not_a_creator(v)):
                notes.append(f"creator: front matter {key!r} value {v!r} not used: {why}")
                continue
            if element == "title":
                v = strip_markup(v)
            out.setdefault(element, []).append(Value(v, f"front matter ({key})", note))
    return out, notes


#: an author field that points at the signatures in the text instead of naming anyone
_SIGNATORIES_POINTER = re.compile(
    r"^(?:the\s+)?(?:undersigned|signatories)$|^(?:les\s+)?(?:soussign[ée]e?s?|signataires)$|"
    r"^(?:die\s+)?unterzeichne(?:nden|r|rinnen)$|^(?:los\s+)?(?:abajo\s+)?firmantes$", re.I)


def _not_a_creator(value: str) -> str | None:
    """Why a front matter author cannot be a creator (a placeholder, or a pointer to the
    signatories listed in the text, which the text analysis then reads), or None when it can."""
    if _SIGNATORIES_POINTER.match(value.strip()):
        return "it points at the signatories in the text"
    return junk_creator(value)


def describe_markdown(text: str, **context: Any) -> Draft:
    """Front matter values win; the body fills what front matter does not give."""
    data, body, first, problem = split_front_matter(text)
    known, notes = front_matter_values(data or {})
    # A front-matter author is often the person who posted the page, not the issuing
    # organisation: the text's issuers win, the author fills in where the text names none.
    authors = known.pop("creator", [])
    draft = analyse(split_lines(body, first), title_known="title" in known, date_known="date" in known,
                    description_known="description" in known, **context)
    draft.elements.update(known)
    if authors and draft.elements.get("creator"):
        notes.append("creator: the text's issuers were kept over the front matter's "
                     + ", ".join(repr(v.value) for v in authors))
    elif authors:
        draft.elements["creator"] = authors
    if problem:
        draft.notes.append(problem)
    draft.notes.extend(notes)
    return draft
