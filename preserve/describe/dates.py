"""Find dates in text and resolve a document's issue date, with the evidence for it.

Dates never gain a component the text does not give: no year -> EDTF ``XXXX-MM-DD``;
month only -> ``YYYY-MM``. Numeric dates whose day and month could swap (04/11/2016) are
resolved from evidence (a weekday name beside the date, other numeric dates in the text
whose order is unambiguous, month-named dates nearby in time, the publisher's locale);
without evidence only the year is kept and a note says why.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Literal, Sequence

from preserve.describe import months as M

_YEAR = r"(1[5-9]\d\d|2\d\d\d)"
#: a run of letters that may be a month name; which month (if any) is looked up in months.py
_WORD = r"[^\W\d_]{2,}"
#: what may follow a day number: English and Romance ordinals (4th, 1er, 1º), the German dot (3.)
_DAY_MARK = r"(?:st|nd|rd|th|er|re|e|º|°|ª|\.)?"
#: how a date is written: ISO 2016-11-04, numeric 04/11/2016, day-month (4 November 2016,
#: 3. Juli 2018, 1 de julio de 2015), month-day (November 4, 2016) or month-year (November 2016)
DateForm = Literal["iso", "numeric", "dmy", "mdy", "my"]
#: the order of day and month an ambiguous numeric date is read in
DateOrder = Literal["day-first", "month-first"]


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[DateForm, re.Pattern[str]], ...]:
    """The date patterns, compiled once: a month is any word (looked up after matching), or
    one of the few month names of two words ("كانون الثاني"), tried first."""
    multi = "|".join(re.escape(m).replace("\\ ", r"[ \u00a0]") for m in M.multiword_months())
    month = f"({multi}|{_WORD})" if multi else f"({_WORD})"
    year_after = r"(?:,?\s+(?:de\s+|del\s+)?" + _YEAR + r"(?!\d))?"
    return (
        ("iso", re.compile(r"(?<![\d/.-])" + _YEAR + r"-(\d\d)-(\d\d)(?![\d/-])")),
        ("numeric", re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2" + _YEAR + r"(?![\d/-]|\.\d)")),
        # a two-digit year (2.4.75): dots or slashes only, never after a letter (v1.2.10)
        ("numeric", re.compile(r"(?<![\w/.-])(\d{1,2})([/.])(\d{1,2})\2(\d\d)(?![\w/-]|\.\d)")),
        ("dmy", re.compile(r"(?<![\w./-])(\d{1,2})" + _DAY_MARK + r"(?:\s*(?:of|de|di)\s+|\s*d['’]|\s+|(?<=\.))"
                           + month + r"[.׳]?(?![\w])" + year_after, re.I)),
        ("mdy", re.compile(r"(?<![\w])" + month + r"\.?\s+(\d{1,2})(?:st|nd|rd|th|º|°)?(?![\w\d])"
                           + r"(?:,?\s+" + _YEAR + r"(?!\d))?", re.I)),
        ("my", re.compile(r"(?<![\w])" + month + r"\.?,?\s+(?:de\s+|del\s+)?" + _YEAR + r"(?!\d)", re.I)),
    )


_WEEKDAY_BEFORE = re.compile(r"(?<![\w])([^\W\d_]{3,})\.?,?\s*(?:the\s+|den\s+|le\s+|el\s+)?$", re.I)
_ANY_DIGIT = re.compile(r"\d")
_TO_ASCII_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
#: countries (ISO 3166 codes) that write numeric dates month-first; the rest write them day-first
MONTH_FIRST_COUNTRIES = frozenset({"US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "PR", "VI", "UM"})


@dataclass(frozen=True)
class FoundDate:
    """A date met in the text: the components it gives (None when not given)."""

    year: int | None
    month: int | None
    day: int | None
    line: int
    start: int
    end: int
    raw: str
    kind: DateForm
    alt: tuple[int, int] | None = None  # (month, day) of the other reading of an ambiguous numeric date
    weekday: str | None = None
    short_year: int | None = None  # the two digits of a year written without its century (2.4.75)

    @property
    def ambiguous(self) -> bool:
        return self.alt is not None

    def edtf(self) -> str:
        """ISO 8601 / EDTF form of exactly the components given."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}" if self.year else f"XXXX-{self.month:02d}"
        y = f"{self.year:04d}" if self.year else "XXXX"
        return f"{y}-{self.month:02d}-{self.day:02d}"


