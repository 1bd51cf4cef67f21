"""Describe tabular and structured data (CSV, TSV, JSON) by its shape: columns or keys, rows read.

- CSV and TSV (RFC 4180): the encoding is detected on the first 64 KiB
  (:mod:`preserve.describe.encoding`), the delimiter and the header row on its first lines;
  rows are counted up to ``limits.max_bytes``; a line longer than MAX_LINE_CHARS or the time
  bound stops the count with a note.
- JSON (RFC 8259): a top-level array is read one element at a time, a top-level object one
  member at a time, so memory holds one record however large the file; the keys of the
  records (or of the object) are the columns.

Column names become subjects (provenance "CSV header row", "TSV header row" or "JSON keys")
only when they are words a cataloguer would use: not identifiers, codes, numbers, dates,
generic field names ("name", "value", "col1") or abbreviations; at most MAX_SUBJECTS. No
title, date or creator is drafted: a data set's shape says nothing about them.
"""
from __future__ import annotations

import codecs
import csv
import itertools
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal

from preserve.describe.embedded import DEFAULT_LIMITS, Limits
from preserve.describe.encoding import decode
from preserve.describe.text import Draft
from preserve.fixity import open_for_reading, read_head
from preserve.record import Value

SNIFF_BYTES = 64 << 10
#: lines of the sample the delimiter and header tests look at
SNIFF_LINES = 50
CHUNK = 1 << 20
MAX_LINE_CHARS = 1 << 20
#: the largest single JSON record (array element or object member) held to be parsed
MAX_RECORD_CHARS = 8 << 20
MAX_SUBJECTS = 8
MAX_LISTED = 30
DataKind = Literal["CSV", "TSV", "JSON"]
#: parts of a column name that make it an identifier or a code, not a subject
_IDENTIFIER = frozenset("id uid uuid guid key code no nr num number index idx row rank seq sequence pk fk ref "
                        "iso isbn issn doi url uri".split())
#: column names too generic to say what a data set is about
_GENERIC = _IDENTIFIER | frozenset("""
name title label value values val amount total sum count qty quantity unit units
date time datetime timestamp year month day week hour minute created updated modified
type kind category class status flag note notes comment comments description desc remarks text
source url link email phone address lat lon lng long latitude longitude x y z field column col
data item items entry record other misc unknown start end from to min max mean avg
""".split())
_DELIMITERS = (",", ";", "\t", "|")
_QUOTED = re.compile(r'"[^"]*"')
_LETTER = re.compile(r"[^\W\d_]")
#: a number as data sets write them: 12, -3.5, 112,5, 1,234.5, 45%, or an ISO date
_NUMBER = re.compile(r"[-+]?(\d[\d,. ]*|[.,]\d+)%?|\d{4}-\d{2}-\d{2}([T ][\d:.]+Z?)?")


@dataclass
class Shape:
    """What reading a data file found: its columns, rows read, and why reading stopped."""

    kind: DataKind
    columns: list[str] = field(default_factory=list)
    rows: int = 0
    unit: str = "data rows"  # what rows counts: data rows, records (array elements), members
    stopped: str | None = None  # None when the whole file was read
    details: list[str] = field(default_factory=list)


def describe_dataset(path: Path, name: str, *, limits: Limits = DEFAULT_LIMITS, **context: Any) -> Draft:
    """Draft of a CSV, TSV or JSON file: a note with its shape, subjects from its column names."""
    draft = Draft()
    kind: DataKind = "JSON" if name.lower().endswith((".json", ".geojson")) else \
        "TSV" if name.lower().endswith((".tsv", ".tab")) else "CSV"
    try:
        head = read_head(path, SNIFF_BYTES)
        decoded = decode(head if len(head) < SNIFF_BYTES else _whole_lines(head))
        if decoded is None:
            raise ValueError("its first bytes are not text")
        encoding = codecs.lookup(decoded.encoding).name
        encoding = "utf-8-sig" if encoding in ("utf-8", "ascii") else encoding  # a BOM is no part of the data
        if kind == "JSON":
            shape = json_shape(_text_chunks(path, encoding, limits), limits)
        else:
            shape = table_shape(_text_chunks(path, encoding, limits), decoded.text, kind, limits)
    except (Exception, RecursionError, MemoryError) as exc:  # noqa: BLE001 - hostile files: a note
        draft.notes.append(f"data: not read ({type(exc).__name__}: {str(exc)[:160]}); the file is bagged as is")
        return draft
    draft.notes.append(shape_note(shape))
    provenance = "JSON keys" if shape.kind == "JSON" else f"{shape.kind} header row"
    for column, subject in subjects(shape.columns):
        draft.add("subject", Value(subject, provenance, f"column {column!r}"))
    draft.notes.append("language: not detected for a data set; set dc.language in metadata.csv if its "
                       "values are text in one language")
    return draft


