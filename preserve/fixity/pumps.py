"""Pumps: one open file read once, every chunk fed to each hasher, the copy and a head collector.

Three ways through a file: :func:`pump_serial` (one thread, one reusable buffer per thread:
no allocation per file, flat memory whatever the file size), :func:`hash_small` (hash only, a
small file in one read) and :func:`pump_split` (double buffers, the consumers spread over
lanes of threads). Each checks the stop event between chunks and raises :class:`Cancelled`
when it is set.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from preserve._runtime import interrupts
from preserve.fixity.lanes import COPY_COST, algorithm_cost, plan_lanes
from preserve.fixity.reading import HEAD_BYTES
from preserve.fixity.threads import Cancelled

#: Read size of the one-thread-per-file path (one reusable buffer per worker thread).
BUFFER_SIZE = 1 << 20
#: Read size of the split path (two such buffers per split file).
SPLIT_BUFFER_SIZE = 8 << 20

ProgressFn = Callable[[int, int], None]
"""Called with (files finished, bytes read) increments; must be thread-safe."""

HeadFn = Callable[[bytes], None]
"""Given the first HEAD_BYTES bytes of a file (all of a shorter one), once, as the copy reads them."""

Consumer = Callable[[memoryview], object]
"""Takes one chunk: a hasher's update, or the write into the copy."""


class Head:
    """Collects a file's first HEAD_BYTES bytes from the chunks read, for a HeadFn."""

    __slots__ = ("fn", "parts", "size")

    def __init__(self, fn: HeadFn) -> None:
        self.fn = fn
        self.parts: list[bytes] = []
        self.size = 0

    def take(self, chunk: memoryview) -> Head | None:
        """Keep what chunk adds to the head; once it is whole, hand it on and return None."""
        part = bytes(chunk[:HEAD_BYTES - self.size])
        self.parts.append(part)
        self.size += len(part)
        if self.size < HEAD_BYTES:
            return self
        self.done()
        return None

    def done(self) -> None:
        """Hand on what was collected (the whole file, when it is shorter than HEAD_BYTES)."""
        self.fn(b"".join(self.parts))


def write_all(fd: int, view: memoryview) -> None:
    """Write all of view to fd, however many writes it takes."""
    while view:
        written = os.write(fd, view)
        view = view[written:]


_local = threading.local()


def _thread_buffer() -> tuple[bytearray, memoryview]:
    """This thread's reusable read buffer."""
    pair = getattr(_local, "buffer", None)
    if pair is None or len(pair[0]) != BUFFER_SIZE:
        buf = bytearray(BUFFER_SIZE)
        pair = _local.buffer = (buf, memoryview(buf))
    return pair


def pump_serial(src_fd: int, dest_fd: int, hashers: list, progress: ProgressFn | None,
                stop: threading.Event | None, expected: int = -1, head: Head | None = None) -> int:
    """One thread: read into this thread's buffer, feed every hasher, the copy and ``head``.

    A short read that brings the total to the size fstat gave ends the file without a further
    read (a small file costs one read); anything else reads on until end of file.
    """
    total = 0
    buf, view = _thread_buffer()
    size = len(buf)
    updates = [h.update for h in hashers]
    readv, write = os.readv, os.write
    bufs = [buf]
    while True:
        if stop is not None and stop.is_set():
            raise Cancelled()
        n = readv(src_fd, bufs)
        if not n:
            break
        chunk = view[:n] if n < size else view
        if head is not None:
            head = head.take(chunk)
        for update in updates:
            update(chunk)
        if dest_fd >= 0:
            written = write(dest_fd, chunk)
            if written < n:
                write_all(dest_fd, chunk[written:])
        total += n
        if progress:
            progress(0, n)
        if n < size and total == expected:
            break
    if head is not None:
        head.done()
    return total


def hash_small(src_fd: int, hashers: list, progress: ProgressFn | None, stop: threading.Event | None,
               expected: int) -> int:
    """Hash only (no copy, no head) a file fstat says is small: one read of it whole.

    No reusable buffer and no views: for a small file their per-file cost outweighs what they
    save, they are for files that take several reads. A file that is not whole after that read
    (it grew or shrank since fstat) is read on to its end as any file is.
    """
    if stop is not None and stop.is_set():
        raise Cancelled()
    data = os.read(src_fd, expected + 1)
    for h in hashers:
        h.update(data)
    total = len(data)
    if progress:
        progress(0, total)
    if total != expected:
        total += pump_serial(src_fd, -1, hashers, progress, stop)
    return total


def pump_split(src_fd: int, dest_fd: int, hashers: list, progress: ProgressFn | None,
               stop: threading.Event | None, head: Head | None = None,
               names: Sequence[str] = (), lanes: int = 2) -> int:
    """Double-buffered, the work spread over ``lanes`` threads, this one included.

    The algorithms and the copy are grouped into lanes of about equal cost
    (:func:`~preserve.fixity.lanes.plan_lanes`). This thread reads chunk k+1 while the other
    lanes work on chunk k, then does its own lane's share of chunk k+1.
    """
    total = 0
    buffers = [bytearray(SPLIT_BUFFER_SIZE), bytearray(SPLIT_BUFFER_SIZE)]
    views = [memoryview(b) for b in buffers]
    consumers: list[Consumer] = [h.update for h in hashers]
    costs = [algorithm_cost(a) for a in names] if len(names) == len(hashers) else [1.0] * len(hashers)
    if dest_fd >= 0:
        consumers.append(lambda chunk: write_all(dest_fd, chunk))
        costs.append(COPY_COST)
    own, *others = [[consumers[i] for i in lane] for lane in plan_lanes(costs, lanes)]
    pending: list[Future] = []
    pool = ThreadPoolExecutor(max_workers=max(1, len(others)), thread_name_prefix="fixity-split")
    try:
        i = 0
        while True:
            if stop is not None and stop.is_set():
                raise Cancelled()
            n = os.readv(src_fd, [buffers[i % 2]])
            for fut in pending:
                fut.result()
            pending = []
            if not n:
                if head is not None:
                    head.done()
                return total
            chunk = views[i % 2][:n]
            if head is not None:
                head = head.take(chunk)
            with interrupts.deferred():  # a pool thread is started and recorded whole
                pending = [pool.submit(_feed, lane, chunk) for lane in others]
            _feed(own, chunk)
            total += n
            if progress:
                progress(0, n)
            i += 1
    finally:
        # Other lanes still hold a buffer: let them finish this one chunk (bounded), start nothing new.
        pool.shutdown(wait=True, cancel_futures=True)


def _feed(lane: list[Consumer], chunk: memoryview) -> None:
    for consume in lane:
        consume(chunk)
