"""Read named members of an untrusted zip container (Office Open XML, OpenDocument) within bounds.

Nothing is extracted to disk and only members asked for by name are read (APPNOTE.TXT 6.3.x, the
ZIP format; :mod:`zipfile` does the decoding). Refused, each with a :class:`ZipRefused` naming why:

- a member name with a ``..`` segment, an absolute path, a drive letter or a backslash (APPNOTE
  §4.4.17.1: names are relative, with forward slashes); such members are counted, never read;
- a central directory larger than MAX_DIRECTORY_BYTES or listing more than MAX_MEMBERS entries,
  checked from the end-of-central-directory record before :mod:`zipfile` reads it (it holds
  every entry in memory);
- a compression method other than stored or deflated (the two Office and ODF write): zipfile
  inflates bzip2 and LZMA without an output bound, so one read of a bomb could fill memory;
- a member that inflates more than ``Limits.max_ratio`` times its compressed size (a zip bomb),
  once it has produced RATIO_FLOOR bytes: judged on the declared sizes first, then on the bytes
  actually produced (a header's file_size can lie).

A member's bytes come in CHUNK-sized pieces; reading stops at the caller's byte bound or once the
time budget is spent, and :class:`Member` says so. XML members are parsed by :func:`xml_events`,
hardened as :func:`preserve.xml.safe.safe_parser` is (no DTD, no entities, no network) and
refusing any DOCTYPE, chunk by chunk; :func:`release` frees each paragraph once read and all that
came before it, and a stretch of MAX_GAP_BYTES without a paragraph stops the reading, so the
tree held at any time is one paragraph's, whatever the part's size.
"""
from __future__ import annotations

import os
import posixpath
import re
import struct
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator, Sequence
from urllib.parse import unquote

from lxml import etree

from preserve.describe.embedded import Limits
from preserve.errors import UnsafeXMLError
from preserve.fixity import open_for_reading
from preserve.xml.safe import DOCTYPE_REASON, has_doctype_marker, safe_pull_parser

CHUNK = 64 << 10
MAX_MEMBERS = 20_000              # a large workbook or deck holds a few thousand parts
MAX_DIRECTORY_BYTES = 4 << 20     # about 40,000 entries with short names
RATIO_FLOOR = 1 << 20             # a member inflating to less than this is harmless whatever its ratio
METADATA_BYTES = 1 << 20          # properties, relationships, content types: a few KiB in practice
MAX_GAP_BYTES = 2 << 20           # markup without a paragraph end (an ODF's styles are well under it);
#                                   its tree takes some 15 times as much memory
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_DRIVE = re.compile(r"^[A-Za-z]:")


class ZipRefused(Exception):
    """A container or member this module will not read, with the reason as its message."""


class MarkupBound(ZipRefused):
    """An XML part that holds more markup without a paragraph than a describer reads."""


def unsafe_name(name: str) -> bool:
    """True for a member name that could escape a folder: "..", absolute, a drive, a backslash, a NUL."""
    return (name.startswith("/") or "\\" in name or "\x00" in name or bool(_DRIVE.match(name))
            or ".." in name.split("/"))


def resolve(base_part: str, target: str) -> str | None:
    """A relationship target as a member name (OPC, ECMA-376 Part 2 §9.3), None when it escapes."""
    target = unquote(target)  # part names in targets are IRIs, percent-encoded (Part 2 §9.1.1)
    if "\\" in target or "\x00" in target or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target):
        return None
    joined = target.lstrip("/") if target.startswith("/") else \
        posixpath.join(posixpath.dirname(base_part), target)
    name = posixpath.normpath(joined)
    return None if name.startswith("../") or name in ("..", ".") or unsafe_name(name) else name


