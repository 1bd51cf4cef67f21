"""Language detection with py3langid (model shipped in the wheel, loaded once per process)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MIN_LETTERS = 20
MIN_CONFIDENCE = 0.80
SAMPLE_CHARS = 1200
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Detected:
    code: str | None
    confidence: float
    reason: str


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> Detected:
    """ISO 639-1 code of text, or None with the reason (too little text, low confidence)."""
    letters = len(_LETTER.findall(text, 0, 4 * MIN_LETTERS)) if len(text) > 4 * MIN_LETTERS else 0
    if letters < MIN_LETTERS:
        letters = len(_LETTER.findall(text[:SAMPLE_CHARS * 2]))
    if letters < MIN_LETTERS:
        return Detected(None, 0.0, f"only {letters} letters of text, too few to detect")
    code, prob = _identifier().classify(text[:SAMPLE_CHARS])
    prob = float(prob)
    if prob < MIN_CONFIDENCE:
        return Detected(None, prob, f"detection unsure (best guess {code!r} at {prob:.2f})")
    return Detected(str(code), prob, f"py3langid, confidence {prob:.2f}")