def _valid(year: int | None, month: int, day: int | None) -> bool:
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    return 1 <= day <= calendar.monthrange(year or 2000, month)[1]


def _month(word: str, has_year: bool) -> int | None:
    """The month a word names, if it surely names one here.

    English names read as always ("4 Nov"); another language's name needs a year beside it
    unless it is written in full and at least four letters long, because short foreign names
    are English words too ("set", "Mac").
    """
    if word == "may":  # the modal verb, not the month
        return None
    key = " ".join(word.lower().rstrip(".׳").split())
    hit = M.month_table().get(key)
    if hit is None and key[:1] in "בל" and len(key) > 3:  # Hebrew "ביולי": in July
        hit = M.month_table().get(key[1:])
    if hit is None:
        return None
    month, width = hit
    if has_year or key in M.ENGLISH_MONTHS or (width == "wide" and len(key) >= 4):
        return month
    return None


def _weekday(word: str) -> int | None:
    """The weekday (Monday 0) a word names, in any language of months.py, else None."""
    return M.weekday_table().get(word.lower())


_ASCII_DIGITS = "0123456789"
CACHED_LINE_CHARS = 1000  # lines up to this long keep their dates in a small per-process cache


def has_digit(text: str) -> bool:
    """Whether text holds a decimal digit (what ``\\d`` matches); on a long ASCII text, ten
    substring tests are many times faster than a regex scan."""
    if len(text) > 100 and text.isascii():
        return any(map(text.__contains__, _ASCII_DIGITS))
    return _ANY_DIGIT.search(text) is not None


def find_dates(text: str, line: int = 0) -> list[FoundDate]:
    """Every date in one line of text, left to right, without overlaps."""
    if not has_digit(text):  # _TO_ASCII_DIGITS maps digits to digits only: no digit, no date
        return []
    found = _cached_dates(text) if len(text) <= CACHED_LINE_CHARS else _scan_dates(text)
    return [replace(f, line=line) for f in found] if line else list(found)


@lru_cache(maxsize=256)
def _cached_dates(text: str) -> tuple[FoundDate, ...]:
    """_scan_dates of a short line, remembered: header lines are read by several rules."""
    return _scan_dates(text)


def _scan_dates(text: str) -> tuple[FoundDate, ...]:
    """The dates of find_dates, all on line 0."""
    norm = text.translate(_TO_ASCII_DIGITS)
    taken: list[tuple[int, int]] = []
    found: list[FoundDate] = []
    for kind, pattern in _patterns():
        for m in pattern.finditer(norm):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            fd = _build(kind, m, 0)
            if fd is None:
                continue
            wd = _WEEKDAY_BEFORE.search(norm, max(0, m.start() - 40), m.start())
            if wd and fd.day is not None and _weekday(wd.group(1)) is not None:
                fd = replace(fd, weekday=wd.group(1))
            taken.append((m.start(), m.end()))
            found.append(fd)
    return tuple(sorted(found, key=lambda f: f.start))


def _build(kind: DateForm, m: re.Match[str], line: int) -> FoundDate | None:
    g = m.groups()
    raw = m.group(0)
    if kind == "iso":
        y, mo, d = int(g[0]), int(g[1]), int(g[2])
        return FoundDate(y, mo, d, line, m.start(), m.end(), raw, kind) if _valid(y, mo, d) else None
    if kind == "numeric":
        a, b = int(g[0]), int(g[2])
        y, short = (int(g[3]), None) if len(g[3]) == 4 else (None, int(g[3]))
        day_first = _valid(y, b, a)
        month_first = _valid(y, a, b)
        if day_first and month_first and a != b:
            return FoundDate(y, b, a, line, m.start(), m.end(), raw, kind, alt=(a, b), short_year=short)
        if day_first:
            return FoundDate(y, b, a, line, m.start(), m.end(), raw, kind, short_year=short)
        if month_first:
            return FoundDate(y, a, b, line, m.start(), m.end(), raw, kind, short_year=short)
        return None
    if kind == "dmy":
        d, y = int(g[0]), int(g[2]) if g[2] else None
        mo = _month(g[1], y is not None)
    elif kind == "mdy":
        d, y = int(g[1]), int(g[2]) if g[2] else None
        mo = _month(g[0], y is not None)
    else:
        d, y = None, int(g[1])
        mo = _month(g[0], True)
    if mo is None or not _valid(y, mo, d):
        return None
    return FoundDate(y, mo, d, line, m.start(), m.end(), raw, kind)