def _directory_size(f: IO[bytes], size: int) -> tuple[int, int]:
    """(entries, central directory bytes) from the end-of-central-directory record (APPNOTE §4.3.16,
    §4.3.14 for Zip64), found as zipfile finds it: the last signature in the file's tail."""
    tail_len = min(size, 22 + 0xFFFF + 20)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise ZipRefused("not a zip container (no end of central directory; truncated?)")
    entries, cd_size, cd_offset = struct.unpack("<10xHLL", tail[at:at + 20])
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        locator = tail[at - 20:at] if at >= 20 else b""
        if not locator.startswith(_ZIP64_LOCATOR):
            raise ZipRefused("Zip64 end of central directory expected but missing")
        offset = struct.unpack("<Q", locator[8:16])[0]
        if offset > size - 56:
            raise ZipRefused("Zip64 end of central directory points outside the file")
        f.seek(offset)
        record = f.read(56)
        if not record.startswith(_ZIP64_EOCD):
            raise ZipRefused("Zip64 end of central directory not found where its locator says")
        entries, cd_size = struct.unpack("<32xQQ", record[:48])
    return entries, cd_size


class Bounded:
    """Chunks from a read function, at most ``limit`` bytes of them and until ``deadline``."""

    def __init__(self, limit: int, deadline: float) -> None:
        self.limit, self.deadline = limit, deadline
        self.stopped: str | None = None   # why reading stopped before the end: "bytes" or "time"
        self.read = 0                     # bytes produced so far

    def chunks(self, read: Callable[[int], bytes]) -> Iterator[bytes]:
        """read(n) called until it returns b"" or a bound is reached (self.stopped says which)."""
        while True:
            if time.monotonic() > self.deadline:
                self.stopped = "time"
                return
            chunk = read(min(CHUNK, self.limit - self.read + 1))
            if not chunk:
                return
            self.read += len(chunk)
            if self.read > self.limit:  # at most one byte over: the read asked for limit + 1
                self.stopped = "bytes"
                yield chunk[: len(chunk) - (self.read - self.limit)]
                self.read = self.limit
                return
            yield chunk


class Member(Bounded):
    """The uncompressed bytes of one member, read in chunks within the bounds given."""

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, max_ratio: int,
                 deadline: float) -> None:
        super().__init__(limit, deadline)
        self.zf, self.info, self.max_ratio = zf, info, max_ratio

    def __iter__(self) -> Iterator[bytes]:
        # zipfile itself stops at the declared size; the bytes produced are what is judged here
        ceiling = self.max_ratio * max(self.info.compress_size, 1)
        with self.zf.open(self.info) as f:
            for chunk in self.chunks(f.read):
                if self.read > RATIO_FLOOR and self.read > ceiling:
                    raise ZipRefused(f"{self.info.filename}: inflates more than {self.max_ratio} times its "
                                     f"compressed size ({self.info.compress_size} bytes); a zip bomb")
                yield chunk


@dataclass
class Container:
    """An open zip container: its entries by name, the unsafe names it holds, and bounded reading."""

    zf: zipfile.ZipFile
    size: int
    limits: Limits
    deadline: float
    unsafe: list[str] = field(default_factory=list)

    def has(self, name: str | None) -> bool:
        """Whether a safe member of this name exists."""
        return name is not None and not unsafe_name(name) and name in self.zf.NameToInfo

    def names(self) -> list[str]:
        """The safe member names, in directory order."""
        return [n for n in self.zf.namelist() if not unsafe_name(n)]

    def member(self, name: str, limit: int | None = None, *, timed: bool = True) -> Member:
        """A member to read, refused (ZipRefused) by name, method or declared ratio; KeyError if absent.

        An untimed member ignores the deadline (the small property parts, bounded by bytes alone).
        """
        if unsafe_name(name):
            raise ZipRefused(f"{name!r}: unsafe member name")
        info = self.zf.getinfo(name)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ZipRefused(f"{name}: compression method {info.compress_type} is not one Office or "
                             "OpenDocument writes; not read")
        if info.file_size > RATIO_FLOOR and info.file_size > self.limits.max_ratio * max(info.compress_size, 1):
            raise ZipRefused(f"{name}: declares {info.file_size} bytes from {info.compress_size} compressed, "
                             f"a ratio above {self.limits.max_ratio}; a zip bomb")
        cap = self.limits.max_member_bytes if limit is None else min(limit, self.limits.max_member_bytes)
        return Member(self.zf, info, cap, self.limits.max_ratio, self.deadline if timed else float("inf"))

    def read(self, name: str, limit: int = METADATA_BYTES) -> bytes:
        """A small member whole (properties, relationships); ZipRefused when it exceeds limit."""
        member = self.member(name, limit, timed=False)
        data = b"".join(member)
        if member.stopped:
            raise ZipRefused(f"{name}: larger than the {limit}-byte bound of a metadata part")
        return data


