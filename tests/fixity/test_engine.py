"""The hashing engine: one read, every algorithm, copies byte-identical, never follows links.

Also: the parallel and split paths agree with hashlib at every size (0 bytes, exact buffer
multiples), order is kept, errors propagate, and cancellation stops within a few chunks per
worker without leaving a partial copy (counted in chunks read, never in seconds).
"""
from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preserve.fixity import engine, pumps
from preserve.fixity.engine import copy_and_hash, copy_and_hash_many, hash_bytes, hash_constant
from preserve.fixity.reading import HEAD_BYTES
from preserve.fixity.threads import Cancelled


@pytest.mark.parametrize("split", [False, True])
def test_copy_and_hash_matches_hashlib(tmp_path: Path, split: bool) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    src, dest = tmp_path / "src", tmp_path / "dest"
    src.write_bytes(data)
    fx = copy_and_hash(src, dest, ["md5", "sha256", "sha512"], split=split)
    assert dest.read_bytes() == data
    assert fx.size == len(data)
    for alg in ("md5", "sha256", "sha512"):
        assert fx.digests[alg] == hashlib.new(alg, data).hexdigest()


def test_many_in_parallel_keeps_order(tmp_path: Path) -> None:
    pairs = []
    for i in range(20):
        p = tmp_path / f"f{i}"
        p.write_bytes(os.urandom(i * 1000))
        pairs.append((p, None))
    results = copy_and_hash_many(pairs, ["sha256"], jobs=4)
    assert [r.digests["sha256"] for r in results] == [hashlib.sha256(p.read_bytes()).hexdigest() for p, _ in pairs]


def test_never_follows_symlink_or_opens_fifo(tmp_path: Path) -> None:
    (tmp_path / "real").write_text("x")
    os.symlink(tmp_path / "real", tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(OSError):
        copy_and_hash(tmp_path / "link", None, ["sha256"])
    with pytest.raises(OSError):
        copy_and_hash(tmp_path / "fifo", None, ["sha256"])


def test_source_is_opened_read_only(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.write_text("keep me")
    src.chmod(0o444)
    before = os.stat(src)
    copy_and_hash(src, tmp_path / "d", ["sha256"])
    after = os.stat(src)
    assert (before.st_mtime_ns, before.st_mode, before.st_size) == (after.st_mtime_ns, after.st_mode, after.st_size)


# --- the engine's parallel and split paths, cancellation, errors --------------------------------


SMALL_BUF = 4096  # tests shrink the buffers so "many buffers" stays cheap
ALGS = ("md5", "sha256", "sha512")


@pytest.fixture
def small_buffers(monkeypatch):
    monkeypatch.setattr(pumps, "BUFFER_SIZE", SMALL_BUF)
    monkeypatch.setattr(pumps, "SPLIT_BUFFER_SIZE", 2 * SMALL_BUF)
    monkeypatch.setattr(engine, "SPLIT_THRESHOLD", 8 * SMALL_BUF)
    monkeypatch.setattr(engine, "SMALL_FILE", 3 * SMALL_BUF)  # small and big files, threads for big


def _expected(data: bytes, algorithms=ALGS) -> dict[str, str]:
    return {a: hashlib.new(a, data).hexdigest() for a in algorithms}


# sizes around every boundary: empty, one byte, hashlib's GIL threshold, exact buffer multiples ±1
_EDGE_SIZES = sorted({0, 1, 2047, 2048, *(k * SMALL_BUF + d for k in (1, 2, 3, 8, 9) for d in (-1, 0, 1))})
_sizes = st.one_of(st.sampled_from(_EDGE_SIZES), st.integers(0, 12 * SMALL_BUF))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=_sizes, split=st.sampled_from([None, False, True]), copy=st.booleans(),
       algorithms=st.sampled_from([("sha256",), ("sha256", "sha512"), ALGS, ("blake2b", "sha3_256")]),
       lanes=st.sampled_from([None, 1, 2, 3, 8]))
def test_every_path_matches_hashlib(tmp_path_factory, small_buffers, size, split, copy, algorithms,
                                    lanes) -> None:
    folder = tmp_path_factory.mktemp("one")
    data = os.urandom(size)
    src = folder / "src"
    src.write_bytes(data)
    dest = folder / "dest" if copy else None
    fx = copy_and_hash(src, dest, algorithms, split=split, fsync=False, lanes=lanes)
    assert fx.size == size
    assert dict(fx.digests) == _expected(data, algorithms)
    if copy:
        assert dest.read_bytes() == data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(_sizes, min_size=0, max_size=12), jobs=st.sampled_from([1, 2, 3, 8]),
       copy=st.booleans(), give_sizes=st.booleans())
