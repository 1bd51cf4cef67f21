"""One file's draft by its kind: text analysed, binary documents by their describer, other bytes by signature.

:func:`describe_file` reads a file of a release (never more than its kind's limits allow);
:func:`describe_bytes` drafts bytes already in memory (text, or bytes described by signature);
:func:`file_format` names a file's format for the record's file list.
"""
from __future__ import annotations

from typing import Literal

from preserve.describe.binary import describe_size, sniff_mime
from preserve.describe.encoding import Decoded, decode
from preserve.describe.kinds import Kind, dcmi_type, describe_with, ext_of, kind_of
from preserve.describe.lines import split_lines
from preserve.describe.places import last_country
from preserve.describe.text import Draft, analyse
from preserve.fixity import read_head
from preserve.intake.config import CollectionConfig
from preserve.intake.releases import ReleaseFile
from preserve.record import Value

#: the kinds of text document describe tells apart
TextKind = Literal["text/plain", "text/markdown", "text/html"]
TEXT_EXT: dict[str, TextKind] = {
    ".txt": "text/plain", ".text": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown",
    ".html": "text/html", ".htm": "text/html", ".xhtml": "text/html"}
SNIFF_BYTES = 8192
MAX_DOCUMENT_BYTES = 16 << 20  # extraction reads at most this much of a main text document


def text_kind(name: str, text: str) -> TextKind:
    """text/plain, text/markdown or text/html, by extension then by content."""
    kind = TEXT_EXT.get(ext_of(name))
    if kind and kind != "text/plain":
        return kind
    head = text.lstrip("\ufeff \t\r\n")[:200].lower()
    if head.startswith(("<!doctype html", "<html")):
        return "text/html"
    if head.startswith("---\n") or head.startswith("---\r\n"):
        return "text/markdown"
    return kind or "text/plain"


def _address_country(address: str | None) -> str | None:
    """ISO code of the country the collection's postal address names last, if any."""
    country = last_country(address) if address else None
    return country.code if country else None


def describe_bytes(data: bytes, name: str, config: CollectionConfig | None = None) -> tuple[Draft, str, str | None]:
    """Draft of one document's bytes: (draft, format value, encoding or None for binary)."""
    decoded = decode(data)
    if decoded is None:
        draft, mime = _describe_binary(data, name)
        return draft, mime, None
    return _describe_decoded(decoded, name, config)


def _describe_decoded(decoded: Decoded, name: str, config: CollectionConfig | None) -> tuple[Draft, str, str]:
    """Draft of a decoded text document: (draft, format value, encoding)."""
    mime = text_kind(name, decoded.text)
    fmt = f"{mime}; charset={decoded.encoding}"
    draft = _draft_text(decoded.text, mime, config or CollectionConfig())
    draft.add("type", Value("Text", f"inferred: text document ({mime})"))
    draft.add("format", Value(fmt, f"inferred: {'extension and content' if mime != 'text/plain' else 'content'}; "
                                   f"encoding {decoded.how}"))
    draft.notes.append(f"encoding: {decoded.encoding} ({decoded.how}); the payload keeps the original bytes")
    return draft, fmt, decoded.encoding


def describe_file(f: ReleaseFile, config: CollectionConfig | None = None) -> tuple[Draft, str, str | None, list[str]]:
    """Draft of one file by its kind: (draft, format value, text encoding or None, notes on reading it).

    Text (plain, Markdown, HTML) is read up to MAX_DOCUMENT_BYTES and analysed; PDF, Office,
    RTF, e-mail, images, audio, video and data go to their describer, which reads within its
    own limits; other bytes are described by their signature and size.
    """
    config = config or CollectionConfig()
    try:
        head = read_head(f.location, SNIFF_BYTES)
    except OSError as exc:
        return Draft(), "application/octet-stream", None, [f"{f.relpath}: cannot be read ({exc.strerror or exc})"]
    decoded = decode(head if len(head) < SNIFF_BYTES else head[:SNIFF_BYTES - 4])
    kind, mime, how = kind_of(head, f.relpath, decoded is not None)
    if kind == "text" and decoded is not None and len(head) < SNIFF_BYTES:  # the whole file: decoded already
        return (*_describe_decoded(decoded, f.relpath, config), [])
    if kind == "text":
        data, note = read_document(f)
        draft, fmt, encoding = describe_bytes(data, f.relpath, config)
        return draft, fmt, encoding, [note] if note else []
    if kind == "office":
        mime, how = _office_format(f, mime, how)
        kind = "office" if mime is not None else "binary"
    if kind == "binary":
        draft, fmt = _describe_binary(head, f.relpath, f.size)
        return draft, fmt, None, []
    context = dict(config_language=config.language, address_country=_address_country(config.address))
    draft = describe_with(kind, f.location, f.relpath, **context)
    fmt = f"{mime}; charset={decoded.encoding}" if decoded is not None and kind in ("dataset", "message") else mime
    draft.add("format", Value(fmt, f"inferred: {how}"))
    _add_type(draft, kind, mime)
    return draft, fmt, None, []


