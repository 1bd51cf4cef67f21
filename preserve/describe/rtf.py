"""Describe an RTF document from its \\info group and its text (striprtf), within bounds.

The \\info group (RTF 1.9.1, "Information Group") gives \\title, \\author, \\subject,
\\keywords, \\doccomm (a comment: the description) and \\creatim (\\yr \\mo \\dy: the creation
date), each value's provenance naming it ("RTF info: title"). \\operator (who saved it last) is
never a creator, \\revtim (the last revision) never the issue date, \\company a publisher
candidate in a note only. The text comes from striprtf; its analysis is the plain text's
(:func:`draft_document` decides between the two).

The file is read in chunks, at most Limits.max_bytes of it, and one pass drops what is not text
before striprtf sees it: binary data (\\binN), pictures and objects (\\pict, \\object) and every
ignorable destination (``{\\*\\...}``: themes, data stores, field instructions), capturing the
first \\info group on the way. A newline (which RTF ignores) goes before every group and every
font change, so striprtf's line-bound regular expressions stay linear however the file is laid
out. striprtf reads at most TEXT_WINDOW_FACTOR * Limits.max_text_chars bytes of what is left;
reading also stops at Limits.max_seconds. Every failure is a note; what was read is kept.
"""
from __future__ import annotations

import codecs
import os
import re
import time
from pathlib import Path
from typing import Any

from striprtf.striprtf import rtf_to_text

from preserve.describe.embedded import DEFAULT_LIMITS, Limits, clean, clip_lines, draft_document
from preserve.describe.office import property_values
from preserve.describe.text import Draft
from preserve.fixity import open_for_reading

LABEL = "RTF info"
CHUNK = 64 << 10
CARRY = 64                 # longer than any token the pass looks for ("\bin" and ten digits)
MAX_INFO_BYTES = 64 << 10  # a real \info group is a few hundred bytes
TEXT_WINDOW_FACTOR = 4     # RTF markup around text: a few bytes of it per character
_TOKEN = re.compile(rb"\\bin(?P<bin>-?\d{1,10}) ?|(?P<esc>\\[\\{}])|\{(?P<dest>\\\*|\\(?:pict|object|info)"
                    rb"(?![A-Za-z]))?|(?P<close>\})|(?P<font>\\f(?=\d))")
_INFO_FIELD = re.compile(rb"\{(?:\\\*)?\\(title|subject|author|keywords|doccomm|company|creatim|revtim)(?![A-Za-z])")
_BRACE = re.compile(rb"\\[\\{}]|[{}]")
_DATE_PART = re.compile(rb"\\(yr|mo|dy)(\d{1,4})")
_PAR = re.compile(r"\\par(?![A-Za-z])")
_HUGE_UNICODE = re.compile(r"\\u(-?\d{6,})")   # \uN is a signed 16-bit value; chr() refuses the rest
_FIELDS = {"title": "title", "author": "creator", "subject": "subject", "doccomm": "description"}


class _Pass:
    """One pass over the file's bytes: what striprtf should see, and the first \\info group."""

    def __init__(self, window: int) -> None:
        self.window = window
        self.kept: list[bytes] = []
        self.kept_len = 0
        self.info = bytearray()
        self.info_done = False
        self.capturing = False
        self.depth = 0       # depth inside a dropped group (0: not in one)
        self.bin_left = 0    # bytes of \binN data still to drop

    def full(self) -> bool:
        """Whether enough has been kept for the text analysis."""
        return self.kept_len >= self.window

    def _keep(self, data: bytes) -> None:
        if data:
            self.kept.append(data)
            self.kept_len += len(data)

    def _text(self, data: bytes) -> None:
        if self.depth == 0:
            self._keep(data)
        elif self.capturing and len(self.info) < MAX_INFO_BYTES:
            self.info += data

    def feed(self, buf: bytes, final: bool) -> bytes:
        """Handle buf up to where a token might still be cut (all of it when final); the rest."""
        pos, limit = 0, len(buf) if final else max(len(buf) - CARRY, 0)
        while pos < limit:
            if self.bin_left:
                n = min(self.bin_left, len(buf) - pos)
                self.bin_left -= n
                pos += n
                continue
            m = _TOKEN.search(buf, pos)
            if m is None or m.start() >= limit:
                self._text(buf[pos:limit])
                return buf[limit:]
            self._text(buf[pos:m.start()])
            pos = m.end()
            self._token(m)
        return buf[pos:]

    def _token(self, m: re.Match[bytes]) -> None:
        if m.group("bin") is not None:
            self.bin_left = max(int(m.group("bin")), 0)
        elif m.group("esc") is not None:
            self._text(m.group())
        elif m.group("close") is not None:
            if self.depth == 0:
                self._keep(b"}")
                return
            self._text(b"}")
            self.depth -= 1
            if self.depth == 0 and self.capturing:
                self.capturing, self.info_done = False, True
        elif m.group("font") is not None:
            self._text(m.group()) if self.depth else self._keep(b"\n" + m.group())
        elif self.depth:  # a group inside a dropped one
            self.depth += 1
            self._text(m.group())
        elif m.group("dest") is not None:
            self.depth = 1
            self.capturing = m.group("dest") == b"\\info" and not self.info_done
            self._text(m.group())
        else:
            self._keep(b"\n{")


