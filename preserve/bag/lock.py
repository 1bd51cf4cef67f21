"""An exclusive lock on an output folder, so two runs never write the same bags at once.

The lock is an advisory ``flock`` on ``OUT/.preserve.lock``: the kernel drops it when the
holding process dies, even by SIGKILL, so a stale lock never blocks the next run. The holder
writes its process id into the file (for the message a second run prints); the file itself is
left in place (removing it would race with a run that has just opened it).
"""
from __future__ import annotations

import errno
import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from preserve.errors import InputError, LockedError

LOCK_NAME = ".preserve.lock"

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]


def _holder(fd: int) -> str:
    """' (pid N)' from the lock file's content, or '' when it holds no process id."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""


@contextmanager
def locked(out: Path) -> Iterator[Path]:
    """Hold the output folder's lock for the duration of the block, or raise LockedError."""
    path = Path(out) / LOCK_NAME
    # Not fixity's read-only safe-open: the lock file is created when absent and written (the
    # pid). The same guards are kept: O_NOFOLLOW (a symlink is refused) and O_NONBLOCK (a FIFO
    # planted here cannot hang the open), then the fstat below refuses anything not regular.
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"{path}: is a symbolic link; remove it (the lock file must be a plain file)") from None
        raise InputError(f"{out}: cannot write here ({exc.strerror}); choose a writable --out") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(f"{path}: is not a regular file; remove it (the lock file must be a plain file)")
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LockedError(
                    f"another run{_holder(fd)} holds the lock on {out}; wait for it to finish or "
                    "choose another --out"
                ) from None
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
            except OSError:
                pass  # the pid is only for the message; a full disk must not stop the lock
        yield path
    finally:
        os.close(fd)