def _office_format(f: ReleaseFile, mime: str, how: str) -> tuple[str | None, str]:
    """The MIME type of an Office or OpenDocument file by its content (None: a zip of something else)."""
    from preserve.describe.office import OFFICE_MIME, office_kind

    kind = office_kind(f.location)
    if kind is None:
        return None, how
    return OFFICE_MIME[kind], how if mime == OFFICE_MIME[kind] else f"{how}: {kind}"


def _add_type(draft: Draft, kind: Kind, mime: str) -> None:
    """The DCMI Type the format implies (a note when none does), and what a non-text kind lacks."""
    dcmi = dcmi_type(mime)
    if dcmi:
        draft.add("type", Value(dcmi, f"inferred: from format {mime}"))
    else:
        draft.notes.append(f"type: no DCMI Type follows from {mime}; set dc.type in metadata.csv")
    if "title" not in draft.elements:
        where = "metadata or text" if kind in ("pdf", "office", "rtf", "message") else "metadata"
        draft.notes.append(f"title: none in the {kind} file's own {where}; give one in metadata.csv")


def _describe_binary(data: bytes, name: str, size: int | None = None) -> tuple[Draft, str]:
    """Draft of bytes that are not text (size, format and DCMI type by signature or name), and
    their MIME type."""
    mime, how = sniff_mime(data[:64], name)
    draft = Draft()
    draft.add("description", Value(describe_size(len(data) if size is None else size, mime, how),
                                   "inferred: file signature and size"))
    draft.add("format", Value(mime, f"inferred: {how}"))
    kind = dcmi_type(mime)
    if kind:
        draft.add("type", Value(kind, f"inferred: from format {mime}"))
    else:
        draft.notes.append(f"type: no DCMI Type follows from {mime}; set dc.type in metadata.csv")
    draft.notes.append("title: binary content, no title extracted")
    draft.notes.append("language: binary content, not detected; set dc.language (or zxx) in metadata.csv")
    return draft, mime


def _draft_text(text: str, mime: TextKind, config: CollectionConfig) -> Draft:
    """Draft of a decoded document by its kind: HTML, Markdown or plain text (empty: language zxx)."""
    context = dict(config_language=config.language, address_country=_address_country(config.address))
    if not text.strip():
        draft = Draft()
        draft.add("language", Value("zxx", "inferred: empty document", "no linguistic content"))
        draft.notes.append("title: empty document, no headline")
        draft.notes.append("date: empty document, no date")
        return draft
    if mime == "text/html":
        from preserve.describe.html import describe_html  # lxml.html: imported only when a release holds HTML

        return describe_html(text, **context)
    if mime == "text/markdown":
        from preserve.describe.markdown import describe_markdown  # PyYAML: only for Markdown

        return describe_markdown(text, **context)
    return analyse(split_lines(text), **context)


def read_document(f: ReleaseFile, limit: int = MAX_DOCUMENT_BYTES) -> tuple[bytes, str | None]:
    """The bytes extraction reads: at most ``limit`` (cut at a line end), so memory stays flat.

    Returns the bytes and a note when the document was cut or could not be read.
    """
    try:
        data = read_head(f.location, limit + 1)
    except OSError as exc:
        return b"", f"{f.relpath}: cannot be read ({exc.strerror or exc})"
    if len(data) <= limit:
        return data, None
    cut = data.rfind(b"\n", 0, limit)
    data = data[: cut + 1] if cut > 0 else data[:limit]
    return data, f"{f.relpath}: described from its first {len(data)} bytes of {f.size}"


def file_format(f: ReleaseFile) -> str:
    """The format value of a file from its first bytes: text kind and charset, or a MIME type."""
    try:
        head = read_head(f.location, SNIFF_BYTES)
    except OSError:
        return "application/octet-stream"
    decoded = decode(head if len(head) < SNIFF_BYTES else head[:SNIFF_BYTES - 4])
    kind, mime, _ = kind_of(head, f.relpath, decoded is not None)
    if kind == "text" and decoded is not None:
        return f"{text_kind(f.relpath, decoded.text)}; charset={decoded.encoding}"
    if decoded is not None:
        return f"{mime}; charset={decoded.encoding}"
    if kind == "binary":
        return sniff_mime(head[:64], f.relpath)[0]
    return mime
