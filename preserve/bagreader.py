"""Read any BagIt bag (0.9x or 1.0, ours or another tool's) without trusting it.

Never follows a symlink, never opens a FIFO or device, never reads outside the bag, never
writes. Tag files are read with a size cap. Everything odd becomes a Problem, not an exception.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from . import bagfiles
from .fixity import open_for_reading
from .problems import Problem

MAX_TAG_BYTES = 1 << 20
MAX_MANIFEST_BYTES = 1 << 30
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
    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, path: str, message: str, **kw: str) -> None:
        self.problems.append(Problem(code, path, message, **kw))


def read_small(path: Path, limit: int = MAX_TAG_BYTES) -> bytes:
    """Read a regular file up to limit bytes (OSError if it is larger, a link or special)."""
    fd = open_for_reading(path)
    try:
        if os.fstat(fd).st_size > limit:
            raise OSError(f"larger than {limit} bytes")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(f"larger than {limit} bytes")
    return data


def _read_text(view: BagView, name: str, limit: int = MAX_TAG_BYTES) -> str | None:
    try:
        raw = read_small(view.root / name, limit)
    except FileNotFoundError:
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
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def _walk(view: BagView) -> None:
    """List every file of the bag (payload and tags), flagging links and special files."""
    stack = [(view.root, "")]
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
            in_payload = rel.startswith("data/") or rel == "data"
            if stat.S_ISDIR(st.st_mode):
                stack.append((Path(entry.path), rel + "/"))
            elif stat.S_ISREG(st.st_mode):
                (view.payload if in_payload else view.tag_files)[rel] = st.st_size
            elif stat.S_ISLNK(st.st_mode):
                view.add("symlink", rel, "is a symbolic link (never followed)")
            else:
                view.add("special-file", rel, "is a special file (FIFO, socket or device); not opened")


def _manifests(view: BagView, tag: bool) -> list[Manifest]:
    found = []
    for name in sorted(view.tag_files):
        match = _MANIFEST.match(name)
        if not match or bool(match.group(1)) != tag:
            continue
        algorithm = match.group(2).lower().replace("-", "")
        text = _read_text(view, name, MAX_MANIFEST_BYTES)
        if text is None:
            continue
        entries, line_problems = bagfiles.parse_manifest(text, algorithm)
        for lp in line_problems:
            code = "manifest-duplicate" if "listed twice" in lp.message else "manifest-malformed"
            view.add(code, f"{name}:{lp.line}", lp.message)
        kept: dict[str, str] = {}
        for digest, path, line in entries:
            if not safe_relpath(path):
                view.add("manifest-unsafe-path", f"{name}:{line}", f"path escapes the bag or is not portable: {path!r}")
            elif not tag and not path.startswith("data/"):
                view.add("manifest-unsafe-path", f"{name}:{line}", f"payload path outside data/: {path!r}")
            else:
                kept[path] = digest
        found.append(Manifest(name, algorithm, kept))
    return found


def read_bag(root: Path) -> BagView:
    """Read a bag's declaration, info, manifests and listing; problems are collected, not raised."""
    view = BagView(root=Path(root))
    _walk(view)
    text = _read_text(view, "bagit.txt")
    if text is None:
        if not any(p.path == "bagit.txt" for p in view.problems):
            view.add("bagit-missing", "bagit.txt", "the bag declaration is missing")
    else:
        fields, line_problems = bagfiles.parse_tag_lines(text)
        values = bagfiles.as_mapping(fields)
        view.version = values.get("BagIt-Version")
        view.encoding = values.get("Tag-File-Character-Encoding")
        if line_problems or view.version is None or view.encoding is None:
            view.add("bagit-malformed", "bagit.txt",
                     "must hold 'BagIt-Version' and 'Tag-File-Character-Encoding' lines")
        elif view.version not in bagfiles.SUPPORTED_VERSIONS:
            view.add("bagit-version-unsupported", "bagit.txt",
                     f"BagIt-Version {view.version} is not supported",
                     expected=" or ".join(bagfiles.SUPPORTED_VERSIONS), actual=view.version)
        elif view.encoding.upper().replace("-", "") != "UTF8":
            view.add("bagit-encoding-unsupported", "bagit.txt",
                     f"tag files in {view.encoding} are not supported", expected="UTF-8", actual=view.encoding)
    info_text = _read_text(view, "bag-info.txt")
    if info_text is not None:
        view.info, line_problems = bagfiles.parse_tag_lines(info_text)
        for lp in line_problems:
            view.add("baginfo-malformed", f"bag-info.txt:{lp.line}", lp.message)
    if "fetch.txt" in view.tag_files:
        view.add("fetch-unsupported", "fetch.txt", "lists files to download; fetching is not supported (nothing fetched)")
    if not (view.root / "data").is_dir() or (view.root / "data").is_symlink():
        view.add("payload-dir-missing", "data", "the payload folder data/ is missing")
    view.manifests = _manifests(view, tag=False)
    view.tag_manifests = _manifests(view, tag=True)
    return view
