"""Reading a small file the user hands in: regular files only, size-capped, one clear error each."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from preserve.errors import InputError
from preserve.intake.userfiles import read_user_file


def test_reads_a_regular_file_and_none_when_absent(tmp_path: Path) -> None:
    (tmp_path / "f.toml").write_bytes(b"a = 1\n")
    assert read_user_file(tmp_path / "f.toml", 100, "a TOML file") == b"a = 1\n"
    assert read_user_file(tmp_path / "missing.toml", 100, "a TOML file") is None


@pytest.mark.parametrize("make, message", [
    (lambda p: os.symlink("/etc/hostname", p), "is a symbolic link (never followed)"),
    (lambda p: os.mkfifo(p), "is not a regular file; make it a TOML file or remove it"),
    (lambda p: p.mkdir(), "is not a regular file; make it a TOML file or remove it"),
    (lambda p: p.write_bytes(b"x" * 11), "is 11 bytes, more than 10; is it really a TOML file?"),
])
def test_refusals_name_the_file_and_the_fix(tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "f.toml"
    make(path)
    with pytest.raises(InputError, match=re.escape(message)):
        read_user_file(path, 10, "a TOML file")
