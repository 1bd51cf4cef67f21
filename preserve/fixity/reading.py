"""Opening a file for reading safely: a regular file only, never through a symlink, never blocking.

This is preserve's one safe-open for files it reads (sources, bags, XML, format sniffing). An
open through :func:`open_regular` or :func:`open_for_reading`:

- never follows a final symbolic link (``O_NOFOLLOW``: the open fails with ELOOP);
- never blocks on a FIFO or a device waiting for a writer (``O_NONBLOCK``), and refuses
  anything that fstat does not call a regular file (a folder, a FIFO, a socket, a device);
- is not inherited by child processes (``O_CLOEXEC``);
- opens read-only, so a source can never be changed through it.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

#: How much of a file's start a format sniffer needs (and a ``head`` callback of the engine gets).
HEAD_BYTES = 8192

#: The flags of every open for reading (O_NONBLOCK does nothing to a regular file's reads).
READ_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
              | getattr(os, "O_CLOEXEC", 0))


def open_regular(path: Path | str) -> tuple[int, os.stat_result]:
    """Open a regular file read-only with READ_FLAGS; its descriptor and its one fstat.

    Raises OSError for a symlink, a folder or any other non-regular file, as for a missing one.
    The caller closes the descriptor.
    """
    fd = os.open(path, READ_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"not a regular file: {path}")
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def open_for_reading(path: Path | str) -> int:
    """Open a regular file read-only, as :func:`open_regular` does; the descriptor alone."""
    return open_regular(path)[0]


def read_head(path: Path | str, limit: int) -> bytes:
    """At most ``limit`` bytes from the start of a regular file, opened as open_regular does.

    A file no larger than ``limit`` costs one read.
    """
    fd, st = open_regular(path)
    try:
        return read_upto(fd, limit, st.st_size)
    finally:
        os.close(fd)


def read_upto(fd: int, limit: int, size: int) -> bytes:
    """At most limit bytes of an open file that fstat says holds size bytes.

    One read() when the file has not grown since (no buffer of limit bytes is allocated);
    a file that grew is read on until end of file or limit.
    """
    parts: list[bytes] = []
    got = 0
    while got < limit:
        chunk = os.read(fd, min(limit - got, max(size + 1 - got, 1 << 16)))
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
        if got == size:  # the size fstat gave: end of file, no further read
            break
    return b"".join(parts)
