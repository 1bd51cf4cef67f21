"""Read a bag's manifests and tag manifests (RFC 8493 §2.1.3, §2.2.1) into entries, without trusting them.

Every bad line is counted and the first ones reported as problems on the bag's view; a path
that could escape the bag is never kept. Time and memory stay bounded on hostile input: a
manifest is read whole only when it is small and plain, otherwise line by line with caps on
the line length, the file size and the number of bad lines.
"""
from __future__ import annotations

import re
from enum import Enum
from itertools import repeat
from typing import BinaryIO, Iterator

from preserve.bag import tagfiles
from preserve.bag.view import BagView, Manifest, TooLarge
from preserve.fixity.algorithms import algorithm_key

MAX_MANIFEST_BYTES = 1 << 30
MAX_LINE_BYTES = 1 << 16
#: at most this many bad lines are reported per manifest (a hostile one may have millions)
MAX_LINE_PROBLEMS = 100
#: a manifest with this many bad lines is garbage: reading stops (bounded time on hostile input)
MAX_BAD_LINES = 10_000
#: manifests are parsed in batches of this many lines
BATCH_LINES = 4096
#: a manifest up to this size is read whole (one read, one decode); a larger one line by line
WHOLE_MANIFEST_BYTES = 16 << 20
_MANIFEST_NAME = re.compile(r"^(tag)?manifest-([A-Za-z0-9_-]+)\.txt$")
_UTF8_BOM = b"\xef\xbb\xbf"


def _ascii_compatible(codec: str) -> bool:
    """True when the codec writes the line end and ASCII as single bytes (UTF-8, ISO-8859-x...)."""
    return "\n a".encode(codec) == b"\n a"


class BadLine(Enum):
    """Why a manifest line could not be read as text."""

    TOO_LONG = "too long"
    NOT_UTF8 = "not UTF-8"


def read_manifests(view: BagView, tag: bool) -> list[Manifest]:
    """Read every payload manifest (tag=False) or tag manifest (tag=True) the bag lists, by name."""
    found = []
    for name in sorted(view.tag_files):
        match = _MANIFEST_NAME.match(name)
        if match and bool(match.group(1)) == tag:
            found.append(_ManifestReader(view, name, algorithm_key(match.group(2)), tag).read())
    return found


def safe_relpath(path: str) -> bool:
    """True when a manifest path stays inside the bag (no '..', absolute path or backslash)."""
    if not path or "\\" in path or "\x00" in path:
        return False
    wrapped = f"/{path}/"  # each segment s appears as "/s/": empty, "." and ".." found in three scans
    return "//" not in wrapped and "/./" not in wrapped and "/../" not in wrapped


def _whole_manifest(view: BagView, name: str) -> list[str] | None:
    """A manifest's lines (without line ends), read in one go when that is plainly possible.

    None when it cannot be opened or read, is larger than WHOLE_MANIFEST_BYTES, has a line of
    MAX_LINE_BYTES or more, or is not valid UTF-8: then it is read line by line, which reports
    each of these. (A first-line BOM is dropped, as the line reader drops it.)
    """
    try:
        f, size = view.source.open(name)
    except OSError:
        return None
    try:
        with f:
            if size > WHOLE_MANIFEST_BYTES:
                return None
            data = f.read(size + 1)  # one read (of the held bytes themselves, from a BytesIO)
            if len(data) > size:  # it grew since it was opened: read on up to the cap
                data += f.read(WHOLE_MANIFEST_BYTES + 1 - len(data))
    except OSError:
        return None
    if len(data) > WHOLE_MANIFEST_BYTES:
        return None
    if len(data) >= MAX_LINE_BYTES and max(map(len, data.split(b"\n"))) >= MAX_LINE_BYTES:
        return None
    codec = view.codec if view.codec != "utf-8" else "utf-8-sig" if data.startswith(_UTF8_BOM) else "utf-8"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    if not lines[-1]:
        lines.pop()  # the end of the last line, or an empty file
    return lines


def _manifest_lines(view: BagView, name: str) -> Iterator[tuple[int, str | BadLine]]:
    """Yield (line number, text) of a manifest, streamed: bounded memory whatever its size.

    A line longer than MAX_LINE_BYTES is skipped and yielded as BadLine.TOO_LONG; one that is
    not UTF-8 as BadLine.NOT_UTF8. A file that cannot be read, or is or grows too large, is
    reported on the view and ends the lines.
    """
    try:
        f, size = view.source.open(name)
    except TooLarge as exc:  # a source that could not hold it (a serialized bag's capture limit)
        view.add("tagfile-too-large", name, f"not read: {exc}")
        return
    except OSError as exc:
        view.add("tagfile-unreadable", name, f"cannot be read: {exc.strerror or exc}")
        return
    try:
        with f:
            if size > MAX_MANIFEST_BYTES:
                view.add("tagfile-too-large", name, f"not read: larger than {MAX_MANIFEST_BYTES} bytes")
                return
            if not _ascii_compatible(view.codec):
                # lines of UTF-16 or UTF-32 cannot be split as bytes: such a manifest is read whole or not at all
                view.add("manifest-malformed", name, f"not valid {view.encoding}, or larger than "
                         f"{WHOLE_MANIFEST_BYTES} bytes in it")
                return
            yield from _lines_of(f, view, name)
    except OSError as exc:
        view.add("tagfile-unreadable", name, f"cannot be read: {exc.strerror or exc}")


