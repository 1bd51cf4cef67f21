"""The one hashing engine: every file read once, every algorithm fed from the same buffers.

Used by bagging (copy and hash in one pass) and by verification (hash only). Work spreads
over threads: files in parallel when there are several (a fixed set of workers pulling from
one queue, no per-file future); for a file that dominates the work, the algorithms and the
copy are grouped into lanes of about equal measured cost, one thread per lane and no more lanes
than cores, over the same double buffers. hashlib and file I/O release the GIL on large
buffers, so threads scale without extra processes.

Reads go into buffers reused per thread (no allocation per file, flat memory whatever the file
size). Each file is opened once and examined with one fstat. A copy is fsynced by the worker
that wrote it, so fsyncs run in parallel.

Cancellation: an exception in any worker, or in the caller while it waits (SIGINT/SIGTERM
arrive there), sets a stop event that every worker checks between chunks; queued files are
never started, a file being copied is abandoned and its partial copy removed. So
:func:`copy_and_hash_many` returns (raising) within about one chunk per worker, and a partial
destination file never survives, whatever folder it was in.
"""
from __future__ import annotations

import contextvars
import hashlib
import os
import stat
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Mapping, Sequence

from preserve._runtime import interrupts
from preserve.errors import InputError
from preserve.fixity.algorithms import (DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS,  # noqa: F401
                                        normalise_algorithm, normalise_algorithms)

#: Read size of the one-thread-per-file path (one reusable buffer per worker thread).
BUFFER_SIZE = 1 << 20
#: Read size of the split path (two such buffers per split file).
SPLIT_BUFFER_SIZE = 8 << 20
#: A file at least this large, hashed with several algorithms, gets one thread per algorithm.
SPLIT_THRESHOLD = 64 << 20

ProgressFn = Callable[[int, int], None]
"""Called with (files finished, bytes read) increments; must be thread-safe."""

#: How much of a file's start a ``head`` callback of copy_and_hash gets (enough to sniff a format).
HEAD_BYTES = 8192
HeadFn = Callable[[bytes], None]
"""Given the first HEAD_BYTES bytes of a file (all of a shorter one), once, as the copy reads them."""

KNOWN_DIGESTS: contextvars.ContextVar[Mapping[str, Mapping[str, str]]] = contextvars.ContextVar(
    "KNOWN_DIGESTS", default={})
"""Digests computed moments ago in this context, by a path the checks share ("data/...") ->
{algorithm: hex}. Verification sets it after its fixity pass so later checks (METS CHECKSUM)
compare against them instead of reading every file a second time."""

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | _O_CLOEXEC
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_CLOEXEC


class Cancelled(Exception):
    """A copy or hash abandoned because the stop event was set (by the caller or another worker)."""


@dataclass(frozen=True)
class Fixity:
    """Size in bytes and hex digests of one file, keyed by algorithm name."""

    size: int
    digests: Mapping[str, str]


# hashlib.new(name) looks the name up each call; the named constructors are faster.
_CONSTRUCTORS: dict[str, Callable[[], "hashlib._Hash"]] = {}


def _new_hasher(algorithm: str):
    ctor = _CONSTRUCTORS.get(algorithm)
    if ctor is None:
        ctor = getattr(hashlib, algorithm, None) or (lambda a=algorithm: hashlib.new(a))
        _CONSTRUCTORS[algorithm] = ctor
    return ctor()


def hash_bytes(data: bytes, algorithms: Sequence[str], known: Mapping[str, str] | None = None) -> Fixity:
    """Fixity of bytes held in memory (generated tag and metadata files).

    ``known``: digests of these very bytes the caller computed moments ago (algorithm -> hex),
    taken as they are instead of hashing the bytes again.
    """
    digests = {}
    for a in algorithms:
        if known and a in known:
            digests[a] = known[a]
            continue
        h = _new_hasher(a)
        h.update(data)
        digests[a] = h.hexdigest()
    return Fixity(len(data), digests)