def all_dates(lines: Iterable[tuple[int, str]]) -> list[FoundDate]:
    """Dates on every (line number, text) pair."""
    out: list[FoundDate] = []
    for number, text in lines:
        out.extend(find_dates(text, number))
    return out


def _name(y: int, mo: int, d: int) -> str:
    return f"{d} {calendar.month_name[mo]} {y}"


def _distance(y: int, mo: int, d: int, other: FoundDate) -> int | None:
    if other.month is None or other.ambiguous or other.kind == "numeric":
        return None
    oy = other.year or y
    od = other.day or 15
    try:
        return abs((dt.date(y, mo, d) - dt.date(oy, other.month, od)).days)
    except ValueError:
        return None


@dataclass(frozen=True)
class Resolution:
    """The outcome for one found date: EDTF value (or None) and the evidence or reason."""

    value: str | None
    note: str | None


def resolve(found: FoundDate, others: Sequence[FoundDate], locale: tuple[bool, str] | None = None) -> Resolution:
    """Resolve found (day/month order if ambiguous) using the other dates and a locale hint.

    locale is (day_first, evidence) from the publisher's locale, or None when unknown. The
    evidence is weighed strongest first: a weekday beside the date, the order of the text's
    other numeric dates, month-named dates nearby in time, the locale; without any, only the
    year is kept.
    """
    if found.short_year is not None and found.year is None:
        return _resolve_short_year(found, others, locale)
    if not found.ambiguous:
        return Resolution(found.edtf(), _unambiguous_note(found))
    return (_by_weekday(found) or _by_other_numeric_dates(found, others) or _by_nearby_dates(found, others)
            or _by_locale(found, locale) or _year_only(found))


