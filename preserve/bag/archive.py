"""Read a serialized bag (tar, tar.gz, zip) member by member: streamed, bounded, never unpacked, never trusted.

The serialization is told by the file's first bytes, not its name. Members come in archive
order with their bag-relative names (``data/a.txt``, the top folder removed); their data is
read in chunks on demand, so memory stays flat whatever the sizes. Nothing is ever written.
Hostile members are reported as ``archive-*`` Problems and never followed or yielded: unsafe
names, links, devices, duplicates, members outside the one top folder (draft-kunze-bagit-14
§4: a serialized bag MUST unpack to a single base directory, and SHOULD be named like it), data
larger than declared, and archives past the limits of :data:`LIMITS` (bombs). A damaged or
truncated archive, or a file that is none, is one problem, never an exception.

Size: the tar and zip readers and the checks every member passes are one job (one reader);
split they would share most of their state. The bounded decompressors are in inflate.py.
"""
from __future__ import annotations

import lzma
import os
import stat
import struct
import sys
import tarfile
import zipfile
import zlib
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from preserve.bag.inflate import CHUNK, DictionaryTooLarge, GunzipStream, MemberInflater
from preserve.bag.serialize import Serialization, bag_name_of
from preserve.problems import MAX_PER_CODE, Problem

#: every limit, its value and its reason: past one, reading stops (or the member is skipped) with a problem
LIMITS: dict[str, tuple[int, str]] = {
    "members": (2_000_000, "more members than any bag preserve or a repository makes; bounds the time "
                "and the memory of the listing (a name and a size per member)"),
    "bytes": (1 << 44, "16 TiB of member data, beyond any disk a verification runs on"),
    "ratio": (200, "decompressed bytes per compressed byte: text and documents compress 2-20:1, "
              "a gzip or zip bomb of zeros over 1000:1; a real bag this compressible can be verified "
              "as an uncompressed tar"),
    "ratio_after": (64 << 20, "the ratio is judged after 64 MiB decompressed (small files of zeros are fine)"),
    "name_bytes": (4096, "PATH_MAX of Linux: a longer member name is no file name"),
    "header_bytes": (1 << 20, "a tar pax or GNU long-name header is read whole: 1 MiB bounds it"),
    "names": (64 << 20, "memory of the member and folder names held while an archive is read (for duplicates "
              "and the listing), as Python counts it: 64 MiB holds 600,000 names of 60 characters; many long "
              "names (the count times PATH_MAX is 8 GB) are a listing built to exhaust memory"),
    "problems": (MAX_PER_CODE, "problems of one code an archive lists; the rest are counted in one more problem, so "
                 "a hostile archive cannot make a report of millions of lines"),
    "lzma_dict": (64 << 20, "an LZMA member's dictionary is allocated whole: 64 MiB is the largest the xz and "
                  "7-Zip presets use; a member with a larger one is not read (archive-unsupported)"),
}
MAX_MEMBERS, MAX_BYTES, MAX_RATIO, RATIO_AFTER, MAX_NAME_BYTES, MAX_HEADER_BYTES, MAX_NAMES, MAX_PROBLEMS = (
    LIMITS[k][0] for k in ("members", "bytes", "ratio", "ratio_after", "name_bytes", "header_bytes", "names",
                           "problems"))
#: zip compression methods read (APPNOTE 4.4.5); a member in any other is reported, never decompressed
ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
               zipfile.ZIP_LZMA: "lzma"}
_TAR_LINKS = (tarfile.SYMTYPE, tarfile.LNKTYPE)


def sniff(path: Path | str) -> Serialization | None:
    """The serialization of a file by its magic bytes (tar: ustar magic or a valid header checksum)."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        return None
    if head[:2] == b"\x1f\x8b":
        return "tar.gz"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if len(head) == 512 and (head[257:262] == b"ustar" or _tar_checksum_ok(head)):
        return "tar"
    return None


def _tar_checksum_ok(head: bytes) -> bool:
    try:
        return tarfile.nti(head[148:156]) in tarfile.calc_chksums(head)
    except (tarfile.HeaderError, ValueError):
        return False


class _Stop(Exception):
    """Reading the archive cannot go on: a problem (code, message) ends it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class _Skip(_Stop):
    """One member cannot be read (an unsupported method); the archive goes on."""


