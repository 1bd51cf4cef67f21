"""The S3 target's digest pass: one read of the archive giving its size, sha256, md5 and S3 ETag,
with every member hashed on the way and compared with the digests the verification computed.

A folder bag is serialized on the fly into a pipe; the stream is hashed as a whole and, for a tar
(or tar.gz), parsed as it passes (``tarfile`` stream mode, members read in chunks, memory flat);
a zip stream cannot be parsed without seeking, so its files are hashed from the folder during the
same pass, before the stream is read. A serialized bag is read member by member with
:class:`preserve.bag.archive.ArchiveReader` and its file is checked unchanged (size, mtime,
inode) across the pass. Any file whose digest differs from the verification's, any file added or
missing, stops the deposit: the bag changed since it was verified (RFC 8493 §3: a bag is valid
only while its manifests match its files).

The ETag an S3 store computes for an object is the md5 of its bytes (one PutObject) or, for a
multipart upload, the md5 of the concatenated binary md5s of the parts followed by ``-N`` (N
parts); :meth:`ArchiveDigest.etag_proves` compares a store's ETag with both forms.
"""
from __future__ import annotations

import hashlib
import os
import tarfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Iterable, Iterator

from preserve.bag.archive import ArchiveReader
from preserve.bag.serialize import members as folder_members
from preserve.deposit.multipart import part_size_for
from preserve.errors import PreserveError
from preserve.fixity.algorithms import new_hasher
from preserve.fixity.reading import open_regular

PIECE = 1 << 20
def _changed(where: str, how: str) -> PreserveError:
    return PreserveError(f"{where}: changed since the bag was verified ({how}); verify and deposit it again",
                         exit_code=1)


@dataclass
class ArchiveDigest:
    """The archive's size, sha256, md5 and its parts' md5s at ``part_size`` (as multipart uploads it)."""

    size: int
    sha256: str
    md5: str
    part_size: int
    part_md5s: list[bytes] = field(default_factory=list)

    def multipart_etag(self) -> str | None:
        """The ETag of this archive uploaded with part_size_for(size, part_size); None for a single PutObject."""
        if self.size <= self.part_size or part_size_for(self.size, self.part_size) != self.part_size:
            return None
        return f"{hashlib.md5(b''.join(self.part_md5s)).hexdigest()}-{len(self.part_md5s)}"

    def etag_proves(self, etag: str | None) -> bool:
        """True when the store's ETag is this archive's md5 or its multipart ETag."""
        etag = (etag or "").strip('"').lower()
        return bool(etag) and etag in (self.md5, self.multipart_etag())


class _Tee:
    """A read-only file over fd that hashes every byte read (sha256, md5, per-part md5)."""

    def __init__(self, fd: int, part_size: int) -> None:
        self.fd, self.part_size = fd, part_size
        self.sha256, self.md5, self.part, self.size = hashlib.sha256(), hashlib.md5(), hashlib.md5(), 0
        self.in_part, self.part_md5s = 0, []  # type: list[bytes]

    def read(self, n: int = -1) -> bytes:
        data = os.read(self.fd, PIECE if n is None or n < 0 else min(n, 1 << 24))
        self._hash(data)
        return data

    def _hash(self, data: bytes) -> None:
        self.sha256.update(data)
        self.md5.update(data)
        self.size += len(data)
        view = memoryview(data)
        while view:
            take = min(len(view), self.part_size - self.in_part)
            self.part.update(view[:take])
            self.in_part += take
            view = view[take:]
            if self.in_part == self.part_size:
                self.part_md5s.append(self.part.digest())
                self.part, self.in_part = hashlib.md5(), 0

    def drain(self) -> None:
        while self.read(PIECE):
            pass

    def result(self) -> ArchiveDigest:
        parts = self.part_md5s + ([self.part.digest()] if self.in_part else [])
        return ArchiveDigest(self.size, self.sha256.hexdigest(), self.md5.hexdigest(), self.part_size, parts)


class _Expected:
    """The verification's digests, checked file by file; what differs is an error naming the file."""

    def __init__(self, digests: dict[str, dict[str, str]], where: str) -> None:
        self.digests, self.where, self.seen = digests, where, set()  # type: ignore[var-annotated]
        #: no tag manifest: the verification hashed no tag file, so there is none to compare
        self.tags_listed = any("/" not in name for name in digests)

    def check(self, name: str, chunks: Iterable[bytes]) -> None:
        expected = self.digests.get(name)
        if expected is None:
            # nothing lists a tag manifest's digest, and tag manifests are optional (RFC 8493 §2.2.1)
            if "/" not in name and (name.startswith("tagmanifest-") or not self.tags_listed):
                for _ in chunks:
                    pass
                return
            raise _changed(f"{self.where}/{name}", "added")
        algorithm = "sha256" if "sha256" in expected else sorted(expected)[0]
        hasher = new_hasher(algorithm)
        for piece in chunks:
            hasher.update(piece)
        self.seen.add(name)
        if hasher.hexdigest().lower() != expected[algorithm].lower():
            raise _changed(f"{self.where}/{name}", f"its {algorithm} differs")

    def finish(self) -> None:
        missing = sorted(set(self.digests) - self.seen)
        if missing:
            raise _changed(f"{self.where}/{missing[0]}", f"missing, {len(missing)} file(s) in all")


def digest_stream(fd: int, fmt: str, part_size: int, digests: dict[str, dict[str, str]], where: str,
                  folder: Path | None = None) -> ArchiveDigest:
    """Hash the archive read from fd (a folder bag serialized as ``fmt``), checking its members against
    ``digests``; a zip's members are hashed from ``folder`` (a zip stream needs seeking to be parsed)."""
    tee, expected = _Tee(fd, part_size), _Expected(digests, where)
    if fmt == "zip":
        assert folder is not None
        for rel, path, is_dir in folder_members(folder):
            if not is_dir:
                expected.check(rel, _file_chunks(path))
        tee.drain()
    else:
        with tarfile.open(fileobj=tee, mode="r|gz" if fmt == "tar.gz" else "r|") as stream:  # type: ignore[call-overload]
            for info in stream:
                if not info.isfile():
                    continue
                name = info.name.split("/", 1)[1] if "/" in info.name else info.name
                data = stream.extractfile(info)
                expected.check(name, iter(partial(data.read, PIECE), b""))  # type: ignore[union-attr]
        tee.drain()
    expected.finish()
    return tee.result()


def digest_file(path: Path, part_size: int, digests: dict[str, dict[str, str]], where: str) -> ArchiveDigest:
    """Hash a serialized bag's file, and its members (ArchiveReader) against ``digests``; the file must
    not change during the pass."""
    fd, before = open_regular(path)
    try:
        expected = _Expected(digests, where)
        reader = ArchiveReader(path)
        for member in reader.members():
            if not member.is_dir:
                expected.check(member.name, member.chunks())
        if reader.problems:
            first = reader.problems[0]
            raise _changed(where, " ".join(f"{first.code}: {first.message}".split()))  # one line
        expected.finish()
        tee = _Tee(fd, part_size)
        tee.drain()
        after = os.stat(path)
        if (after.st_size, after.st_mtime_ns, after.st_ino) != (before.st_size, before.st_mtime_ns, before.st_ino):
            raise _changed(where, "while being read")
        return tee.result()
    finally:
        os.close(fd)


def _file_chunks(path: str) -> Iterator[bytes]:
    fd, _ = open_regular(path)
    try:
        while piece := os.read(fd, PIECE):
            yield piece
    finally:
        os.close(fd)