def test_many_matches_hashlib_and_keeps_order(tmp_path_factory, small_buffers, sizes, jobs, copy, give_sizes) -> None:
    folder = tmp_path_factory.mktemp("many")
    blobs = [os.urandom(s) for s in sizes]
    pairs = []
    for i, blob in enumerate(blobs):
        (folder / f"s{i}").write_bytes(blob)
        pairs.append((folder / f"s{i}", folder / f"d{i}" if copy else None))
    results = copy_and_hash_many(pairs, ALGS, jobs=jobs, fsync=False, sizes=sizes if give_sizes else None)
    assert [r.size for r in results] == sizes
    assert [dict(r.digests) for r in results] == [_expected(b) for b in blobs]
    if copy:
        assert [(folder / f"d{i}").read_bytes() for i in range(len(blobs))] == blobs


def test_one_dominant_file_is_split_and_still_right(tmp_path: Path, small_buffers, monkeypatch) -> None:
    calls = []
    real = engine.pump_split
    monkeypatch.setattr(engine, "pump_split", lambda *a: calls.append(1) or real(*a))
    big, small = os.urandom(40 * SMALL_BUF + 3), os.urandom(100)
    (tmp_path / "big").write_bytes(big)
    (tmp_path / "small").write_bytes(small)
    pairs = [(tmp_path / "small", tmp_path / "d-small"), (tmp_path / "big", tmp_path / "d-big")]
    results = copy_and_hash_many(pairs, ALGS, jobs=2, fsync=False)
    assert calls == [1]
    assert [dict(r.digests) for r in results] == [_expected(small), _expected(big)]
    assert (tmp_path / "d-big").read_bytes() == big


def _quiet_after(count: list[int]) -> bool:
    """True when no worker reads a further chunk once the call has returned."""
    before = count[0]
    time.sleep(0.2)
    return count[0] == before and not any(t.name.startswith("fixity-split") for t in threading.enumerate())


def _slow_progress(delay: float, on_chunk=None):
    lock = threading.Lock()
    count = [0]

    def progress(files: int, nbytes: int) -> None:
        if nbytes:
            with lock:
                count[0] += 1
                n = count[0]
            if on_chunk:
                on_chunk(n)
            time.sleep(delay)
    return progress, count


@pytest.mark.parametrize("split", [False, True])
def test_stop_event_cancels_one_file_and_removes_partial_copy(tmp_path: Path, small_buffers, split) -> None:
    src = tmp_path / "src"
    src.write_bytes(os.urandom(2000 * SMALL_BUF))  # 2000 chunks at 10 ms each: 20 s if not stopped
    stop = threading.Event()
    progress, count = _slow_progress(0.01, lambda n: n == 5 and stop.set())
    with pytest.raises(Cancelled):
        copy_and_hash(src, tmp_path / "dest", ALGS, split=split, progress=progress, stop=stop)
    assert count[0] <= 7  # stopped at the next chunk boundary
    assert not (tmp_path / "dest").exists()
    assert _quiet_after(count)


def test_worker_error_stops_everything_and_propagates(tmp_path: Path, small_buffers) -> None:
    pairs = []
    for i in range(8):
        (tmp_path / f"s{i}").write_bytes(os.urandom(500 * SMALL_BUF))
        pairs.append((tmp_path / f"s{i}", tmp_path / f"d{i}"))

    class Boom(RuntimeError):
        pass

    def explode(n: int) -> None:
        if n == 10:
            raise Boom("disk on fire")
    progress, count = _slow_progress(0.005, explode)
    with pytest.raises(Boom, match="disk on fire"):
        copy_and_hash_many(pairs, ALGS, jobs=2, progress=progress)
    assert count[0] < 20  # of 8 x 500 chunks: each worker stopped within a chunk or two of the error
    assert [p for p in tmp_path.iterdir() if p.name.startswith("d")] == []  # no partial copies
    assert _quiet_after(count)


def test_missing_source_raises_and_others_keep_order(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"a")
    with pytest.raises(FileNotFoundError):
        copy_and_hash_many([(tmp_path / "a", None), (tmp_path / "nope", None)], ["sha256"], jobs=2)
    with pytest.raises(FileNotFoundError):
        copy_and_hash_many([(tmp_path / "nope", None)], ["sha256"], jobs=1)