def _open_regular(path: Path | str) -> tuple[int, os.stat_result]:
    """Open read-only, never following a final symlink or blocking on a FIFO; one fstat."""
    fd = os.open(path, _READ_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"not a regular file: {path}")
        # O_NONBLOCK (against a FIFO blocking the open) does nothing to a regular file's reads
    except BaseException:
        os.close(fd)
        raise
    return fd, st


_CONSTANT_FIXITY: dict[tuple[int, tuple[str, ...]], tuple[bytes, Fixity]] = {}


def hash_constant(data: bytes, algorithms: Sequence[str]) -> Fixity:
    """hash_bytes for a bytes object the process reuses in every bag (a shipped schema).

    Computed once per process per object: keyed by the object's identity, and the entry holds
    the object so the identity cannot be reused by another.
    """
    key = (id(data), tuple(algorithms))
    hit = _CONSTANT_FIXITY.get(key)
    if hit is not None and hit[0] is data:
        return hit[1]
    fx = hash_bytes(data, algorithms)
    _CONSTANT_FIXITY[key] = (data, fx)
    return fx


def open_for_reading(path: Path | str) -> int:
    """Open a regular file for reading without following a final symlink or blocking on a FIFO."""
    return _open_regular(path)[0]


def read_head(path: Path | str, limit: int) -> bytes:
    """At most ``limit`` bytes from the start of a regular file, opened as open_for_reading does
    (a small file costs one read, as in the copy)."""
    fd, st = _open_regular(path)
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


def _write_all(fd: int, view: memoryview) -> None:
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


def copy_and_hash(
    src: Path | str,
    dest: Path | str | None,
    algorithms: Sequence[str],
    *,
    split: bool | None = None,
    fsync: bool = True,
    progress: ProgressFn | None = None,
    stop: threading.Event | None = None,
    head: HeadFn | None = None,
    lanes: int | None = None,
) -> Fixity:
    """Read src once, feeding every algorithm and (if dest is given) a new file at dest.

    dest must not exist. With ``split`` (default: large file, several algorithms and cores)
    the algorithms and the copy run in up to ``lanes`` parallel threads (default: all cores)
    over double buffers. The source is only ever opened read-only. If ``stop`` is set (checked
    between chunks), :class:`Cancelled` is raised. On any failure or interruption the partial
    dest is removed. ``head`` is given the file's first HEAD_BYTES bytes from the very reads
    that feed the copy and the hashes, so what it sees is what the copy starts with.
    """
    hashers = [_new_hasher(a) for a in algorithms]
    src_fd, st = _open_regular(src)
    dest_fd = -1
    created: Path | str | None = None
    complete = False
    try:
        if dest is not None:
            # ours from the moment os.open may have made it: a Ctrl-C can be raised after the
            # call returns and before dest_fd holds the result, and the copy must still go
            created = dest
            try:
                dest_fd = os.open(dest, _WRITE_FLAGS, 0o644)
            except OSError:
                created = None  # not made (it exists, or its folder does not): not ours to remove
                raise
        if split is None:
            split = (st.st_size >= SPLIT_THRESHOLD and len(hashers) + (dest_fd >= 0) > 1
                     and (lanes or default_jobs()) > 1)
        start = _Head(head) if head is not None else None
        if dest_fd < 0 and start is None and not split and st.st_size < SMALL_FILE:
            total = _hash_small(src_fd, hashers, progress, stop, st.st_size)
        elif split:
            total = _pump_split(src_fd, dest_fd, hashers, progress, stop, start, algorithms,
                                lanes or default_jobs())
        else:
            total = _pump_serial(src_fd, dest_fd, hashers, progress, stop, st.st_size, start)
        if dest_fd >= 0 and fsync:
            if stop is not None and stop.is_set():
                raise Cancelled(str(src))
            os.fsync(dest_fd)
        complete = True
    finally:
        os.close(src_fd)
        if dest_fd >= 0:
            os.close(dest_fd)
        if created is not None and not complete:
            try:
                os.unlink(created)  # created by us (O_EXCL): never leave a partial copy
            except OSError:
                pass
    if progress:
        progress(1, 0)
    return Fixity(total, {a: h.hexdigest() for a, h in zip(algorithms, hashers)})


