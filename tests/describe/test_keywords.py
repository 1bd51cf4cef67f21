"""Keyword extraction: repeated phrases first, demonyms merged with places, no stop words."""
from __future__ import annotations

from preserve.describe.keywords import keywords

TEXT = (
    "The Security Council met on Tuesday. Kenyan ministers spoke about Kenya and its lakes. "
    "Kenya will host the Security Council next year; Kenyan farmers welcomed the lakes plan. "
    "Lakes matter to Kenya."
)


def test_phrases_demonyms_and_written_forms() -> None:
    found = dict(keywords(TEXT, "en"))
    assert found["Security Council"] == 2
    assert found["Kenya"] == 5  # 3 x Kenya + 2 x Kenyan
    assert "Kenyan" not in found and "security" not in found and "council" not in found
    assert found["lakes"] == 3


def test_punctuation_breaks_a_phrase_and_stop_words_never_count() -> None:
    text = "Rain, forest. Rain, forest. Rain, forest. the the the and and and"
    found = dict(keywords(text, "en"))
    assert "Rain forest" not in found and "rain forest" not in found
    assert set(found) == {"Rain", "forest"}


def test_only_english() -> None:
    assert keywords(TEXT, "fr") == [] and keywords(TEXT, None) == []