@dataclass
class Member:
    """One safe member: its bag-relative name, declared size, and its data read on demand."""

    name: str
    size: int
    is_dir: bool
    _read: Callable[[], Iterator[bytes]] | None = field(default=None, repr=False)
    complete: bool = True  # False when its data ended early (damage, a bomb): reported by the reader
    started: bool = False

    def chunks(self) -> Iterator[bytes]:
        """The member's data in chunks of at most CHUNK bytes (once, in archive order)."""
        self.started = True
        return self._read() if self._read is not None else iter(())


class ArchiveReader:
    """One serialized bag read as a stream of safe members; what it refuses is in ``problems``."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.serialization = sniff(self.path)
        self.problems: list[Problem] = []
        self.top: str | None = None
        self._report = True
        self._out = 0       # member bytes read (decompressed)
        self._compressed: Callable[[], int] = lambda: 0
        self._stopped: _Stop | None = None  # set when a member's data ended the stream
        self.names_held = 0  # memory of the names held for this pass (LIMITS["names"]), see hold_names
        self._first_names: dict[str, str] = {}  # the first pass's names: later passes share these strings
        self._counts: dict[str, int] = {}  # problems per code (LIMITS["problems"])

    def hold_names(self, nbytes: int) -> None:
        """Count names a reader holds besides the members' own (e.g. implied folders) against LIMITS["names"];
        past it, reading stops at the next member."""
        self.names_held += nbytes

    def members(self) -> Iterator[Member]:
        """Yield every safe member in archive order; may be called again for a second pass."""
        seen: dict[str, str] = {} if self._report else set()  # type: ignore[assignment]
        count = 0
        self._out = 0
        self.names_held = 0
        try:
            if self.serialization is None:
                raise _Stop("archive-damaged", "not a tar, tar.gz or zip file (judged by its first bytes)")
            entries = self._zip_entries() if self.serialization == "zip" else self._tar_entries()
            for raw, kind, size, read in entries:
                count += 1
                if count > MAX_MEMBERS:
                    raise _Stop("archive-limit", f"more than {MAX_MEMBERS} members: {LIMITS['members'][1]}")
                member = self._screen(raw, kind, size, read, seen)
                if member is not None:
                    yield member
                if self.serialization == "tar.gz" and kind == "file" and (member is None or not member.started):
                    # skipping compressed data means inflating it: done here, so a bomb is caught fast
                    for _ in self._guarded(member or Member(raw[:200], size, False), read):
                        pass
        except _Stop as stop:
            if stop.code:  # an empty code: the problem was reported where it happened
                self._add(stop.code, self.path.name, stop.message)
        finally:
            if self._report:
                self._check_name()
                self._first_names = seen  # type: ignore[assignment]
                for code, n in self._counts.items():
                    if n > MAX_PROBLEMS:
                        self.problems.append(Problem(code, self.path.name, f"{n - MAX_PROBLEMS} more members with "
                                                     f"this problem are not listed ({LIMITS['problems'][1]})"))
            self._report = False  # a second pass reports nothing again

    def _add(self, code: str, path: str, message: str) -> None:
        if self._report:
            n = self._counts[code] = self._counts.get(code, 0) + 1
            if n <= MAX_PROBLEMS:
                self.problems.append(Problem(code, path, message))

    def _check_name(self) -> None:
        expected = bag_name_of(self.path.name)
        if self.top and expected is not None and expected != self.top:
            self._add("archive-name-mismatch", self.path.name, f"the bag's top folder is {self.top!r}, the file is "
                      f"named for {expected!r} (draft-kunze-bagit-14 §4: SHOULD be named like the bag)")

    # --- the checks every member passes --------------------------------------------------------------

    def _screen(self, raw: str, kind: str, size: int, read, seen) -> Member | None:
        if self.names_held > MAX_NAMES:
            raise _Stop("archive-limit", f"member names take over {MAX_NAMES} bytes of memory: {LIMITS['names'][1]}")
        shown = raw[:200]
        name = raw
        while name.startswith("./"):
            name = name[2:]
        name = name.rstrip("/") if kind == "dir" else name
        if name in ("", "."):
            return None  # the archive's own "./" entry
        parts = name.split("/")
        if (len(raw.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES or name.startswith("/") or "\\" in name
                or "\x00" in name or any(p in ("", ".", "..") for p in parts)):
            self._add("archive-unsafe-name", shown, "member name is absolute, has '..', '.', an empty segment, "
                      "a backslash or a NUL, or is too long: never read")
            return None
        if kind in ("symlink", "hardlink"):
            self._add("archive-link", shown, f"member is a {kind.replace('hard', 'hard ')} (never followed)")
            return None
        if kind == "special":
            self._add("archive-special", shown, "member is a device, FIFO or other special file (never read)")
            return None
        if self.top is None:
            self.top = parts[0] if len(parts) > 1 or kind == "dir" else ""
            if not self.top:  # the bag's own files at the archive's top: read as the bag, reported once
                self._add("archive-outside-top", shown, "the bag's files are at the archive's top, not in one "
                          "folder (draft-kunze-bagit-14 §4: MUST unpack to a single base directory)")
        if self.top and parts[0] != self.top:
            self._add("archive-outside-top", shown, f"member outside the bag's one top folder {self.top!r} "
                      "(draft-kunze-bagit-14 §4: MUST unpack to a single base directory): not read")
            return None
        rel = "/".join(parts[1:]) if self.top else name
        if not rel:
            if kind != "dir":
                self._add("archive-outside-top", shown, "a file named like the top folder")
            return None
        if rel in seen:
            self._add("archive-duplicate", shown, "the same name appears again in the archive; extractors "
                      "differ on which one wins: only the first is read")
            return None
        if isinstance(seen, dict):
            seen[rel] = rel
            self.names_held += sys.getsizeof(rel)
        else:  # a later pass: the first pass's string when it has one, so names are held once
            first = self._first_names.get(rel)
            if first is None:
                self.names_held += sys.getsizeof(rel)
            rel = first or rel
            seen.add(rel)
        self._out += size if kind == "file" and self.serialization == "tar" else 0
        if self._out > MAX_BYTES:
            raise _Stop("archive-limit", f"members hold over {MAX_BYTES} bytes: {LIMITS['bytes'][1]}")
        member = Member(rel, size, kind == "dir")
        if kind == "file":
            member._read = lambda: self._guarded(member, read)
        return member

    def _guarded(self, member: Member, read: Callable[[], Iterator[bytes]]) -> Iterator[bytes]:
        """A member's chunks; an error or a bomb ends them, marks the member incomplete and the stream over."""
        try:
            yield from read()
        except _Skip as skip:
            member.complete = False
            if skip.code:
                self._add(skip.code, member.name, skip.message)
        except _Stop as stop:
            member.complete = False
            self._add(stop.code, member.name, stop.message)
            self._stopped = _Stop("", "")
        except (OSError, EOFError, zlib.error, lzma.LZMAError, tarfile.TarError, zipfile.BadZipFile, ValueError,
                struct.error) as exc:
            member.complete = False
            self._add("archive-damaged", member.name, f"member data cannot be read: {exc}")
            self._stopped = _Stop("", "")

    def _ratio(self, out: int) -> None:
        """Stop past the compression-ratio limit (a bomb) once RATIO_AFTER bytes came out."""
        compressed = max(self._compressed(), 1)
        if out > RATIO_AFTER and out > MAX_RATIO * compressed:
            raise _Stop("archive-bomb", f"{out} bytes decompressed from {compressed}: over {MAX_RATIO}:1 "
                        f"({LIMITS['ratio'][1]}); reading stopped")

    # --- tar and tar.gz --------------------------------------------------------------------------------

    def _tar_entries(self) -> Iterator[tuple[str, str, int, Callable[[], Iterator[bytes]]]]:
        gz = self.serialization == "tar.gz"
        with open(self.path, "rb") as raw:
            self._compressed = raw.tell
            self._stopped = None
            source = GunzipStream(raw) if gz else raw
            if gz:
                self._compressed = lambda: source.consumed
            try:
                tf = tarfile.open(fileobj=source, mode="r|" if gz else "r:", tarinfo=_BoundedTarInfo,
                                  bufsize=CHUNK)
            except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
                raise _Stop("archive-damaged", f"not a readable {self.serialization} archive: {exc}") from None
            with tf:
                while True:
                    try:
                        info = tf.next()
                    except (tarfile.TarError, OSError, EOFError, zlib.error, ValueError) as exc:
                        raise _Stop("archive-damaged", f"damaged after {tf.offset} bytes: {exc}") from None
                    tf.members.clear()  # tarfile keeps every header; a stream needs none
                    if info is None:
                        break
                    yield info.name, _tar_kind(info), info.size, lambda info=info: self._tar_chunks(tf, info)
                    if self._stopped is not None:
                        raise self._stopped
                    if gz:
                        self._ratio(tf.offset)
                if getattr(tf, "_preserve_end", "zeros") != "zeros":
                    raise _Stop("archive-damaged", f"ends without the end-of-archive blocks after {tf.offset} "
                                "bytes: truncated, or a damaged header")

    def _tar_chunks(self, tf: tarfile.TarFile, info: tarfile.TarInfo) -> Iterator[bytes]:
        f = tf.extractfile(info)
        left = info.size
        while left > 0:
            chunk = f.read(min(CHUNK, left))
            if not chunk:
                raise _Stop("archive-damaged", f"truncated: {left} of {info.size} bytes missing")
            left -= len(chunk)
            self._ratio(info.offset_data + info.size - left)  # a sparse member of a plain tar can be a bomb too
            yield chunk

    # --- zip -----------------------------------------------------------------------------------------

    def _zip_entries(self) -> Iterator[tuple[str, str, int, Callable[[], Iterator[bytes]]]]:
        with open(self.path, "rb") as raw:
            try:
                zf = zipfile.ZipFile(raw)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error) as exc:
                raise _Stop("archive-damaged", f"not a readable zip archive: {exc}") from None
            with zf:
                self._stopped = None
                read_so_far = [0]
                archive_size = os.fstat(raw.fileno()).st_size
                self._compressed = lambda: min(read_so_far[0], archive_size)
                for info in zf.infolist():
                    kind = _zip_kind(info)
                    if kind == "file" and info.flag_bits & 1:
                        self._add("archive-unsupported", info.orig_filename[:200], "encrypted member: not read")
                        continue
                    if kind == "file" and info.compress_type not in ZIP_METHODS:
                        self._add("archive-unsupported", info.orig_filename[:200], f"compression method "
                                  f"{info.compress_type}: not read (preserve reads {', '.join(ZIP_METHODS.values())})")
                        yield info.orig_filename, kind, info.file_size, _unread
                        continue
                    yield (info.orig_filename, kind, info.file_size,
                           lambda info=info: self._zip_chunks(zf, raw, info, read_so_far))
                    if self._stopped is not None:
                        raise self._stopped

    def _zip_chunks(self, zf: zipfile.ZipFile, raw, info: zipfile.ZipInfo, read_so_far: list[int]) -> Iterator[bytes]:
        if info.file_size > RATIO_AFTER and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _Stop("archive-bomb", f"declares {info.file_size} bytes compressed into {info.compress_size}: "
                        f"over {MAX_RATIO}:1 ({LIMITS['ratio'][1]}); not read")
        raw.seek(info.header_offset)
        header = raw.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise _Stop("archive-damaged", "no local header where the central directory says")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        if raw.read(name_len) != info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437"):
            raise _Stop("archive-unsafe-name", "the local header names another file than the central directory")
        raw.seek(extra_len, os.SEEK_CUR)
        unpack = None if info.compress_type == zipfile.ZIP_STORED else \
            MemberInflater(info.compress_type, info.file_size, LIMITS["lzma_dict"][0])
        left, out, crc = info.compress_size, 0, 0
        while True:
            if unpack is not None and unpack.pending():
                data = unpack.more()
            elif left > 0:
                data = raw.read(min(CHUNK, left))
                if not data:
                    raise _Stop("archive-damaged", "truncated member data")
                left -= len(data)
                read_so_far[0] += len(data)
                if unpack is not None:
                    try:
                        data = unpack.feed(data)
                    except DictionaryTooLarge as exc:
                        raise _Skip("archive-unsupported", f"an LZMA dictionary of {exc.args[0]} bytes: not read "
                                    f"({LIMITS['lzma_dict'][1]})") from None
            else:
                break
            out += len(data)
            if out > info.file_size:
                raise _Stop("archive-member-oversize", f"holds more than the {info.file_size} bytes it declares")
            self._ratio(self._out + out)
            crc = zlib.crc32(data, crc)
            if data:
                yield data
        self._out += out
        if out != info.file_size or (unpack is not None and not unpack.ended(info.flag_bits)):
            raise _Stop("archive-damaged", f"member data ends after {out} of {info.file_size} declared bytes")
        if crc != info.CRC:
            self._add("archive-member-damaged", info.orig_filename[:200], "CRC-32 differs from the archive's "
                      "(its content changed after zipping)")


