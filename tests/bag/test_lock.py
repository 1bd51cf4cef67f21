"""The output folder's lock: on the folder itself (no file), one holder at a time, named by pid."""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from preserve.bag import lock
from preserve.bag.lock import LOCK_NAME, holder_in, locked
from preserve.errors import InputError, LockedError


def test_a_second_holder_is_refused_and_the_folder_holds_nothing_new(tmp_path: Path) -> None:
    with locked(tmp_path) as path:
        assert path == tmp_path
        assert os.listdir(tmp_path) == []  # the lock needs no file
        with pytest.raises(LockedError, match=f"another run \\(pid {os.getpid()}\\) holds the lock on {tmp_path}"):
            with locked(tmp_path):
                pass
    with locked(tmp_path):  # released at the end of the block
        pass
    assert os.listdir(tmp_path) == []


def test_another_process_holding_the_folder_is_named(tmp_path: Path) -> None:
    """A holder in another process, as a second `preserve bag` meets the first."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom preserve.bag.lock import locked\n"
         f"with locked({str(tmp_path)!r}):\n    print('held', flush=True)\n    sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(LockedError, match=f"another run \\(pid {holder.pid}\\) holds the lock"):
            with locked(tmp_path):
                pass
    finally:
        holder.communicate("", timeout=60)
    with locked(tmp_path):  # the kernel dropped it with its holder
        pass


def test_without_proc_locks_the_holder_is_not_named(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(lock, "PROC_LOCKS", tmp_path / "no-such-file")
    with locked(tmp_path):
        with pytest.raises(LockedError, match=f"^another run holds the lock on {tmp_path};"):
            with locked(tmp_path):
                pass


def test_holder_is_read_from_proc_locks_lines() -> None:
    dev = os.makedev(0xFD, 0x01)
    text = ("1: POSIX  ADVISORY  WRITE 11 fd:01:42 0 EOF\n"
            "2: FLOCK  ADVISORY  WRITE 22 fd:01:43 0 EOF\n"
            "2: -> FLOCK  ADVISORY  WRITE 33 fd:01:42 0 EOF\n"
            "3: FLOCK  ADVISORY  WRITE 44 fd:01:42 0 EOF\n")
    assert holder_in(text, dev, 42) == 44  # not the POSIX lock, not the waiter
    assert holder_in(text, dev, 43) == 22
    assert holder_in(text, os.makedev(8, 1), 42) is None
    assert holder_in("garbage\n1: FLOCK x y:z:w 0\n", dev, 42) is None


def test_an_output_that_is_a_file_or_missing_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is a file, not a folder"):
        with locked(tmp_path / "file"):
            pass
    with pytest.raises(InputError, match="cannot write here"):
        with locked(tmp_path / "missing"):
            pass


def test_the_lock_file_of_earlier_versions_is_removed(tmp_path: Path) -> None:
    (tmp_path / LOCK_NAME).write_text("12345\n")
    (tmp_path / "bag").mkdir()
    with locked(tmp_path):
        assert sorted(os.listdir(tmp_path)) == ["bag"]


def test_an_earlier_version_still_holding_its_lock_file_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / LOCK_NAME
    path.write_text("777\n")
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what an earlier version's run holds
        with pytest.raises(LockedError, match="another run \\(pid 777\\) holds the lock"):
            with locked(tmp_path):
                pass
        assert path.read_text() == "777\n"
    finally:
        os.close(fd)
    with locked(tmp_path):
        pass
    assert not path.exists()


@pytest.mark.parametrize("make", [
    lambda p, target: os.symlink(target, p),
    lambda p, target: os.mkfifo(p),
    lambda p, target: p.mkdir(),
], ids=["symlink", "fifo", "folder"])
def test_anything_but_a_regular_file_of_that_name_is_left_alone(tmp_path: Path, make) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("do not touch\n")
    make(tmp_path / LOCK_NAME, target)
    with locked(tmp_path):
        assert os.path.lexists(tmp_path / LOCK_NAME)
    assert target.read_text() == "do not touch\n"
