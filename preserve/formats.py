"""Offline file format identification: PRONOM PUID, format name and version, MIME type.

The identifier is Siegfried (PRONOM signatures, embedded in the ``pygfried`` extension,
Apache-2.0, no network). Where pygfried is not installed (it needs CPython >= 3.11) a small
built-in fallback identifies by magic bytes and extension, so the tool still works; its
results say so in ``basis``. The identifier is initialised once per process.
"""
from __future__ import annotations

import mimetypes
import os
import posixpath
import stat
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from preserve.fixity import HEAD_BYTES, open_for_reading, read_head

UNKNOWN_MIME = "application/octet-stream"
_SNIFF_BYTES = HEAD_BYTES  # what the built-in table reads of a file (a copy's head has as much)
#: Larger files are identified from a head+tail sample, so memory stays flat (see _identify_sample).
WHOLE_FILE_LIMIT = 16 << 20
SAMPLE_BYTES = 8 << 20


@dataclass(frozen=True)
class FormatInfo:
    """What a file is: PRONOM id (None if unidentified), name, version, MIME type, and why."""

    puid: str | None
    name: str
    version: str | None
    mime: str
    basis: str


@dataclass(frozen=True)
class Identifier:
    """The tool that identified formats (for the PREMIS format identification event)."""

    name: str
    version: str
    detail: str


_lock = threading.Lock()
_state: dict[str, Any] = {}


def _load_siegfried() -> Any | None:
    """Import pygfried if available (None otherwise).

    Siegfried runs on the Go runtime, whose heap grows to twice its live size between
    collections: bagging 3,000 small files grew RSS by 35 MiB. The Go runtime reads GOMEMLIMIT
    from the environment the process started with, so the CLI sets preserve.launch.GO_MEMORY_LIMIT before it
    starts (see preserve.cli.main); it keeps the heap flat for about 0.1 ms more per file.
    """
    try:
        import pygfried  # type: ignore[import-not-found]
    except ImportError:
        return None
    return pygfried


def _backend() -> Any | None:
    with _lock:
        if "backend" not in _state:
            _state["backend"] = _load_siegfried()
        return _state["backend"]


#: identification engines: Siegfried (PRONOM signatures), or only the built-in table (fast)
ENGINES = ("siegfried", "builtin")


def identifier(engine: str = "siegfried") -> Identifier:
    """Name, version and signature detail of the identifier in use (worked out once per process)."""
    sf = _backend() if engine == "siegfried" else None
    if sf is None:
        why = ("chosen (--identify builtin)" if engine == "builtin" else "fallback (pygfried not installed)")
        return Identifier("preserve built-in format sniffer", _own_version(),
                          f"{why}: magic bytes of a few formats, UTF-8 text and the file extension")
    with _lock:
        found = _state.get("identifier")
        if found is None or found[0] is not sf:
            from importlib.metadata import version

            found = _state["identifier"] = (sf, Identifier("pygfried", version("pygfried"),
                                                           _signature_detail(sf)))
    return found[1]


def load_signatures(engine: str = "siegfried") -> None:
    """Have Siegfried load its signatures now, once per process (its first identification
    does, ~0.13 s here), by identifying a one-line temporary file. Nothing without Siegfried."""
    sf = _backend() if engine == "siegfried" else None
    if sf is None or _state.get("signatures"):
        return
    with tempfile.NamedTemporaryFile(prefix="preserve-warm-up-", suffix=".txt") as probe:
        probe.write(b"preserve\n")
        probe.flush()
        sf.identify(probe.name)
    _state["signatures"] = True


def _own_version() -> str:
    from preserve import __version__

    return __version__


def _signature_detail(sf: Any) -> str:
    try:
        scanner = sf.Scanner()
        sig = scanner.signature
    except Exception:  # pragma: no cover - older pygfried
        sig = "default.sig"
    return f"Siegfried {sf.version()}, signature file {sig}"