class _Head:
    """Collects a file's first HEAD_BYTES bytes from the chunks read, for a HeadFn."""

    __slots__ = ("fn", "parts", "size")

    def __init__(self, fn: HeadFn) -> None:
        self.fn = fn
        self.parts: list[bytes] = []
        self.size = 0

    def take(self, chunk: memoryview) -> "_Head | None":
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


def _pump_serial(src_fd: int, dest_fd: int, hashers: list, progress: ProgressFn | None,
                 stop: threading.Event | None, expected: int = -1, head: _Head | None = None) -> int:
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
                _write_all(dest_fd, chunk[written:])
        total += n
        if progress:
            progress(0, n)
        if n < size and total == expected:
            break
    if head is not None:
        head.done()
    return total


def _hash_small(src_fd: int, hashers: list, progress: ProgressFn | None, stop: threading.Event | None,
                expected: int) -> int:
    """Hash only (no copy, no head) a file fstat says is small: one read of it whole.

    Verifying many small files, this saves a third of the engine's own time per file (the
    reusable buffer and its views are for files that take several reads). A file that is not
    whole after that read (it grew or shrank since fstat) is read on to its end as any file is.
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
        total += _pump_serial(src_fd, -1, hashers, progress, stop)
    return total


def _pump_split(src_fd: int, dest_fd: int, hashers: list, progress: ProgressFn | None,
                stop: threading.Event | None, head: _Head | None = None,
                names: Sequence[str] = (), lanes: int = 2) -> int:
    """Double-buffered, the work spread over ``lanes`` threads, this one included.

    The algorithms and the copy are grouped into lanes of about equal cost
    (:func:`plan_lanes`): one lane per thread, never more threads than cores, so the slowest
    algorithm gets a core of its own instead of sharing two cores with three busy threads.
    This thread reads chunk k+1 while the other lanes work on chunk k, then does its own lane's
    share of chunk k+1.
    """
    total = 0
    buffers = [bytearray(SPLIT_BUFFER_SIZE), bytearray(SPLIT_BUFFER_SIZE)]
    views = [memoryview(b) for b in buffers]
    consumers: list[Callable[[memoryview], object]] = [h.update for h in hashers]
    costs = [algorithm_cost(a) for a in names] if len(names) == len(hashers) else [1.0] * len(hashers)
    if dest_fd >= 0:
        consumers.append(lambda chunk: _write_all(dest_fd, chunk))
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


def _feed(lane: list[Callable[[memoryview], object]], chunk: memoryview) -> None:
    for consume in lane:
        consume(chunk)


#: Estimated CPU per byte of writing a copy and of reading the source, relative to the
#: measured hash costs of :func:`algorithm_cost` (ns per byte; page-cache copies on the
#: project machine: ~1.5 GB/s to write into tmpfs, ~3 GB/s to read).
COPY_COST = 0.7
READ_COST = 0.3

_algorithm_costs: dict[str, float] = {}


def algorithm_cost(name: str) -> float:
    """ns of CPU per byte of one algorithm on this machine: measured once per process, ~1 ms.

    Which algorithm is slowest depends on the CPU (sha256 is 2-3x faster than sha512 with
    SHA-NI, slower without), so the split path measures rather than assumes.
    """
    cost = _algorithm_costs.get(name)
    if cost is None:
        block = bytes(1 << 18)
        best = float("inf")
        for _ in range(3):
            h = _new_hasher(name)
            started = time.perf_counter()
            h.update(block)
            best = min(best, time.perf_counter() - started)
        cost = _algorithm_costs[name] = max(best, 1e-9) * 1e9 / len(block)
    return cost


def plan_lanes(costs: Sequence[float], lanes: int) -> list[list[int]]:
    """Group consumers (by index) into at most ``lanes`` lanes of about equal total cost.

    Largest first, each to the lightest lane (longest-processing-time rule). Lane 0 is the
    reading thread's own, so it starts with the cost of the read. Empty lanes are dropped,
    except lane 0.
    """
    count = max(1, min(lanes, len(costs)))
    load = [READ_COST] + [0.0] * (count - 1)
    plan: list[list[int]] = [[] for _ in range(count)]
    for i in sorted(range(len(costs)), key=lambda i: -costs[i]):
        lightest = min(range(count), key=load.__getitem__)
        plan[lightest].append(i)
        load[lightest] += costs[i]
    return [plan[0]] + [lane for lane in plan[1:] if lane]


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


#: Files smaller than this are copied and hashed in the calling thread, while worker threads
#: take the larger ones: for a small file the per-file Python work dominates, and two threads
#: passing the GIL back and forth at every system call are slower than one (measured: 4 KiB
#: copies cost 35 us each in one thread, 100 us in two).
SMALL_FILE = 128 << 10

_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def _shared_pool(workers: int) -> ThreadPoolExecutor:
    """One process-wide pool of file workers, started once and reused by every call.

    Verifying or bagging thousands of small releases calls copy_and_hash_many thousands of
    times; starting threads for each call cost more than hashing the files.
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


