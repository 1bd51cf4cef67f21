"""The pumps: one open file read once into every hasher, the copy and the head, on each path."""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from preserve.fixity import pumps
from preserve.fixity.reading import HEAD_BYTES
from preserve.fixity.threads import Cancelled


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
        total = pumps.hash_small(fd, hashers, None, None, stated)
    finally:
        os.close(fd)
    assert total == 100
    assert [h.hexdigest() for h in hashers] == [hashlib.sha256(data).hexdigest(), hashlib.sha512(data).hexdigest()]


@pytest.mark.parametrize("chunks", [[b"abc"], [b"a" * 5000, b"b" * 5000], [b"x"] * (HEAD_BYTES + 5), [b""]])
def test_head_gathers_the_start_from_chunks_and_hands_it_on_once(chunks: list[bytes]) -> None:
    given: list[bytes] = []
    head: pumps.Head | None = pumps.Head(given.append)
    for chunk in chunks:
        if head is None:
            break
        head = head.take(memoryview(chunk))
    if head is not None:
        head.done()  # end of file before HEAD_BYTES
    assert given == [b"".join(chunks)[:HEAD_BYTES]]


@pytest.mark.parametrize("pump", ["serial", "split"])
def test_a_stop_set_before_the_first_chunk_reads_nothing(tmp_path: Path, pump: str) -> None:
    (tmp_path / "f").write_bytes(os.urandom(10_000))
    stop = threading.Event()
    stop.set()
    hasher = hashlib.sha256()
    fd = os.open(tmp_path / "f", os.O_RDONLY)
    try:
        with pytest.raises(Cancelled):
            if pump == "serial":
                pumps.pump_serial(fd, -1, [hasher], None, stop)
            else:
                pumps.pump_split(fd, -1, [hasher, hashlib.md5()], None, stop, names=("sha256", "md5"))
        assert os.lseek(fd, 0, os.SEEK_CUR) == 0
    finally:
        os.close(fd)
    assert not any(t.name.startswith("fixity-split") for t in threading.enumerate())


@pytest.mark.parametrize("lanes", [1, 2, 3])
def test_the_split_pump_feeds_every_consumer_the_whole_file(tmp_path: Path, monkeypatch, lanes: int) -> None:
    monkeypatch.setattr(pumps, "SPLIT_BUFFER_SIZE", 4096)
    data = os.urandom(10 * 4096 + 7)
    (tmp_path / "src").write_bytes(data)
    names = ("md5", "sha256", "sha512")
    hashers = [hashlib.new(n) for n in names]
    src = os.open(tmp_path / "src", os.O_RDONLY)
    dest = os.open(tmp_path / "dest", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        total = pumps.pump_split(src, dest, hashers, None, None, names=names, lanes=lanes)
    finally:
        os.close(src)
        os.close(dest)
    assert total == len(data) and (tmp_path / "dest").read_bytes() == data
    assert [h.hexdigest() for h in hashers] == [hashlib.new(n, data).hexdigest() for n in names]
