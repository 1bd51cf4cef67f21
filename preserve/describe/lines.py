"""Lines of a document with their numbers, markup stripping, and paragraph grouping."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Line:
    """One line of text: its 1-based number in the source, raw text and markup-free text."""

    number: int
    raw: str
    text: str


_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_EMPH = re.compile(r"(\*\*|__|\*|(?<!\w)_(?=\S)|(?<=\S)_(?!\w)|`)")
_MD_QUOTE = re.compile(r"^\s*>\s?")
_MARKUP_CHARS = re.compile(r"[#*_`\[<&>\\]")
_MD_HARD_BREAK = re.compile(r"\s*\\$")  # CommonMark §6.7: a backslash at the end of a line is a line break
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f]+")
_ODD_SPACE = re.compile(r"[\t\u00a0\u2000-\u200b\u202f]")  # a space _SPACES turns into " "
_MARKUP = "#*_`[<&>\\"  # the characters of _MARKUP_CHARS


def _plain(text: str) -> bool:
    """True when strip_markup(line) is line.strip() for every line of text: no markup character,
    no space but single " " ones (checked with substring tests, much faster than a regex scan)."""
    if "  " in text or "\t" in text or any(c in text for c in _MARKUP):
        return False
    return text.isascii() or _ODD_SPACE.search(text) is None


def _squeeze(s: str) -> str:
    """Runs of spaces as one " ", stripped."""
    return s.strip() if _plain(s) else _SPACES.sub(" ", s).strip()


def strip_markup(raw: str) -> str:
    """Text without Markdown heading/emphasis/link syntax, inline HTML tags or entities."""
    if _MARKUP_CHARS.search(raw) is None:
        return _squeeze(raw)
    s = _MD_HEADING.sub("", raw)
    s = _MD_QUOTE.sub("", s)
    s = _MD_LINK.sub(r"\1", s)
    s = _HTML_TAG.sub("", s)
    s = _MD_EMPH.sub("", s)
    s = html.unescape(s)
    s = re.sub(r"\s+#+\s*$", "", s)  # closing ATX hashes
    s = _MD_HARD_BREAK.sub("", s)
    return _squeeze(s)


def is_heading(raw: str) -> bool:
    """True when the raw line is a Markdown ATX heading."""
    return bool(_MD_HEADING.match(raw))


def split_lines(text: str, first_number: int = 1) -> list[Line]:
    """Every line of text (numbers from first_number), raw and markup-free."""
    clean = str.strip if _plain(text) else strip_markup
    return [Line(i, raw, clean(raw)) for i, raw in enumerate(text.splitlines(), start=first_number)]


def paragraphs(lines: list[Line]) -> list[list[Line]]:
    """Runs of non-blank lines separated by blank ones."""
    out: list[list[Line]] = []
    cur: list[Line] = []
    for line in lines:
        if line.text:
            cur.append(line)
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


#: the writing systems script_of tells apart
#: the characters of scripts written without spaces between words (kana, CJK ideographs)
UNSPACED_CHARS = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff"
Script = Literal["latin", "greek", "cyrillic", "hebrew", "arabic", "indic", "thai", "cjk", "hangul"]
#: (first code point, last code point, script), in order
_SCRIPT_RANGES: tuple[tuple[int, int, Script], ...] = (
    (0x0041, 0x024F, "latin"), (0x0370, 0x03FF, "greek"), (0x0400, 0x052F, "cyrillic"),
    (0x0590, 0x05FF, "hebrew"), (0x0600, 0x06FF, "arabic"), (0x0750, 0x077F, "arabic"),
    (0x0900, 0x0DFF, "indic"), (0x0E00, 0x0E7F, "thai"), (0x1100, 0x11FF, "hangul"),
    (0x1E00, 0x1EFF, "latin"), (0x3040, 0x30FF, "cjk"), (0x3400, 0x9FFF, "cjk"),
    (0xAC00, 0xD7AF, "hangul"), (0xFB50, 0xFDFF, "arabic"), (0xFE70, 0xFEFF, "arabic"))


def _script_of_char(c: str) -> Script | None:
    cp = ord(c)
    for lo, hi, name in _SCRIPT_RANGES:
        if lo <= cp <= hi:
            return name if c.isalpha() else None
    return None


def script_of(text: str, sample: int = 200) -> Script | None:
    """The writing system most letters of text (its first sample characters) are in, else None."""
    counts: dict[Script, int] = {}
    for c in text[:sample]:
        if c.isalpha() and (name := _script_of_char(c)) is not None:
            counts[name] = counts.get(name, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def unspaced(text: str) -> bool:
    """Whether text is in a script written without spaces between words (Chinese, Japanese, Thai)."""
    return script_of(text) in ("cjk", "thai")
