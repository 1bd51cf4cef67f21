"""Keywords by frequency: capitalised names and content words, stop words removed (English)."""
from __future__ import annotations

import re
from collections import Counter

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
_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W\d_]|[^\W\d_]{2,}")


_BREAK = re.compile(r"[^\w\s'’-]|[\d_]")  # punctuation and digits end a phrase


def _segments(text: str) -> list[list[str]]:
    """Words of each run of text not broken by punctuation or digits, possessive 's dropped."""
    out = []
    for part in _BREAK.split(text):
        words = _WORD.findall(part)
        if words:
            out.append([w[:-2] if w.endswith(("'s", "’s")) else w for w in words])
    return out


def _demonym_base(word: str, counts: Counter) -> str | None:
    """'syrian' -> 'syria', 'russian' -> 'russia' when the base is itself counted."""
    for cut in ("n", "ian", "an"):
        base = word[: -len(cut)]
        if word.endswith(cut) and len(base) >= 4 and base in counts:
            return base
    return None


def keywords(text: str, language: str | None) -> list[tuple[str, int]]:
    """Up to MAX_KEYWORDS (keyword, count) pairs; none unless language is English.

    Repeated two-word phrases come first (at most half) and absorb their words; a demonym is
    counted with its place ("Syrian" with "Syria"); each keyword keeps its commonest written form.
    """
    if language != "en":
        return []
    words: list[tuple[str, str]] = []            # (lower-case key, written form) of content words
    pairs: list[tuple[str, str, str, str]] = []  # two adjacent content words: keys, then forms
    for segment in _segments(text):
        lowers = [w.lower() for w in segment]
        keep = [len(k) >= 3 and k not in _STOP for k in lowers]
        words += [(k, w) for k, w, c in zip(lowers, segment, keep) if c]
        pairs += [(lowers[i], lowers[i + 1], segment[i], segment[i + 1])
                  for i in range(len(segment) - 1) if keep[i] and keep[i + 1]]
    forms: dict[str, Counter[str]] = {}
    for (key, form), n in Counter(words).items():
        forms.setdefault(key, Counter())[form] = n
    pair_forms: dict[tuple[str, str], Counter[str]] = {}
    for (a, b, fa, fb), n in Counter(pairs).items():
        pair_forms.setdefault((a, b), Counter())[f"{fa} {fb}"] = n
    counts = Counter({k: sum(f.values()) for k, f in forms.items()})
    for word in list(counts):
        base = _demonym_base(word, counts)
        if base and word in counts:
            counts[base] += counts.pop(word)
            forms.pop(word, None)
    chosen: list[tuple[str, int]] = []
    used: set[str] = set()
    ranked = sorted(((sum(f.values()), pair) for pair, f in pair_forms.items()), key=lambda x: -x[0])
    for n, pair in ranked:
        if n < MIN_COUNT - 1 or len(chosen) >= MAX_KEYWORDS // 2:
            break
        if not used.intersection(pair):
            chosen.append((pair_forms[pair].most_common(1)[0][0], n))
            used.update(pair)
    for key, n in counts.most_common():
        if len(chosen) >= MAX_KEYWORDS or n < MIN_COUNT:
            break
        if key not in used:
            chosen.append((forms[key].most_common(1)[0][0] if key in forms else key, n))
            used.add(key)
    return chosen
