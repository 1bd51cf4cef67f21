"""The C library, for the few Linux calls Python's os module lacks (renameat2, prctl).

Loaded once per process, from the running program's own symbols (no ``find_library``, which
starts a subprocess); None where ctypes cannot load it.
"""
from __future__ import annotations

import ctypes
from functools import lru_cache


@lru_cache(maxsize=1)
def libc() -> ctypes.CDLL | None:
    """The C library with errno kept for ``ctypes.get_errno``, or None."""
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no dynamic loader
        return None
