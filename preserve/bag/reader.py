"""Read any BagIt bag (0.9x or 1.0, ours or another tool's) without trusting it.

Never follows a symlink, never opens a FIFO or device, never reads outside the bag, never
writes: every file is opened through preserve.fixity's one safe-open, and tag files are read
with a size cap. Everything odd becomes a Problem on the returned view, not an exception.
The manifests are read by :mod:`preserve.bag.manifests`.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from preserve.bag import tagfiles
from preserve.bag.manifests import read_manifests, safe_relpath
from preserve.bag.view import BagView, Manifest
from preserve.fixity import open_for_reading, read_upto

# Names callers import from here: verify reads bags through this module.
__all__ = ["BagView", "Manifest", "TooLarge", "payload_bytes", "read_bag", "read_bag_info", "read_small",
           "safe_relpath"]

MAX_TAG_BYTES = 1 << 20
#: bag-info.txt labels that may appear once only (RFC 8493 §2.2.2)
SINGLE_INFO_LABELS = ("Payload-Oxum", "Bagging-Date", "Bag-Size", "Bag-Group-Identifier", "Bag-Count")


class TooLarge(OSError):
    """A tag file over the size cap."""


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


def read_bag(root: Path) -> BagView:
    """Read a bag's declaration, info, manifests and listing; problems are collected, not raised."""
    view = BagView(root=Path(root))
    _list_files(view)
    _read_declaration(view)
    _read_info(view)
    if "fetch.txt" in view.tag_files:
        view.add("fetch-unsupported", "fetch.txt",
                 "lists files to download; fetching is not supported (nothing fetched)")
    if "data" not in view.dirs:
        view.add("payload-dir-missing", "data", "the payload folder data/ is missing or not a real folder")
    view.manifests = read_manifests(view, tag=False)
    view.tag_manifests = read_manifests(view, tag=True)
    return view


def _list_files(view: BagView) -> None:
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


def _read_text(view: BagView, name: str, limit: int = MAX_TAG_BYTES) -> str | None:
    """A tag file's text (UTF-8, a BOM dropped); None, with a problem noted, when it cannot be read."""
    if name not in view.tag_files:  # absent, or a link/special file already reported by _list_files
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


def _read_declaration(view: BagView) -> None:
    """Read bagit.txt (RFC 8493 §2.1.1) into the view's version and encoding."""
    text = _read_text(view, "bagit.txt")
    if text is None:
        if not any(p.path == "bagit.txt" for p in view.problems):
            view.add("bagit-missing", "bagit.txt", "the bag declaration is missing")
        return
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


def _read_info(view: BagView) -> None:
    """Read bag-info.txt (RFC 8493 §2.2.2) into the view's info fields."""
    text = _read_text(view, "bag-info.txt")
    if text is None:
        return
    view.info, line_problems = tagfiles.parse_tag_lines(text)
    for lp in line_problems:
        view.add("baginfo-malformed", f"bag-info.txt:{lp.line}", lp.message)
    for label in SINGLE_INFO_LABELS:
        if len(tagfiles.field_values(view.info, label)) > 1:
            view.add("baginfo-malformed", "bag-info.txt", f"{label} appears more than once (RFC 8493 §2.2.2)")


def read_bag_info(bag: Path) -> list[tuple[str, str]]:
    """The fields of a bag's bag-info.txt, read alone (no walk of the bag); [] if unreadable."""
    try:
        text = read_small(Path(bag) / "bag-info.txt").decode("utf-8", "replace")
    except OSError:
        return []
    return tagfiles.parse_tag_lines(text)[0]


def payload_bytes(bags: list[Path]) -> int:
    """Sum of the bags' declared payload sizes (Payload-Oxum), for a progress estimate only."""
    total = 0
    for bag in bags:
        octets = tagfiles.field_values(read_bag_info(bag), "Payload-Oxum")[:1]
        if octets and octets[0].partition(".")[0].isdigit():
            total += int(octets[0].partition(".")[0])
    return total
