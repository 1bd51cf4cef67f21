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


def keywords(text: str, language: str | None) -> list[tuple[str, int]]:
    """Up to MAX_KEYWORDS (keyword, count) pairs; none unless language is English."""
    if language != "en":
        return []
    tokens = [w[:-2] if w.endswith(("'s", "’s")) else w for w in _WORD.findall(text)]
    lowers = [t.lower() for t in tokens]
    counts = Counter(k for k in lowers if len(k) >= 3 and k not in _STOP)
    top = [(k, n) for k, n in counts.most_common(MAX_KEYWORDS) if n >= MIN_COUNT]
    wanted = {k for k, _ in top}
    forms: dict[str, Counter[str]] = {k: Counter() for k in wanted}
    for token, key in zip(tokens, lowers):
        if key in wanted:
            forms[key][token] += 1
    return [(forms[k].most_common(1)[0][0], n) for k, n in top]
