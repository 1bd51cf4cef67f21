"""Where a bag is built before it is put in place: staging names, directory fsync, the write error.

Shared by the folder writer (:mod:`preserve.bag.writer`) and the archive writer
(:mod:`preserve.bag.serialize`): a staging folder or file is a hidden sibling of its final
path, ``.<name>.preserve-staging-<pid>-<hex>``, that the next run removes if a kill left it.
"""
from __future__ import annotations

import errno
import os
import uuid
from pathlib import Path

from preserve.errors import PreserveError

STAGING_MARK = ".preserve-staging-"
RETIRED_MARK = ".preserve-retired-"


def staging_path(dest: Path) -> Path:
    """A hidden sibling of dest, unique to this attempt."""
    return dest.parent / f".{dest.name}{STAGING_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}"


def is_staging_name(name: str) -> bool:
    """True for the names of staging and retired folders and files (never bags to verify)."""
    return name.startswith(".") and (STAGING_MARK in name or RETIRED_MARK in name)


def fsync_dir(path: Path | str) -> None:
    """Flush a directory's entries to disk (so a rename or a new file survives a power cut)."""
    # Its own open: fixity's safe-open takes regular files only, and this is a folder we made.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: errno values of an output that is full or read-only (disk full, quota, read-only, too big)
FULL_OR_READ_ONLY = frozenset(e for e in (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EROFS,
                                          errno.EFBIG) if e is not None)
#: errno values that mean "the output cannot take this bag": full or read-only, or refused
WRITE_ERRNOS = FULL_OR_READ_ONLY | {errno.EACCES, errno.EPERM, errno.EIO}


def write_error(dest: Path, exc: OSError) -> PreserveError:
    """The one-line error for a bag that could not be written (nothing left at dest)."""
    reason = exc.strerror or str(exc)
    hint = {errno.ENOSPC: "free some space or choose another --out",
            errno.EROFS: "the output is read-only; choose a writable --out",
            errno.EFBIG: "a file exceeds the size limit of the output; choose another --out"}.get(
        exc.errno, "check the output folder or choose another --out")
    return PreserveError(f"{dest}: cannot write the bag ({reason}); no partial bag was left; {hint}",
                         exit_code=1)


def write_new(path: Path | str, data: bytes, *, fsync: bool = True) -> None:
    """Create path (it must not exist: O_EXCL refuses anything there) and write data to it, flushed."""
    # Its own open: fixity's safe-open is read-only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)