def _lines_of(f: BinaryIO, view: BagView, name: str) -> Iterator[tuple[int, str | BadLine]]:
    """The numbered lines of an open manifest (see _manifest_lines), stopping past MAX_MANIFEST_BYTES."""
    number, read = 0, 0
    while True:
        raw = f.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        read += len(raw)
        if read > MAX_MANIFEST_BYTES:  # grew while being read
            view.add("tagfile-too-large", name, f"not read past {MAX_MANIFEST_BYTES} bytes")
            return
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the long line
                raw = f.readline(MAX_LINE_BYTES)
                read += len(raw)
            yield number, BadLine.TOO_LONG
            continue
        if number == 1 and raw.startswith(_UTF8_BOM) and view.codec == "utf-8":
            raw = raw[len(_UTF8_BOM):]
        try:
            yield number, raw.decode(view.codec)
        except UnicodeDecodeError:
            yield number, BadLine.NOT_UTF8


class _ManifestReader:
    """One manifest read into its entries; every bad line counted, the first ones reported."""

    def __init__(self, view: BagView, name: str, algorithm: str, tag: bool) -> None:
        self.view, self.name, self.algorithm, self.tag = view, name, algorithm, tag
        self.kept: dict[str, str] = {}
        self.seen: dict[str, int] = {}  # path -> line number
        self.bad_lines = 0
        self.markers: list[int] = []  # lines with md5sum's '*' binary-mode marker

    def read(self) -> Manifest:
        lines = _whole_manifest(self.view, self.name)
        number = self.read_lines() if lines is None else self.read_whole(lines)
        if self.bad_lines >= MAX_BAD_LINES:
            self.view.add("manifest-problems-truncated", self.name, f"reading stopped at line {number} after "
                          f"{self.bad_lines} bad lines (first {MAX_LINE_PROBLEMS} shown)")
        elif self.bad_lines > MAX_LINE_PROBLEMS:
            self.view.add("manifest-problems-truncated", self.name, f"{self.bad_lines - MAX_LINE_PROBLEMS} more bad "
                          f"lines not reported (first {MAX_LINE_PROBLEMS} shown)")
        if self.markers:
            self.view.add("manifest-binary-marker", self.name, f"{len(self.markers)} line(s) carry md5sum's '*' "
                          f"binary-mode marker before the path (first: line {self.markers[0]}); read past it")
        return Manifest(self.name, self.algorithm, self.kept)

    def read_lines(self) -> int:
        """Read the manifest line by line; return the number of the line reading stopped at."""
        batch: list[str] = []
        numbers: list[int] = []
        number = 0
        lines = _manifest_lines(self.view, self.name)
        for number, text in lines:
            if self.bad_lines >= MAX_BAD_LINES:
                lines.close()  # closes the file now
                break
            if text is BadLine.TOO_LONG:
                self.report("manifest-malformed", number, f"line longer than {MAX_LINE_BYTES} bytes")
            elif text is BadLine.NOT_UTF8:
                self.report("manifest-malformed", number, f"line is not valid {self.view.encoding or 'UTF-8'}")
            else:
                batch.append(text[:-1] if text.endswith("\n") else text)
                numbers.append(number)
                if len(batch) >= BATCH_LINES:
                    self.flush(batch, numbers)
        self.flush(batch, numbers)
        return number

    def read_whole(self, lines: list[str]) -> int:
        """read_lines for a manifest already read whole, every line valid UTF-8 and short enough."""
        for start in range(0, len(lines), BATCH_LINES):
            if self.bad_lines >= MAX_BAD_LINES:
                return start + 1  # where read_lines stops
            batch = lines[start:start + BATCH_LINES]
            self.flush(batch, list(range(start + 1, start + 1 + len(batch))))
        return len(lines)

    def report(self, code: str, line: int, message: str) -> None:
        self.bad_lines += 1
        if self.bad_lines <= MAX_LINE_PROBLEMS:
            self.view.add(code, f"{self.name}:{line}", message)

    def flush(self, batch: list[str], numbers: list[int]) -> None:
        """Parse a batch of lines (numbers: their line numbers in the file) and keep the safe entries."""
        plain = _plain_columns(batch, self.algorithm)
        if plain is None or not self.keep_all(*plain, numbers):
            self.keep_each(batch, numbers, plain)
        batch.clear()
        numbers.clear()

    def keep_all(self, digests: list[str], paths: list[str], numbers: list[int]) -> bool:
        """Keep a whole batch of plain entries at once when none can be a problem; else keep none."""
        if not self.seen.keys().isdisjoint(paths) or not _all_safe(paths):
            return False
        if not self.tag and not all(map(str.startswith, paths, repeat("data/"))):
            return False
        self.seen.update(zip(paths, numbers))
        self.kept.update(zip(paths, digests))
        return True

    def keep_each(self, batch: list[str], numbers: list[int],
                  plain: tuple[list[str], list[str]] | None) -> None:
        """Keep the entries of a batch one by one, reporting every bad line."""
        if plain is not None:
            entries = list(zip(*plain, range(1, len(batch) + 1)))
        else:
            entries, line_problems = tagfiles.parse_manifest("\n".join(batch), self.algorithm, keep_duplicates=True)
            for lp in line_problems:
                if lp.kind == "marker":
                    # RFC 8493 §2.1.3: 'checksum filepath', one or more whitespace between; md5sum's
                    # '*' (binary mode) is not part of the path: read past it, with a warning
                    self.markers.append(numbers[lp.line - 1])
                else:
                    self.report("manifest-malformed", numbers[lp.line - 1], lp.message)
        seen, kept = self.seen, self.kept
        for digest, path, line in entries:
            number = numbers[line - 1]
            path = self.normalised(path, number)
            if not safe_relpath(path):
                self.report("manifest-unsafe-path", number, f"path escapes the bag or is not portable: {path!r}")
            elif not self.tag and not path.startswith("data/"):
                self.report("manifest-unsafe-path", number, f"payload path outside data/: {path!r}")
            elif path in seen:
                self.duplicate(path, digest, number)
            else:
                seen[path] = number
                kept[path] = digest


    def normalised(self, path: str, number: int) -> str:
        """path without its '.' segments ('./data/x' is 'data/x'), with a warning when it had some.

        RFC 8493 §2.1.3: the filepath is relative to the base directory; a './' keeps it there.
        A '..' segment is left for safe_relpath to refuse.
        """
        if "./" not in path or "\\" in path:
            return path
        parts = path.split("/")
        if "." not in parts or not all(parts):
            return path
        clean = "/".join(part for part in parts if part != ".")
        if not safe_relpath(clean):
            return path  # reported as unsafe, as written
        self.view.add("manifest-path-noncanonical", f"{self.name}:{number}",
                      f"path {path!r} read as {clean!r} (a relative path inside the bag)")
        return clean

    def duplicate(self, path: str, digest: str, number: int) -> None:
        """A path listed again: an error in BagIt 1.0, a warning before when the digest agrees.

        "Exactly once" is RFC 8493's wording (§2.1.3), not the 0.9x drafts'; there a repeat with
        the same digest says nothing false about the file (the conformance suite's 0.97 warning).
        """
        first = self.seen[path]
        if not self.view.strict and self.kept.get(path) == digest:
            self.view.add("manifest-duplicate-same-digest", f"{self.name}:{number}",
                          f"path listed twice with the same digest (also line {first}): {path!r}")
        else:
            self.report("manifest-duplicate", number, f"path listed twice (also line {first}): {path!r}")


