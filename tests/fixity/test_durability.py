"""fsync_files: every file flushed, in this thread while that is cheap, on threads once a device waits."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from preserve.fixity import durability
from preserve.fixity.threads import Cancelled


@pytest.fixture
def fsyncs(monkeypatch) -> list[tuple[int, bool]]:
    """(inode, in the calling thread) of every fsync made while the test runs."""
    synced: list[tuple[int, bool]] = []
    lock = threading.Lock()
    real = os.fsync
    main = threading.get_ident()

    def spy(fd: int) -> None:
        with lock:
            synced.append((os.fstat(fd).st_ino, threading.get_ident() == main))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    return synced


def _files(folder: Path, count: int) -> list[Path]:
    files = [folder / f"f{i}" for i in range(count)]
    for f in files:
        f.write_bytes(b"x")
    return files


@pytest.mark.parametrize("slow", [False, True], ids=["cheap-fsync-serial", "slow-fsync-parallel"])
def test_fsync_files_flushes_every_file_and_raises_the_first_error(tmp_path: Path, monkeypatch, fsyncs,
                                                                   slow: bool) -> None:
    """Cheap fsyncs stay in this thread; once one is slow (a device), the rest go to threads."""
    monkeypatch.setattr(durability, "SLOW_FSYNC_SECONDS", -1.0 if slow else 60.0)
    files = _files(tmp_path, 12)
    durability.fsync_files(files)
    assert sorted(ino for ino, _ in fsyncs) == sorted(f.stat().st_ino for f in files)
    in_main = sum(here for _, here in fsyncs)
    assert in_main == (1 if slow else 12)
    with pytest.raises(FileNotFoundError):
        durability.fsync_files([files[0], tmp_path / "gone", files[1], files[2], files[3]])


@pytest.mark.parametrize("slow", [False, True])
def test_a_symlink_is_refused_not_followed(tmp_path: Path, monkeypatch, fsyncs, slow: bool) -> None:
    monkeypatch.setattr(durability, "SLOW_FSYNC_SECONDS", -1.0 if slow else 60.0)
    files = _files(tmp_path, 4)
    (tmp_path / "link").symlink_to(files[0])
    with pytest.raises(OSError):
        durability.fsync_files([*files[1:], tmp_path / "link"])
    assert files[0].stat().st_ino not in {ino for ino, _ in fsyncs}


def test_a_stop_already_set_flushes_nothing(tmp_path: Path, fsyncs) -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        durability.fsync_files(_files(tmp_path, 3), stop=stop)
    assert fsyncs == []


def test_a_failure_on_one_thread_stops_the_others(tmp_path: Path, monkeypatch, fsyncs) -> None:
    """The first file is slow, so the rest go to threads; the first missing one stops them all."""
    monkeypatch.setattr(durability, "SLOW_FSYNC_SECONDS", -1.0)
    more = tmp_path / "more"
    more.mkdir()
    files = _files(tmp_path, 3) + [tmp_path / "gone"] + _files(more, 200)
    with pytest.raises(FileNotFoundError):
        durability.fsync_files(files, jobs=1)  # one thread: every file after the missing one is left alone
    assert len(fsyncs) == 3
