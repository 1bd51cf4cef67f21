"""The one hashing engine: every file read once, every algorithm fed from the same buffers.

Used by bagging (copy and hash in one pass) and by verification (hash only). Work spreads
over threads: files in parallel when there are several; for one large file the algorithms
(and the copy) run in parallel threads over the same buffers. hashlib and file I/O release
the GIL on large buffers, so threads scale without extra processes.
"""
from __future__ import annotations

import hashlib
import os
import stat
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from .errors import InputError

DEFAULT_ALGORITHMS: tuple[str, ...] = ("sha256", "sha512")
SUPPORTED_ALGORITHMS: tuple[str, ...] = (
    "md5", "sha1", "sha224", "sha256", "sha384", "sha512",
    "sha3_224", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s",
)
BUFFER_SIZE = 1 << 20
#: A file at least this large, hashed with several algorithms, gets one thread per algorithm.
SPLIT_THRESHOLD = 64 << 20

ProgressFn = Callable[[int, int], None]
"""Called with (files finished, bytes read) increments; must be thread-safe."""


@dataclass(frozen=True)
class Fixity:
    """Size in bytes and hex digests of one file, keyed by algorithm name."""

    size: int
    digests: Mapping[str, str]


def normalise_algorithm(name: str) -> str:
    """Map 'SHA-256', 'sha256' etc. to hashlib's name; raise InputError if unsupported."""
    key = name.strip().lower().replace("-", "")
    key = {"sha3224": "sha3_224", "sha3256": "sha3_256", "sha3384": "sha3_384",
           "sha3512": "sha3_512"}.get(key, key)
    if key not in SUPPORTED_ALGORITHMS:
        raise InputError(
            f"unknown checksum algorithm {name!r}; choose from {', '.join(SUPPORTED_ALGORITHMS)}"
        )
    return key


def normalise_algorithms(names: Iterable[str]) -> tuple[str, ...]:
    """Deduplicate and validate algorithm names, keeping their order."""
    out: list[str] = []
    for name in names:
        key = normalise_algorithm(name)
        if key not in out:
            out.append(key)
    return tuple(out) or DEFAULT_ALGORITHMS


def hash_bytes(data: bytes, algorithms: Sequence[str]) -> Fixity:
    """Fixity of bytes held in memory (generated tag and metadata files)."""
    return Fixity(len(data), {a: hashlib.new(a, data).hexdigest() for a in algorithms})


def open_for_reading(path: Path) -> int:
    """Open a regular file for reading without following a final symlink or blocking on a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"not a regular file: {path}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _write_all(fd: int, view: memoryview) -> None:
    while view:
        written = os.write(fd, view)
        view = view[written:]


def copy_and_hash(
    src: Path,
    dest: Path | None,
    algorithms: Sequence[str],
    *,
    split: bool | None = None,
    fsync: bool = True,
    progress: ProgressFn | None = None,
) -> Fixity:
    """Read src once, feeding every algorithm and (if dest is given) a new file at dest.

    dest must not exist. With ``split`` (default: large file and several algorithms) the
    algorithms and the copy run in parallel threads over double buffers. The source is only
    ever opened read-only.
    """
    hashers = [hashlib.new(a) for a in algorithms]
    src_fd = open_for_reading(src)
    dest_fd = -1
    try:
        size = os.fstat(src_fd).st_size
        if dest is not None:
            dest_fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
        if split is None:
            split = size >= SPLIT_THRESHOLD and len(hashers) + (dest_fd >= 0) > 1
        total = (_pump_split if split else _pump_serial)(src_fd, dest_fd, hashers, progress)
        if dest_fd >= 0 and fsync:
            os.fsync(dest_fd)
    finally:
        os.close(src_fd)
        if dest_fd >= 0:
            os.close(dest_fd)
    if progress:
        progress(1, 0)
    return Fixity(total, {a: h.hexdigest() for a, h in zip(algorithms, hashers)})


def _pump_serial(src_fd: int, dest_fd: int, hashers: list, progress: ProgressFn | None) -> int:
    total = 0
    reader = os.fdopen(src_fd, "rb", buffering=0, closefd=False)
    buf = bytearray(BUFFER_SIZE)
    view = memoryview(buf)
    while True:
        n = reader.readinto(buf)
        if not n:
            return total
        chunk = view[:n]
        for h in hashers:
            h.update(chunk)
        if dest_fd >= 0:
            _write_all(dest_fd, chunk)
        total += n
        if progress:
            progress(0, n)


def _pump_split(src_fd: int, dest_fd: int, hashers: list, progress: ProgressFn | None) -> int:
    """Double-buffered: while workers hash (and write) chunk k, the main thread reads chunk k+1."""
    total = 0
    reader = os.fdopen(src_fd, "rb", buffering=0, closefd=False)
    buffers = [bytearray(BUFFER_SIZE * 8), bytearray(BUFFER_SIZE * 8)]
    consumers: list[Callable[[memoryview], object]] = [h.update for h in hashers]
    if dest_fd >= 0:
        consumers.append(lambda chunk: _write_all(dest_fd, chunk))
    pending: list[Future] = []
    with ThreadPoolExecutor(max_workers=len(consumers), thread_name_prefix="fixity") as pool:
        i = 0
        while True:
            buf = buffers[i % 2]
            n = reader.readinto(buf)
            for fut in pending:
                fut.result()
            if not n:
                return total
            chunk = memoryview(buf)[:n]
            pending = [pool.submit(fn, chunk) for fn in consumers]
            total += n
            if progress:
                progress(0, n)
            i += 1


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def copy_and_hash_many(
    pairs: Sequence[tuple[Path, Path | None]],
    algorithms: Sequence[str],
    *,
    jobs: int | None = None,
    fsync: bool = True,
    progress: ProgressFn | None = None,
) -> list[Fixity]:
    """copy_and_hash over many (src, dest) pairs, in parallel; results in input order.

    The largest files start first; a file that dominates the total gets split threads.
    The first error stops the remaining work and is raised.
    """
    jobs = jobs or default_jobs()
    if jobs <= 1 or len(pairs) <= 1:
        return [copy_and_hash(s, d, algorithms, split=None if jobs > 1 else False,
                              fsync=fsync, progress=progress) for s, d in pairs]
    sizes = []
    for src, _ in pairs:
        try:
            sizes.append(os.stat(src, follow_symlinks=False).st_size)
        except OSError:
            sizes.append(0)
    order = sorted(range(len(pairs)), key=lambda i: -sizes[i])
    results: list[Fixity | None] = [None] * len(pairs)
    total = sum(sizes) or 1
    stop = threading.Event()

    def work(i: int) -> None:
        if stop.is_set():
            return
        src, dest = pairs[i]
        split = sizes[i] >= SPLIT_THRESHOLD and sizes[i] * jobs > total
        try:
            results[i] = copy_and_hash(src, dest, algorithms, split=split, fsync=fsync, progress=progress)
        except BaseException:
            stop.set()
            raise

    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="fixity") as pool:
        futures = [pool.submit(work, i) for i in order]
        for fut in futures:
            fut.result()
    return [r for r in results if r is not None]


def unreadable(path: Path, exc: OSError) -> InputError:
    """The one-line error for a source file that cannot be read."""
    reason = exc.strerror or str(exc)
    return InputError(f"{path}: cannot be read ({reason})")