_LOWER_HEX = b"0123456789abcdef"
_HEX = b"0123456789abcdefABCDEF"


def _plain_columns(lines: list[str], algorithm: str) -> tuple[list[str], list[str]] | None:
    """The lower-case digests and decoded paths of a batch of plain '<digest> <path>' lines, in order.

    None (any blank, malformed or tab-separated line, bad digest, repeated path) leaves the
    whole batch to the full parser (tagfiles.parse_manifest) and its messages.

    Each test runs once over the whole batch (a joined string, a set, a map) instead of once
    per line: the raw paths hold no newline, so a marker found in the joined text is in a path.
    """
    if not lines:
        return [], []
    split = [line.rstrip("\r").partition(" ") for line in lines]
    digests = [part[0] for part in split]
    paths = [part[2].lstrip(" \t") for part in split]
    lengths = set(map(len, digests))
    expected = tagfiles.digest_length(algorithm)
    if (lengths != {expected} if expected else 0 in lengths) or not all(paths):
        return None
    hex_digits = "".join(digests)
    if not hex_digits.isascii():
        return None
    raw = hex_digits.encode("ascii")
    if raw.translate(None, _LOWER_HEX):  # not all lower-case: upper-case hex digits, or not hex at all
        if raw.translate(None, _HEX):
            return None
        digests = list(map(str.lower, digests))
    joined = "\n" + "\n".join(paths)
    if "\n*" in joined:
        return None  # md5sum's binary-mode marker: the full parser reports it
    if "%" in joined:
        paths = [tagfiles.decode_path(path) if "%" in path else path for path in paths]
    if len(set(paths)) != len(paths):
        return None
    return digests, paths


def _all_safe(paths: list[str]) -> bool:
    """True when safe_relpath holds for every path (False: some may not; ask each).

    Every path p appears as "/p/" in the joined text, so a marker of an unsafe path is found in it.
    """
    wrapped = "/" + "/\n/".join(paths) + "/"
    return not any(marker in wrapped for marker in _UNSAFE_MARKERS)


_UNSAFE_MARKERS = ("\\", "\x00", "//", "/./", "/../")
