"""Places a text is about, matched against the gazetteer (:mod:`preserve.describe.gazetteer`).

Names are matched in any language the gazetteer knows ("Syrie", "Alep", "سوريا", "大阪"): in
Latin script as capitalised words (also after an elided "l’"), in other scripts word by word
after one prefix letter (Arabic, Hebrew) or as substrings (Chinese, Japanese). A place is
covered when a title opens with it ("Ruritania: ..."), when the title names it and the body
never or also after a locative preposition, or when the body names it at least twice and at
least a third of those mentions (and one) follow a locative preposition ("in", "en", "à",
"im", "nel", "sur" ...): a country named mostly as an actor ("Russia said") is not a place the
text is about. When no place passes, places named after a locative preposition or three
times or more are kept, and failing those the one place the opening paragraph names. Text in non-Latin scripts counts mentions
only. Not mentions: a name after a postcode (an address), and a small town's name after an
article or a capitalised word ("the Summit", "World Summit"). The dateline is cut off by the
caller.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from preserve.describe.gazetteer import (  # noqa: F401  (re-exported: the gazetteer's API)
    GAZETTEER_FORMAT, MIN_EXONYM_POPULATION, Gazetteer, Place, PlaceKind, build_gazetteer, gazetteer, is_latin,
    pack_gazetteer,
    unpack_gazetteer)
from preserve.describe.lines import UNSPACED_CHARS

#: prepositions (and "about" words) after which a place is where something happens or what it
#: is about, in the languages most releases use; an article or an elided one may follow
_PREPOSITIONS = (
    "in|at|on|across|throughout|near|around|outside|inside|into|within|over"
    "|en|à|au|aux|dans|sur|vers|entre|pour|depuis"  # fr
    "|im|nach|aus|bei|für|über|zwischen|gegenüber"  # de
    "|a|hacia|sobre|para|desde"  # es, it, pt ("a" also English, but an article there: no place follows it)
    "|nel|nella|nei|nelle|negli|tra|fra|verso"  # it
    "|te|naar|op|uit|voor"  # nl
    "|em|no|na|nos|nas")  # pt
_ARTICLES = r"(?:(?:the|le|la|les|der|die|das|dem|den|el|los|las|il|lo|gli|het|de|o|os)\s+|[lL]['’])?"
_LOCATIVE = re.compile(
    rf"(?:^|\W)(?:{_PREPOSITIONS})\s+{_ARTICLES}(?:[a-zà-ÿ][\w-]*\s+){{0,2}}$", re.I)
REPEATED = 3  # mentions that make a place the subject when no mention is locative
_LEAD = re.compile(r"\s*(\w[\w’'.-]*(?: [\w’'.-]+){0,3})\s*[:–—]\s")
_SPACE = re.compile(r"\s")
_WINDOW = 80  # characters before a place name that _after_locative looks at first
#: one-letter prefixes written on the word: Arabic (wa-, bi-, li-, fa-, ka-), Hebrew (be-, le-, me-, ve-, ha-, she-, ke-)
_PREFIXES = ("و", "ب", "ل", "ف", "ك", "وب", "ول", "في", "ال", "ב", "ל", "מ", "ו", "ה", "ש", "כ", "וב", "ול", "מה", "בה")
#: scripts written without spaces between words: places are found as substrings
_UNSPACED = re.compile(f"[{UNSPACED_CHARS}]+")
#: before a small town's name, an article ("the Summit") or a capitalised word ("World Summit")
#: makes it a common noun or the end of another proper name
_ARTICLE_BEFORE = re.compile(r"(?:(?:(?:^|\W)(?i:the|a|an|le|la|les|der|die|das|el|los|las|il|lo|het)|[A-Z\u00c0-\u00de][\w’'-]*[a-zà-ÿ])\s+|\b[lL]['’])$")
_POSTCODE = re.compile(r"\b\d{4,5}\s+$")


@dataclass
class Mention:
    """How a text names one place: body mentions, how many follow a locative, in the title."""

    place: Place
    count: int = 0
    locative: int = 0
    in_title: bool = False
    first_line: int = 0
    title_lead: bool = False  # the title opens with it and a colon or dash ("Ruritania: ...")
    in_lede: bool = False  # named in the body's first paragraph
    why: str = ""  # which rule of covered() kept it
    forms: dict[str, int] = field(default_factory=dict)  # each spelling the text uses -> how often

    @property
    def written(self) -> str:
        """The name as the text writes it most often (its own language's exonym), else the gazetteer's."""
        return max(self.forms.items(), key=lambda kv: (kv[1], kv[0] == self.place.name))[0] if self.forms \
            else self.place.name


_is_latin = is_latin
_NON_LATIN = re.compile(r"[\u0370-\u1dff\u2c00-\ud7ff\uf900-\uffef]")


@lru_cache(maxsize=1)
def _first_words() -> dict[str, int]:
    """First word of every Latin name -> the most words a name starting with it has."""
    out: dict[str, int] = {}
    for name in gazetteer()[0]:
        parts = name.split()
        out[parts[0]] = max(out.get(parts[0], 0), len(parts))
    return out


@lru_cache(maxsize=1)
def _longest_other() -> int:
    """Length of the longest non-Latin name (the widest substring worth looking up)."""
    return min(12, max((len(k) for k in gazetteer()[1]), default=0))


#: A capitalised word not glued to a word before it; the look-behind follows the first letter so
#: that the regex engine can scan for that letter quickly. Same matches as
#: ``(?<![\w'’.-])[A-Z\u00c0-\u00de][\w'’.-]*``, and also after an elided article or
#: preposition (French "l’Ukraine", "d’Irak"; Italian "dell’Italia").
_CAP_WORD = re.compile(r"[A-Z\u00c0-\u00de](?:(?<![\w'’.-].)|(?<=\W[lLdD]['’].)|(?<=ll['’].))[\w'’.-]*")
_NEXT_WORD = re.compile(r" ([^\W\d_][\w'’.-]*)")
_KEEP_DOTS = ("U.K.", "U.S.", "U.S.A.")


def _lookup(latin: dict[str, Place], cand: str) -> Place | None:
    if not cand.endswith(_KEEP_DOTS):
        cand = cand.rstrip(".'’")
    place = latin.get(cand)
    if place is None and cand.endswith(("'s", "’s")):
        place = latin.get(cand[:-2])
    return place


def _form(written: str) -> str:
    """A matched name without a possessive or a trailing full stop."""
    if written.endswith(("'s", "’s")):
        return written[:-2]
    return written if written.endswith(_KEEP_DOTS) else written.rstrip(".'’")


def _no_capitals(text: str) -> bool:
    """True when _CAP_WORD cannot match: every cased character is lower case (and no '×', the
    one character of _CAP_WORD's first-letter class that is not a letter)."""
    if text.isascii():
        return text.lower() == text  # much faster than islower() on ASCII
    return text.islower() and "\u00d7" not in text


def _latin_hits(text: str) -> Iterable[tuple[int, Place, str]]:
    """(start, place, the name as written) of each place named in Latin script."""
    if _no_capitals(text):
        return
    latin, _ = gazetteer()
    firsts = _first_words()
    consumed = 0
    for m in _CAP_WORD.finditer(text):
        if m.start() < consumed:
            continue
        token = m.group(0)
        longest = firsts.get(token) or firsts.get(token.rstrip(".'’")) or \
            (1 if token.endswith(("'s", "’s")) and token[:-2] in latin else 0)
        if not longest:
            continue
        ends = [m.end()]
        for _ in range(min(longest, 4) - 1):
            nxt = _NEXT_WORD.match(text, ends[-1])
            if nxt is None:
                break
            ends.append(nxt.end())
        for end in reversed(ends):
            place = _lookup(latin, text[m.start():end])
            if place is not None:
                consumed = end
                if not _in_proper_name(text, end):
                    yield m.start(), place, _form(text[m.start():end])
                break


#: a capitalised word right after a place name makes it part of a longer proper name
#: ("Bonn University", "Syria Watch"), not a mention of the place
_NAME_GOES_ON = re.compile(r" (?!(?:And|Und|Et|Y|E|Or|The)\b)[A-Z\u00c0-\u00de][\w’'-]*[a-zà-ÿ]")


def _in_proper_name(text: str, end: int) -> bool:
    return _NAME_GOES_ON.match(text, end) is not None


def last_country(text: str) -> Place | None:
    """The last country a text names in Latin script (the country of an address), or None."""
    hits = [p for _, p, _ in _latin_hits(text) if p.kind == "country"]
    return hits[-1] if hits else None


def _other_hits(text: str) -> Iterable[tuple[int, Place, str]]:
    """(start, place, the name as written, without a prefix) of each place named in another script."""
    if text.isascii() or _NON_LATIN.search(text) is None:
        return
    _, other = gazetteer()
    for m in re.finditer(r"[^\W\d_]+", text):
        word = m.group(0)
        if _is_latin(word):
            continue
        if _UNSPACED.match(word):
            yield from _unspaced_hits(other, word, m.start())
            continue
        place, form = other.get(word), word
        if place is None:
            for pre in _PREFIXES:
                if word.startswith(pre) and word[len(pre):] in other:
                    form = word[len(pre):]
                    place = other[form]
                    break
        if place is not None:
            yield m.start(), place, form


def _unspaced_hits(other: dict[str, Place], run: str, offset: int) -> Iterable[tuple[int, Place, str]]:
    """Places named inside a run of Chinese or Japanese characters, longest name first at each point."""
    widest = _longest_other()
    i = 0
    while i < len(run) - 1:
        for width in range(min(widest, len(run) - i), 1, -1):
            place = other.get(run[i:i + width])
            if place is not None:
                yield offset + i, place, run[i:i + width]
                i += width
                break
        else:
            i += 1


def _after_locative(text: str, start: int) -> bool:
    """Whether text[:start] ends with a locative preposition and at most "the" and two words.

    Same answer as ``_LOCATIVE.search(text[:start])`` without scanning the whole line: a match
    (the preposition, "the", two words, with the spaces after each) lies within the last four
    whitespace-separated chunks and the space before them, so a window that starts with a space
    and holds four whole chunks gives the same answer.
    """
    lo = start - _WINDOW
    if lo > 0:
        window = text[lo:start]
        space = _SPACE.search(window)
        if space is not None and len(window[space.start():].split()) >= 4:
            return _LOCATIVE.search(window, space.start()) is not None
    return _LOCATIVE.search(text, 0, start) is not None


def _common_noun(text: str, start: int, place: Place) -> bool:
    """A small town's name used as a common noun or inside another name ("the Summit", "l’Union")."""
    return place.kind == "city" and place.population < MIN_EXONYM_POPULATION and \
        _ARTICLE_BEFORE.search(text, max(0, start - 40), start) is not None


def mentions(title: str | None, body: Iterable[tuple[int, str]]) -> dict[str, Mention]:
    """Count each place's mentions in title and body lines."""
    found: dict[str, Mention] = {}
    if title:
        lead = _LEAD.match(title)
        for start, place, form in list(_latin_hits(title)) + list(_other_hits(title)):
            if _common_noun(title, start, place):
                continue
            mm = found.setdefault(place.name, Mention(place, first_line=0))
            mm.in_title = True
            mm.forms[form] = mm.forms.get(form, 0) + 1
            if lead is not None and start == lead.start(1):
                mm.title_lead = True
    lede = True
    texts: list[str] = []
    for number, text in body:
        texts.append(text)
        if not text.strip():
            lede = lede and not any(m.count for m in found.values())  # a blank line after text ends the lede
            continue
        hits = list(_latin_hits(text)) + list(_other_hits(text))
        for start, place, form in hits:
            if _POSTCODE.search(text, max(0, start - 8), start):
                continue  # "10115 Berlin": a postal address, not what the text is about
            if _common_noun(text, start, place):
                continue
            mm = found.setdefault(place.name, Mention(place, first_line=number))
            if not mm.first_line:
                mm.first_line = number
            mm.count += 1
            mm.forms[form] = mm.forms.get(form, 0) + 1
            mm.in_lede = mm.in_lede or lede
            if _after_locative(text, start):
                mm.locative += 1
        lede = False if hits or len(text) > 200 else lede
    _drop_word_towns(found, "\n".join(texts))
    return found


def _drop_word_towns(found: dict[str, Mention], text: str) -> None:
    """Forget small towns whose name the text also writes in lower case: a word ("summit", "union")."""
    for key, m in list(found.items()):
        if m.place.kind == "city" and m.place.population < MIN_EXONYM_POPULATION and \
                re.search(rf"(?<!\w){re.escape(m.place.name.lower())}(?!\w)", text):
            del found[key]


def covered(found: dict[str, Mention], latin_script: bool = True) -> list[Mention]:
    """The places the text is about (see module doc), most mentioned first."""
    def passes(m: Mention) -> bool:
        if m.title_lead or (m.in_title and (m.count == 0 or not latin_script or m.locative >= max(1, 0.3 * m.count))):
            return True
        if m.place.kind == "city" and m.place.population < MIN_EXONYM_POPULATION:
            return m.count >= 2 and m.locative >= 1  # a small town's name is often a word or a name
        if not latin_script:
            return m.count >= 2
        return m.count >= 2 and m.locative >= max(1, 0.3 * m.count)

    keep = [m for m in found.values() if passes(m)]
    why = "the title or its locative mentions"
    if not keep:  # or named again and again, though never after a preposition this module knows
        keep = [m for m in found.values() if m.locative >= 1 or m.count >= REPEATED]
        why = f"no place passed; named after a preposition or {REPEATED}+ times"
    if not keep:  # failing all else, the one place the opening paragraph names (it says where)
        keep = [m for m in found.values() if m.in_lede]
        keep, why = (keep if len(keep) == 1 else []), "no place passed; the only place the opening paragraph names"
    for m in keep:
        m.why = why
    return sorted(keep, key=lambda m: (-m.in_title, -m.count, m.first_line, m.place.name))
