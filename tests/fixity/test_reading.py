"""The safe open for reading: regular files only, never through a symlink, never waiting on a FIFO."""
from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest

from preserve.fixity.reading import HEAD_BYTES, READ_FLAGS, open_for_reading, open_regular, read_head, read_upto


def test_open_regular_gives_a_read_only_descriptor_and_its_stat(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"content")
    fd, st = open_regular(tmp_path / "f")
    try:
        assert st.st_size == 7 and st.st_ino == (tmp_path / "f").stat().st_ino
        assert os.read(fd, 100) == b"content"
        with pytest.raises(OSError):
            os.write(fd, b"x")  # a source can never be changed through it
        assert not os.get_inheritable(fd)  # not handed to child processes
    finally:
        os.close(fd)


def test_open_for_reading_refuses_folders(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        open_for_reading(tmp_path)
    (tmp_path / "f").write_bytes(b"x")
    fd = open_for_reading(tmp_path / "f")
    try:
        assert os.read(fd, 10) == b"x"
    finally:
        os.close(fd)


@pytest.mark.parametrize("target", ["file", "folder"])
def test_a_symlink_is_never_followed(tmp_path: Path, target: str) -> None:
    real = tmp_path / "real"
    if target == "file":
        real.write_bytes(b"x")
    else:
        real.mkdir()
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(OSError) as raised:
        open_regular(tmp_path / "link")
    assert raised.value.errno == errno.ELOOP or "not a regular file" in str(raised.value)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    refused: list[OSError] = []
    finished = threading.Event()

    def attempt() -> None:
        try:
            os.close(open_for_reading(fifo))
        except OSError as exc:
            refused.append(exc)
        finally:
            finished.set()

    threading.Thread(target=attempt, daemon=True).start()
    at_once = finished.wait(timeout=10)
    if not at_once:  # the open waits for a writer: give it one, so the thread ends
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        finished.wait()
    assert at_once, "opening a FIFO waited for a writer"
    assert refused and "not a regular file" in str(refused[0])


def test_read_flags_never_follow_never_block_never_inherit() -> None:
    for flag in ("O_NOFOLLOW", "O_NONBLOCK", "O_CLOEXEC"):
        assert READ_FLAGS & getattr(os, flag)
    assert READ_FLAGS & (os.O_WRONLY | os.O_RDWR) == 0


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 8192, 100_000])
def test_read_head_reads_up_to_the_limit(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "f"
    path.write_bytes(data)
    for limit in (1, 4096, HEAD_BYTES, size, size + 1):
        assert read_head(path, limit) == data[:limit]
        assert read_head(str(path), limit) == data[:limit]


def test_read_head_goes_on_after_a_short_read(tmp_path: Path, monkeypatch) -> None:
    """A read that stops short of the limit and of the size fstat gave is not the end."""
    data = os.urandom(10_000)
    path = tmp_path / "f"
    path.write_bytes(data)
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: real_read(fd, min(n, 1000)))
    assert read_head(path, 8192) == data[:8192]
    assert read_head(path, 20_000) == data


def test_read_head_of_a_small_file_is_one_read(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "f").write_bytes(b"x" * 100)
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    assert read_head(tmp_path / "f", HEAD_BYTES) == b"x" * 100
    assert len(reads) == 1  # 100 bytes read, the size fstat gave: the end, without reading again


def test_read_head_refuses_what_open_for_reading_refuses(tmp_path: Path) -> None:
    (tmp_path / "target").write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "target")
    for bad in (tmp_path / "link", tmp_path, tmp_path / "missing"):
        with pytest.raises(OSError):
            read_head(bad, 10)


@pytest.mark.parametrize("stated,limit,expected", [(5, 8, 8), (5, 20, 10), (10, 4, 4), (20, 50, 10), (0, 3, 3)])
def test_read_upto_reads_what_is_there_whatever_fstat_said(tmp_path: Path, stated: int, limit: int,
                                                           expected: int) -> None:
    """A file that grew or shrank since its fstat is read to its end or to the limit."""
    data = os.urandom(10)
    (tmp_path / "f").write_bytes(data)
    fd = os.open(tmp_path / "f", os.O_RDONLY)
    try:
        assert read_upto(fd, limit, stated) == data[:expected]
    finally:
        os.close(fd)