def identify(path: Path) -> FormatInfo:
    """Identify one file offline; never follows a symlink nor opens a FIFO or device."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except OSError as exc:
        return FormatInfo(None, "Unknown", None, UNKNOWN_MIME, f"not identified: {exc.strerror}")
    if not stat.S_ISREG(st.st_mode):
        return FormatInfo(None, "Unknown", None, UNKNOWN_MIME, "not identified: not a regular file")
    sf = _backend()
    if sf is not None:
        try:
            if st.st_size <= WHOLE_FILE_LIMIT:
                return _from_siegfried(sf.identify(str(path), detailed=True), path)
            return _identify_sample(sf, path, st.st_size)
        except Exception:  # noqa: BLE001 - fall back rather than fail a bag
            pass
    return _sniff(path)


#: files per Siegfried call in identify_many (bounds the result held in memory at once)
BATCH_FILES = 2000


def _siegfried_workers(jobs: int | None) -> int:
    return max(1, min(4, jobs or os.cpu_count() or 1))


def identify_many(paths: Sequence[str | os.PathLike], *, jobs: int | None = None,
                  engine: str = "siegfried") -> list[FormatInfo]:
    """Identify many files (one release's) offline; result i is ``identify(paths[i])``.

    ``engine="builtin"`` skips Siegfried and uses only the built-in table (magic bytes of a
    few formats, UTF-8 text, extension): ~0.02 ms instead of Siegfried's 0.3-0.6 ms per small
    file here, for transfers that a repository identifies again at ingest.

    Regular files up to WHOLE_FILE_LIMIT go to Siegfried in one call per BATCH_FILES files
    (``pygfried.identify_many``; its Go side on ``jobs`` threads, default the cores, at most 4;
    it releases the GIL), which saves the per-call overhead of one call per file. Larger files
    use the head+tail sample as :func:`identify` does (memory stays flat); links, FIFOs and
    devices are never opened; without pygfried the fallback sniffer runs.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown identification engine {engine!r}; choose one of {', '.join(ENGINES)}")
    out: list[FormatInfo | None] = [None] * len(paths)
    sf = _backend() if engine == "siegfried" else None
    batch: list[tuple[int, str]] = []
    for i, p in enumerate(paths):
        name = os.fspath(p)
        try:
            st = os.lstat(name)
        except OSError as exc:
            out[i] = FormatInfo(None, "Unknown", None, UNKNOWN_MIME, f"not identified: {exc.strerror}")
            continue
        if not stat.S_ISREG(st.st_mode):
            out[i] = FormatInfo(None, "Unknown", None, UNKNOWN_MIME, "not identified: not a regular file")
        elif sf is None:
            out[i] = _sniff(name)
        elif st.st_size <= WHOLE_FILE_LIMIT:
            batch.append((i, name))
        else:
            try:
                out[i] = _identify_sample(sf, Path(name), st.st_size)
            except Exception:  # noqa: BLE001 - fall back rather than fail a bag
                out[i] = _sniff(name)
    for start in range(0, len(batch), BATCH_FILES):
        chunk = batch[start:start + BATCH_FILES]
        try:
            found = sf.identify_many([name for _, name in chunk], workers=_siegfried_workers(jobs))
            files = found.get("files") or []
        except Exception:  # noqa: BLE001 - one by one below
            files = []
        if len(files) == len(chunk) and all(f.get("filename") == name for f, (_, name) in zip(files, chunk)):
            for f, (i, name) in zip(files, chunk):
                try:
                    out[i] = _from_siegfried({"files": [f]}, name)
                except Exception:  # noqa: BLE001
                    out[i] = _sniff(name)
        else:  # unexpected answer shape: identify each file on its own
            for i, name in chunk:
                out[i] = identify(Path(name))
    return out  # type: ignore[return-value]


def _identify_sample(sf: Any, path: Path, size: int) -> FormatInfo:
    """Siegfried on the first and last SAMPLE_BYTES of a large file, in a temporary copy.

    Siegfried's memory can grow with the file (a zero-filled file of 512 MiB cost 620 MiB);
    beginning- and end-of-file signatures, which identify nearly every format, lie in the
    sample. The basis says the identification was made on a sample.
    """
    with tempfile.NamedTemporaryFile(prefix="preserve-sample-", suffix=path.suffix) as sample:
        fd = open_for_reading(path)
        try:
            with os.fdopen(fd, "rb", closefd=False) as src:
                sample.write(src.read(SAMPLE_BYTES))
                src.seek(size - SAMPLE_BYTES)
                sample.write(src.read(SAMPLE_BYTES))
        finally:
            os.close(fd)
        sample.flush()
        found = _from_siegfried(sf.identify(sample.name, detailed=True), path)
    basis = f"{found.basis}; on the first and last {SAMPLE_BYTES >> 20} MiB of {size} bytes"
    return FormatInfo(found.puid, found.name, found.version, found.mime, basis)


def _from_siegfried(result: dict, path: str | os.PathLike) -> FormatInfo:
    files = result.get("files") or []
    matches = files[0].get("matches") if files else None
    if not matches:
        return _sniff(path)
    m = matches[0]
    puid = m.get("id") or None
    if puid in (None, "UNKNOWN"):
        fallback = _sniff(path)
        return FormatInfo(None, "Unknown", None, fallback.mime,
                          f"siegfried: no PRONOM match ({m.get('warning') or 'unknown'})")
    mime = (m.get("mime") or "").split(",")[0].strip() or _guess_mime(path)
    basis = "siegfried: " + "; ".join(x for x in (m.get("basis"), m.get("warning")) if x)
    return FormatInfo(puid, m.get("format") or "Unknown", m.get("version") or None, mime, basis)


# --- fallback ---------------------------------------------------------------------------------

_MAGIC: tuple[tuple[bytes, str, str, str | None, str], ...] = (
    (b"%PDF-", "fmt/276", "Acrobat PDF - Portable Document Format", None, "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "fmt/13", "Portable Network Graphics", "1.2", "image/png"),
    (b"\xff\xd8\xff", "fmt/43", "JPEG File Interchange Format", None, "image/jpeg"),
    (b"GIF89a", "fmt/4", "Graphics Interchange Format", "89a", "image/gif"),
    (b"PK\x03\x04", "x-fmt/263", "ZIP Format", None, "application/zip"),
)
_TEXT_EXT: dict[str, tuple[str, str, str]] = {
    ".txt": ("x-fmt/111", "Plain Text File", "text/plain"),
    ".md": ("fmt/1149", "Markdown", "text/markdown"),
    ".html": ("fmt/96", "Hypertext Markup Language", "text/html"),
    ".htm": ("fmt/96", "Hypertext Markup Language", "text/html"),
    ".xml": ("fmt/101", "Extensible Markup Language", "application/xml"),
    ".json": ("fmt/817", "JSON Data Interchange Format", "application/json"),
    ".csv": ("x-fmt/18", "Comma Separated Values", "text/csv"),
}


def guess_type(name: str) -> str | None:
    """``mimetypes.guess_type(name, strict=False)[0]``, looked up once per extension.

    Most names' type depends only on their last extension (lower-cased), which is what is
    remembered; a name whose extension means more (a compression suffix such as ``.gz``, an
    alias such as ``.tgz``) or that could be read as a URL (a ``:``) is looked up as it is.
    """
    if not mimetypes.inited:
        mimetypes.init()
    ext = posixpath.splitext(name)[1]
    lower = ext.lower()
    if (":" in name or lower in mimetypes.suffix_map or ext in mimetypes.encodings_map
            or lower in mimetypes.encodings_map):
        return mimetypes.guess_type(name, strict=False)[0]
    return _type_of_extension(lower)


@lru_cache(maxsize=1024)
def _type_of_extension(ext: str) -> str | None:
    """What mimetypes guesses for any plain name ending in ``ext`` (lower case)."""
    return mimetypes.guess_type("x" + ext, strict=False)[0]


def _guess_mime(path: str | os.PathLike) -> str:
    return guess_type(os.path.basename(os.fspath(path))) or UNKNOWN_MIME


def _suffix(name: str) -> str:
    """``Path(name).suffix`` of a file name: from its last dot, unless that is first or last."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


_MAGIC_PREFIXES = tuple(m[0] for m in _MAGIC)


def _sniff(path: str | os.PathLike) -> FormatInfo:
    """Built-in fallback: magic bytes, else text with a known extension, else unknown."""
    name = os.fspath(path)
    try:
        head = read_head(name, _SNIFF_BYTES)
    except OSError as exc:
        return FormatInfo(None, "Unknown", None, UNKNOWN_MIME, f"not identified: {exc.strerror or exc}")
    return _sniffed(head, os.path.basename(name))


def identify_head(head: bytes, name: str) -> FormatInfo:
    """The built-in table's answer for a regular file named ``name`` whose first bytes are ``head``.

    ``head``: the file's first HEAD_BYTES bytes (all of a shorter file), as a copy's ``head``
    callback gets them (preserve.fixity). The same as ``identify_many([path],
    engine="builtin")`` of that file, without reading it again.
    """
    return _sniffed(head[:_SNIFF_BYTES], posixpath.basename(name))


def _sniffed(head: bytes, filename: str) -> FormatInfo:
    """What the built-in table says of a file's first bytes and its name."""
    if head.startswith(_MAGIC_PREFIXES):
        for magic, puid, name, version, mime in _MAGIC:
            if head.startswith(magic):
                return _magic_format(magic, puid, name, version, mime)
    ext = _suffix(filename).lower()
    if _is_text(head):
        return _text_format(ext)
    return _unknown_format(guess_type(filename) or UNKNOWN_MIME)


# The built-in table's answers repeat: each is made once (FormatInfo is immutable).
@lru_cache(maxsize=None)
def _magic_format(magic: bytes, puid: str, name: str, version: str | None, mime: str) -> FormatInfo:
    return FormatInfo(puid, name, version, mime, f"fallback: byte match {magic[:4]!r}")


@lru_cache(maxsize=1024)
def _text_format(ext: str) -> FormatInfo:
    puid, name, mime = _TEXT_EXT.get(ext, _TEXT_EXT[".txt"])
    return FormatInfo(puid, name, None, mime, f"fallback: text (UTF-8) with extension {ext or 'none'}")


@lru_cache(maxsize=1024)
def _unknown_format(mime: str) -> FormatInfo:
    return FormatInfo(None, "Unknown", None, mime, "fallback: no match")


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a multi-byte character cut by the sniff window
    return True
