"""The hashing engine: one read, every algorithm, copies byte-identical, never follows links.

Also: the parallel and split paths agree with hashlib at every size (0 bytes, exact buffer
multiples), order is kept, errors propagate, and cancellation stops within a bounded time
without leaving a partial copy. No timing assertions beyond such generous bounds.
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import preserve.fixity.engine as fixity
from preserve.errors import InputError
from preserve.fixity.engine import (Cancelled, copy_and_hash, copy_and_hash_many, hash_bytes, normalise_algorithm,
                             normalise_algorithms)


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


def test_algorithm_names() -> None:
    assert normalise_algorithm("SHA-256") == "sha256"
    assert normalise_algorithms(["md5", "MD5", "sha512"]) == ("md5", "sha512")
    with pytest.raises(InputError, match="unknown checksum algorithm 'crc32'"):
        normalise_algorithm("crc32")
    assert hash_bytes(b"abc", ["sha256"]).digests["sha256"] == hashlib.sha256(b"abc").hexdigest()


# --- the engine's parallel and split paths, cancellation, errors --------------------------------


SMALL_BUF = 4096  # tests shrink the buffers so "many buffers" stays cheap
ALGS = ("md5", "sha256", "sha512")


@pytest.fixture
def small_buffers(monkeypatch):
    monkeypatch.setattr(fixity, "BUFFER_SIZE", SMALL_BUF)
    monkeypatch.setattr(fixity, "SPLIT_BUFFER_SIZE", 2 * SMALL_BUF)
    monkeypatch.setattr(fixity, "SPLIT_THRESHOLD", 8 * SMALL_BUF)
    monkeypatch.setattr(fixity, "SMALL_FILE", 3 * SMALL_BUF)  # small and big files, threads for big


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


@given(costs=st.lists(st.floats(0.01, 20), min_size=1, max_size=8), lanes=st.integers(1, 6))
@example(costs=[0.0625, 0.0625], lanes=2)  # the read alone outweighs both: they share the other lane
def test_lanes_share_every_consumer_out_evenly(costs: list[float], lanes: int) -> None:
    plan = fixity.plan_lanes(costs, lanes)
    assert sorted(i for lane in plan for i in lane) == list(range(len(costs)))
    assert 1 <= len(plan) <= lanes and all(plan[1:])
    loads = [sum(costs[i] for i in lane) for lane in plan]
    loads[0] += fixity.READ_COST
    # greedy to the lightest lane: no lane exceeds the even share by more than one consumer,
    # unless it is the reading lane holding the read alone (then no plan does better)
    bound = max(fixity.READ_COST, (sum(costs) + fixity.READ_COST) / len(plan) + max(costs))
    assert max(loads) <= bound + 1e-9


def test_the_slowest_algorithm_gets_a_thread_of_its_own() -> None:
    """sha512 (~3 ns/B here) against sha256 (~1) + copy (0.7) on 2 cores: the reading thread
    takes sha256 and the copy, one other thread sha512, instead of three threads on two cores."""
    costs = [1.0, 3.0, fixity.COPY_COST]  # sha256, sha512, copy
    assert fixity.plan_lanes(costs, 2) == [[0, 2], [1]]
    assert fixity.plan_lanes(costs, 1) == [[1, 0, 2]]
    assert fixity.plan_lanes(costs, 8) == [[2], [1], [0]]


def test_algorithm_costs_are_measured_once_and_positive() -> None:
    first = fixity.algorithm_cost("sha512")
    assert first > 0 and fixity.algorithm_cost("sha512") == first


def test_one_dominant_file_is_split_and_still_right(tmp_path: Path, small_buffers, monkeypatch) -> None:
    calls = []
    real = fixity._pump_split
    monkeypatch.setattr(fixity, "_pump_split", lambda *a: calls.append(1) or real(*a))
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
    started = time.monotonic()
    with pytest.raises(Boom, match="disk on fire"):
        copy_and_hash_many(pairs, ALGS, jobs=2, progress=progress)
    assert time.monotonic() - started < 10  # 8 files x 500 chunks x 5 ms would be 20 s
    assert count[0] < 20
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
    """Big files (worker threads) or many small ones (the calling thread): interrupted, all stop."""
    pairs = []
    for i in range(count_):
        (tmp_path / f"s{i}").write_bytes(os.urandom(chunks * SMALL_BUF))
        pairs.append((tmp_path / f"s{i}", tmp_path / f"d{i}"))
    progress, count = _slow_progress(0.01)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.monotonic()
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            copy_and_hash_many(pairs, ALGS, jobs=jobs, progress=progress)  # 20 to 40 s if not stopped
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, old)
    assert time.monotonic() - started < 10
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
    started = time.monotonic()
    with pytest.raises(FileNotFoundError):
        copy_and_hash_many(pairs, ALGS, jobs=2, progress=progress, sizes=[500 * SMALL_BUF] * 3 + [1, 1])
    assert time.monotonic() - started < 10
    assert _quiet_after(count)
    assert not any(tmp_path.glob("dbig*"))  # the big copies were abandoned and removed


def test_open_for_reading_refuses_folders(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        fixity.open_for_reading(tmp_path)
    (tmp_path / "f").write_bytes(b"x")
    fd = fixity.open_for_reading(tmp_path / "f")
    try:
        assert os.read(fd, 10) == b"x"
    finally:
        os.close(fd)


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


@pytest.mark.parametrize("slow", [False, True], ids=["cheap-fsync-serial", "slow-fsync-parallel"])
def test_fsync_files_flushes_every_file_and_raises_the_first_error(tmp_path: Path, monkeypatch, slow: bool) -> None:
    """Cheap fsyncs stay in this thread; once one is slow (a device), the rest go to threads."""
    monkeypatch.setattr(fixity, "SLOW_FSYNC_SECONDS", -1.0 if slow else 60.0)
    synced: list[tuple[int, bool]] = []
    real = os.fsync
    main = threading.get_ident()

    def spy(fd: int) -> None:
        synced.append((os.fstat(fd).st_ino, threading.get_ident() == main))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    files = [tmp_path / f"f{i}" for i in range(12)]
    for f in files:
        f.write_bytes(b"x")
    fixity.fsync_files(files)
    assert sorted(ino for ino, _ in synced) == sorted(f.stat().st_ino for f in files)
    in_main = sum(here for _, here in synced)
    assert in_main == (1 if slow else 12)
    with pytest.raises(FileNotFoundError):
        fixity.fsync_files([files[0], tmp_path / "gone", files[1], files[2], files[3]])


def test_hash_constant_computes_once_per_object() -> None:
    import hashlib as _hashlib

    from preserve.fixity.engine import hash_constant

    data = b"<xs:schema/>" * 100
    first = hash_constant(data, ("sha256",))
    assert first.digests["sha256"] == _hashlib.sha256(data).hexdigest() and first.size == len(data)
    assert hash_constant(data, ("sha256",)) is first  # cached for the same object
    other = bytes(bytearray(data))  # equal bytes, another object: computed afresh, same value
    assert hash_constant(other, ("sha256",)) == first
    assert hash_constant(data, ("sha256", "md5")).digests["md5"] == _hashlib.md5(data).hexdigest()


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 8192, 100_000])
def test_read_head_reads_up_to_the_limit(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "f"
    path.write_bytes(data)
    for limit in (1, 4096, 8192, size, size + 1):
        assert fixity.read_head(path, limit) == data[:limit]
        assert fixity.read_head(str(path), limit) == data[:limit]


def test_read_head_goes_on_after_a_short_read(tmp_path: Path, monkeypatch) -> None:
    """A read that stops short of the limit and of the size fstat gave is not the end."""
    data = os.urandom(10_000)
    path = tmp_path / "f"
    path.write_bytes(data)
    real_read = os.read
    monkeypatch.setattr(fixity.os, "read", lambda fd, n: real_read(fd, min(n, 1000)))
    assert fixity.read_head(path, 8192) == data[:8192]
    assert fixity.read_head(path, 20_000) == data


def test_read_head_refuses_what_open_for_reading_refuses(tmp_path: Path) -> None:
    (tmp_path / "target").write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "target")
    for bad in (tmp_path / "link", tmp_path, tmp_path / "missing"):
        with pytest.raises(OSError):
            fixity.read_head(bad, 10)


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
        monkeypatch.setattr(fixity.os, "readv", lambda fd, bufs: real(fd, [memoryview(bufs[0])[:1000]]))
    heads: list[bytes] = []
    fx = copy_and_hash(folder / "src", folder / "dest" if copy else None, ("sha256",), split=split,
                       fsync=False, head=heads.append)
    assert heads == [data[:fixity.HEAD_BYTES]]
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
    assert heads == {i: [blob[:fixity.HEAD_BYTES]] for i, blob in enumerate(blobs)}


@pytest.mark.parametrize("stated", [0, 5, 99, 100, 101, 4000])
def test_a_small_file_is_hashed_whole_even_if_fstat_was_wrong(tmp_path: Path, stated: int) -> None:
    """The one-read path for small files reads on to the end when the size fstat gave is stale
    (the file grew or shrank between the two): the digests are always of what was read."""
    data = os.urandom(100)
    path = tmp_path / "f"
    path.write_bytes(data)
    hashers = [hashlib.sha256(), hashlib.sha512()]
    fd = os.open(path, os.O_RDONLY)
    try:
        total = fixity._hash_small(fd, hashers, None, None, stated)
    finally:
        os.close(fd)
    assert total == 100
    assert [h.hexdigest() for h in hashers] == [hashlib.sha256(data).hexdigest(), hashlib.sha512(data).hexdigest()]


def test_small_files_hash_only_in_one_read(tmp_path: Path, monkeypatch) -> None:
    data = b"x" * 5000
    (tmp_path / "f").write_bytes(data)
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(fixity.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
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

    monkeypatch.setattr(fixity.os, "open", open_then_interrupt)
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


# An interrupt that lands while a pool starts a thread: Thread.start is patched so that, the
# moment a file worker has started (before ThreadPoolExecutor records it for the interpreter's
# exit), a Ctrl-C comes ("signal"), or a Ctrl-C swallowed by a weakref callback is raised again
# by preserve._runtime.interrupts' alarm ("alarm"). Unrecorded, that thread waits on its queue forever
# and the process never exits.
_INTERRUPTED_START = """
import os, signal, sys, threading, time, weakref
from pathlib import Path
from preserve._runtime import interrupts
from preserve.fixity.engine import copy_and_hash_many
mode, where = sys.argv[1], Path(sys.argv[2])
interrupts.install(KeyboardInterrupt)
class Thing:
    pass
def callback(ref):
    raise KeyboardInterrupt
real_start = threading.Thread.start
def start(self):
    real_start(self)
    if self.name.startswith("fixity"):
        if mode == "signal":
            os.kill(os.getpid(), signal.SIGINT)
        else:
            thing = Thing()
            ref = weakref.ref(thing, callback)
            del thing
        time.sleep(0.05)
threading.Thread.start = start
pairs = []
for i in range(2):
    (where / f"big{i}").write_bytes(bytes(4 << 20))
    pairs.append((where / f"big{i}", where / f"copy{i}"))
try:
    copy_and_hash_many(pairs, ["sha256"], jobs=2)
    print("ran on")
except KeyboardInterrupt:
    print("interrupted")
"""


@pytest.mark.parametrize("mode", ["signal", "alarm"])
def test_an_interrupt_while_the_pool_starts_a_thread_lets_the_process_exit(tmp_path: Path, mode: str) -> None:
    proc = subprocess.run([sys.executable, "-c", _INTERRUPTED_START, mode, str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "interrupted", proc.stderr  # and then it exited, quietly
    assert proc.stderr == ""