def test_existing_dest_is_refused_and_kept(tmp_path: Path) -> None:
    (tmp_path / "src").write_bytes(b"new")
    (tmp_path / "dest").write_bytes(b"old")
    with pytest.raises(FileExistsError):
        copy_and_hash(tmp_path / "src", tmp_path / "dest", ["sha256"])
    assert (tmp_path / "dest").read_bytes() == b"old"  # never removes what it did not create


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="needs the main thread")
@pytest.mark.parametrize("jobs,count_,chunks", [(1, 4, 1000), (2, 4, 1000), (2, 1000, 2)])
def test_sigint_in_caller_stops_workers_promptly(tmp_path: Path, small_buffers, jobs, count_, chunks) -> None:
    """Big files (worker threads) or many small ones (the calling thread): interrupted, all stop.

    The Ctrl-C comes once a few chunks are read; what is read after the caller received it is
    counted: a chunk or two per worker, where thousands are left to read.
    """
    pairs = []
    for i in range(count_):
        (tmp_path / f"s{i}").write_bytes(os.urandom(chunks * SMALL_BUF))
        pairs.append((tmp_path / f"s{i}", tmp_path / f"d{i}"))
    progress, count = _slow_progress(0.01, lambda n: n == 5 and os.kill(os.getpid(), signal.SIGINT))
    at_signal: list[int] = []

    def interrupt(signum, frame) -> None:
        at_signal.append(count[0])
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGINT, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            copy_and_hash_many(pairs, ALGS, jobs=jobs, progress=progress)
    finally:
        signal.signal(signal.SIGINT, old)
    assert len(at_signal) == 1
    assert count[0] - at_signal[0] < 50  # of count_ x chunks - 5 still to read
    assert _quiet_after(count)
    # nothing partial anywhere: every copy left is complete (the bag writer removes staging)
    for i in range(count_):
        dest = tmp_path / f"d{i}"
        assert not dest.exists() or dest.read_bytes() == (tmp_path / f"s{i}").read_bytes()


def test_error_in_a_small_file_stops_big_ones(tmp_path: Path, small_buffers) -> None:
    pairs = []
    for i in range(3):
        (tmp_path / f"big{i}").write_bytes(os.urandom(500 * SMALL_BUF))
        pairs.append((tmp_path / f"big{i}", tmp_path / f"dbig{i}"))
    (tmp_path / "tiny").write_bytes(b"x")
    pairs.append((tmp_path / "tiny", tmp_path / "dtiny"))
    pairs.append((tmp_path / "missing", tmp_path / "dmissing"))
    progress, count = _slow_progress(0.01)
    with pytest.raises(FileNotFoundError):
        copy_and_hash_many(pairs, ALGS, jobs=2, progress=progress, sizes=[500 * SMALL_BUF] * 3 + [1, 1])
    assert count[0] < 20  # of 3 x 500 chunks: the workers stopped within a chunk or two of the error
    assert _quiet_after(count)
    assert not any(tmp_path.glob("dbig*"))  # the big copies were abandoned and removed


@pytest.mark.parametrize("jobs", [1, 2])
def test_on_error_reports_unreadable_files_and_does_the_rest(tmp_path: Path, small_buffers, jobs) -> None:
    blobs = {f"f{i}": os.urandom(i * 5 * SMALL_BUF + i) for i in range(6)}
    for name, blob in blobs.items():
        (tmp_path / name).write_bytes(blob)
    os.mkfifo(tmp_path / "fifo")
    names = ["f0", "missing", "f1", "f2", "fifo", "f3", "f4", "f5"]
    errors: dict[int, OSError] = {}
    results = copy_and_hash_many([(tmp_path / n, None) for n in names], ALGS, jobs=jobs,
                                 on_error=errors.__setitem__)
    assert sorted(errors) == [1, 4]
    assert isinstance(errors[1], FileNotFoundError)
    assert [r is None for r in results] == [n in ("missing", "fifo") for n in names]
    for n, r in zip(names, results):
        if r is not None:
            assert dict(r.digests) == _expected(blobs[n])


def test_every_copy_is_fsynced_before_return(tmp_path: Path, small_buffers, monkeypatch) -> None:
    """Small copies are fsynced in one parallel batch at the end, large ones by their worker."""
    synced: list[int] = []
    lock = threading.Lock()
    real = os.fsync

    def counting(fd: int) -> None:
        with lock:
            synced.append(os.fstat(fd).st_ino)
        real(fd)
    monkeypatch.setattr(os, "fsync", counting)
    pairs, sizes = [], []
    for i in range(30):
        size = (i % 3) * 5 * SMALL_BUF + i  # small (< SMALL_FILE) and big ones mixed
        (tmp_path / f"s{i}").write_bytes(os.urandom(size))
        pairs.append((tmp_path / f"s{i}", tmp_path / f"d{i}"))
        sizes.append(size)
    copy_and_hash_many(pairs, ALGS, jobs=2, sizes=sizes)
    assert sorted(synced) == sorted(os.stat(d).st_ino for _, d in pairs)
    synced.clear()
    copy_and_hash_many([(s, None) for s, _ in pairs], ALGS, jobs=2)
    assert synced == []  # hashing only: nothing to flush


