"""What a release is, and how a SOURCE folder is walked to find them.

A release is each entry directly in SOURCE except hidden ones, ``metadata.csv`` and
``preserve.toml``: a regular file is a one-file release; a folder is one release holding every
file below it (relative paths kept, empty folders recorded). Symlinks and special files are
never followed: they are skipped with a warning. Nothing here opens a file for writing.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from preserve.intake.config import CONFIG_NAME
from preserve.errors import InputError

SHEET_NAME = "metadata.csv"

RESERVED_NAMES = frozenset({SHEET_NAME, CONFIG_NAME})
MAX_ID_LENGTH = 80
_UNSAFE = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class ReleaseFile:
    """One file of a release: its path inside the release (POSIX, '/'), where it is, its size.

    ``location`` is where it is, as the walk found it (a str: the hot paths, copying and
    reading, take it as it is, and the walk makes no Path object per file); ``path`` is the
    same as a Path, made on first use.
    """

    relpath: str
    location: str
    size: int
    mtime_ns: int

    @cached_property
    def path(self) -> Path:
        """Where the file is, as a Path."""
        return Path(self.location)


@dataclass(frozen=True)
class Release:
    """A release found in SOURCE: a stable id, the entry's name and every file it holds."""

    id: str
    name: str
    path: Path
    is_dir: bool
    files: tuple[ReleaseFile, ...]
    empty_dirs: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


@dataclass
class Discovery:
    """The releases in SOURCE plus the warnings met on the way (skipped entries)."""

    releases: list[Release] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def release_id(name: str, is_dir: bool = False) -> str:
    """Derive a stable, filesystem-safe id from an entry name.

    Lower-case ASCII letters, digits, '.', '_' and '-' only. A file's last extension is
    dropped. When the safe form had to change the name (case, accents, other scripts,
    punctuation), a short hash of the exact name is appended so distinct names stay distinct.
    """
    stem = name
    if not is_dir:
        base, dot, ext = name.rpartition(".")
        if dot and base and not base.startswith(".") and 0 < len(ext) <= 10:
            stem = base
    ascii_form = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    slug = _UNSAFE.sub("-", ascii_form.lower()).strip(".-_")[:MAX_ID_LENGTH].strip(".-_")
    if slug == stem and slug:
        return slug
    key = name + ("/" if is_dir else "")  # a folder and a file of one name stay distinct
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{slug}-{digest}" if slug else f"release-{digest}"


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _check_name(name: str, where: Path) -> None:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            f"{where}: file name {name.encode('utf-8', 'surrogateescape')!r} is not valid UTF-8; "
            "rename it (BagIt manifests are UTF-8)"
        ) from None


