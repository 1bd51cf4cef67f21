"""Write a bag folder as one archive file (tar, tar.gz, zip): streamed, built aside, renamed into place.

The rules are draft-kunze-bagit-14 §4 ("Serialization"), which RFC 8493 left out: "one and only
one bag per serialized file", "the serialized file name SHOULD be the name of the bag's base
directory" and it "MUST unpack to a single base directory" named like it. E-ARK AIP (AIP28)
serializes an AIP as "TAR (uncompressed)". So ``<id>.tar`` holds exactly one top folder ``<id>/``.

Member order: the tag files first (bagit.txt, bag-info.txt, manifest-*.txt, tagmanifest-*.txt,
then any other tag file or folder), then ``data/`` depth first in sorted order, each folder
before its contents (empty folders survive): a reader streaming the archive knows every
expected digest before the first payload byte. Metadata is normalised: owner 0:0 with no user
or group names, modes 0644 / 0755, the staged file's modification time.

tar is POSIX pax (long and non-ASCII names); headers come from :class:`tarfile.TarInfo` and
contents are copied in the kernel (``copy_file_range``, else ``sendfile``, else read/write).
tar.gz is the same stream through zlib (gzip's default level 6), optionally on a second thread. zip is
:mod:`zipfile` with ZIP64, deflate, folder entries and UTF-8 names. Memory stays flat: files are
streamed in 1 MiB pieces, never read whole.

Nothing partial ever reaches the final path: the archive is written to a hidden staging file
beside it (``.<name>.preserve-staging-<pid>-<hex>``), fsynced, renamed into place, and the
folder fsynced. A failure or a signal removes the staging file; a kill leaves one that
:func:`preserve.bag.writer.remove_stale_staging` clears on the next run.
"""
from __future__ import annotations

import os
import stat
import time
import zipfile
import zlib
from pathlib import Path
from typing import Iterator, Literal

from preserve.bag.staging import WRITE_ERRNOS, fsync_dir, staging_path, write_error
from preserve.bag.tarstream import BLOCK, DIR_MODE, FILE_MODE, LEVEL, FileSink, GzipSink, read_exact, write_tar
from preserve.errors import InputError, PreserveError
from preserve.fixity.reading import open_regular
from preserve._runtime.interrupts import deferred

Serialization = Literal["tar", "tar.gz", "zip"]
SERIALIZATIONS: tuple[Serialization, ...] = ("tar", "tar.gz", "zip")
_SUFFIXES: dict[str, str] = {"tar": ".tar", "tar.gz": ".tar.gz", "zip": ".zip"}



def _check_format(fmt: str) -> None:
    if fmt not in _SUFFIXES:
        raise InputError(f"unknown serialization {fmt!r}; choose {', '.join(SERIALIZATIONS)}")


def archive_name(bag_name: str, fmt: Serialization) -> str:
    """The archive's file name for a bag: ``<bag_name>.tar``, ``.tar.gz`` or ``.zip``."""
    _check_format(fmt)
    return bag_name + _SUFFIXES[fmt]


def serialization_of(filename: str) -> Serialization | None:
    """The serialization a file name says (by its suffix); None when it names none."""
    for fmt in ("tar.gz", "tar", "zip"):  # .tar.gz before .tar
        if filename.endswith(_SUFFIXES[fmt]) and len(filename) > len(_SUFFIXES[fmt]):
            return fmt  # type: ignore[return-value]
    return None


def bag_name_of(archive_filename: str) -> str | None:
    """The bag (top folder) name of an archive file name, its suffix removed; None without a known suffix."""
    fmt = serialization_of(archive_filename)
    return archive_filename[: -len(_SUFFIXES[fmt])] if fmt else None


# -- members in archive order ---------------------------------------------------------------------

def _tag_order(names: list[str]) -> list[str]:
    """Top-level names of a bag, tag files first: bagit.txt, bag-info.txt, manifests, tag manifests, others, data."""
    def rank(name: str) -> tuple[int, str]:
        if name in ("bagit.txt", "bag-info.txt"):
            return (0 if name == "bagit.txt" else 1, name)
        if name.startswith("manifest-") and name.endswith(".txt"):
            return (2, name)
        if name.startswith("tagmanifest-") and name.endswith(".txt"):
            return (3, name)
        return (5, name) if name == "data" else (4, name)
    return sorted(names, key=rank)


def members(folder: Path | str) -> Iterator[tuple[str, str, bool]]:
    """(name inside the bag, path on disk, is a folder) for every member, in archive order.

    A symlink or any file that is not regular is refused: a bag holds files and folders only.
    """
    folder = os.fspath(folder)
    yield from _walk(folder, "", _tag_order(os.listdir(folder)))


def _walk(path: str, rel: str, names: list[str]) -> Iterator[tuple[str, str, bool]]:
    for name in names:
        full, inner = os.path.join(path, name), f"{rel}{name}"
        mode = os.lstat(full).st_mode
        if stat.S_ISDIR(mode):
            yield inner, full, True
            yield from _walk(full, inner + "/", sorted(os.listdir(full)))
        elif stat.S_ISREG(mode):
            yield inner, full, False
        else:
            raise PreserveError(f"{full}: not a regular file or folder; a serialized bag holds only those")