def _resolve_short_year(found: FoundDate, others: Sequence[FoundDate],
                        locale: tuple[bool, str] | None) -> Resolution:
    """A date with a two-digit year: the century only from the text's other dates with a full
    year ending in the same two digits, all in one century; else no year is invented (XXXX)."""
    yy = found.short_year
    witnesses = [o for o in others if o.year is not None and o.year % 100 == yy and o is not found]
    centuries = {o.year // 100 for o in witnesses if o.year is not None}
    full = replace(found, year=centuries.pop() * 100 + yy, short_year=None) if len(centuries) == 1 else found
    if full.year is not None and all(_valid(full.year, mo, d) for mo, d in ((full.month, full.day), full.alt or (1, 1))):
        w = witnesses[0]
        res = resolve(full, others, locale)
        why = f"century of {found.raw!r} from the text's date {w.raw!r} (line {w.line})"
        return Resolution(res.value, f"{why}; {res.note}" if res.note else why)
    why = f"two-digit year in {found.raw!r} and no full year ending in {yy:02d} in the text; no century invented"
    if found.ambiguous:
        return Resolution(None, f"{why}; day and month could swap, so nothing is kept")
    note = _unambiguous_note(replace(found, year=2000))
    return Resolution(found.edtf(), f"{why} (EDTF XXXX)" + (f"; {note}" if note else ""))


def _unambiguous_note(found: FoundDate) -> str | None:
    """Why a date that needs no resolving reads as it does (None when it goes without saying)."""
    note = None
    if found.kind == "numeric":
        a, b = _parts(found.raw)
        if a != b:
            note = (f"day-first: {found.raw} has {a} > 12" if a > 12 else
                    f"month-first: {found.raw} has {b} > 12")
    if found.year is None:
        note = f"no year in {found.raw!r}; none invented (EDTF XXXX)"
    elif found.day is None:
        note = f"month only in {found.raw!r}; no day invented"
    return note


def _readings(found: FoundDate) -> dict[bool, tuple[int, int]]:
    """The (month, day) of an ambiguous date's two readings, by whether it is read day-first."""
    assert found.alt is not None
    return {True: (found.month, found.day), False: found.alt}  # type: ignore[dict-item]


def _reading_names(found: FoundDate, day_first: bool) -> tuple[str, str]:
    """(the chosen reading, the other one) of an ambiguous date, as "4 November 2016"."""
    assert found.year is not None
    chosen, other = _readings(found)[day_first], _readings(found)[not day_first]
    return _name(found.year, *chosen), _name(found.year, *other)


def _by_weekday(found: FoundDate) -> Resolution | None:
    """The reading on which the weekday named beside the date falls, if exactly one does."""
    if not found.weekday:
        return None
    assert found.year is not None
    wd = _weekday(found.weekday)
    hits = [k for k, (mo, d) in _readings(found).items() if dt.date(found.year, mo, d).weekday() == wd]
    if len(hits) != 1:
        return None
    k = hits[0]
    chosen, other = _reading_names(found, k)
    return _pick(found, k, f"{_order(k)}: {found.weekday!r} beside {found.raw} matches {chosen}, not {other}")


def _by_other_numeric_dates(found: FoundDate, others: Sequence[FoundDate]) -> Resolution | None:
    """The order of the text's other numeric dates, when they all show the same one."""
    numeric = [o for o in others if o.kind == "numeric" and not o.ambiguous and o is not found
               and o.short_year is None  # a two-digit "date" may be a version or section number
               and _parts(o.raw)[0] != _parts(o.raw)[1]]
    orders = {_parts(o.raw)[0] > 12 for o in numeric}
    if len(orders) != 1:
        return None
    k = orders.pop()
    o = numeric[0]
    return _pick(found, k, f"{_order(k)}: other numeric date {o.raw} (line {o.line}) is {_order(k)}")


def _by_nearby_dates(found: FoundDate, others: Sequence[FoundDate]) -> Resolution | None:
    """The reading that lies near the text's month-named dates while the other lies far off.

    Near: within 62 days; far: more than twice as far, plus two weeks.
    """
    assert found.year is not None
    best: dict[bool, tuple[int, FoundDate] | None] = {}
    for k, (mo, d) in _readings(found).items():
        ds = [(dist, o) for o in others if o is not found and (dist := _distance(found.year, mo, d, o)) is not None]
        best[k] = min(ds, key=lambda t: t[0]) if ds else None
    bt, bf = best[True], best[False]
    if not (bt and bf):
        return None
    for k, mine, theirs in ((True, bt, bf), (False, bf, bt)):
        if mine[0] <= 62 and theirs[0] > 2 * mine[0] + 14:
            chosen, other = _reading_names(found, k)
            o = mine[1]
            return _pick(found, k, (
                f"{_order(k)}: the text's date {o.raw!r} (line {o.line}) lies {mine[0]} days "
                f"from {chosen} but {theirs[0]} days from {other}"))
    return None


def _by_locale(found: FoundDate, locale: tuple[bool, str] | None) -> Resolution | None:
    """The order the publisher's locale writes dates in, when it is known."""
    if locale is None:
        return None
    k, evidence = locale
    return _pick(found, k, f"{_order(k)}: {evidence}")


def _year_only(found: FoundDate) -> Resolution:
    """Only the year of a date that nothing resolves, with the note asking the curator."""
    day_first, month_first = _reading_names(found, True)
    return Resolution(f"{found.year:04d}", (
        f"{found.raw} could be {day_first} or {month_first}; no weekday, other date or publisher locale "
        "settles it, so only the year is kept; set the date in metadata.csv"))


def _order(day_first: bool) -> DateOrder:
    return "day-first" if day_first else "month-first"


def _parts(raw: str) -> tuple[int, int]:
    bits = re.split(r"[/.-]", raw.translate(_TO_ASCII_DIGITS))
    return int(bits[0]), int(bits[1])


def _pick(found: FoundDate, day_first: bool, note: str) -> Resolution:
    mo, d = (found.month, found.day) if day_first else found.alt  # type: ignore[misc]
    return Resolution(f"{found.year:04d}-{mo:02d}-{d:02d}", note)


def parse_loose(value: str) -> Resolution | None:
    """A date given as a metadata value (front matter, HTML meta): its EDTF form."""
    value = value.strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?", value)
    if m:
        y, mo, d = int(m.group(1)), m.group(2), m.group(3)
        if mo and not _valid(y, int(mo), int(d) if d else None):
            return None
        return Resolution(value[: 10 if d else 7 if mo else 4], None)
    found = find_dates(value)
    if len(found) == 1:
        return resolve(found[0], [])
    return None


def metadata_date(raw: str, where: str, notes: list[str]) -> tuple[str, str | None] | None:
    """(ISO/EDTF value, note) of a date given in metadata (front matter, HTML meta); else None.

    A value that is not a date is not guessed at: a note naming ``where`` it came from says so.
    """
    res = parse_loose(raw)
    if res is None or res.value is None:
        notes.append(f"date: {where} value {raw!r} is not a date; ignored")
        return None
    return res.value, res.note
