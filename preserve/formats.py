"""Offline file format identification: PRONOM PUID, format name and version, MIME type.

The identifier is Siegfried (PRONOM signatures, embedded in the ``pygfried`` extension,
Apache-2.0, no network). Where pygfried is not installed (it needs CPython >= 3.11) a small
built-in fallback identifies by magic bytes and extension, so the tool still works; its
results say so in ``basis``. The identifier is initialised once per process.

``SIGNATURES`` is the one table of magic bytes: the built-in identifier names the formats
that have a PRONOM id in it, and preserve.describe takes the MIME type of a binary file from it.

Size: longer than most modules, because Siegfried (batched, or on a sample of a large file)
and the built-in fallback answer one question together and must give the same FormatInfo.
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
from typing import Any, Literal, Sequence, get_args

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
    collections. The Go runtime reads GOMEMLIMIT from the environment the process started
    with, so the CLI sets preserve.launch.GO_MEMORY_LIMIT before it starts (see
    preserve.cli.main), which keeps the heap flat.
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
Engine = Literal["siegfried", "builtin"]
ENGINES: tuple[Engine, ...] = get_args(Engine)


def identifier(engine: Engine = "siegfried") -> Identifier:
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


def load_signatures(engine: Engine = "siegfried") -> None:
    """Have Siegfried load its signatures now, once per process (otherwise its first
    identification does), by identifying a one-line temporary file. Nothing without Siegfried."""
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
    refused, size = _refusal(path)
    if refused is not None:
        return refused
    sf = _backend()
    if sf is not None:
        try:
            if size <= WHOLE_FILE_LIMIT:
                return _from_siegfried(sf.identify(str(path), detailed=True), path)
            return _identify_sample(sf, path, size)
        except Exception:  # noqa: BLE001 - fall back rather than fail a bag
            pass
    return _sniff(path)


def _refusal(path: str | os.PathLike) -> tuple[FormatInfo | None, int]:
    """(None, size) for a regular file; else (why it is not identified, 0). Never opens it."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return FormatInfo(None, "Unknown", None, UNKNOWN_MIME, f"not identified: {exc.strerror}"), 0
    if not stat.S_ISREG(st.st_mode):
        return FormatInfo(None, "Unknown", None, UNKNOWN_MIME, "not identified: not a regular file"), 0
    return None, st.st_size


#: files per Siegfried call in identify_many (bounds the result held in memory at once)
BATCH_FILES = 2000


def _siegfried_workers(jobs: int | None) -> int:
    return max(1, min(4, jobs or os.cpu_count() or 1))


def identify_many(paths: Sequence[str | os.PathLike], *, jobs: int | None = None,
                  engine: Engine = "siegfried") -> list[FormatInfo]:
    """Identify many files (one release's) offline; result i is ``identify(paths[i])``.

    ``engine="builtin"`` skips Siegfried and uses only the built-in table (magic bytes of a
    few formats, UTF-8 text, extension), much faster per file, for transfers that a repository
    identifies again at ingest.

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
        refused, size = _refusal(name)
        if refused is not None:
            out[i] = refused
        elif sf is None:
            out[i] = _sniff(name)
        elif size <= WHOLE_FILE_LIMIT:
            batch.append((i, name))
        else:
            try:
                out[i] = _identify_sample(sf, Path(name), size)
            except Exception:  # noqa: BLE001 - fall back rather than fail a bag
                out[i] = _sniff(name)
    for start in range(0, len(batch), BATCH_FILES):
        _identify_batch(sf, batch[start:start + BATCH_FILES], jobs, out)
    return out  # type: ignore[return-value]


def _identify_batch(sf: Any, chunk: list[tuple[int, str]], jobs: int | None, out: list[FormatInfo | None]) -> None:
    """Siegfried on a batch of (index, path) in one call, into ``out``; one by one if that fails."""
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


def _identify_sample(sf: Any, path: Path, size: int) -> FormatInfo:
    """Siegfried on the first and last SAMPLE_BYTES of a large file, in a temporary copy.

    Siegfried's memory can grow with the size of the file it reads; beginning- and end-of-file
    signatures, which identify nearly every format, lie in the sample. The basis says the identification was made on a sample.
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

@dataclass(frozen=True)
class Signature:
    """Bytes that mark a file format, and what the format is.

    ``magic`` stands at ``offset``; ``then`` is (offset, bytes) that must stand there too (a
    RIFF container's form type). ``puid``, ``name`` and ``version`` are set for the formats the
    built-in identifier names; the others give a MIME type only.
    """

    magic: bytes
    mime: str
    puid: str | None = None
    name: str | None = None
    version: str | None = None
    offset: int = 0
    then: tuple[int, bytes] | None = None

    def matches(self, head: bytes) -> bool:
        """Whether a file whose first bytes are ``head`` bears this signature."""
        return head.startswith(self.magic, self.offset) and (
            self.then is None or head.startswith(self.then[1], self.then[0]))


#: The one table of magic bytes, read in order: the first signature a file's head matches wins.
SIGNATURES: tuple[Signature, ...] = (
    Signature(b"%PDF-", "application/pdf", "fmt/276", "Acrobat PDF - Portable Document Format"),
    Signature(b"\x89PNG\r\n\x1a\n", "image/png", "fmt/13", "Portable Network Graphics", "1.2"),
    Signature(b"\xff\xd8\xff", "image/jpeg", "fmt/43", "JPEG File Interchange Format"),
    Signature(b"GIF87a", "image/gif"),
    Signature(b"GIF89a", "image/gif", "fmt/4", "Graphics Interchange Format", "89a"),
    Signature(b"II*\x00", "image/tiff"),
    Signature(b"MM\x00*", "image/tiff"),
    Signature(b"PK\x03\x04", "application/zip", "x-fmt/263", "ZIP Format"),
    Signature(b"\x1f\x8b", "application/gzip"),
    Signature(b"ID3", "audio/mpeg"),
    Signature(b"OggS", "audio/ogg"),
    Signature(b"fLaC", "audio/flac"),
    Signature(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    Signature(b"{\\rtf", "application/rtf"),
    Signature(b"RIFF", "audio/wav", then=(8, b"WAVE")),
    Signature(b"RIFF", "image/webp", then=(8, b"WEBP")),
    Signature(b"ftyp", "video/mp4", offset=4),
)
#: The signatures the built-in identifier names: each is its magic bytes at offset 0, so one
#: prefix test of a file's head rules them all out.
_IDENTIFIED = tuple(s for s in SIGNATURES if s.puid is not None)
_IDENTIFIED_MAGIC = tuple(s.magic for s in _IDENTIFIED)


def match_signature(head: bytes) -> Signature | None:
    """The first of SIGNATURES that a file whose first bytes are ``head`` bears, or None."""
    return next((s for s in SIGNATURES if s.matches(head)), None)

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
    if head.startswith(_IDENTIFIED_MAGIC):
        for signature in _IDENTIFIED:
            if head.startswith(signature.magic):
                return _magic_format(signature)
    ext = _suffix(filename).lower()
    if _is_text(head):
        return _text_format(ext)
    return _unknown_format(guess_type(filename) or UNKNOWN_MIME)


# The built-in table's answers repeat: each is made once (FormatInfo is immutable).
@lru_cache(maxsize=None)
def _magic_format(signature: Signature) -> FormatInfo:
    return FormatInfo(signature.puid, signature.name or "Unknown", signature.version, signature.mime,
                      f"fallback: byte match {signature.magic[:4]!r}")


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