def _read(path: Path, limits: Limits, deadline: float, notes: list[str]) -> _Pass:
    """The pass over at most limits.max_bytes of the file (notes for each bound reached)."""
    state = _Pass(TEXT_WINDOW_FACTOR * limits.max_text_chars)
    fd = open_for_reading(path)
    try:
        size, read, carry = os.fstat(fd).st_size, 0, b""
        while True:
            chunk = os.read(fd, min(CHUNK, limits.max_bytes - read))
            read += len(chunk)
            carry = state.feed(carry + chunk, final=not chunk)
            if not chunk:
                break
            if state.full():
                notes.append(f"RTF: text read from the first {read} bytes of {size}; the rest not read")
                break
            if read >= limits.max_bytes:
                state.feed(carry, final=True)
                notes.append(f"RTF: read up to the {limits.max_bytes}-byte bound of {size} bytes")
                break
            if time.monotonic() > deadline:
                notes.append(f"RTF: stopped at the time bound ({limits.max_seconds} s) after {read} bytes")
                break
    finally:
        os.close(fd)
    return state


def _codepage(head: bytes) -> str:
    """The document's ANSI code page (\\ansicpgN) as a Python codec name, cp1252 by default."""
    m = re.search(rb"\\ansicpg(\d{1,5})", head)
    name = f"cp{int(m.group(1))}" if m else "cp1252"
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1252"
    return name


def rtf_text(rtf: str, encoding: str) -> str:
    """Plain text of RTF through striprtf; surrogate pairs joined, lone surrogates replaced."""
    rtf = _HUGE_UNICODE.sub(r"\\u65533", rtf)
    try:
        text = rtf_to_text(rtf, encoding=encoding, errors="replace")
    except LookupError:  # a font's charset names a code page Python lacks: the document's instead
        text = rtf_to_text(re.sub(r"\\fcharset\d+", "", rtf), encoding=encoding, errors="replace")
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _group_end(data: bytes, start: int) -> int:
    """Index of the brace closing the group opened at start (len(data) when it is not closed)."""
    depth = 0
    for m in _BRACE.finditer(data, start):
        if m.group() == b"{":
            depth += 1
        elif m.group() == b"}":
            depth -= 1
            if depth == 0:
                return m.start()
    return len(data)


def info_values(info: bytes, encoding: str, notes: list[str]) -> list[tuple[str, str, str]]:
    """(DC element, provenance, text) of the \\info group's fields."""
    out: list[tuple[str, str, str]] = []
    revised = None
    for m in _INFO_FIELD.finditer(info):
        field = m.group(1).decode()
        inner = info[m.end():_group_end(info, m.start())]
        where = f"{LABEL}: {field}"
        if field in ("creatim", "revtim"):
            parts = {k.decode(): int(v) for k, v in _DATE_PART.findall(inner)}
            value = "-".join(f"{parts[k]:0{w}d}" for k, w in (("yr", 4), ("mo", 2), ("dy", 2))
                             if k in parts and parts[k])
            if field == "creatim" and value:
                out.append(("date", where, value))
            elif value:
                revised = value
            continue
        text = clean(rtf_text("{\\rtf1 " + inner.decode(encoding, "replace") + "}", encoding))
        if not text:
            continue
        if field == "keywords":
            out.extend(("subject", where, k.strip()) for k in re.split(r"[;,]", text) if k.strip())
        elif field == "company":
            notes.append(f"publisher: {where} {text[:200]!r} is a candidate only (the software's licensee, "
                         "not necessarily the issuer); not used")
        else:
            out.append((_FIELDS[field], where, text))
    if revised and not any(e == "date" for e, _, _ in out):
        notes.append(f"date: {LABEL}: revtim {revised!r} not used (the last revision, not the issue date)")
    return out


def read_rtf(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[str, list[tuple[str, str, str]], list[str]]:
    """(text, \\info values as (DC element, provenance, text), notes) of an RTF file, within limits."""
    notes: list[str] = []
    props: list[tuple[str, str, str]] = []
    text = ""
    try:
        state = _read(Path(path), limits, time.monotonic() + limits.max_seconds, notes)
        kept = b"".join(state.kept)
        if not kept.lstrip().startswith(b"{\\rtf"):
            notes.append("RTF: the file does not start with {\\rtf; not described")
            return "", [], notes
        encoding = _codepage(kept[:4096])
        if state.info:
            props = info_values(bytes(state.info), encoding, notes)
        else:
            notes.append("RTF: no \\info group")
        # each paragraph mark doubled: paragraphs come out between blank lines, as in a plain text
        text = rtf_text(_PAR.sub(r"\\par\\par", kept.decode(encoding, "replace")), encoding)
    except Exception as exc:  # RecursionError and MemoryError included: any failure is a note
        notes.append(f"RTF: not fully read ({type(exc).__name__}: {str(exc)[:200]})")
    return text, props, notes


def describe_rtf(path: Path, name: str, *, limits: Limits = DEFAULT_LIMITS, **context: Any) -> Draft:
    """Draft of an RTF file from its \\info group and its text (the module doc says how)."""
    text, props, notes = read_rtf(path, limits)
    embedded = property_values(props, notes)
    return draft_document(embedded, clip_lines(text, limits, notes, "RTF"), filename=name, notes=notes, **context)
