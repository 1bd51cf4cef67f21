"""The hashing engine: every file read once, every algorithm fed from the same buffers.

Used by bagging (copy and hash in one pass) and by verification (hash only). Work spreads
over threads: files in parallel when there are several (a fixed set of workers of the shared
pool pulling from one queue, no per-file future: :mod:`~preserve.fixity.threads`); a file that
dominates the work has its algorithms and its copy spread over lanes of threads
(:mod:`~preserve.fixity.lanes`). hashlib and file I/O release the GIL on large buffers, so
threads scale without extra processes.

Each file is opened once, safely (:mod:`~preserve.fixity.reading`), examined with one fstat and
read once (:mod:`~preserve.fixity.pumps`). A large copy is fsynced by the worker that wrote it,
so fsyncs run in parallel; the small ones together at the end (:mod:`~preserve.fixity.durability`).

Cancellation: an exception in any worker, or in the caller while it waits (SIGINT/SIGTERM
arrive there), sets a stop event that every worker checks between chunks; queued files are
never started, a file being copied is abandoned and its partial copy removed. So
:func:`copy_and_hash_many` returns (raising) within about one chunk per worker, and a partial
destination file never survives, whatever folder it was in.
"""
from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from preserve.fixity.algorithms import new_hasher
from preserve.fixity.durability import fsync_files
from preserve.fixity.pumps import Head, HeadFn, ProgressFn, hash_small, pump_serial, pump_split
from preserve.fixity.reading import open_regular
from preserve.fixity.threads import Cancelled, default_jobs, work_through

#: A file at least this large, hashed with several algorithms, gets one thread per algorithm.
SPLIT_THRESHOLD = 64 << 20

#: Files smaller than this are copied and hashed in the calling thread, while worker threads
#: take the larger ones: for a small file the per-file Python work dominates, and two threads
#: passing the GIL back and forth at every system call are slower than one.
SMALL_FILE = 128 << 10

KNOWN_DIGESTS: contextvars.ContextVar[Mapping[str, Mapping[str, str]]] = contextvars.ContextVar(
    "KNOWN_DIGESTS", default={})
"""Digests computed moments ago in this context, by a path the checks share ("data/...") ->
{algorithm: hex}. Verification sets it after its fixity pass so later checks (METS CHECKSUM)
compare against them instead of reading every file a second time."""

#: A copy is a new file: never one that exists (O_EXCL), never inherited by a child process.
_COPY_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)

Pair = tuple[Path | str, Path | str | None]
"""A source and where to copy it (None: hash only)."""


@dataclass(frozen=True)
class Fixity:
    """Size in bytes and hex digests of one file, keyed by algorithm name."""

    size: int
    digests: Mapping[str, str]


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
        h = new_hasher(a)
        h.update(data)
        digests[a] = h.hexdigest()
    return Fixity(len(data), digests)


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
    hashers = [new_hasher(a) for a in algorithms]
    src_fd, st = open_regular(src)
    dest_fd = -1
    created: Path | str | None = None
    complete = False
    try:
        if dest is not None:
            # ours from the moment os.open may have made it: a Ctrl-C can be raised after the
            # call returns and before dest_fd holds the result, and the copy must still go
            created = dest
            try:
                dest_fd = os.open(dest, _COPY_FLAGS, 0o644)
            except OSError:
                created = None  # not made (it exists, or its folder does not): not ours to remove
                raise
        if split is None:
            split = (st.st_size >= SPLIT_THRESHOLD and len(hashers) + (dest_fd >= 0) > 1
                     and (lanes or default_jobs()) > 1)
        total = _pump(src_fd, dest_fd, st.st_size, hashers, algorithms, split=split, lanes=lanes,
                      progress=progress, stop=stop, head=head)
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


def _pump(src_fd: int, dest_fd: int, size: int, hashers: list, algorithms: Sequence[str], *, split: bool,
          lanes: int | None, progress: ProgressFn | None, stop: threading.Event | None,
          head: HeadFn | None) -> int:
    """Read an open file through the pump that fits it; the bytes read."""
    start = Head(head) if head is not None else None
    if dest_fd < 0 and start is None and not split and size < SMALL_FILE:
        return hash_small(src_fd, hashers, progress, stop, size)
    if split:
        return pump_split(src_fd, dest_fd, hashers, progress, stop, start, algorithms, lanes or default_jobs())
    return pump_serial(src_fd, dest_fd, hashers, progress, stop, size, start)


