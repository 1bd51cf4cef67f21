"""Where a text states its own issue date, when its header does not hold it plainly.

A release states the day it was issued in a few places, and only there: a line of its own near
the top ("27 Nov 2013", "FOR IMMEDIATE RELEASE: Thursday, July 26, 2012", "05/24/2017 - 10:32"),
a dateline opening a paragraph near the top ("Bonn/Berlin, 04.07.2022. ...", "RIVERTON (December
16, 2013) - ..."), or a sign-off among the last lines ("Signed in Lyon, on 25 March 2009.",
"© City of Eastbrook - 30-01-2002"). A date inside running text is an event, a deadline or an
embargo, never the issue date, and a line saying the page was updated is not the issue either.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Sequence

from preserve.describe import dates as D

#: how many non-empty lines from the top a date line or dateline may sit at
TOP_LINES = 15
#: how many non-empty lines from the end a sign-off may sit at
BOTTOM_LINES = 4
#: where the date was stated
Place = Literal["date line", "dateline", "sign-off"]

#: labels that say the date beside them is the issue date (English, French, German, Spanish,
#: Italian, Portuguese, Dutch): "FOR IMMEDIATE RELEASE:", "Published on", "Publié le", "Datum:"
_LABEL = re.compile(
    r"^\W*(?:for immediate release|immediate release|press release|news release|date[d]?|issued(?: on)?|"
    r"published(?: on)?|released(?: on)?|posted(?: on)?|publié(?:e)? le|date de publication|"
    r"veröffentlicht(?: am)?|datum|stand|fecha(?: de publicación)?|publicado(?: el| em)?|data|"
    r"pubblicato(?: il)?|gepubliceerd(?: op)?)\b\W*", re.I)
#: a line or label saying the date is not the issue date: updates, embargoes, deadlines, events
_NOT_ISSUE = re.compile(
    r"\b(?:updated?|last modified|modified|embargo\w*|mis à jour|aktualisiert|geändert|actualizado|"
    r"aggiornato|bijgewerkt|until|till|deadline|due|expires?|scheduled|from|to|between|"
    r"jusqu|bis|hasta|fino)\b", re.I)
#: a time of day beside the date ("- 10:32", "11:30 AM", "13h20", "14.00 Uhr")
_TIME = re.compile(r"\b\d{1,2}(?:[:h.]\d\d)(?::\d\d)?\s*(?:[ap]\.?m\.?|uhr|h|gmt|utc|cet|cest|est|edt)?\b", re.I)
#: a dateline: up to four capitalised place words (slashes allowed), then a comma or an opening
#: parenthesis, then the date, then punctuation before the text goes on
_DATELINE = re.compile(
    r"^\s*(?P<place>[^\W\d_][\w'’.-]*(?:[ /][^\W\d_][\w'’.-]*){0,3})\s*(?:,\s*|\(\s*)"
    r"(?P<date>[^()\n]{6,40}?)\s*(?:\)\s*)?(?:[.:–—-]{1,2}|$)\s")
#: a sign-off among the last lines: "Signed in Lyon, on 25 March 2009.", "Fait à Lyon, le ...", "© X - date"
_SIGN_OFF = re.compile(
    r"^\W*?(?:(?:signed|done|made|signée?s?|fait|firmado|unterzeichnet|gezeichnet|firmato|getekend|copyright)\b|©|\(c\))",
    re.I)


@dataclass(frozen=True)
class Stated:
    """An issue date as the text states it: the date found, where, and the line as evidence."""

    found: D.FoundDate
    where: Place
    text: str

    def note(self) -> str:
        """Why this date is the issue date."""
        return f"issue date from the {self.where} {self.text[:80]!r}"


def stated_date(lines: Sequence[tuple[int, str]]) -> Stated | None:
    """The issue date a text states near its top or in its sign-off, else None.

    lines are (line number, text) pairs, all of them, in order; blank lines are skipped.
    """
    filled = [(n, t.strip()) for n, t in lines if t.strip()]
    for number, text in filled[:TOP_LINES]:
        hit = _date_line(number, text) or _dateline(number, text)
        if hit:
            return hit
    for number, text in reversed(filled[-BOTTOM_LINES:]):
        if _SIGN_OFF.match(text):
            found = _one_date(number, text)
            if found and found.day is not None:
                return Stated(found, "sign-off", text)
        hit = _date_line(number, text)
        if hit:
            return hit
    return None


def _one_date(number: int, text: str) -> D.FoundDate | None:
    """The one full or month-year date of a text (with a year), else None."""
    if not D.has_digit(text) or _NOT_ISSUE.search(text):
        return None
    found = [f for f in D.find_dates(text, number) if f.year is not None or f.short_year is not None]
    return found[0] if len(found) == 1 else None


def _date_line(number: int, text: str) -> Stated | None:
    """A line that is a date and little else: a label, a weekday, a time, at most two other words."""
    if len(text) > 80:
        return None
    found = _one_date(number, text)
    if found is None:
        return None
    rest = _TIME.sub(" ", text[: found.start] + " " + text[found.end:])
    rest = _LABEL.sub("", rest.strip())
    if found.weekday:
        rest = rest.replace(found.weekday, " ")
    words = re.findall(r"[^\W\d_]+", rest)
    return Stated(found, "date line", text) if len(words) <= 2 else None


def _dateline(number: int, text: str) -> Stated | None:
    """A dateline opening a paragraph: 'Bonn/Berlin, 04.07.2022. Text', 'RIVERTON (December 16, 2013) - Text'."""
    m = _DATELINE.match(text)
    if not m or not m.group("place")[0].isupper():
        return None
    found = _one_date(number, m.group("date"))
    if found is None or found.day is None:
        return None
    rest = m.group("date")[: found.start] + m.group("date")[found.end:]
    if re.search(r"[^\W\d_]{3,}", _TIME.sub("", rest).replace(found.weekday or "\0", "")):
        return None  # words beside the date: a sentence, not a dateline
    shift = m.start("date")
    return Stated(D.replace(found, start=found.start + shift, end=found.end + shift), "dateline", text)
