"""The output folder's lock: one holder at a time, its pid for the message, never through a link."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from preserve.bag.lock import LOCK_NAME, locked
from preserve.errors import InputError, LockedError


def test_a_second_holder_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    with locked(tmp_path) as path:
        assert path == tmp_path / LOCK_NAME
        assert path.read_text() == f"{os.getpid()}\n"
        with pytest.raises(LockedError, match=f"another run \\(pid {os.getpid()}\\) holds the lock"):
            with locked(tmp_path):
                pass
    with locked(tmp_path):  # released at the end of the block
        pass
    assert (tmp_path / LOCK_NAME).exists()  # left in place: removing it would race with a new run


@pytest.mark.parametrize("make, message", [
    (lambda p, target: os.symlink(target, p), "is a symbolic link"),
    (lambda p, target: os.mkfifo(p), "is not a regular file"),
])
def test_a_lock_file_that_is_not_a_plain_file_is_refused(tmp_path: Path, make, message: str) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("do not touch\n")
    make(tmp_path / LOCK_NAME, target)
    with pytest.raises(InputError, match=message):
        with locked(tmp_path):
            pass
    assert target.read_text() == "do not touch\n"
