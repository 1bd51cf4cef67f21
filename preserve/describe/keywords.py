"""Keywords by frequency: capitalised names and content words, stop words removed (English).

A word is a run of letters, apostrophes and hyphens from letter to letter (at least two
letters); punctuation and digits end a phrase. Tokenising uses C-level string operations
(translate, replace, split) and a per-process table of each distinct chunk's key and written
form, so a long text is never walked word by word in Python.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import cached_property
from operator import itemgetter
from sys import intern

MAX_KEYWORDS = 6
MIN_COUNT = 3
_STOP = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each even ever every few for
from further had has have having he her here hers herself him himself his how however i if in
into is it its itself just last least less like made make many may me might more most much must
my myself new no nor not now of off on once one only or other others our ours ourselves out over
own per said same say says she should since so some still such than that the their theirs them
themselves then there these they this those through to too two under until up upon us very was
we were what when where which while who whom whose why will with within without would yet you
your yours yourself also already among another around away back became become becomes came
cannot come continue continued could day days did done due either else enough especially
far first get given go going got great help here including instead know let long made make
many means month months next number often part people place put rather really recent right
see seen several shall show shown since take taken tell than three today told took toward
towards us use used using way week weeks well went whether year years yesterday one two
mr mrs ms dr press release ends please contact information email said says told
""".split())
_BREAK = re.compile(r"[^\w\s'’-]|[\d_]")  # punctuation and digits end a phrase
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CUT = "\x00"  # stands for a phrase break among the chunks (itself a break character)
_ASCII_TABLE = [_CUT if _BREAK.match(chr(i)) else chr(i) for i in range(128)]
_BYTE_TABLE = bytes(ord(c) for c in _ASCII_TABLE) + bytes(range(128, 256))
_POSSESSIVE = ("'s", "’s")
_CACHE_LIMIT = 200_000


class _Chunks(dict):
    """Chunk (a run of word and joiner characters) -> the lower-case key of its content word,
    _CUT for a word that is not a content word (or for a break), "" for a chunk holding no word.

    Filling an entry also records the chunk's written form (``forms``) and, for a content word,
    adds that form to the forms seen for its key (``forms_of_key``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, str] = {}
        self.forms_of_key: dict[str, list[str]] = {}

    def __missing__(self, chunk: str) -> str:
        form = intern(_form(chunk))  # one object per word: list searches compare by identity
        key = form if form in ("", _CUT) else intern(form.lower())
        self[chunk], self.forms[chunk] = key, form
        if key not in ("", _CUT):
            seen = self.forms_of_key.setdefault(key, [])
            if form not in seen:
                seen.append(form)
        return key

    def trim(self) -> None:
        """Forget everything once the caches hold more than _CACHE_LIMIT chunks (between calls
        only: the tables must agree while a text is counted)."""
        if len(self) > _CACHE_LIMIT:
            self.clear()
            self.forms.clear()
            self.forms_of_key.clear()


_CHUNKS = _Chunks()


def _form(chunk: str) -> str:
    """A chunk's content word as written (possessive 's dropped), _CUT for a break or a word that
    is not a content word (short, or a stop word), "" for a chunk holding no word."""
    if chunk == _CUT:
        return _CUT
    word = chunk.strip("'’-")  # a chunk holds letters and joiners only: its word is letter to letter
    if len(word) < 2:
        return ""
    if word.endswith(_POSSESSIVE):
        word = word[:-2]
    key = word.lower()
    return word if len(key) >= 3 and key not in _STOP else _CUT


def _chunks(text: str) -> list[str]:
    """Whitespace-separated runs of text with every break character replaced by a lone _CUT."""
    if text.isascii():
        marked = text.translate(_ASCII_TABLE)
    else:
        marked = text.encode("utf-8", "surrogatepass").translate(_BYTE_TABLE).decode("utf-8", "surrogatepass")
        for ch in set(_NON_ASCII.findall(marked)):
            if _BREAK.match(ch):
                marked = marked.replace(ch, _CUT)
    return marked.replace(_CUT, f" {_CUT} ").split()


def tokens(text: str) -> list[str]:
    """Content words' written forms in text order, _CUT for anything that ends a phrase there
    (punctuation, a digit, a word too short or a stop word); possessive 's dropped."""
    return _Text(text).forms