def shape_note(shape: Shape) -> str:
    """One line: the columns, the rows read and whether the whole file was read."""
    cols = ", ".join(repr(c) for c in shape.columns[:MAX_LISTED])
    more = f" and {len(shape.columns) - MAX_LISTED} more" if len(shape.columns) > MAX_LISTED else ""
    extent = "the whole file" if shape.stopped is None else f"stopped: {shape.stopped}"
    parts = [f"data: {shape.kind}", *shape.details,
             f"{len(shape.columns)} columns ({cols}{more})" if shape.columns else "no column names",
             f"{shape.rows} {shape.unit} read ({extent})"]
    return "; ".join(parts)


def subjects(columns: list[str]) -> list[tuple[str, str]]:
    """(column, subject) for the column names a cataloguer would use as subjects, at most MAX_SUBJECTS."""
    out: list[tuple[str, str]] = []
    for column in columns:
        words = re.sub(r"([a-z])([A-Z])", r"\1 \2", column)  # camelCase → words
        words = re.sub(r"[_\-.\s]+", " ", words).strip().lower()
        parts = words.split()
        if not parts or len(parts) > 4 or len(words) > 40:
            continue
        if not all(re.fullmatch(r"[^\W\d_]+", p) for p in parts):  # digits, symbols: a code, not a word
            continue
        if any(p in _IDENTIFIER for p in parts):  # station_id, iso_code: an identifier
            continue
        if not any(len(p) >= 3 and p not in _GENERIC for p in parts):  # name, total_value, x: no topic
            continue
        if any(words == s for _, s in out):
            continue
        out.append((column, words))
        if len(out) == MAX_SUBJECTS:
            break
    return out


def _whole_lines(head: bytes) -> bytes:
    """The sample cut after its last whole line, so no character is cut (UTF-16 lines end in two bytes)."""
    newline = b"\n\x00" if head.startswith(codecs.BOM_UTF16_LE) else \
        b"\x00\n" if head.startswith(codecs.BOM_UTF16_BE) else b"\n"
    end = head.rfind(newline) + len(newline)
    return head[:end] if end > len(newline) else head


