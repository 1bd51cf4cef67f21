"""Detect a document's text encoding and decode it; tell binary content apart."""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Literal

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)
# Among candidate encodings that decode the bytes to the same text, prefer the commonest.
_PREFERRED = ("utf_8", "ascii", "cp1252", "iso8859_1", "iso8859_15", "cp1256", "cp1251")


#: how an encoding was found
DecodedBy = Literal["empty file", "byte order mark", "valid UTF-8", "detected by charset-normalizer"]


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, the encoding's name (IANA style) and how it was found."""

    text: str
    encoding: str
    how: DecodedBy


#: Control bytes that mark binary content (all below 32 but tab, LF, FF, CR and ESC).
_CONTROLS = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROLS))  # one C pass, no Python loop
    return controls > max(2, len(sample) // 100)


def _label(name: str) -> str:
    norm = codecs.lookup(name).name
    return {"cp1252": "windows-1252", "cp1256": "windows-1256", "cp1251": "windows-1251",
            "cp1250": "windows-1250", "iso8859-1": "iso-8859-1", "latin-1": "iso-8859-1",
            "mac-roman": "macintosh"}.get(norm, norm)


def decode(data: bytes) -> Decoded | None:
    """Decode bytes as text, or None when the bytes are not text (binary)."""
    if not data:
        return Decoded("", "utf-8", "empty file")
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(codec), label, "byte order mark")
            except UnicodeDecodeError:
                break
    if _looks_binary(data):
        return None
    try:
        text = data.decode("utf-8")
        return Decoded(text, "us-ascii" if text.isascii() else "utf-8", "valid UTF-8")
    except UnicodeDecodeError:
        pass
    import charset_normalizer  # a slow import: only for text that is not UTF-8

    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    text = str(best)
    chosen = best.encoding
    near = [m for m in matches if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.05]
    names = {c for m in near for c in [m.encoding, *m.could_be_from_charset]}
    for cand in _PREFERRED:
        if cand in names:
            try:
                text = data.decode(cand)
            except UnicodeDecodeError:
                continue
            chosen = cand
            break
    return Decoded(text, _label(chosen), "detected by charset-normalizer")
