"""Read any BagIt bag (0.9x or 1.0, ours or another tool's) without trusting it.

Never follows a symlink, never opens a FIFO or device, never reads outside the bag, never
writes: every file is opened through preserve.fixity's one safe-open, and tag files are read
with a size cap. Everything odd becomes a Problem on the returned view, not an exception.
The manifests are read by :mod:`preserve.bag.manifests`.
"""
from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

from preserve.bag import tagfiles
from preserve.bag.manifests import read_manifests, safe_relpath
from preserve.bag.view import MAX_TAG_BYTES, BagView, Manifest, TooLarge, read_small

# Names callers import from here: verify reads bags through this module.
__all__ = ["MAX_TAG_BYTES", "BagView", "Manifest", "TooLarge", "payload_bytes", "read_bag", "read_bag_info", "read_small",
           "safe_relpath"]

#: bag-info.txt labels that MUST NOT be repeated, and those that SHOULD NOT be (RFC 8493 §2.2.2)
MUST_NOT_REPEAT = ("Payload-Oxum",)
SHOULD_NOT_REPEAT = ("Bagging-Date", "Bag-Size", "Bag-Group-Identifier", "Bag-Count")
_UTF8_BOM = b"\xef\xbb\xbf"


def read_bag(root: Path) -> BagView:
    """Read a bag's declaration, info, manifests and listing; problems are collected, not raised."""
    view = BagView(root=Path(root))
    _list_files(view)
    return read_tags(view)


def read_tags(view: BagView) -> BagView:
    """Read the tag files of a bag already listed (payload, tag_files, dirs) through its source."""
    _read_declaration(view)
    _read_info(view)
    _read_fetch(view)
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


def _read_raw(view: BagView, name: str, limit: int = MAX_TAG_BYTES) -> bytes | None:
    """A tag file's bytes; None, with a problem noted, when it cannot be read."""
    if name not in view.tag_files:  # absent, or a link/special file already reported by _list_files
        return None
    try:
        return view.source.read(name, limit)
    except FileNotFoundError:
        return None
    except TooLarge as exc:
        view.add("tagfile-too-large", name, f"not read: {exc}")
    except OSError as exc:
        view.add("tagfile-unreadable", name, f"cannot be read: {exc.strerror or exc}")
    return None


def _read_text(view: BagView, name: str, limit: int = MAX_TAG_BYTES) -> str | None:
    """A tag file's text in the bag's declared encoding (a BOM dropped); None when unreadable."""
    raw = _read_raw(view, name, limit)
    if raw is None:
        return None
    codec = "utf-8-sig" if view.codec == "utf-8" else view.codec
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        view.add("tagfile-encoding", name, f"not valid {view.encoding or 'UTF-8'}")
        return raw.decode(codec, "replace")