def copy_and_hash_many(
    pairs: Sequence[Pair],
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
    scheduling, the real size is read from the open file. The first error, or an exception in
    the caller while it waits (KeyboardInterrupt, the CLI's SIGTERM exception), sets ``stop``
    (one is made if not given): running files stop within a chunk, their partial copies are
    removed, queued files are never started, the workers are idle again before this returns,
    and the error is raised.

    With ``on_error`` (verification: report an unreadable file, go on), an OSError on one file
    is passed to ``on_error(index, error)`` instead, that file's result is None, and the others
    are still done in the same pass. on_error may be called from worker threads.

    With ``on_head``, ``on_head(index, first bytes)`` gets each file's start as copy_and_hash's
    ``head`` does (also from worker threads).
    """
    jobs = jobs or default_jobs()
    options = _Options(algorithms, jobs=jobs, fsync=fsync, progress=progress,
                       stop=stop if stop is not None else threading.Event(), on_error=on_error, on_head=on_head)
    if jobs <= 1 or len(pairs) <= 1:  # no worker needed: every file here, in order
        return _in_order(pairs, options)  # type: ignore[return-value]
    batch = _Batch(pairs, _scheduling_sizes(pairs, sizes), options)
    big, small = batch.big_and_small()  # the big ones to the workers, the small ones here
    work_through(big, batch.copy_one, threads=min(jobs, len(big)), stop=options.stop,
                 meanwhile=partial(batch.copy_here, small))
    # the small copies flushed, then the results; or the first error
    return batch.outcome()  # type: ignore[return-value]


@dataclass(frozen=True)
class _Options:
    """What every file of one copy_and_hash_many call is done with."""

    algorithms: Sequence[str]
    jobs: int
    fsync: bool
    progress: ProgressFn | None
    stop: threading.Event
    on_error: Callable[[int, OSError], None] | None
    on_head: Callable[[int, bytes], None] | None

    def copy(self, i: int, pair: Pair, *, split: bool | None, fsync: bool) -> Fixity:
        """copy_and_hash of file i of the call."""
        return copy_and_hash(pair[0], pair[1], self.algorithms, split=split, fsync=fsync, progress=self.progress,
                             stop=self.stop, head=_head_of(self.on_head, i), lanes=self.jobs)


def _in_order(pairs: Sequence[Pair], options: _Options) -> list[Fixity | None]:
    """Every file in this thread, in input order (one job, or one file: no worker to start)."""
    out: list[Fixity | None] = []
    try:
        for i, pair in enumerate(pairs):
            try:
                out.append(options.copy(i, pair, split=None if options.jobs > 1 else False, fsync=options.fsync))
            except OSError as exc:
                if options.on_error is None:
                    raise
                options.on_error(i, exc)
                out.append(None)
    except BaseException:
        options.stop.set()
        raise
    return out


def _scheduling_sizes(pairs: Sequence[Pair], sizes: Sequence[int] | None) -> Sequence[int]:
    """The sizes the caller gave, else each source's size from a stat (0 if it cannot be had)."""
    if sizes is not None and len(sizes) == len(pairs):
        return sizes
    out: list[int] = []
    for src, _ in pairs:
        try:
            out.append(os.stat(src, follow_symlinks=False).st_size)
        except OSError:
            out.append(0)
    return out


@dataclass
class _Batch:
    """The files of one copy_and_hash_many call on several threads, and what came of each."""

    pairs: Sequence[Pair]
    sizes: Sequence[int]  # they steer the scheduling only
    options: _Options
    results: list[Fixity | None] = field(init=False)
    total: int = field(init=False)
    errors: list[BaseException] = field(default_factory=list)
    deferred: list[Path | str] = field(default_factory=list)  # small copies, fsynced together at the end

    def __post_init__(self) -> None:
        self.results = [None] * len(self.pairs)
        self.total = sum(self.sizes)

    def big_and_small(self) -> tuple[list[int], list[int]]:
        """The files for worker threads (SMALL_FILE bytes or more, largest first), and the others."""
        sizes = self.sizes
        big = sorted((i for i in range(len(sizes)) if sizes[i] >= SMALL_FILE), key=lambda i: -sizes[i])
        small = [i for i in range(len(sizes)) if sizes[i] < SMALL_FILE]
        return big, small

    def copy_one(self, i: int) -> bool:
        """Copy and hash file i into results; False when the batch is to stop (error or stop set)."""
        options, pair, size = self.options, self.pairs[i], self.sizes[i]
        split = size >= SPLIT_THRESHOLD and size * options.jobs > self.total  # it dominates the work
        defer = options.fsync and pair[1] is not None and size < SMALL_FILE
        try:
            self.results[i] = options.copy(i, pair, split=split, fsync=options.fsync and not defer)
            if defer:
                self.deferred.append(pair[1])  # type: ignore[arg-type]
        except Cancelled:
            return False
        except OSError as exc:
            if options.on_error is not None:
                options.on_error(i, exc)
                return True
            self.errors.append(exc)
            options.stop.set()
            return False
        except BaseException as exc:
            self.errors.append(exc)
            options.stop.set()
            return False
        return True

    def copy_here(self, small: list[int]) -> None:
        """The small files, in the calling thread, while the workers do the big ones."""
        for i in small:
            if self.options.stop.is_set() or not self.copy_one(i):
                break

    def outcome(self) -> list[Fixity | None]:
        """The results, every copy durable; else the first error, or Cancelled if stopped."""
        stop = self.options.stop
        if self.deferred and not self.errors and not stop.is_set():
            fsync_files(self.deferred, stop=stop)  # every copy durable before this returns, as promised
        if self.errors:
            raise self.errors[0]
        if stop.is_set():
            raise Cancelled()
        return self.results


def _head_of(on_head: Callable[[int, bytes], None] | None, index: int) -> HeadFn | None:
    """The HeadFn of file ``index`` for copy_and_hash_many's ``on_head``."""
    return None if on_head is None else partial(on_head, index)