# -- the three formats -----------------------------------------------------------------------------

def _zip_time(mtime: float) -> tuple[int, int, int, int, int, int]:
    """A zip (MS-DOS) timestamp, local time as zip tools expect, held within the years 1980-2107."""
    when = time.localtime(mtime)[:6]
    return max(min(when, (2107, 12, 31, 23, 59, 58)), (1980, 1, 1, 0, 0, 0))  # type: ignore[return-value]


def _zip_info(name: str, mtime: float, is_dir: bool) -> zipfile.ZipInfo:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{name!r}: a zip holds UTF-8 names only; serialize this bag as tar") from None
    info = zipfile.ZipInfo(name + "/" if is_dir else name, _zip_time(mtime))
    info.create_system = 3  # Unix: unzip applies the modes below
    if is_dir:
        info.external_attr = ((stat.S_IFDIR | DIR_MODE) << 16) | 0x10  # 0x10: the MS-DOS folder flag
    else:
        info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write_zip(folder: str, top: str, fd: int) -> None:
    with os.fdopen(fd, "wb", closefd=False) as raw, \
            zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=LEVEL) as archive:
        archive.writestr(_zip_info(top, os.stat(folder).st_mtime, True), b"")
        for rel, path, is_dir in members(folder):
            name = f"{top}/{rel}"
            if is_dir:
                archive.writestr(_zip_info(name, os.lstat(path).st_mtime, True), b"")
                continue
            src, st = open_regular(path)
            try:
                info = _zip_info(name, st.st_mtime, False)
                info.file_size = st.st_size  # so that zipfile chooses ZIP64 for a large member up front
                with archive.open(info, "w") as out:
                    for piece in read_exact(src, st.st_size, path):
                        out.write(piece)
            finally:
                os.close(src)


def write_archive(folder: Path | str, fd: int, fmt: Serialization, top: str, *, threaded: bool = False) -> None:
    """Write the bag in ``folder`` to the open file ``fd`` as one archive whose single top folder is ``top``."""
    _check_format(fmt)
    if not top or "/" in top or top in (".", ".."):
        raise ValueError(f"bad top folder name {top!r}: one plain folder name")
    folder = os.fspath(folder)
    if fmt == "zip":
        _write_zip(folder, top, fd)
        return
    sink = GzipSink(fd, threaded) if fmt == "tar.gz" else FileSink(fd)
    try:
        write_tar(folder, top, members(folder), sink)
        sink.close()
    except BaseException:
        sink.abort()
        raise


# -- atomically into place -------------------------------------------------------------------------

def is_archive_of(path: Path | str, fmt: Serialization) -> bool:
    """True when path is a regular file (not a link) that starts like an archive of this kind."""
    try:
        fd, _ = open_regular(path)
    except OSError:
        return False
    try:
        head = os.read(fd, 4096)
    finally:
        os.close(fd)
    if fmt == "zip":
        return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")
    if fmt == "tar.gz":
        if head[:2] != b"\x1f\x8b":
            return False
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 2 * BLOCK)  # bounded
        except zlib.error:
            return False
    return head[257:262] == b"ustar"


def _refuse_unless_archive(dest: Path, fmt: Serialization) -> None:
    """Raise InputError when dest exists and is not a serialized bag of this kind (never replaced)."""
    if not is_archive_of(dest, fmt):
        raise InputError(f"{dest}: already exists and is not a {fmt} archive; preserve never replaces it; "
                         "move it away or choose another --out")


def check_destination(dest: Path, fmt: Serialization, replace: bool) -> None:
    """Refuse an existing dest unless it is an archive of this kind and replace is allowed."""
    if os.path.lexists(dest):
        _refuse_unless_archive(dest, fmt)
        if not replace:
            raise InputError(f"{dest}: already exists; use --force to replace it")


def serialize_bag(folder: Path | str, dest: Path | str, fmt: Serialization | None = None, *,
                  top: str | None = None, replace: bool = False, fsync: bool = True,
                  threaded: bool = False) -> Path:
    """Write the bag folder as the archive dest, atomically; returns dest.

    ``fmt`` defaults to what dest's name says, ``top`` to dest's name without its suffix. An
    existing dest is replaced only with ``replace`` and only when it is an archive of that kind.
    """
    dest = Path(dest)
    fmt = fmt or serialization_of(dest.name)
    if fmt is None:
        raise ValueError(f"{dest}: not a .tar, .tar.gz or .zip name; give fmt")
    _check_format(fmt)
    top = top or bag_name_of(dest.name) or dest.name
    check_destination(dest, fmt, replace)
    staging = staging_path(dest)
    placed = False
    try:
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            write_archive(folder, fd, fmt, top, threaded=threaded)
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        check_destination(dest, fmt, replace)  # again: something may have appeared meanwhile
        with deferred():  # renamed and noted together: a signal cannot leave the rename unnoted
            os.rename(staging, dest)  # replaces a regular file atomically (POSIX rename)
            placed = True
    except BaseException as exc:
        if not placed:
            with deferred():
                try:
                    os.unlink(staging)
                except OSError:  # never made (the open failed), or already gone
                    pass
        if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
            raise write_error(dest, exc) from None
        raise
    if fsync:
        fsync_dir(dest.parent)
    return dest