def _unread() -> Iterator[bytes]:
    """The data of a member not read (its problem was reported when it was listed)."""
    raise _Skip("", "")
    yield b""  # pragma: no cover - makes this a generator


def _tar_kind(info: tarfile.TarInfo) -> str:
    if info.isdir():
        return "dir"
    if info.type == tarfile.SYMTYPE:
        return "symlink"
    if info.type == tarfile.LNKTYPE:
        return "hardlink"
    return "file" if info.isreg() else "special"


def _zip_kind(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16 if info.create_system == 3 else 0
    if info.orig_filename.endswith("/"):
        return "dir"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        return "special"
    return "file"


class _HeaderTooLarge(tarfile.SubsequentHeaderError):
    """A pax or GNU long-name header over MAX_HEADER_BYTES."""


class _BoundedTarInfo(tarfile.TarInfo):
    """tarfile's header reader, noting how the archive ended and refusing huge extended headers."""

    @classmethod
    def fromtarfile(cls, tar: tarfile.TarFile) -> tarfile.TarInfo:
        buf = tar.fileobj.read(tarfile.BLOCKSIZE)
        tar._preserve_end = ("zeros" if buf == tarfile.NUL * tarfile.BLOCKSIZE else  # type: ignore[attr-defined]
                             "short" if len(buf) < tarfile.BLOCKSIZE else "header")
        obj = cls.frombuf(buf, tar.encoding, tar.errors)
        obj.offset = tar.fileobj.tell() - tarfile.BLOCKSIZE
        return obj._proc_member(tar)

    def _proc_member(self, tar: tarfile.TarFile):
        if self.type in (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE, tarfile.GNUTYPE_LONGNAME,
                         tarfile.GNUTYPE_LONGLINK) and self.size > MAX_HEADER_BYTES:
            raise _HeaderTooLarge(f"an extended header of {self.size} bytes (limit {MAX_HEADER_BYTES})")
        return super()._proc_member(tar)


def read_tag_file(archive_path: Path | str, name: str, limit: int) -> bytes | None:
    """The bytes of the member ``<top>/<name>`` (a tag file, e.g. bag-info.txt) of a serialized bag.

    None when the file is no archive, is damaged or hostile before that member, lacks it, or
    the member is larger than ``limit`` bytes. Never raises for the archive's content.
    """
    members = ArchiveReader(archive_path).members()
    with closing(members):
        for member in members:
            if member.name == name and not member.is_dir:
                if member.size > limit:
                    return None
                data = b"".join(member.chunks())
                return data if member.complete and len(data) <= limit else None
    return None