def _text_chunks(path: Path, encoding: str, limits: Limits) -> Iterator[str | None]:
    """The file decoded in chunks, at most limits.max_bytes; None last when the file is longer."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    fd = open_for_reading(path)
    total = 0
    try:
        while total < limits.max_bytes:
            chunk = os.read(fd, min(CHUNK, limits.max_bytes - total))
            if not chunk:
                break
            total += len(chunk)
            yield decoder.decode(chunk)
        else:
            if os.read(fd, 1):
                yield None  # the mark of a file read only in part
                return
        yield decoder.decode(b"", final=True)
    finally:
        os.close(fd)


def table_shape(chunks: Iterator[str | None], sample: str, kind: DataKind, limits: Limits) -> Shape:
    """The columns and the number of data rows of delimited text."""
    shape = Shape(kind)
    dialect, how = _dialect(sample, kind)
    shape.details.append(how)
    lines = _LineReader(chunks, limits)
    reader = csv.reader(lines, dialect)
    try:
        first = next(reader, None)
        if first is not None and _has_header(sample, dialect):
            shape.columns = [c.strip() for c in first]
        elif first is not None:
            shape.rows = 1
            shape.details.append(f"no header row; {len(first)} columns")
        for _ in reader:
            shape.rows += 1
    except csv.Error as exc:
        lines.stopped = lines.stopped or f"malformed at line {reader.line_num}: {exc}"
    shape.stopped = lines.stopped
    return shape


class _LineReader:
    """The lines of decoded chunks for csv.reader; stops at an over-long line, the byte or time bound."""

    def __init__(self, chunks: Iterator[str | None], limits: Limits) -> None:
        self._chunks = chunks
        self._deadline = time.monotonic() + limits.max_seconds
        self._limits = limits
        self.stopped: str | None = None

    def __iter__(self) -> Iterator[str]:
        carry = ""
        for chunk in self._chunks:
            if chunk is None:
                self.stopped = f"the first {self._limits.max_bytes} bytes were read"
                return
            if time.monotonic() > self._deadline:
                self.stopped = f"the time bound of {self._limits.max_seconds} s was reached"
                return
            parts = (carry + chunk).split("\n")
            carry = parts.pop()
            yield from (p + "\n" for p in parts)
            if len(carry) > MAX_LINE_CHARS:
                self.stopped = f"a line longer than {MAX_LINE_CHARS} characters"
                return
        if carry:
            yield carry


def _dialect(sample: str, kind: DataKind) -> tuple[type[csv.Dialect], str]:
    """The delimiter that splits the sample's first lines into the same number of fields.

    Counted outside double-quoted fields, in linear time (csv.Sniffer's quote regex takes
    seconds on a hostile 64 KiB line); the extension's default wins a tie, and is used when
    no candidate splits the lines consistently.
    """
    default = "\t" if kind == "TSV" else ","
    lines = [_QUOTED.sub("", line) for line in _sample_lines(sample)[:SNIFF_LINES] if line.strip()]
    best, best_score = default, 0
    for delimiter in _DELIMITERS:
        counts = [line.count(delimiter) for line in lines]
        mode = max(set(counts), key=counts.count) if counts else 0
        score = counts.count(mode) if mode else 0
        if score > best_score or (score == best_score and score and delimiter == default):
            best, best_score = delimiter, score
    if best_score * 10 < len(lines) * 9:  # fewer than 9 lines in 10 agree
        return _rfc4180(default), f"delimiter {default!r} (the {kind} default; no delimiter splits the lines " \
                                  "consistently)"
    return _rfc4180(best), f"delimiter {best!r} (sniffed)"


def _rfc4180(delimiter: str) -> type[csv.Dialect]:
    """RFC 4180 quoting (csv.excel) with the given delimiter."""
    return type("Delimited", (csv.excel,), {"delimiter": delimiter})


def _sample_lines(sample: str) -> list[str]:
    """The whole lines of the sample (a line cut by its end is left out unless it is the only one)."""
    whole = sample[: sample.rfind("\n") + 1] or sample
    return whole.splitlines()


def _has_header(sample: str, dialect: type[csv.Dialect]) -> bool:
    """Whether the first row names the columns.

    Yes when a column's first cell is a word above numbers; no when the first row holds a
    number otherwise; else by the rows' shape (after csv.Sniffer.has_header): a column whose
    values below all have one length votes for a header when its first cell's length differs,
    against when it is the same; with no vote, a header is a row whose cells recur nowhere below.
    """
    rows = list(itertools.islice(csv.reader(_sample_lines(sample)[:SNIFF_LINES], dialect), SNIFF_LINES))
    if not rows or not any(c.strip() for c in rows[0]):
        return False
    first, rest = rows[0], rows[1:]
    columns = [[r[i].strip() for r in rest if i < len(r) and r[i].strip()] for i in range(len(first))]
    if any(_LETTER.search(cell) and below and all(_NUMBER.fullmatch(v) for v in below)
           for cell, below in zip(first, columns)):
        return True
    if any(_NUMBER.fullmatch(c.strip()) for c in first if c.strip()):
        return False
    votes = 0
    for cell, below in zip(first, columns):
        lengths = {len(v) for v in below}
        if len(lengths) == 1:
            votes += 1 if len(cell.strip()) not in lengths else -1
    if votes:
        return votes > 0
    return all(cell.strip() not in below for cell, below in zip(first, columns))


def json_shape(chunks: Iterator[str | None], limits: Limits) -> Shape:
    """The keys and the number of records (array) or members (object) of a JSON document."""
    stream = _JsonStream(chunks, limits)
    opener = stream.peek()
    if opener not in ("[", "{"):
        raise ValueError("not a JSON array or object")
    shape = Shape("JSON", unit="records" if opener == "[" else "members")
    shape.details.append("a top-level array" if opener == "[" else "a top-level object")
    seen: dict[str, None] = {}
    for key, value in stream.members():
        shape.rows += 1
        if key is not None:
            seen.setdefault(key, None)
            if isinstance(value, list) and len(shape.details) <= MAX_LISTED:
                shape.details.append(f"{key!r}: a list of {len(value)} items")
        elif isinstance(value, dict):
            for k in value:
                if len(seen) < 10 * MAX_LISTED:
                    seen.setdefault(str(k), None)
    shape.columns = list(seen)
    shape.stopped = stream.stopped
    return shape


class _Stop(Exception):
    """Reading the JSON stream stops here; the reason is in _JsonStream.stopped."""


class _JsonStream:
    """A JSON array or object read from decoded chunks one element or member at a time.

    The buffer holds the unread rest of one chunk and at most one record (MAX_RECORD_CHARS);
    a value is taken only once the text after it has been seen, so a number cut by a chunk's
    end is never counted twice.
    """

    def __init__(self, chunks: Iterator[str | None], limits: Limits) -> None:
        self._chunks = chunks
        self._limits = limits
        self._deadline = time.monotonic() + limits.max_seconds
        self._decoder = json.JSONDecoder()
        self.buf, self.pos, self.eof = "", 0, False
        self.stopped: str | None = None

    def _more(self) -> bool:
        """Append the next chunk to the unread rest of the buffer; False at the end of what may be read."""
        chunk = next(self._chunks, False)  # False: every chunk was read
        while chunk == "":  # a chunk that decoded to nothing (a character cut by the chunk's end)
            chunk = next(self._chunks, False)
        if chunk is None or chunk is False:
            self.eof = True
            if chunk is None:
                self.stopped = f"the first {self._limits.max_bytes} bytes were read"
            return False
        if time.monotonic() > self._deadline:
            self.stopped = f"the time bound of {self._limits.max_seconds} s was reached"
            raise _Stop
        self.buf, self.pos = self.buf[self.pos:] + chunk, 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n\ufeff":
                self.pos += 1
            if self.pos < len(self.buf) or not self._more():
                return self.buf[self.pos:self.pos + 1]

    def value(self) -> Any:
        """The next JSON value, whole."""
        self.peek()  # raw_decode takes no white space before the value
        while True:
            try:
                value, end = self._decoder.raw_decode(self.buf, self.pos)
                if end < len(self.buf) or self.eof:
                    self.pos = end
                    return value
            except json.JSONDecodeError as exc:
                if self.eof:
                    self.stopped = self.stopped or f"malformed JSON ({exc.msg})"
                    raise _Stop from None
            if len(self.buf) - self.pos > MAX_RECORD_CHARS:
                self.stopped = f"a record longer than {MAX_RECORD_CHARS} characters"
                raise _Stop
            if not self._more() and self.stopped:
                raise _Stop

    def _expect(self, allowed: str) -> str:
        """Take the next character, one of allowed, or stop as malformed."""
        c = self.peek()
        if not c or c not in allowed:
            self.stopped = self.stopped or f"malformed JSON (expected one of {allowed!r}, found {c!r})"
            raise _Stop
        self.pos += 1
        return c

    def members(self) -> Iterator[tuple[str | None, Any]]:
        """(key, value) of each member of the top-level object, or (None, element) of the array."""
        try:
            closer = "]" if self._expect("[{") == "[" else "}"
            if self.peek() == closer:
                self.pos += 1
                return
            while True:
                key = None
                if closer == "}":
                    key = self.value()
                    if not isinstance(key, str):
                        self.stopped = "malformed JSON (an object key that is not a string)"
                        return
                    self._expect(":")
                yield key, self.value()
                if self._expect(f",{closer}") == closer:
                    return
        except _Stop:
            return
        except RecursionError:
            self.stopped = "a record nested too deeply"