def _demonym_base(word: str, counts: Counter) -> str | None:
    """'syrian' -> 'syria', 'russian' -> 'russia' when the base is itself counted."""
    for cut in ("n", "ian", "an"):
        base = word[: -len(cut)]
        if word.endswith(cut) and len(base) >= 4 and base in counts:
            return base
    return None


class _Text:
    """One text's chunks and keys, and its written forms when a keyword needs them."""

    def __init__(self, text: str) -> None:
        self.chunks = _chunks(text)
        self.keys = list(filter(None, map(_CHUNKS.__getitem__, self.chunks)))

    @cached_property
    def forms(self) -> list[str]:
        """Written forms, position for position with keys."""
        return list(filter(None, map(_CHUNKS.forms.__getitem__, self.chunks)))


def _written(key: str, text: _Text) -> str:
    """The commonest written form of a word key in the text (the first seen on a tie)."""
    seen = _CHUNKS.forms_of_key[key]
    if len(seen) == 1:
        return seen[0]
    forms = text.forms
    counted = [(forms.count(f), f) for f in seen]  # C-level list scans, a few per keyword
    most = max(n for n, _ in counted)
    tied = [f for n, f in counted if n == most]
    return tied[0] if len(tied) == 1 else min(tied, key=forms.index)


def _written_pair(pair: tuple[str, str], text: _Text) -> str:
    """The commonest written form of a two-word phrase in the text (the first seen on a tie)."""
    a, b = pair
    firsts, seconds = _CHUNKS.forms_of_key[a], _CHUNKS.forms_of_key[b]
    if len(firsts) == 1 and len(seconds) == 1:
        return f"{firsts[0]} {seconds[0]}"
    keys, forms = text.keys, text.forms
    found: dict[tuple[str, str], int] = {}  # written pair -> count, in order of first occurrence
    i = -1
    for _ in range(keys.count(a)):  # each occurrence of the first word, by C-level search
        i = keys.index(a, i + 1)
        if i + 1 < len(keys) and keys[i + 1] == b:
            written = (forms[i], forms[i + 1])
            found[written] = found.get(written, 0) + 1
    return " ".join(max(found, key=found.__getitem__))


def _counts(keys: list[str]) -> tuple[Counter[str], list[tuple[tuple[str, str], int]]]:
    """(occurrences of each content word, two-word phrases met at least MIN_COUNT - 1 times),
    both in order of first occurrence.

    One C-level count of adjacent pairs gives both: a word's count is the sum over the pairs
    it starts, plus one if it ends the text.
    """
    words: dict[str, int] = {}
    repeated: list[tuple[tuple[str, str], int]] = []
    for pair, n in Counter(zip(keys, keys[1:])).items():
        words[pair[0]] = words.get(pair[0], 0) + n
        if n >= MIN_COUNT - 1 and _CUT not in pair:
            repeated.append((pair, n))
    if keys:
        words[keys[-1]] = words.get(keys[-1], 0) + 1
    counts = Counter(words)
    counts.pop(_CUT, None)
    return counts, repeated


def keywords(text: str, language: str | None) -> list[tuple[str, int]]:
    """Up to MAX_KEYWORDS (keyword, count) pairs; none unless language is English.

    Repeated two-word phrases come first (at most half) and absorb their words; a demonym is
    counted with its place ("Syrian" with "Syria"); each keyword keeps its commonest written form.
    """
    if language != "en":
        return []
    _CHUNKS.trim()
    counted = _Text(text)
    counts, repeated = _counts(counted.keys)
    for word in [w for w in counts if w.endswith("n")]:  # only words ending in -n can be demonyms
        base = _demonym_base(word, counts)
        if base and word in counts:
            counts[base] += counts.pop(word)
    ranked = sorted(repeated, key=itemgetter(1), reverse=True)
    chosen: list[tuple[str, int]] = []
    used: set[str] = set()
    for pair, n in ranked:
        if len(chosen) >= MAX_KEYWORDS // 2:
            break
        if not used.intersection(pair):
            chosen.append((_written_pair(pair, counted), n))
            used.update(pair)
    for key, n in counts.most_common():
        if len(chosen) >= MAX_KEYWORDS or n < MIN_COUNT:
            break
        if key not in used:
            chosen.append((_written(key, counted), n))
            used.add(key)
    return chosen
