"""Write a BagIt 1.0 bag atomically: build aside in a hidden staging folder, fsync, rename.

Nothing appears at the final path unless complete. Sources are only ever opened read-only
(copied, never moved). A failure removes the staging folder; a killed run leaves a staging
folder (or, for a serialized bag, a staging file) that :func:`remove_stale_staging` clears on
the next run (under the output lock). A serialized bag (``serialize="tar"`` ...) is built in the
staging folder as usual, then written as one archive by :mod:`preserve.bag.serialize`.
"""
from __future__ import annotations

import ctypes
import errno
import os
import shutil
import stat
import uuid
from pathlib import Path
from typing import Callable, Mapping, Sequence

from preserve.bag import tagfiles
from preserve.bag.serialize import Serialization, bag_name_of, check_destination, serialization_of, serialize_bag
from preserve.bag.staging import (FULL_OR_READ_ONLY as _FULL_OR_READ_ONLY, RETIRED_MARK, STAGING_MARK, WRITE_ERRNOS,
                                  fsync_dir, is_staging_name, staging_path, write_error, write_new)
from preserve.errors import InputError, PreserveError
from preserve.fixity import Fixity, ProgressFn, copy_and_hash_many, fsync_files, hash_bytes, hash_constant
from preserve._runtime.interrupts import deferred
from preserve._runtime.libc import libc

__all__ = ["RETIRED_MARK", "STAGING_MARK", "WRITE_ERRNOS", "BagBuilder", "fsync_dir", "is_staging_name",
           "remove_stale_staging", "replace_dir", "staging_path", "write_error"]


def _retired_dest(out: Path, name: str) -> Path | None:
    """The bag a retired folder was moved away from (``.<id>.preserve-retired-<hex>`` -> ``<id>``)."""
    head, mark, _ = name.partition(RETIRED_MARK)
    if not mark or not head.startswith(".") or len(head) < 2:
        return None
    return out / head[1:]


def remove_stale_staging(out: Path) -> list[Path]:
    """Remove staging/retired folders and staging files left in out by killed runs; call only under the out lock.

    A retired folder holds a complete old bag moved aside during a replacement; if the run was
    killed before the new bag took its place (the final path is empty), the old bag is put back
    instead of being removed, so a kill never loses a bag that was complete. A staging file is a
    half-written archive of a killed serialization. Nothing else is touched: not a symlink, not
    a file with another name.
    """
    removed = []
    out = Path(out)
    for entry in sorted(os.scandir(out), key=lambda e: e.name):
        if not is_staging_name(entry.name):
            continue
        if STAGING_MARK in entry.name and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except FileNotFoundError:
                pass
            continue
        if not entry.is_dir(follow_symlinks=False):
            continue
        dest = _retired_dest(out, entry.name)
        if dest is not None and not os.path.lexists(dest):
            try:
                os.rename(entry.path, dest)
                continue
            except OSError:
                pass
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed


_RENAME_EXCHANGE = 2


def exchange_paths(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        renameat2 = libc().renameat2  # type: ignore[union-attr]
    except AttributeError:  # no C library here, or one without renameat2
        return False
    at_fdcwd = -100
    res = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if res == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP if hasattr(errno, "ENOTSUP") else errno.EINVAL):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _holds_a_bag(path: Path) -> bool:
    """True when path is a real folder (not a link) with a regular bagit.txt: a bag we may replace."""
    try:
        return (stat.S_ISDIR(os.lstat(path).st_mode)
                and stat.S_ISREG(os.lstat(path / "bagit.txt").st_mode))
    except OSError:
        return False


def _refuse_unless_a_bag(dest: Path) -> None:
    """Raise InputError when dest exists and is not a bag (preserve replaces only bags)."""
    if not _holds_a_bag(dest):
        raise InputError(f"{dest}: already exists and is not a bag; preserve never replaces it; "
                         "move it away or choose another --out")


