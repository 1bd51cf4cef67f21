"""An exclusive lock on an output folder, so two runs never write the same bags at once.

The lock is an advisory ``flock`` on ``OUT/.preserve.lock``: the kernel drops it when the
holding process dies, even by SIGKILL, so a stale lock never blocks the next run.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import InputError, LockedError

LOCK_NAME = ".preserve.lock"

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]


@contextmanager
def locked(out: Path) -> Iterator[Path]:
    """Hold the output folder's lock for the duration of the block, or raise LockedError."""
    path = Path(out) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as exc:
        raise InputError(f"{out}: cannot write here ({exc.strerror}); choose a writable --out") from None
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LockedError(
                    f"another run holds the lock on {out}; wait for it to finish or choose another --out"
                ) from None
        yield path
    finally:
        os.close(fd)
