"""The top of a text document: its headline, its date line or dateline, and where the body starts.

Pure: takes lines, returns a Header. The rules are about layout, not wording, so that they hold
across languages and scripts: a headline is a short line with body text close below it; genre labels,
page furniture, dates and name-like kickers above a longer line are passed over.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal, Sequence

from preserve.describe import dates as D
from preserve.describe.lines import Line, is_heading, script_of, unspaced

HEADER_LINES = 12
BODY_WITHIN = 4  # a headline is followed by body text within this many lines (dates and labels not counted)
_RELEASE_LABEL = re.compile(
    r"^(?:press release|news release|media release|press statement|statement|media advisory|"
    r"for immediate release|immediate release|news|update|joint statement|public statement|"
    r"embargoed\b.*|embargo\b.*|for release\b.*|breaking|announcement|notice|advisory|"
    r"communiqu[ée](?: de presse)?|d[ée]claration(?: commune)?|pressemitteilung|pressemeldung|"
    r"erklärung|comunicato(?: stampa)?|nota stampa|comunicado(?: de prensa)?|declaración|persbericht|"
    r"verklaring|пресс-релиз|заявление|بيان صحفي|بيان|הודעה לעיתונות|הודעה לעיתונאים|"
    r"プレスリリース|新闻稿)\s*[:.!–—-]*$", re.I)
#: page furniture a saved web page keeps above its headline: skip links, menus, bylines, contacts
_FURNITURE = re.compile(
    r"^(?:skip to\b.*|jump to\b.*|aller au contenu\b.*|passer au contenu\b.*|zum inhalt\b.*|"
    r"direkt zum inhalt\b.*|ir al contenido\b.*|saltar al contenido\b.*|vai al contenuto\b.*|"
    r"naar de inhoud\b.*|перейти к\b.*|toggle\b.*|menu|main menu|search|sign up\b.*|subscribe\b.*|"
    r"(?:submitted|posted|published|written|uploaded) by\b.*|by [A-Z][\w.]*(?: [A-Z][\w.]*){0,3}|"
    r"(?:media |press )?contacts?\s*:.*|share(?: this)?\b.{0,60}|(?:https?://|www\.)\S+|"
    r"[^>»›|]*(?:\s[>»›|]\s[^>»›|]*){2,})$", re.I)  # the last: a breadcrumb or a menu bar, "A > B > C"
_COOKIE = re.compile(r"\bcookies?\b", re.I)
_SENTENCE_PUNCT = ".,;:…。，；：،؛"
_CLOSERS = "\"”’'»)]】」』 "
_NAME_CONNECT = frozenset({"of", "for", "and", "the", "de", "du", "des", "la", "le", "les", "del", "della",
                           "di", "der", "die", "das", "für", "und", "van", "het", "y", "e", "et", "&", "on",
                           "in", "to", "à", "al", "el"})
_DATE_LABEL = re.compile(r"^(?:date|dated|issued|published|released)\s*:\s*", re.I)
_DATELINE_PREFIX = re.compile(r"^\s*\[([^\]]{3,80})\]\s*|^\s*\(([^)]{3,80})\)\s*")
_DATELINE_DASH = re.compile(r"^(.{0,60}?)\s*[–—:-]{1,2}\s+")
#: what a line of the header is: a possible headline, another short line, a date line, or skipped
LineKind = Literal["title", "other", "date", "skip"]


@dataclass(frozen=True)
class Header:
    """The top of a document: headline, date line and its date, and where the body starts."""

    title: Line | None
    date_line: Line | None
    date_found: D.FoundDate | None
    body_start: int  # index into lines of the first body line
    dateline_cut: int = 0  # characters of dateline to drop from the first body line
    title_note: str = "headline"  # how the headline was read, for the title's provenance note


def _is_date_line(text: str) -> D.FoundDate | None:
    """The date of a line that holds one date and at most three other words, else None."""
    found = D.find_dates(text)
    if len(found) != 1:
        return None
    rest = text[: found[0].start] + text[found[0].end:]
    rest = _DATE_LABEL.sub("", rest.strip(" []()"))
    rest = re.sub(r"[\s,.:;\[\]()–—|-]+", " ", rest).strip()
    if found[0].weekday:
        rest = re.sub(re.escape(found[0].weekday), "", rest, flags=re.I).strip()
    return found[0] if len(rest.split()) <= 3 else None


def _is_prose(text: str) -> bool:
    """Whether a line reads as body text: it ends a sentence or clause, or is too long for a headline."""
    t = text.rstrip(_CLOSERS)
    return not t or t[-1] in _SENTENCE_PUNCT or len(text) > 200 or len(text.split()) > 30


def _is_title(line: Line) -> bool:
    """Whether a line can be a headline: a Markdown heading, or a line that is not prose, not a
    quotation and not page furniture, of three words or more (two if they do not read as a name;
    four characters in a script written without spaces)."""
    t = line.text
    if not 3 <= len(t) <= 200 or not re.search(r"[^\W\d_]", t) or _is_furniture(t):
        return False
    if is_heading(line.raw):
        return True
    if _is_prose(t) or (t[0] in "\"“‘'«„" and t.rstrip()[-1] in "\"”’'»“"):
        return False
    words = len(t.split())
    return words >= 3 or (words == 2 and not _name_like(t)) or (len(t) >= 4 and unspaced(t))


def _name_like(text: str) -> bool:
    """A line that reads as a name or section label (every word capitalised, or a connector):
    an organisation, office or kicker, not a sentence-like headline."""
    words = [w.strip("\"“”‘’'«»()[]:,–—-") for w in text.split()]
    words = [w for w in words if w]
    return bool(words) and all(w[0].isupper() or not w[0].isalpha() or w.lower() in _NAME_CONNECT
                               for w in words)


def _skippable(text: str) -> bool:
    """A line the header scan passes over: a genre label, page furniture or punctuation only."""
    return bool(_RELEASE_LABEL.match(text) or _is_furniture(text) or re.fullmatch(r"[\W_]+", text)
                or _release_label_of(text))


def _is_furniture(text: str) -> bool:
    """Page furniture: a skip link, menu, byline, contact or address line, or a cookie notice
    (a sentence or a button of at most three words about cookies; a headline about cookies stays)."""
    if _FURNITURE.match(text):
        return True
    return _COOKIE.search(text) is not None and (_is_prose(text) or len(text.split()) <= 3)


def scan_header(lines: Sequence[Line]) -> Header:
    """Find the headline, a date line, and where the body starts, among the first lines.

    The header is the run of short lines above the first body line (prose). A headline is the
    first line there that can be one (see _is_title), is written in the body's script, has body
    text within BODY_WITHIN lines after it, and is not a name-like kicker above a longer line.
    When a document opens with a teaser paragraph and then a header (a label or date line right
    after it), the header after the teaser is read instead.
    """
    head = _read_header(lines, 0)
    if head.title is None and head.body_start < len(lines):
        nxt = next((i for i in range(min(len(lines), head.body_start + HEADER_LINES)) if _is_prose(lines[i].text)
                    and lines[i].text), None)
        while nxt is not None and nxt < len(lines) and lines[nxt].text and _is_prose(lines[nxt].text):
            nxt += 1
        after = _next_text(lines, nxt) if nxt is not None else None
        if after is not None and _opens_header(lines, after):
            again = _read_header(lines, after)
            if again.title is not None:
                if again.date_found is None and head.date_found is not None:
                    return replace(again, date_line=head.date_line, date_found=head.date_found)
                return again
            if head.date_found is None and again.date_found is not None and again.date_line is not None \
                    and again.date_line.number == lines[after].number:
                # no headline, but the block after the teaser opens with a date line: the issue date
                return replace(head, date_line=again.date_line, date_found=again.date_found, dateline_cut=0)
    return head


def _opens_header(lines: Sequence[Line], i: int) -> bool:
    """Whether the first line from i that is not page furniture is a genre label or a date line."""
    j = next((j for j in range(i, min(len(lines), i + HEADER_LINES))
              if lines[j].text and not _is_furniture(lines[j].text)), None)
    return j is not None and (_skippable(lines[j].text) or _is_date_line(lines[j].text) is not None)


def _release_label_of(text: str) -> bool:
    """A genre label naming its issuer ('Statement of the X', 'DECLARATION DE LA X')."""
    m = re.match(r"^(\S+)\s+(?:of|by|from|de|du|des|von|der|di|del)\b", text, re.I)
    return bool(m and _RELEASE_LABEL.match(m.group(1)) and len(text.split()) <= 6 and _name_like(text))


def _next_text(lines: Sequence[Line], i: int) -> int | None:
    """Index of the first non-blank line from i, else None."""
    return next((j for j in range(i, len(lines)) if lines[j].text), None)


def _read_header(lines: Sequence[Line], start: int) -> Header:
    """The header read from lines[start:] (see scan_header)."""
    date_line = found = None
    kinds: list[tuple[int, LineKind]] = []  # up to the body
    body = len(lines)
    seen = 0
    reached = False  # whether a body line was met within HEADER_LINES
    for i in range(start, len(lines)):
        text = lines[i].text
        if not text:
            continue
        seen += 1
        if seen > HEADER_LINES:
            body = i
            break
        if _skippable(text):
            kinds.append((i, "skip"))
            continue
        fd = _is_date_line(text)
        if fd is not None:
            if found is None:
                found, date_line = fd, lines[i]
            kinds.append((i, "date"))
            continue
        if (_is_prose(text) or _dateline(text)[0] is not None) and not is_heading(lines[i].raw):
            body, reached = i, True
            break
        kinds.append((i, "title" if _is_title(lines[i]) else "other"))
    prose = body
    script = script_of(lines[body].text) if reached else None
    at = next((i for k, (i, kind) in enumerate(kinds)
               if kind == "title" and reached and _headline(lines, kinds, k, script)), None)
    title, note = _without_site_name(lines, at) if at is not None else (None, "headline")
    # the body starts at the first line after the headline that is neither a date nor a label
    body = next((i for i, kind in kinds if i > (at if at is not None else -1) and kind in ("title", "other")), body)
    cut = 0
    if found is None and body < len(lines):
        fd, cut = _dateline(lines[body].text)
        if fd is None and title is None and reached and prose != body:
            fd, cut = _dateline(lines[prose].text)
            body = prose if fd is not None else body
        if fd is not None:
            found, date_line = fd, lines[body]
    return Header(title, date_line, found, body, cut, note)


#: a page title's separator before the site's name: " - ", " – ", " — ", " | "
_SITE_SEPARATOR = re.compile(r"\s+(?:[-–—|]|::)\s+")
SITE_NAME_SEARCH = 60  # lines searched for the headline without its site name


def _without_site_name(lines: Sequence[Line], at: int) -> tuple[Line, str]:
    """The headline at index at, without a trailing site name (' - Site', ' | Site') when the
    headline recurs without it at the start of a later line (a saved page repeats its own headline)."""
    line = lines[at]
    for sep in reversed(list(_SITE_SEPARATOR.finditer(line.text))):
        head = line.text[: sep.start()]
        if len(head.split()) < 2:
            break
        for other in lines[at + 1: at + SITE_NAME_SEARCH]:
            if other.text.startswith(head) and other.text != line.text:
                site = line.text[sep.end():]
                return Line(line.number, line.raw, head), f"headline; {site!r} after it dropped as the site's " \
                    f"name: line {other.number} repeats the headline without it"
    return line, "headline"


def _headline(lines: Sequence[Line], kinds: list[tuple[int, LineKind]], k: int, script: str | None) -> bool:
    """Whether the k-th header line is the headline (see scan_header)."""
    i = kinds[k][0]
    line = lines[i]
    if is_heading(line.raw):
        return True
    if script is not None and script_of(line.text) not in (script, None):
        return False
    after = [(j, kind) for j, kind in kinds[k + 1:] if kind in ("title", "other")]
    if len(after) >= BODY_WITHIN:
        return False  # no body text follows closely: a list, a menu or a sign-off, not a headline
    nxt = after[0][0] if after else None
    if nxt is not None and (_name_like(line.text) or len(line.text.split()) <= 2) \
            and len(lines[nxt].text) > len(line.text) \
            and _is_title(lines[nxt]):
        return False  # a kicker or the issuing office's name above a longer headline
    return True


def _dateline(text: str) -> tuple[D.FoundDate | None, int]:
    """A dateline at the start of the first body paragraph: '[24 May, Paris] ...', 'PARIS, 3 May 2017 - ...'."""
    m = _DATELINE_PREFIX.match(text)
    if m:
        inner = m.group(1) or m.group(2)
        found = D.find_dates(inner)
        if len(found) == 1:
            return found[0], m.end()
    m = _DATELINE_DASH.match(text)
    if m:
        found = D.find_dates(m.group(1))
        if len(found) == 1:
            return found[0], m.end()
    return None, 0