def replace_dir(staging: Path, dest: Path) -> None:
    """Put staging at dest; if dest exists, swap atomically and remove the old bag.

    Only a bag is ever replaced: an existing dest that is not a bag (a user's folder, the
    source itself when SOURCE lies inside OUT, a symlink) is refused, never removed.
    """
    if not os.path.lexists(dest):
        os.rename(staging, dest)
        return
    _refuse_unless_a_bag(dest)
    if exchange_paths(staging, dest):
        shutil.rmtree(staging)  # staging now holds the old bag
        return
    retired = dest.parent / f".{dest.name}{RETIRED_MARK}{uuid.uuid4().hex[:8]}"
    os.rename(dest, retired)
    os.rename(staging, dest)
    shutil.rmtree(retired, ignore_errors=True)


def _check_tag_name(name: str) -> None:
    """An extra tag file must be a plain file name at the top of the bag, not one preserve writes."""
    reserved = name in ("bagit.txt", "bag-info.txt", "data") or name.startswith(("manifest-", "tagmanifest-"))
    if reserved or not name or "/" in name or "\\" in name or name.startswith(".") or "\n" in name or "\r" in name:
        raise ValueError(f"{name!r} cannot be an extra tag file")


class BagBuilder:
    """Builds one bag in a staging folder beside ``dest`` and renames it into place.

    Use as a context manager: add payload (source copies and generated bytes), then
    ``finish``; any exception (or leaving without finish) removes the staging folder::

        with BagBuilder(dest, ("sha256", "sha512")) as bag:
            bag.add_files([("a.txt", Path("src/a.txt"))])
            bag.add_bytes("METS.xml", mets)
            bag.finish([("Bagging-Date", "2026-11-22")])

    With ``serialize`` ("tar", "tar.gz" or "zip"), ``dest`` is the archive (``OUT/<id>.tar``):
    ``finish`` writes the staging folder as one archive whose top folder is ``<id>``, renames it
    into place and removes the staging folder. Only the archive is fsynced then.
    """

    def __init__(self, dest: Path, algorithms: Sequence[str], *, jobs: int | None = None,
                 fsync: bool = True, progress: ProgressFn | None = None, replace: bool = False,
                 serialize: Serialization | None = None, tag_algorithms: Sequence[str] | None = None) -> None:
        self.dest = Path(dest)
        self.serialize = serialize
        if serialize is not None and serialization_of(self.dest.name) != serialize:
            raise ValueError(f"{self.dest.name!r} is not the name of a {serialize} archive")
        self.algorithms = tuple(algorithms)
        # the tag manifests' algorithms: the payload's unless a BagIt profile allows fewer
        self.tag_algorithms = tuple(tag_algorithms) if tag_algorithms else self.algorithms
        self.jobs = jobs
        self.fsync = fsync
        self.progress = progress
        self.replace = replace
        self.staging = staging_path(self.dest)
        self._data = os.path.join(self.staging, "data")  # str paths: no Path object made per file
        self.payload: dict[str, Fixity] = {}
        self._dirs: set[str] = set()
        self._unsynced: list[str] = []  # generated and tag files, flushed together in finish
        self._finished = False
        # a serialized bag is fsynced once, as the archive: its staging folder never needs to be
        self._fsync_copies = fsync and serialize is None

    def __enter__(self) -> "BagBuilder":
        try:
            os.mkdir(self.staging, 0o755)
            os.mkdir(self._data, 0o755)
        except BaseException as exc:  # also SIGINT/SIGTERM landing here, before __exit__ is armed
            with deferred():
                shutil.rmtree(self.staging, ignore_errors=True)  # a unique name: only ever ours
            if isinstance(exc, OSError):
                raise InputError(f"{self.dest.parent}: cannot write here ({exc.strerror}); "
                                 "choose a writable --out") from None
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if not self._finished or self.serialize:  # a serialized bag's staging folder goes in any case
            with deferred():
                shutil.rmtree(self.staging, ignore_errors=True)
            if self._is_write_error(exc):
                raise write_error(self.dest, exc) from None
        return False

    def _is_write_error(self, exc: BaseException | None) -> bool:
        """An OSError from writing the bag (not from reading a source): disk full, read-only..."""
        if not isinstance(exc, OSError) or exc.errno not in WRITE_ERRNOS:
            return False
        if exc.filename is None:  # os.write / os.fsync (ours) or a read (a source's EIO, EACCES)
            return exc.errno in _FULL_OR_READ_ONLY
        where = os.fsdecode(exc.filename)
        return where.startswith(str(self.staging)) or where.startswith(str(self.dest))

    def _mkdirs(self, folder: str) -> None:
        """Create data/<folder> and its parents, remembering each (all are fsynced at finish)."""
        if not folder or folder in self._dirs:
            return
        self._mkdirs(os.path.dirname(folder))
        try:
            os.mkdir(os.path.join(self._data, folder), 0o755)
        except FileExistsError:
            pass
        self._dirs.add(folder)

    def _parent(self, relpath: str) -> str:
        """data/<relpath> in the staging folder, its folders made."""
        self._mkdirs(os.path.dirname(relpath))
        return os.path.join(self._data, relpath)

    def payload_path(self, relpath: str) -> str:
        """Where data/<relpath> is being written (in the staging folder)."""
        return os.path.join(self._data, relpath)

    def _check_new(self, relpath: str) -> None:
        parts = relpath.split("/")
        if relpath in self.payload or not relpath or relpath.startswith("/") or ".." in parts or "" in parts:
            raise PreserveError(f"internal error: bad or repeated payload path {relpath!r}")

    def add_files(self, items: Sequence[tuple[str, str | Path]], *, sizes: Sequence[int] | None = None,
                  on_head: Callable[[int, bytes], None] | None = None) -> dict[str, Fixity]:
        """Copy sources into data/<relpath>, hashing as they are read; returns fixity by relpath.

        ``sizes`` (the sources' sizes, when the caller knows them) saves a stat per file; they
        only order the work, the real size is read from the open file. ``on_head(i, first
        bytes)`` gets the start of item i's copy as it is written (see copy_and_hash_many).
        """
        for rel, _ in items:
            self._check_new(rel)
        pairs = [(src, self._parent(rel)) for rel, src in items]
        results = copy_and_hash_many(pairs, self.algorithms, jobs=self.jobs, fsync=self._fsync_copies,
                                     progress=self.progress, sizes=sizes, on_head=on_head)
        added = {rel: fx for (rel, _), fx in zip(items, results)}
        self.payload.update(added)
        return added

    def add_bytes(self, relpath: str, data: bytes, *, constant: bool = False,
                  known: Mapping[str, str] | None = None) -> Fixity:
        """Write generated bytes to data/<relpath> and record their fixity.

        The file is flushed to disk with the others in ``finish`` (one parallel batch), before
        the bag is renamed into place. ``constant`` marks a bytes object reused by every bag
        (a shipped schema): its digests are computed once per process. ``known``: digests of
        ``data`` already computed by the caller (algorithm -> hex), not computed again.
        """
        self._check_new(relpath)
        target = self._parent(relpath)
        write_new(target, data, fsync=False)
        self._unsynced.append(target)
        fx = hash_constant(data, self.algorithms) if constant else hash_bytes(data, self.algorithms, known)
        self.payload[relpath] = fx
        return fx

    def add_empty_dir(self, relpath: str) -> None:
        """Keep an empty folder in the payload (BagIt manifests cannot list it)."""
        self._mkdirs(relpath.strip("/"))

    def finish(self, bag_info: Sequence[tuple[str, str]], tag_files: Mapping[str, bytes] | None = None,
               *, bag_size: bool = False) -> Path:
        """Write manifests and tag files, fsync, and rename the bag (or its archive) into place.

        ``tag_files``: other tag files by name (a profile's ``aptrust-info.txt``), written beside
        bag-info.txt and listed in every tag manifest (RFC 8493 §2.2.1). ``bag_size``: add
        Bag-Size to bag-info.txt (a profile asks for it), computed like Payload-Oxum.
        """
        if self.serialize:
            check_destination(self.dest, self.serialize, self.replace)  # refuse before the work
        if bag_size:
            # RFC 8493 §2.2.2 Bag-Size: "the size or approximate size of the bag being transferred,
            # followed by an abbreviation such as MB". The payload's octets (the tag files are a few
            # KB beside it), in decimal units (1 KB = 1000 bytes), one decimal: "1.4 MB".
            size = float(sum(fx.size for fx in self.payload.values()))
            units = ("bytes", "KB", "MB", "GB", "TB", "PB", "EB")
            unit = 0
            while unit < len(units) - 1 and round(size, 1) >= 1000:
                size, unit = size / 1000, unit + 1
            text = f"{int(size)} bytes" if unit == 0 else f"{size:.1f} {units[unit]}"
            bag_info = [*bag_info, ("Bag-Size", text)]
        for name, data in self._tag_files(bag_info, tag_files).items():
            target = os.path.join(self.staging, name)
            write_new(target, data, fsync=False)
            self._unsynced.append(target)
        if self.serialize:
            serialize_bag(self.staging, self.dest, self.serialize, top=bag_name_of(self.dest.name),
                          replace=self.replace, fsync=self.fsync)
            self._finished = True
            shutil.rmtree(self.staging, ignore_errors=True)
            return self.dest
        if self.fsync:
            self._flush_staging()
        if os.path.lexists(self.dest):
            _refuse_unless_a_bag(self.dest)
            if not self.replace:
                raise InputError(f"{self.dest}: already exists; use --force to replace it")
        with deferred():  # the rename and the bookkeeping happen together or not at all
            replace_dir(self.staging, self.dest)
            self._finished = True
        if self.fsync:
            fsync_dir(self.dest.parent)
        return self.dest

    def _tag_files(self, bag_info: Sequence[tuple[str, str]],
                   extra: Mapping[str, bytes] | None = None) -> dict[str, bytes]:
        """The tag files by name (RFC 8493 §2.1, §2.2): bagit.txt, bag-info.txt, manifests, extra tag files, tag manifests.

        Payload-Oxum is added to bag_info; the tag manifests list every other tag file.
        """
        total = sum(fx.size for fx in self.payload.values())
        info = list(bag_info) + [("Payload-Oxum", tagfiles.payload_oxum(total, len(self.payload)))]
        tags: dict[str, bytes] = {
            "bagit.txt": tagfiles.bagit_txt().encode("utf-8"),
            "bag-info.txt": tagfiles.bag_info_text(info).encode("utf-8"),
        }
        for alg in self.algorithms:
            entries = [(f"data/{rel}", fx.digests[alg]) for rel, fx in self.payload.items()]
            tags[f"manifest-{alg}.txt"] = tagfiles.manifest_text(entries).encode("utf-8")
        for name, data in (extra or {}).items():
            _check_tag_name(name)
            tags[name] = bytes(data)
        tag_fixity = {name: hash_bytes(data, self.tag_algorithms) for name, data in tags.items()}
        for alg in self.tag_algorithms:
            entries = [(name, fx.digests[alg]) for name, fx in tag_fixity.items()]
            tags[f"tagmanifest-{alg}.txt"] = tagfiles.manifest_text(entries).encode("utf-8")
        return tags

    def _flush_staging(self) -> None:
        """fsync every file written so far and every folder of the staging bag, deepest first."""
        fsync_files(self._unsynced)
        for folder in sorted(self._dirs, key=len, reverse=True):
            fsync_dir(os.path.join(self._data, folder))
        fsync_dir(self._data)
        fsync_dir(self.staging)
