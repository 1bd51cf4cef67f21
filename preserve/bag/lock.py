"""An exclusive lock on an output folder, so two runs never write the same bags at once.

The lock is an advisory ``flock`` on a descriptor of the output folder itself, opened read-only
as a directory: it needs no file, so the folder holds only bags. The kernel drops it when the
holding process dies, even by SIGKILL, so a stale lock never blocks the next run. A second run
names the holder's process id when the system tells it (Linux lists every lock, with its holder
and the device and inode locked, in ``/proc/locks``); elsewhere it says only that another run
holds the folder.

Earlier versions locked a file ``OUT/.preserve.lock`` and left it beside the bags. The holder
removes such a file, that exact name and only a regular file, after taking that file's lock too,
so a run of an earlier version still writing into the folder is waited for, never overrun.
"""
from __future__ import annotations

import errno
import os
import stat
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Callable, Iterator

from preserve.errors import InputError, LockedError

#: the lock file earlier versions left in the output folder (removed by the holder of the lock)
LOCK_NAME = ".preserve.lock"
#: where Linux lists every file lock held ("1: FLOCK  ADVISORY  WRITE <pid> <major>:<minor>:<inode> 0 EOF")
PROC_LOCKS = Path("/proc/locks")
#: the most of /proc/locks read (a few lines per process holding a lock)
MAX_PROC_LOCKS_BYTES = 1 << 20

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

_FLAGS = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def holder_in(locks: str, st_dev: int, st_ino: int) -> int | None:
    """The process id holding a flock on (st_dev, st_ino), as /proc/locks text gives it, or None.

    Each line holds the lock's kind, the holder's pid and "MAJOR:MINOR:INODE" (device numbers
    in hexadecimal); lines with "->" are processes waiting for a lock, not holding one.
    """
    wanted = (os.major(st_dev), os.minor(st_dev), st_ino)
    for line in locks.splitlines():
        fields = line.split()
        if "->" in fields or "FLOCK" not in fields:
            continue
        for pid, where in pairwise(fields):
            parts = where.split(":")
            if len(parts) != 3 or not pid.isdigit():
                continue
            try:
                found = (int(parts[0], 16), int(parts[1], 16), int(parts[2]))
            except ValueError:
                continue
            if found == wanted:
                return int(pid)
    return None


def _holder(fd: int) -> str:
    """' (pid N)' for the process holding the lock on fd's file, or '' when the system does not say."""
    try:
        st = os.fstat(fd)
        with PROC_LOCKS.open("rb") as handle:
            text = handle.read(MAX_PROC_LOCKS_BYTES).decode("ascii", "replace")
    except OSError:
        return ""
    pid = holder_in(text, st.st_dev, st.st_ino)
    return f" (pid {pid})" if pid else ""


def _refused(out: Path, holder: str) -> LockedError:
    return LockedError(f"another run{holder} holds the lock on {out}; wait for it to finish or choose another --out")


def _take(fd: int, out: Path, holder: Callable[[int], str]) -> None:
    """flock fd exclusively, or raise LockedError naming the holder (``holder(fd)``)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise _refused(out, holder(fd)) from None
    except OSError as exc:
        raise InputError(f"{out}: cannot lock the folder ({exc.strerror}); choose an --out on a local disk") from None


def _old_holder(fd: int) -> str:
    """' (pid N)' from a lock file of an earlier version (it wrote its pid there), or ''."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""


def remove_old_lock_file(folder: int, out: Path) -> None:
    """Remove OUT/.preserve.lock an earlier version left (folder: a descriptor of OUT).

    Only a regular file of that exact name goes, and only once its own lock is taken (an
    earlier version's run still holding it raises LockedError); anything else is left alone.
    """
    try:
        fd = os.open(LOCK_NAME, os.O_RDONLY | _FLAGS, dir_fd=folder)
    except OSError:
        return  # absent, a symbolic link (ELOOP) or unreadable: not ours to remove
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return
        _take(fd, out, _old_holder)
        try:
            now = os.stat(LOCK_NAME, dir_fd=folder, follow_symlinks=False)
            if (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino):
                os.unlink(LOCK_NAME, dir_fd=folder)
        except OSError:
            pass  # a read-only folder keeps it; it does no harm
    finally:
        os.close(fd)


@contextmanager
def locked(out: Path) -> Iterator[Path]:
    """Hold the output folder's lock for the duration of the block, or raise LockedError."""
    out = Path(out)
    try:
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            raise InputError(f"{out}: is a file, not a folder; choose another --out") from None
        raise InputError(f"{out}: cannot write here ({exc.strerror}); choose a writable --out") from None
    try:
        if fcntl is not None:
            _take(fd, out, _holder)
            remove_old_lock_file(fd, out)
        yield out
    finally:
        os.close(fd)