def test_hash_constant_computes_once_per_object() -> None:
    data = b"<xs:schema/>" * 100
    first = hash_constant(data, ("sha256",))
    assert first.digests["sha256"] == hashlib.sha256(data).hexdigest() and first.size == len(data)
    assert hash_constant(data, ("sha256",)) is first  # cached for the same object
    other = bytes(bytearray(data))  # equal bytes, another object: computed afresh, same value
    assert hash_constant(other, ("sha256",)) == first
    assert hash_constant(data, ("sha256", "md5")).digests["md5"] == hashlib.md5(data).hexdigest()


def test_hash_bytes_takes_known_digests_as_they_are() -> None:
    data = b"generated metadata" * 50
    known = {"sha256": hashlib.sha256(data).hexdigest()}
    fx = hash_bytes(data, ("sha256", "sha512"), known)
    assert fx == hash_bytes(data, ("sha256", "sha512"))
    assert hash_bytes(data, ("sha512",), known).digests == {"sha512": hashlib.sha512(data).hexdigest()}
    assert hash_bytes(data, ("sha256",), {"sha256": "given"}).digests["sha256"] == "given"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.one_of(st.sampled_from([0, 1, 8191, 8192, 8193, 3 * SMALL_BUF + 1]), st.integers(0, 40_000)),
       split=st.sampled_from([None, False, True]), copy=st.booleans(), short_reads=st.booleans())
def test_head_is_the_files_start_given_once(tmp_path_factory, small_buffers, monkeypatch, size, split, copy,
                                            short_reads) -> None:
    """``head`` gets the first HEAD_BYTES bytes (all of a shorter file) once, on every path."""
    folder = tmp_path_factory.mktemp("head")
    data = os.urandom(size)
    (folder / "src").write_bytes(data)
    if short_reads:  # reads that stop short of the buffer: the head is gathered from several
        real = os.readv
        monkeypatch.setattr(os, "readv", lambda fd, bufs: real(fd, [memoryview(bufs[0])[:1000]]))
    heads: list[bytes] = []
    fx = copy_and_hash(folder / "src", folder / "dest" if copy else None, ("sha256",), split=split,
                       fsync=False, head=heads.append)
    assert heads == [data[:HEAD_BYTES]]
    assert fx.digests["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("jobs", [1, 2, 4])
def test_many_gives_each_head_with_its_index(tmp_path: Path, small_buffers, jobs: int) -> None:
    blobs = [os.urandom(n) for n in (0, 10, 5000, 9000, 40_000, 70_000, 3)]
    pairs = []
    for i, blob in enumerate(blobs):
        (tmp_path / f"s{i}").write_bytes(blob)
        pairs.append((tmp_path / f"s{i}", tmp_path / f"d{i}"))
    heads: dict[int, list[bytes]] = {}
    copy_and_hash_many(pairs, ("sha256",), jobs=jobs, fsync=False,
                       on_head=lambda i, head: heads.setdefault(i, []).append(head))
    assert heads == {i: [blob[:HEAD_BYTES]] for i, blob in enumerate(blobs)}


def test_small_files_hash_only_in_one_read(tmp_path: Path, monkeypatch) -> None:
    data = b"x" * 5000
    (tmp_path / "f").write_bytes(data)
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    fx = copy_and_hash(tmp_path / "f", None, ["sha256"])
    assert fx.digests["sha256"] == hashlib.sha256(data).hexdigest() and fx.size == 5000
    assert reads == [5001]  # one read of the whole file (and one byte more: its end)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="needs the main thread")
def test_ctrl_c_right_after_a_copy_is_created_leaves_no_file(tmp_path: Path, monkeypatch) -> None:
    """The interrupt lands between os.open making the copy and the engine holding its
    descriptor (Python raises it as soon as the call returns): the copy is still removed."""
    (tmp_path / "s").write_bytes(b"x" * 100)
    real_open = os.open
    made: list[int] = []

    def open_then_interrupt(path, flags, mode=0o777, **kw):
        fd = real_open(path, flags, mode, **kw)
        if flags & os.O_CREAT:
            made.append(fd)
            os.kill(os.getpid(), signal.SIGINT)  # raised here, before the caller gets fd
        return fd

    monkeypatch.setattr(os, "open", open_then_interrupt)
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            copy_and_hash(tmp_path / "s", tmp_path / "d", ["sha256"])
    finally:
        signal.signal(signal.SIGINT, old)
        monkeypatch.undo()
        for fd in made:
            os.close(fd)
    assert made and not (tmp_path / "d").exists()
