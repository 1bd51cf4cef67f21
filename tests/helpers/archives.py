"""Serialized bags for tests, made with tarfile and zipfile: tag files first (as preserve writes) or last
(as many tools do), and hostile archives member by member. Nothing here uses preserve's own writer."""
from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

SUFFIX = {"tar": ".tar", "tar.gz": ".tar.gz", "zip": ".zip"}


def bag_members(bag: Path, *, tags_last: bool = False) -> list[str]:
    """The bag's files and folders, bag-relative, tag files before data/ (or after it)."""
    names = []
    for dirpath, dirnames, filenames in os.walk(bag):
        dirnames.sort()
        rel = os.path.relpath(dirpath, bag)
        if rel != ".":
            names.append(rel + "/")
        names += [name if rel == "." else f"{rel}/{name}" for name in sorted(filenames)]
    payload = [n for n in names if n.startswith("data/")]
    tags = [n for n in names if not n.startswith("data/")]
    return payload + tags if tags_last else tags + payload


def serialize(bag: Path, dest_dir: Path, fmt: str, *, tags_last: bool = False, top: str | None = None,
              name: str | None = None) -> Path:
    """Write bag as one archive OUT/<name><suffix> whose one top folder is top (default: the bag's name)."""
    top = top or bag.name
    dest = Path(dest_dir) / ((name or bag.name) + SUFFIX[fmt])
    members = bag_members(bag, tags_last=tags_last)
    if fmt == "zip":
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(top + "/", b"")
            for rel in members:
                if rel.endswith("/"):
                    zf.writestr(f"{top}/{rel}", b"")
                else:
                    zf.write(bag / rel, f"{top}/{rel}")
        return dest
    with tarfile.open(dest, "w:gz" if fmt == "tar.gz" else "w", format=tarfile.PAX_FORMAT) as tf:
        tf.add(bag, top, recursive=False)
        for rel in members:
            tf.add(bag / rel.rstrip("/"), f"{top}/{rel.rstrip('/')}", recursive=False)
    return dest


def tar_of(dest: Path, entries: list[tuple], mode: str = "w") -> Path:
    """A tar of hand-made entries: (name, bytes) for a file, (name, type, linkname) for other types."""
    with tarfile.open(dest, mode, format=tarfile.PAX_FORMAT) as tf:
        for entry in entries:
            info = tarfile.TarInfo(entry[0])
            if len(entry) == 2:
                info.size = len(entry[1])
                tf.addfile(info, io.BytesIO(entry[1]))
            else:
                info.type, info.linkname = entry[1], entry[2]
                tf.addfile(info)
    return dest


def member_offset(archive: Path, member: str) -> int:
    """Where a tar member's data starts in the (uncompressed) tar file."""
    with tarfile.open(archive) as tf:
        return tf.getmember(member).offset_data


class Zeros(io.RawIOBase):
    """size zero bytes, read as a file without holding them (for bombs built on the fly)."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n
