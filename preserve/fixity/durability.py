"""Durability: fsync many files already written, cheaply one by one, or on threads once a device waits.

Writing a bag's files first and fsyncing them all afterwards is as durable as fsyncing each
right after writing it (nothing is published before every one is flushed: the bag is renamed
into place later), and faster on a disk: the file system writes the data back in large
batches and many fsyncs find it already on disk.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from preserve.fixity.reading import READ_FLAGS
from preserve.fixity.threads import Cancelled, work_through

#: Threads that fsync deferred copies: fsync waits on the device, not the CPU, so more than the
#: cores helps a disk's queue.
FSYNC_THREADS = 8

#: An fsync slower than this waits on a device: the rest of the batch goes to parallel threads.
SLOW_FSYNC_SECONDS = 0.0002


def fsync_files(paths: Sequence[Path | str], *, jobs: int | None = None,
                stop: threading.Event | None = None) -> None:
    """fsync many files already written and closed; the first error raises.

    The files are flushed here one by one while that is cheap (tmpfs, data already on disk);
    once one fsync has to wait for a device, the rest are flushed by up to ``jobs`` parallel
    threads (default FSYNC_THREADS), which keeps a disk's queue full. ``stop`` set (by the
    caller, or by a failing thread) ends it with :class:`Cancelled`.
    """
    stop = stop if stop is not None else threading.Event()
    paths = list(paths)
    for done, path in enumerate(paths):
        if stop.is_set():
            raise Cancelled()
        started = time.perf_counter()
        _flush(path)
        if time.perf_counter() - started > SLOW_FSYNC_SECONDS and done + 2 < len(paths):
            _fsync_parallel(paths[done + 1:], jobs or FSYNC_THREADS, stop)
            return


def _flush(path: Path | str) -> None:
    """fsync one file, opened as every file preserve reads is (never through a symlink)."""
    fd = os.open(path, READ_FLAGS)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_parallel(paths: list[Path | str], jobs: int, stop: threading.Event) -> None:
    """fsync paths on up to ``jobs`` threads of the shared pool; the first error raises."""
    errors: list[BaseException] = []

    def flush(path: Path | str) -> bool:
        try:
            _flush(path)
        except BaseException as exc:
            errors.append(exc)
            stop.set()
            return False
        return True

    work_through(paths, flush, threads=min(jobs, len(paths)), stop=stop)
    if errors:
        raise errors[0]
    if stop.is_set():
        raise Cancelled()