#: Threads that fsync deferred copies: fsync waits on the device, not the CPU, so more than the
#: cores helps a disk's queue.
FSYNC_THREADS = 8


#: an fsync slower than this waits on a device: the rest of the batch goes to parallel threads
SLOW_FSYNC_SECONDS = 0.0002


def fsync_files(paths: Sequence[Path | str], *, jobs: int | None = None,
                stop: threading.Event | None = None) -> None:
    """fsync many files already written and closed; the first error raises.

    Writing a bag's files first and fsyncing them all afterwards is as durable as fsyncing
    each right after writing it (nothing is published before every one is flushed: the bag is
    renamed into place later), and several times faster on a disk: the file system writes
    the data back in large batches and many fsyncs find it already on disk. The files are
    flushed here one by one while that is cheap (tmpfs, data already on disk); once one
    fsync has to wait for a device, the rest are flushed by parallel threads, which keeps a
    disk's queue full.
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
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | _O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_parallel(paths: list[Path | str], jobs: int, stop: threading.Event) -> None:
    """fsync paths on up to ``jobs`` threads of the shared pool."""
    queue = iter(paths)
    queue_lock = threading.Lock()
    errors: list[BaseException] = []

    def worker() -> None:
        while not stop.is_set():
            with queue_lock:
                path = next(queue, None)
            if path is None:
                return
            try:
                _flush(path)
            except BaseException as exc:
                errors.append(exc)
                stop.set()
                return

    workers = min(jobs, len(paths))
    pool = _shared_pool(workers)
    with interrupts.deferred():
        futures = [pool.submit(worker) for _ in range(workers)]
    try:
        while wait(futures, timeout=0.25).not_done:
            pass
    except BaseException:
        stop.set()
        raise
    finally:
        for fut in futures:
            fut.cancel()
        wait(futures)
    if errors:
        raise errors[0]
    if stop.is_set():
        raise Cancelled()


def copy_and_hash_many(
    pairs: Sequence[tuple[Path | str, Path | str | None]],
    algorithms: Sequence[str],
    *,
    jobs: int | None = None,
    fsync: bool = True,
    progress: ProgressFn | None = None,
    sizes: Sequence[int] | None = None,
    stop: threading.Event | None = None,
    on_error: Callable[[int, OSError], None] | None = None,
    on_head: Callable[[int, bytes], None] | None = None,
) -> list[Fixity]:
    """copy_and_hash over many (src, dest) pairs, in parallel; results in input order.

    Worker threads take the files of SMALL_FILE bytes or more, largest first (a file that
    dominates the total gets split threads); the calling thread meanwhile does the small ones.
    With ``fsync`` every copy is on stable storage when this returns: a large one is fsynced by
    the worker that wrote it, the small ones together at the end (see :func:`fsync_files`).
    ``sizes`` (the callers usually know them) saves a stat per file; they only steer
    scheduling, the real size is read from the open file. The first error, or an exception in the caller while it waits
    (KeyboardInterrupt, the CLI's SIGTERM exception), sets ``stop`` (one is made if not given):
    running files stop within a chunk, their partial copies are removed, queued files are
    never started, the workers are idle again before this returns, and the error is raised.

    With ``on_error`` (verification: report an unreadable file, go on), an OSError on one file
    is passed to ``on_error(index, error)`` instead, that file's result is None, and the others
    are still done in the same pass. on_error may be called from worker threads.

    With ``on_head``, ``on_head(index, first bytes)`` gets each file's start as copy_and_hash's
    ``head`` does (also from worker threads).
    """
    jobs = jobs or default_jobs()
    stop = stop if stop is not None else threading.Event()
    if sizes is None or len(sizes) != len(pairs):
        if jobs <= 1 or len(pairs) <= 1:
            sizes = [0] * len(pairs)  # not needed: one thread, input order
        else:
            sizes = []
            for src, _ in pairs:
                try:
                    sizes.append(os.stat(src, follow_symlinks=False).st_size)
                except OSError:
                    sizes.append(0)
    total = sum(sizes)
    if jobs <= 1 or len(pairs) <= 1:
        out: list = []
        try:
            for i, (s, d) in enumerate(pairs):
                try:
                    out.append(copy_and_hash(s, d, algorithms, split=None if jobs > 1 else False,
                                             fsync=fsync, progress=progress, stop=stop,
                                             head=_head_of(on_head, i), lanes=jobs))
                except OSError as exc:
                    if on_error is None:
                        raise
                    on_error(i, exc)
                    out.append(None)
        except BaseException:
            stop.set()
            raise
        return out
    big = sorted((i for i in range(len(pairs)) if sizes[i] >= SMALL_FILE), key=lambda i: -sizes[i])
    small = [i for i in range(len(pairs)) if sizes[i] < SMALL_FILE]
    results: list[Fixity | None] = [None] * len(pairs)
    errors: list[BaseException] = []
    queue = iter(big)
    queue_lock = threading.Lock()

    deferred: list[Path] = []  # small copies, fsynced together at the end

    def one(i: int) -> bool:
        src, dest = pairs[i]
        split = sizes[i] >= SPLIT_THRESHOLD and sizes[i] * jobs > total
        defer = fsync and dest is not None and sizes[i] < SMALL_FILE
        try:
            results[i] = copy_and_hash(src, dest, algorithms, split=split, fsync=fsync and not defer,
                                       progress=progress, stop=stop, head=_head_of(on_head, i),
                                       lanes=jobs)
            if defer:
                deferred.append(dest)
        except Cancelled:
            return False
        except OSError as exc:
            if on_error is not None:
                on_error(i, exc)
                return True
            errors.append(exc)
            stop.set()
            return False
        except BaseException as exc:
            errors.append(exc)
            stop.set()
            return False
        return True

    def worker() -> None:
        while not stop.is_set():
            with queue_lock:
                i = next(queue, None)
            if i is None or not one(i):
                return

    threads = min(jobs, len(big))
    futures: list[Future] = []
    try:
        if threads:
            pool = _shared_pool(threads)
            with interrupts.deferred():  # every worker started and recorded, or none
                futures = [pool.submit(worker) for _ in range(threads)]
        for i in small:  # meanwhile, the small files here
            if stop.is_set() or not one(i):
                break
        # Wake up now and then, so a signal handled in another thread still reaches us promptly.
        while futures and wait(futures, timeout=0.25).not_done:
            pass
    except BaseException:
        stop.set()  # the caller was interrupted: stop the workers before unwinding
        raise
    finally:
        for fut in futures:
            fut.cancel()  # not started yet: never will
        # Running workers see stop within one chunk and remove their partial copies: wait for
        # that, so nothing writes into the staging folder while the caller removes it.
        wait(futures)
    if deferred and not errors and not stop.is_set():
        fsync_files(deferred, stop=stop)  # every copy durable before this returns, as promised
    if errors:
        raise errors[0]
    if stop.is_set():
        raise Cancelled()
    return results  # type: ignore[return-value]


def _head_of(on_head: Callable[[int, bytes], None] | None, index: int) -> HeadFn | None:
    """The HeadFn of file ``index`` for copy_and_hash_many's ``on_head``."""
    return None if on_head is None else partial(on_head, index)


def unreadable(path: Path, exc: OSError) -> InputError:
    """The one-line error for a source file that cannot be read."""
    reason = exc.strerror or str(exc)
    return InputError(f"{path}: cannot be read ({reason})")
