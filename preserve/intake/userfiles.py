"""Read a small file a user hands in (preserve.toml, metadata.csv) without trusting it.

A symlink is never followed, a FIFO or device is never opened (either would hang the run or
read outside SOURCE), and the size is capped. Every refusal is one InputError naming the file
and the fix.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from preserve.errors import InputError
from preserve.fixity import read_head


def read_user_file(path: Path, limit: int, what: str) -> bytes | None:
    """The bytes of path, or None when it does not exist; ``what`` names it in messages."""
    # lstat first, then fixity's safe-open (read_head): each refusal gets its own message, and a
    # device is never opened at all (the safe-open refuses it only after opening it).
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); fix its permissions") from None
    if stat.S_ISLNK(st.st_mode):
        raise InputError(f"{path}: is a symbolic link (never followed); replace it with the file itself")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: is not a regular file; make it {what} or remove it")
    if st.st_size > limit:
        raise InputError(f"{path}: is {st.st_size} bytes, more than {limit}; is it really {what}?")
    try:
        data = read_head(path, limit + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc}); fix its permissions") from None
    if len(data) > limit:
        raise InputError(f"{path}: grew beyond {limit} bytes while being read; is it really {what}?")
    return data
