"""Serialized bags for tests: a bag with awkward names built as an archive, and its safe extraction."""
from __future__ import annotations

import os
import tarfile
import zipfile
from pathlib import Path

from preserve.bag.serialize import Serialization, archive_name, bag_name_of
from preserve.bag.writer import BagBuilder

#: payload paths that test every corner of a serialization: non-ASCII, longer than the 100-byte
#: ustar name field, empty, nested
NON_ASCII = "rapport-été/Überblick-北京.txt"
LONG = "/".join(["a-rather-long-folder-name-for-testing"] * 3) + "/and-a-long-file-name-too.txt"
EMPTY_FILE = "empty.bin"
EMPTY_DIR = "nothing/here"


def build_tricky_bag(out: Path, fmt: Serialization, name: str = "bag-ü", *, big: int = 200_000,
                     replace: bool = False, tag_files: dict[str, bytes] | None = None) -> Path:
    """A serialized bag OUT/<name>.<fmt> holding the awkward payload above and one larger file."""
    src = out.parent / f"src-{fmt}-{name}"
    src.mkdir(parents=True, exist_ok=True)
    (src / "big.bin").write_bytes(os.urandom(big))
    (src / "plain.txt").write_text("plain text\n" * 100, encoding="utf-8")
    dest = out / archive_name(name, fmt)
    with BagBuilder(dest, ("sha256", "md5"), serialize=fmt, replace=replace) as bag:
        bag.add_files([("big.bin", src / "big.bin"), ("plain.txt", src / "plain.txt")])
        bag.add_bytes(NON_ASCII, "Grüße aus 北京\n".encode("utf-8"))
        bag.add_bytes(LONG, b"long path\n")
        bag.add_bytes(EMPTY_FILE, b"")
        bag.add_empty_dir(EMPTY_DIR)
        bag.finish([("Bagging-Date", "2026-12-05"), ("Source-Organization", "Example Org")], tag_files)
    return dest


def member_names(archive: Path) -> list[str]:
    """Member names in archive order (folders with a trailing '/')."""
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            return z.namelist()
    with tarfile.open(archive) as t:
        return [m.name + ("/" if m.isdir() else "") for m in t.getmembers()]


def extract(archive: Path, into: Path) -> Path:
    """Extract an archive into a new folder and return its single top folder (asserted single)."""
    into.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            z.extractall(into)
    else:
        with tarfile.open(archive) as t:
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            t.extractall(into, **safe)
    tops = os.listdir(into)
    assert tops == [bag_name_of(archive.name)], tops
    return into / tops[0]
