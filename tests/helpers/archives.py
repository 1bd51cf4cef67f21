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


def zip_stream_member(dest: Path, name: str, method: int, size: int, *, declared: int | None = None,
                      lzma_dict: int = 1 << 20) -> Path:
    """A zip of one member of ``size`` zeros compressed by method (8 deflate, 12 bzip2, 14 lzma) while streamed,
    never held; its headers declare ``declared`` bytes (default: the true size). Written by hand (APPNOTE 4.3)."""
    import bz2
    import lzma
    import struct
    import zlib

    if method == 8:
        comp, head = zlib.compressobj(9, zlib.DEFLATED, -15), b""
    elif method == 12:
        comp, head = bz2.BZ2Compressor(9), b""
    else:  # lzma: version, properties size, properties (lc=3 lp=0 pb=2, dictionary size)  APPNOTE 5.8.8
        comp = lzma.LZMACompressor(lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA1, "dict_size": 1 << 20}])
        head = b"\x09\x14\x05\x00" + bytes([(2 * 5 + 0) * 9 + 3]) + struct.pack("<I", lzma_dict)
    raw = name.encode()
    declared = size if declared is None else declared
    with open(dest, "wb") as f:
        f.write(b"\0" * (30 + len(raw)))  # the local header, written once the data is
        f.write(head)
        block, left, crc = bytes(1 << 20), size, 0
        while left:
            part = block[:min(left, len(block))]
            f.write(comp.compress(part))
            crc = zlib.crc32(part, crc)
            left -= len(part)
        f.write(comp.flush())
        csize = f.tell() - 30 - len(raw)
        flags = 0x800 | (2 if method == 14 else 0)
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 63, flags, method, 0, 0x21, crc, csize, declared, len(raw), 0)
        central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 63, flags, method, 0, 0x21, crc, csize,
                              declared, len(raw), 0, 0, 0, 0, 0o100644 << 16, 0) + raw
        cd_at = f.tell()
        f.write(central)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), cd_at, 0))
        f.seek(0)
        f.write(local + raw)
    return dest


def tar_gz_of_many(dest: Path, names, data: bytes = b"") -> Path:
    """A tar.gz streamed member by member: one file holding data for each name (an iterable, never a list)."""
    import gzip

    with gzip.open(dest, "wb", compresslevel=1) as gz, tarfile.open(fileobj=gz, mode="w|",
                                                                    format=tarfile.PAX_FORMAT) as tf:
        for name in names:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return dest
