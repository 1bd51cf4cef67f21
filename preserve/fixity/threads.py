"""The fixity room's threads: how many, the one shared pool, a queue its workers work through.

A stop event reaches every worker: each checks it before its next item (the pumps check it
between chunks) and gives up with :class:`Cancelled`. An exception in the calling thread while
it waits (SIGINT/SIGTERM arrive there) sets the stop event before it unwinds, and the workers
are idle again before :func:`work_through` returns or raises.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

from preserve._runtime import interrupts

Item = TypeVar("Item")
_END = object()  # what a worker's next() gives when the queue is empty

#: How often the calling thread wakes while it waits for the workers.
WAKE_SECONDS = 0.25


class Cancelled(Exception):
    """A copy or hash abandoned because the stop event was set (by the caller or another worker)."""


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def shared_pool(workers: int) -> ThreadPoolExecutor:
    """One process-wide pool of at least ``workers`` threads, started once and reused by every call.

    Verifying or bagging thousands of small releases calls copy_and_hash_many thousands of
    times; starting threads for each call would cost more than hashing the files.
    """
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size < workers:
            old = _pool
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fixity")
            _pool_size = workers
            if old is not None:
                old.shutdown(wait=False)  # its running work finishes; its idle threads exit
        return _pool


def _forget_pool_after_fork() -> None:
    global _pool, _pool_size, _pool_lock
    _pool, _pool_size, _pool_lock = None, 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def work_through(items: Sequence[Item], work: Callable[[Item], bool], *, threads: int, stop: threading.Event,
                 meanwhile: Callable[[], None] | None = None) -> None:
    """``work(item)`` for the items in order, on ``threads`` workers of the shared pool.

    Each worker takes the next item from one queue until none is left, ``stop`` is set, or
    ``work`` returns False (it failed: it records why and sets ``stop`` itself). The calling
    thread runs ``meanwhile`` while they work, then waits for them. An exception in the calling
    thread (``meanwhile``'s, or an interrupt while it waits) sets ``stop`` and is raised once
    every worker is idle again.
    """
    queue = iter(items)
    queue_lock = threading.Lock()

    def worker() -> None:
        while not stop.is_set():
            with queue_lock:
                item = next(queue, _END)
            if item is _END or not work(item):  # type: ignore[arg-type]
                return

    futures: list[Future] = []
    try:
        if threads:
            pool = shared_pool(threads)
            with interrupts.deferred():  # every worker started and recorded, or none
                futures = [pool.submit(worker) for _ in range(threads)]
        if meanwhile is not None:
            meanwhile()
        # Wake up now and then, so a signal handled in another thread still reaches us promptly.
        while futures and wait(futures, timeout=WAKE_SECONDS).not_done:
            pass
    except BaseException:
        stop.set()  # the caller was interrupted: stop the workers before unwinding
        raise
    finally:
        for fut in futures:
            fut.cancel()  # not started yet: never will
        # Running workers see stop within one item (a pump: one chunk) and clean up after
        # themselves (a copy abandoned is removed): wait for that, so nothing writes into the
        # caller's folder while the caller removes it.
        wait(futures)

