"""Month and weekday names in many languages, for reading dates in text.

The names come from the Unicode CLDR as Babel ships it (offline, BSD-3-Clause): wide and
abbreviated month names in both the format context (the genitive "июля", "lipca", "Μαΐου")
and the stand-alone one, and wide weekday names. English and Levantine/Egyptian Arabic names are
built in, so dates still read in those languages when Babel is absent. The tables are built once
per process, on the first date-like text. A name that means different months in two languages
("listopad": November in Polish, October in Croatian) is left out: such a date stays unread
rather than guessed.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Literal

ENGLISH_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
_AR_MONTHS = {
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "إبريل": 4, "مايو": 5,
    "يونيو": 6, "يوليو": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "اكتوبر": 10,
    "نوفمبر": 11, "ديسمبر": 12,
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "اذار": 3, "نيسان": 4, "أيار": 5, "ايار": 5,
    "حزيران": 6, "تموز": 7, "آب": 8, "اب": 8, "أيلول": 9, "ايلول": 9, "تشرين الأول": 10,
    "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الأول": 12, "كانون الاول": 12,
}
_EN_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
    "الاثنين": 0, "الإثنين": 0, "الثلاثاء": 1, "الأربعاء": 2, "الاربعاء": 2, "الخميس": 3,
    "الجمعة": 4, "السبت": 5, "الأحد": 6, "الاحد": 6,
}
#: languages whose CLDR names are read (ISO 639): the languages press releases and statements
#: are commonly published in with Latin, Cyrillic, Greek, Arabic, Hebrew, Armenian or Georgian
#: month names. Every regional Arabic locale is read too: Levantine (كانون الثاني), Maghrebi (جانفي).
LANGUAGES = (
    "en fr de es it pt nl ru uk be pl cs sk sl hr sr bs bg mk ro hu fi sv da nb nn is et lv lt el "
    "tr az ar fa ur he id ms fil sw ca gl eu af sq hy ka ga cy lb mt"
).split()
#: a connector CLDR writes into some month names ("de gener", "d’abril"); the date pattern reads it
_CONNECTORS = ("de ", "d’", "d'", "da ")
#: how a month name was written: in full, or abbreviated
NameWidth = Literal["wide", "abbreviated"]


def _clean(name: str) -> str:
    name = name.lower().replace("\u00a0", " ").rstrip(".׳'")
    for c in _CONNECTORS:
        if name.startswith(c):
            name = name[len(c):]
    return name


@lru_cache(maxsize=1)
def month_table() -> dict[str, tuple[int, NameWidth]]:
    """Lower-cased month name -> (month, width), every language in LANGUAGES; ambiguous names left out."""
    seen: dict[str, set[tuple[int, NameWidth]]] = {}
    for name, month in {**ENGLISH_MONTHS, **_AR_MONTHS}.items():
        seen.setdefault(name, set()).add((month, "wide" if len(name) > 4 or not name.isascii() else "abbreviated"))
    for locale in _locales():
        for ctx in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for month, name in locale.months[ctx][width].items():
                    seen.setdefault(_clean(name), set()).add((month, width))
    out: dict[str, tuple[int, NameWidth]] = {}
    for name, readings in seen.items():
        months = {m for m, _ in readings}
        # two letters are too short to tell a month from a word in a Latin script ("ma", "di")
        if len(months) != 1 or not name or (len(name) < 3 and name.isascii()):
            continue
        width: NameWidth = "wide" if any(w == "wide" for _, w in readings) else "abbreviated"
        out[name] = (months.pop(), width)
    return out


@lru_cache(maxsize=1)
def weekday_table() -> dict[str, int]:
    """Lower-cased weekday name -> weekday (Monday 0), wide names of every language in LANGUAGES."""
    seen: dict[str, set[int]] = {name: {d} for name, d in _EN_WEEKDAYS.items()}
    for locale in _locales():
        for ctx in ("format", "stand-alone"):
            for day, name in locale.days[ctx]["wide"].items():
                seen.setdefault(_clean(name), set()).add(day)
    return {name: days.pop() for name, days in seen.items() if len(days) == 1 and len(name) >= 3}


@lru_cache(maxsize=1)
def multiword_months() -> tuple[str, ...]:
    """The month names of more than one word ("كانون الثاني"), longest first, for the date pattern."""
    return tuple(sorted((n for n in month_table() if " " in n), key=len, reverse=True))


def _locales() -> list:
    """Babel locales of LANGUAGES and every regional Arabic one; [] when Babel is not installed."""
    try:
        from babel import Locale, localedata
    except ImportError:
        return []
    ids = [i for i in localedata.locale_identifiers()
           if i in LANGUAGES or (i.startswith("ar_") and i.count("_") == 1)]
    return [Locale.parse(i) for i in sorted(ids)]