@contextmanager
def open_container(path: Path | str, limits: Limits, deadline: float | None = None) -> Iterator[Container]:
    """The zip container at path, read-only and never through a symlink; ZipRefused when unreadable."""
    f = os.fdopen(open_for_reading(path), "rb")
    try:
        size = os.fstat(f.fileno()).st_size
        entries, cd_size = _directory_size(f, size)
        if entries > MAX_MEMBERS:
            raise ZipRefused(f"the container lists {entries} members, more than the {MAX_MEMBERS} examined")
        if cd_size > MAX_DIRECTORY_BYTES:
            raise ZipRefused(f"its central directory is {cd_size} bytes, more than {MAX_DIRECTORY_BYTES}")
        f.seek(0)
        try:
            zf = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error) as exc:
            raise ZipRefused(f"not a readable zip container ({exc})") from None
        with zf:
            unsafe = [n for n in zf.namelist() if unsafe_name(n)]
            yield Container(zf, size, limits, deadline if deadline is not None
                            else time.monotonic() + limits.max_seconds, unsafe)
    finally:
        f.close()


def xml_events(chunks: Iterable[bytes], tags: Sequence[str], events: Sequence[str] = ("end",),
               max_gap: int = MAX_GAP_BYTES) -> Iterator[tuple[str, etree._Element]]:
    """(event, element) pairs for the given tags as the XML in chunks is parsed, refusing a DOCTYPE.

    The caller frees what it has used with :func:`release` (elements stay in the partial tree
    until then). A DOCTYPE marker is looked for in every chunk with the end of the previous one,
    so one split across two chunks is found too (UnsafeXMLError); a syntax error raises
    etree.XMLSyntaxError. More than ``max_gap`` bytes without an event (one giant paragraph,
    whose tree would be held whole) raises MarkupBound. When the source stopped at a bound (its
    ``stopped`` attribute is set, as :class:`Member`'s), the document is left unfinished rather
    than reported as cut.
    """
    parser = safe_pull_parser(tuple(events), list(tags))
    tail, gap = b"", 0
    for chunk in chunks:
        if has_doctype_marker(tail + chunk):
            raise UnsafeXMLError(DOCTYPE_REASON)
        tail = chunk[-40:]
        parser.feed(chunk)
        found = list(parser.read_events())
        gap = 0 if found else gap + len(chunk)
        if gap > max_gap:
            raise MarkupBound(f"more than {max_gap} bytes of markup without a paragraph; the rest not read")
        yield from found
    if getattr(chunks, "stopped", None):
        return
    parser.close()
    yield from parser.read_events()


def release(element: etree._Element, nested_in: Sequence[str] = ()) -> None:
    """Free an element a pull parser gave and everything before it in the document (memory stays
    flat). Inside one of ``nested_in`` (a text box's paragraph within a paragraph), only the
    element itself: what precedes it there is not read yet."""
    element.clear(keep_tail=False)
    if nested_in and next(element.iterancestors(list(nested_in)), None) is not None:
        return
    node = element
    while (parent := node.getparent()) is not None:
        while node.getprevious() is not None:
            del parent[0]
        node = parent


@dataclass
class TextBudget:
    """Characters of text still wanted, and why reading stopped early (None: it did not)."""

    left: int
    stopped: str | None = None

    def take(self, text: str) -> str:
        """text, cut to what is left; the budget is spent by it."""
        cut = text[: self.left]
        self.spend(len(text))
        return cut

    def spend(self, n: int) -> None:
        """Spend n characters (a paragraph's separator is spent even for an empty paragraph, so a
        flood of empty ones ends the reading as text would)."""
        self.left -= n
        if self.left <= 0 and self.stopped is None:
            self.stopped = "characters"


def read_failure(part: str, exc: Exception) -> str:
    """A note for a part that could not be read, naming the part and why (never its content)."""
    reason = str(exc) if isinstance(exc, ZipRefused) else f"{type(exc).__name__}: {exc}"
    return f"{part}: not read ({reason[:200]})"
