"""What a bag holds, as read from disk: its tag files, manifests, payload listing and problems.

Plain data filled in by the bag reader (:mod:`preserve.bag.reader`) and examined by verify.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from preserve.problems import Problem

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
    """What a bag holds, as read from disk: tag files, manifests and the payload listing."""

    root: Path
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