def shown(path: object) -> str:
    """A path for a one-line message: as is when printable, else its repr (newlines, escapes)."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _lstat(entry: os.DirEntry) -> os.stat_result:
    try:
        return entry.stat(follow_symlinks=False)
    except OSError as exc:
        raise InputError(f"{shown(entry.path)}: cannot be examined ({exc.strerror}); "
                         "check that it still exists and is readable") from None


def _file_entry(location: str, relpath: str, st: os.stat_result) -> ReleaseFile:
    if not os.access(location, os.R_OK):
        raise InputError(f"{shown(location)}: cannot be read (permission denied); fix its permissions")
    return ReleaseFile(relpath, location, st.st_size, st.st_mtime_ns)


def _walk_folder(root: Path, warnings: list[str]) -> tuple[list[ReleaseFile], list[str]]:
    """Every regular file below root (sorted), and the empty folders; never follows links."""
    files: list[ReleaseFile] = []
    empty: list[str] = []
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            raise InputError(f"{shown(folder)}: cannot be read ({exc.strerror}); fix its permissions") from None
        kept = 0
        for entry in entries:
            _check_name(entry.name, folder)
            rel = f"{prefix}{entry.name}"
            st = _lstat(entry)
            if stat.S_ISDIR(st.st_mode):
                stack.append((folder / entry.name, rel + "/"))
                kept += 1
            elif stat.S_ISREG(st.st_mode):
                files.append(_file_entry(entry.path, rel, st))
                kept += 1
            else:
                warnings.append(f"skipped {shown(entry.path)}: {_kind(st.st_mode)}, not a regular file")
        if kept == 0 and prefix:
            empty.append(prefix.rstrip("/"))
    files.sort(key=lambda f: f.relpath)
    _check_collisions(root, [f.relpath for f in files] + empty)
    return files, sorted(empty)


def _check_collisions(root: Path, relpaths: list[str]) -> None:
    """Refuse two paths below root that differ only in their Unicode normalisation."""
    seen: dict[str, str] = {}
    for rel in relpaths:
        key = unicodedata.normalize("NFC", rel)
        if key in seen:
            raise _same_name(root, seen[key], rel)
        seen[key] = rel


def _same_name(root: Path, first: str, second: str) -> InputError:
    """The error for two names in root that are one name in different Unicode normalisations."""
    return InputError(f"{shown(root)}: {first!r} and {second!r} are the same name in different Unicode "
                      "normalisations; rename one so they stay distinct on every file system")


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link (never followed)"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def is_bag(path: Path) -> bool:
    """True when path looks like a BagIt bag (has bagit.txt)."""
    return (path / "bagit.txt").is_file()


def discover(source: Path) -> Discovery:
    """Walk SOURCE and return its releases, sorted by id; raise InputError on bad input."""
    source = Path(source)
    _check_source(source)
    found = Discovery()
    try:
        entries = sorted(os.scandir(source), key=lambda e: e.name)
    except OSError as exc:
        raise InputError(f"{shown(source)}: cannot be read ({exc.strerror})") from None
    by_id: dict[str, str] = {}
    by_nfc: dict[str, str] = {}
    for entry in entries:
        if _is_hidden(entry.name) or entry.name in RESERVED_NAMES:
            continue
        _check_name(entry.name, source)
        release = _release_at(entry, found.warnings)
        if release is None:
            continue
        if release.id in by_id:
            raise InputError(
                f"{shown(source)}: {by_id[release.id]!r} and {entry.name!r} both give release id {release.id!r}; "
                "rename one of them"
            )
        by_id[release.id] = entry.name
        nfc = unicodedata.normalize("NFC", entry.name)
        if nfc in by_nfc:
            raise _same_name(source, by_nfc[nfc], entry.name)
        by_nfc[nfc] = entry.name
        found.releases.append(release)
    if not found.releases:
        raise InputError(f"{shown(source)}: holds no releases (no files or folders to bag)")
    found.releases.sort(key=lambda r: r.id)
    return found


def _check_source(source: Path) -> None:
    """Refuse a SOURCE that is missing, not a folder, or a bag already."""
    if not source.exists():
        raise InputError(f"{shown(source)}: no such folder; give the folder that holds the releases")
    if not source.is_dir():
        raise InputError(f"{shown(source)}: not a folder; give the folder that holds the releases")
    if is_bag(source):
        raise InputError(f"{shown(source)}: is already a BagIt bag; give the folder of releases, not a bag")


def _release_at(entry: os.DirEntry, warnings: list[str]) -> Release | None:
    """The release an entry of SOURCE makes; None (with a warning) for a link or special file."""
    st = _lstat(entry)
    path = Path(entry.path)
    if stat.S_ISREG(st.st_mode):
        is_dir = False
        files = [_file_entry(entry.path, entry.name, st)]
        empty: list[str] = []
    elif stat.S_ISDIR(st.st_mode):
        is_dir = True
        files, empty = _walk_folder(path, warnings)
    else:
        warnings.append(f"skipped {shown(path)}: {_kind(st.st_mode)}, not a regular file or folder")
        return None
    return Release(id=release_id(entry.name, is_dir), name=entry.name, path=path, is_dir=is_dir,
                   files=tuple(files), empty_dirs=tuple(empty))
