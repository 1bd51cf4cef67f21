"""Read any BagIt bag (0.9x or 1.0, ours or another tool's) without trusting it.

Never follows a symlink, never opens a FIFO or device, never reads outside the bag, never
writes. Tag files are read with a size cap. Everything odd becomes a Problem, not an exception.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from preserve.bag import tagfiles

from preserve.fixity import open_for_reading, read_upto
from preserve.verify.problems import Problem

MAX_TAG_BYTES = 1 << 20
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
_MANIFEST = re.compile(r"^(tag)?manifest-([A-Za-z0-9_-]+)\.txt$")


@dataclass
class Manifest:
    """One manifest file: its algorithm and its entries (path -> lower-case hex digest)."""

    name: str
    algorithm: str
    entries: dict[str, str]


@dataclass
class BagView:
    """What a bag holds, as read from disk: tag files, manifests and the payload listing."""

    root: Path
    version: str | None = None
    encoding: str | None = None
    info: list[tuple[str, str]] = field(default_factory=list)
    manifests: list[Manifest] = field(default_factory=list)
    tag_manifests: list[Manifest] = field(default_factory=list)
    payload: dict[str, int] = field(default_factory=dict)       # 'data/...' -> size
    tag_files: dict[str, int] = field(default_factory=dict)     # other files outside data/ -> size
    dirs: set[str] = field(default_factory=set)                 # every real folder ('data', 'data/x', ...)
    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, path: str, message: str, **kw: str) -> None:
        self.problems.append(Problem(code, path, message, **kw))

    def blocked(self, path: str) -> bool:
        """True when path was already reported as a link, special or unexaminable file."""
        return any(p.path == path and p.code in BLOCKING_CODES for p in self.problems)


BLOCKING_CODES = ("symlink", "special-file", "file-unreadable")


class TooLarge(OSError):
    """A tag file over the size cap."""


def read_small(path: Path, limit: int = MAX_TAG_BYTES) -> bytes:
    """Read a regular file up to limit bytes (OSError if it is larger, a link or special)."""
    fd = _open(path)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise TooLarge(f"larger than {limit} bytes")
        data = read_upto(fd, limit + 1, size)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise TooLarge(f"larger than {limit} bytes")
    return data


def _open(path: Path) -> int:
    # looked up through the fixity module at call time, so tests can simulate unreadable files
    return open_for_reading(path)


def _read_text(view: BagView, name: str, limit: int = MAX_TAG_BYTES) -> str | None:
    if name not in view.tag_files:  # absent, or a link/special file already reported by _walk
        return None
    try:
        raw = read_small(view.root / name, limit)
    except FileNotFoundError:
        return None
    except TooLarge as exc:
        view.add("tagfile-too-large", name, f"not read: {exc}")
        return None
    except OSError as exc:
        view.add("tagfile-unreadable", name, f"cannot be read: {exc.strerror or exc}")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        view.add("tagfile-encoding", name, "not valid UTF-8")
        return raw.decode("utf-8", "replace")


def safe_relpath(path: str) -> bool:
    """True when a manifest path stays inside the bag (no '..', absolute path or backslash)."""
    if not path or "\\" in path or "\x00" in path:
        return False
    wrapped = f"/{path}/"  # each segment s appears as "/s/": empty, "." and ".." found in three scans
    return "//" not in wrapped and "/./" not in wrapped and "/../" not in wrapped


def _walk(view: BagView) -> None:
    """List every file of the bag (payload and tags), flagging links and special files."""
    stack = [(os.fspath(view.root), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            view.add("folder-unreadable", prefix or ".", f"cannot be listed: {exc.strerror}")
            continue
        for entry in entries:
            rel = prefix + entry.name
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                view.add("file-unreadable", rel, f"cannot be examined: {exc.strerror}")
                continue
            if stat.S_ISDIR(st.st_mode):
                view.dirs.add(rel)
                stack.append((entry.path, rel + "/"))
            elif stat.S_ISREG(st.st_mode) and rel == "data":
                continue  # a file where the payload folder should be: payload-dir-missing
            elif stat.S_ISREG(st.st_mode):
                (view.payload if rel.startswith("data/") else view.tag_files)[rel] = st.st_size
            elif stat.S_ISLNK(st.st_mode):
                view.add("symlink", rel, "is a symbolic link (never followed)")
            else:
                view.add("special-file", rel, "is a special file (FIFO, socket or device); not opened")


def _whole_manifest(view: BagView, name: str) -> list[str] | None:
    """A manifest's lines (without line ends), read in one go when that is plainly possible.

    None when it cannot be opened or read, is larger than WHOLE_MANIFEST_BYTES, has a line of
    MAX_LINE_BYTES or more, or is not valid UTF-8: then it is read line by line, which reports
    each of these. (A first-line BOM is dropped, as the line reader drops it.)
    """
    try:
        fd = _open(view.root / name)
    except OSError:
        return None
    try:
        size = os.fstat(fd).st_size
        data = read_upto(fd, WHOLE_MANIFEST_BYTES + 1, size) if size <= WHOLE_MANIFEST_BYTES else b""
    except OSError:
        return None
    finally:
        os.close(fd)
    if size > WHOLE_MANIFEST_BYTES or len(data) > WHOLE_MANIFEST_BYTES:
        return None
    if len(data) >= MAX_LINE_BYTES and max(map(len, data.split(b"\n"))) >= MAX_LINE_BYTES:
        return None
    try:
        text = data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    if not lines[-1]:
        lines.pop()  # the end of the last line, or an empty file
    return lines


def _manifest_lines(view: BagView, name: str):
    """Yield (line number, text) of a manifest, streamed: bounded memory whatever its size.

    A line longer than MAX_LINE_BYTES is yielded as None (malformed) and skipped.
    """
    path = view.root / name
    try:
        fd = _open(path)
    except OSError as exc:
        view.add("tagfile-unreadable", name, f"cannot be read: {exc.strerror or exc}")
        return
    try:
        if os.fstat(fd).st_size > MAX_MANIFEST_BYTES:
            view.add("tagfile-too-large", name, f"not read: larger than {MAX_MANIFEST_BYTES} bytes")
            return
        with os.fdopen(fd, "rb", closefd=False) as f:
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
                    yield number, None
                    continue
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    yield number, raw.decode("utf-8")
                except UnicodeDecodeError:
                    yield number, False
    except OSError as exc:
        view.add("tagfile-unreadable", name, f"cannot be read: {exc.strerror or exc}")
    finally:
        os.close(fd)


def _manifests(view: BagView, tag: bool) -> list[Manifest]:
    found = []
    for name in sorted(view.tag_files):
        match = _MANIFEST.match(name)
        if match and bool(match.group(1)) == tag:
            found.append(_ManifestReader(view, name, _algorithm(match.group(2)), tag).read())
    return found


def _algorithm(name: str) -> str:
    """hashlib's name for the algorithm in a manifest's file name ('SHA-256' -> 'sha256')."""
    name = name.lower().replace("-", "")
    return {"sha3224": "sha3_224", "sha3256": "sha3_256", "sha3384": "sha3_384",
            "sha3512": "sha3_512"}.get(name, name)


class _ManifestReader:
    """One manifest read into its entries; every bad line counted, the first ones reported."""

    def __init__(self, view: BagView, name: str, algorithm: str, tag: bool) -> None:
        self.view, self.name, self.algorithm, self.tag = view, name, algorithm, tag
        self.kept: dict[str, str] = {}
        self.seen: dict[str, int] = {}  # path -> line number
        self.bad = 0

    def read(self) -> Manifest:
        lines = _whole_manifest(self.view, self.name)
        number = self.read_lines() if lines is None else self.read_whole(lines)
        if self.bad >= MAX_BAD_LINES:
            self.view.add("manifest-problems-truncated", self.name, f"reading stopped at line {number} after "
                          f"{self.bad} bad lines (first {MAX_LINE_PROBLEMS} shown)")
        elif self.bad > MAX_LINE_PROBLEMS:
            self.view.add("manifest-problems-truncated", self.name, f"{self.bad - MAX_LINE_PROBLEMS} more bad "
                          f"lines not reported (first {MAX_LINE_PROBLEMS} shown)")
        return Manifest(self.name, self.algorithm, self.kept)

    def read_lines(self) -> int:
        """Read the manifest line by line; return the number of the line reading stopped at."""
        batch: list[str] = []
        numbers: list[int] = []
        number = 0
        lines = _manifest_lines(self.view, self.name)
        for number, text in lines:
            if self.bad >= MAX_BAD_LINES:
                lines.close()  # closes the file now
                break
            if text is None:
                self.report("manifest-malformed", number, f"line longer than {MAX_LINE_BYTES} bytes")
            elif text is False:
                self.report("manifest-malformed", number, "line is not valid UTF-8")
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
            if self.bad >= MAX_BAD_LINES:
                return start + 1  # where read_lines stops
            batch = lines[start:start + BATCH_LINES]
            self.flush(batch, list(range(start + 1, start + 1 + len(batch))))
        return len(lines)

    def report(self, code: str, line: int, message: str) -> None:
        self.bad += 1
        if self.bad <= MAX_LINE_PROBLEMS:
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
            entries, line_problems = tagfiles.parse_manifest("\n".join(batch), self.algorithm)
            for lp in line_problems:
                code = "manifest-duplicate" if "listed twice" in lp.message else "manifest-malformed"
                self.report(code, numbers[lp.line - 1], lp.message)
        seen, kept = self.seen, self.kept
        for digest, path, line in entries:
            number = numbers[line - 1]
            if path in seen:
                self.report("manifest-duplicate", number, f"path listed twice (also line {seen[path]}): {path!r}")
                continue
            seen[path] = number
            if not safe_relpath(path):
                self.report("manifest-unsafe-path", number, f"path escapes the bag or is not portable: {path!r}")
            elif not self.tag and not path.startswith("data/"):
                self.report("manifest-unsafe-path", number, f"payload path outside data/: {path!r}")
            else:
                kept[path] = digest


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
    expected = tagfiles.DIGEST_LENGTHS.get(algorithm)
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
        paths = [path[1:] if path[0] == "*" else path for path in paths]  # md5sum binary-mode marker
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


def read_bag(root: Path) -> BagView:
    """Read a bag's declaration, info, manifests and listing; problems are collected, not raised."""
    view = BagView(root=Path(root))
    _walk(view)
    text = _read_text(view, "bagit.txt")
    if text is None:
        if not any(p.path == "bagit.txt" for p in view.problems):
            view.add("bagit-missing", "bagit.txt", "the bag declaration is missing")
    else:
        fields, line_problems = tagfiles.parse_tag_lines(text)
        values = tagfiles.as_mapping(fields)
        view.version = values.get("BagIt-Version")
        view.encoding = values.get("Tag-File-Character-Encoding")
        if line_problems or view.version is None or view.encoding is None:
            view.add("bagit-malformed", "bagit.txt",
                     "must hold 'BagIt-Version' and 'Tag-File-Character-Encoding' lines")
        elif view.version not in tagfiles.SUPPORTED_VERSIONS:
            view.add("bagit-version-unsupported", "bagit.txt",
                     f"BagIt-Version {view.version} is not supported",
                     expected=" or ".join(tagfiles.SUPPORTED_VERSIONS), actual=view.version)
        elif view.encoding.upper().replace("-", "") != "UTF8":
            view.add("bagit-encoding-unsupported", "bagit.txt",
                     f"tag files in {view.encoding} are not supported", expected="UTF-8", actual=view.encoding)
    info_text = _read_text(view, "bag-info.txt")
    if info_text is not None:
        view.info, line_problems = tagfiles.parse_tag_lines(info_text)
        for lp in line_problems:
            view.add("baginfo-malformed", f"bag-info.txt:{lp.line}", lp.message)
        for label in ("Payload-Oxum", "Bagging-Date", "Bag-Size", "Bag-Group-Identifier", "Bag-Count"):
            if len(tagfiles.field_values(view.info, label)) > 1:
                view.add("baginfo-malformed", "bag-info.txt", f"{label} appears more than once (RFC 8493 §2.2.2)")
    if "fetch.txt" in view.tag_files:
        view.add("fetch-unsupported", "fetch.txt", "lists files to download; fetching is not supported (nothing fetched)")
    if "data" not in view.dirs:
        view.add("payload-dir-missing", "data", "the payload folder data/ is missing or not a real folder")
    view.manifests = _manifests(view, tag=False)
    view.tag_manifests = _manifests(view, tag=True)
    return view


def read_bag_info(bag: Path) -> list[tuple[str, str]]:
    """The fields of a bag's bag-info.txt, read alone (no walk of the bag); [] if unreadable."""
    try:
        text = read_small(Path(bag) / "bag-info.txt").decode("utf-8", "replace")
    except OSError:
        return []
    return tagfiles.parse_tag_lines(text)[0]


def payload_bytes(bags: "list[Path]") -> int:
    """Sum of the bags' declared payload sizes (Payload-Oxum), for a progress estimate only."""
    total = 0
    for bag in bags:
        octets = tagfiles.field_values(read_bag_info(bag), "Payload-Oxum")[:1]
        if octets and octets[0].partition(".")[0].isdigit():
            total += int(octets[0].partition(".")[0])
    return total
