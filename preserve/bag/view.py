"""What a bag holds, as read from disk or from an archive: its tag files, manifests, payload listing and problems.

Plain data filled in by the bag reader (:mod:`preserve.bag.reader`) and examined by verify. The
view's ``source`` hands out a file's bytes, or the file opened for streaming, by its bag path:
:class:`FolderSource` reads a bag folder safely; a serialized bag's source holds bytes captured
while its archive was streamed.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from preserve.fixity import open_for_reading, read_upto
from preserve.problems import Problem

MAX_TAG_BYTES = 1 << 20


class TooLarge(OSError):
    """A file over the size cap it is read with."""


def read_small(path: Path, limit: int = MAX_TAG_BYTES) -> bytes:
    """Read a regular file up to limit bytes (OSError if it is larger, a link or special)."""
    fd = open_for_reading(path)
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


class BagSource(Protocol):
    """Where a bag's file contents come from, by bag path ('bag-info.txt', 'data/x/METS.xml')."""

    def read(self, name: str, limit: int) -> bytes:
        """The file's bytes; FileNotFoundError when absent, TooLarge over limit, OSError unreadable."""

    def open(self, name: str) -> tuple[BinaryIO, int]:
        """The file opened for binary reading, and its size when opened (the caller closes it).

        FileNotFoundError when absent, TooLarge when the source could not hold it, OSError unreadable.
        """

    def digest(self, name: str, algorithm: str) -> str | None:
        """The file's hex digest by algorithm when the source can give it without disk access, else None."""


@dataclass(frozen=True)
class FolderSource:
    """A bag folder's files, each opened safely (no link, FIFO or device) and read with a cap."""

    root: Path

    def read(self, name: str, limit: int) -> bytes:
        return read_small(self.root / name, limit)

    def open(self, name: str) -> tuple[BinaryIO, int]:
        """The file opened through preserve.fixity's one safe open (never a link, FIFO or device)."""
        fd = open_for_reading(self.root / name)
        try:
            size = os.fstat(fd).st_size
            return os.fdopen(fd, "rb"), size  # the file object owns the descriptor from here
        except BaseException:
            os.close(fd)
            raise

    def digest(self, name: str, algorithm: str) -> str | None:
        return None  # a folder's files are hashed by the fixity engine itself


#: problem codes of a file that is never opened again (a link, a special or unexaminable file)
BLOCKING_CODES = ("symlink", "special-file", "file-unreadable")


@dataclass
class Manifest:
    """One manifest file: its algorithm (hashlib's name) and its entries (path -> lower-case hex digest)."""

    name: str
    algorithm: str
    entries: dict[str, str]


@dataclass
class BagView:
    """What a bag holds: tag files, manifests and the payload listing (from a folder or an archive).

    ``root`` is the bag folder, or the archive file of a serialized bag (``serialization``:
    "tar", "tar.gz" or "zip"); ``name`` is the bag's name (its folder, or the archive's top folder).
    """

    root: Path
    source: BagSource | None = None  # None: a FolderSource of root
    serialization: str | None = None
    name: str = ""
    version: str | None = None
    encoding: str | None = None
    codec: str = "utf-8"  # Python's codec for the tag files, from Tag-File-Character-Encoding
    info_name: str = "bag-info.txt"  # package-info.txt before BagIt 0.96
    info: list[tuple[str, str]] = field(default_factory=list)
    manifests: list[Manifest] = field(default_factory=list)
    tag_manifests: list[Manifest] = field(default_factory=list)
    payload: dict[str, int] = field(default_factory=dict)       # 'data/...' -> size
    tag_files: dict[str, int] = field(default_factory=dict)     # other files outside data/ -> size
    dirs: set[str] = field(default_factory=set)                 # every real folder ('data', 'data/x', ...)
    fetch: dict[str, int] = field(default_factory=dict)         # path listed in fetch.txt -> its line
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        if self.source is None:
            self.source = FolderSource(self.root)
        if not self.name:
            self.name = self.root.name

    def add(self, code: str, path: str, message: str, **kw: str) -> None:
        """Record a problem found while reading."""
        self.problems.append(Problem(code, path, message, **kw))

    def blocked(self, path: str) -> bool:
        """True when path was already reported as a link, special or unexaminable file."""
        return any(p.path == path and p.code in BLOCKING_CODES for p in self.problems)

    @property
    def strict(self) -> bool:
        """True for BagIt 1.0 (or an unknown version): RFC 8493's wording, not the older drafts'."""
        return self.version not in ("0.93", "0.94", "0.95", "0.96", "0.97")