def text_codec(name: str) -> str | None:
    """Python's codec for an encoding name (any IANA name Python knows), None if it knows none."""
    try:
        b"\n".decode(name, "replace")  # LookupError also for a codec that is not a text encoding (base64)
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def _read_declaration(view: BagView) -> None:
    """Read bagit.txt (RFC 8493 §2.1.1) into the view's version and encoding."""
    raw = _read_raw(view, "bagit.txt")
    if raw is None:
        if not any(p.path == "bagit.txt" for p in view.problems):
            view.add("bagit-missing", "bagit.txt", "the bag declaration is missing")
        return
    if raw.startswith(_UTF8_BOM):
        # RFC 8493 §2.1.1: "The bag declaration MUST be encoded in UTF-8 and MUST NOT contain a
        # byte-order mark (BOM)"; the conformance suite holds 0.97 bags to it as well.
        view.add("bagit-malformed", "bagit.txt", "begins with a byte-order mark (RFC 8493 §2.1.1: MUST NOT)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        view.add("tagfile-encoding", "bagit.txt", "not valid UTF-8 (RFC 8493 §2.1.1: MUST be UTF-8)")
        text = raw.decode("utf-8-sig", "replace")
    fields, line_problems = tagfiles.parse_tag_lines(text, loose_colon=True)
    values = tagfiles.as_mapping(fields)
    view.version = values.get("BagIt-Version")
    view.encoding = values.get("Tag-File-Character-Encoding")
    if view.strict and not line_problems:
        # RFC 8493 §2.1.1: exactly "BagIt-Version: M.N", no whitespace before the colon
        line_problems = tagfiles.parse_tag_lines(text)[1]
    if line_problems or view.version is None or view.encoding is None:
        view.add("bagit-malformed", "bagit.txt",
                 "must hold 'BagIt-Version: M.N' and 'Tag-File-Character-Encoding: ENCODING' lines")
    elif view.version not in tagfiles.SUPPORTED_VERSIONS:
        view.add("bagit-version-unsupported", "bagit.txt",
                 f"BagIt-Version {view.version} is not supported",
                 expected=" or ".join(tagfiles.SUPPORTED_VERSIONS), actual=view.version)
    if view.encoding is not None:
        # §2.1.1: the tag files' encoding SHOULD be UTF-8 but MAY be another IANA-registered one
        codec = text_codec(view.encoding)
        if codec is None:
            view.add("bagit-encoding-unsupported", "bagit.txt",
                     f"Tag-File-Character-Encoding {view.encoding!r} is not an encoding this tool knows; "
                     "the tag files are read as UTF-8", actual=view.encoding)
        else:
            view.codec = "utf-8" if codec == "utf-8" else codec


def _read_info(view: BagView) -> None:
    """Read bag-info.txt (RFC 8493 §2.2.2; package-info.txt before 0.96) into the view's info fields."""
    if view.version in ("0.93", "0.94", "0.95") and "bag-info.txt" not in view.tag_files:
        view.info_name = "package-info.txt"  # its name in BagIt 0.93 to 0.95
    name = view.info_name
    text = _read_text(view, name)
    if text is None:
        return
    view.info, line_problems = tagfiles.parse_tag_lines(text, loose_colon=not view.strict)
    for lp in line_problems:
        view.add("baginfo-malformed", f"{name}:{lp.line}", lp.message)
    for label in MUST_NOT_REPEAT:
        if len(tagfiles.field_values(view.info, label)) > 1:
            view.add("baginfo-malformed", name, f"{label} appears more than once (RFC 8493 §2.2.2: MUST NOT be repeated)")
    for label in SHOULD_NOT_REPEAT:
        if len(tagfiles.field_values(view.info, label)) > 1:
            view.add("baginfo-repeated", name, f"{label} appears more than once (RFC 8493 §2.2.2: SHOULD NOT be repeated)")


def _read_fetch(view: BagView) -> None:
    """Read fetch.txt (RFC 8493 §2.2.3: 'url length filepath' lines) into view.fetch; never fetches."""
    text = _read_text(view, "fetch.txt")
    if text is None:
        return
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(None, 2)
        length_ok = len(parts) == 3 and (parts[1] == "-" or parts[1].isdigit())
        path = tagfiles.decode_path(parts[2].strip()) if length_ok else ""
        if not length_ok:
            view.add("fetch-malformed", f"fetch.txt:{number}", f"not a 'url length filepath' line: {line[:80]!r}")
        elif not safe_relpath(path) or not path.startswith("data/"):
            # §2.2.3: the filepath is relative to the bag and MUST be inside the payload directory
            view.add("fetch-malformed", f"fetch.txt:{number}", f"path outside data/ or escaping the bag: {path!r}")
        else:
            view.fetch.setdefault(path, number)


def read_bag_info(bag: Path) -> list[tuple[str, str]]:
    """The fields of a bag's bag-info.txt, read alone (no walk of the bag); [] if unreadable.

    ``bag`` is a folder or a serialized bag (a regular file: its members are read up to
    bag-info.txt, the second member in archives preserve writes).
    """
    bag = Path(bag)
    try:
        if bag.is_file():
            from preserve.bag.archive import read_tag_file

            raw = read_tag_file(bag, "bag-info.txt", MAX_TAG_BYTES)
        else:
            raw = read_small(bag / "bag-info.txt")
    except OSError:
        return []
    return tagfiles.parse_tag_lines(raw.decode("utf-8", "replace"))[0] if raw is not None else []


def payload_bytes(bags: list[Path]) -> int:
    """Sum of the bags' declared payload sizes (Payload-Oxum), for a progress estimate only."""
    total = 0
    for bag in bags:
        if Path(bag).is_file():
            continue  # a serialized bag's tag files may come last: not read twice for an estimate
        octets = tagfiles.field_values(read_bag_info(bag), "Payload-Oxum")[:1]
        if octets and octets[0].partition(".")[0].isdigit():
            total += int(octets[0].partition(".")[0])
    return total
