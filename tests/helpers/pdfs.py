"""Write real PDF files with known properties: text pages, metadata, encryption and hostile shapes.

The files are assembled byte by byte (PDF 32000-1 §7.5: header, numbered objects, a cross-reference
table, trailer), so a test knows exactly what each one holds; pypdf only adds encryption. Page text
is shown in the standard Helvetica font with WinAnsiEncoding, one ``Tj`` per line, which pypdf's
text extraction reads back line by line.
"""
from __future__ import annotations

import random
from pathlib import Path

from pypdf import PdfReader, PdfWriter

_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
_LEADING = 14
#: a page dictionary showing the content stream object of the given number in the font object 3
_PAGE = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
         b"/Resources << /Font << /F1 3 0 R >> >> >>")


def text_string(text: str) -> bytes:
    """A PDF string of text: a literal in PDFDocEncoding when Latin-1 holds it, else UTF-16BE hex."""
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"
    return b"(" + _escape(raw) + b")"


def _escape(raw: bytes) -> bytes:
    """Bytes escaped for a PDF literal string (backslash, parentheses, line ends)."""
    return (raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
            .replace(b"\r", b"\\r").replace(b"\n", b"\\n"))


def content_stream(text: str) -> bytes:
    """A page's content stream showing each line of text below the previous one."""
    ops = [b"BT", b"/F1 11 Tf", b"%d TL" % _LEADING, b"56 790 Td"]
    for line in text.split("\n"):
        if line:
            ops.append(b"(" + _escape(line.encode("cp1252", "replace")) + b") Tj")
        ops.append(b"T*")
    ops.append(b"ET")
    return b"\n".join(ops)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    """A stream object's body: its dictionary (with /Length and ``extra`` entries) and its data."""
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def assemble(objects: list[bytes], *, root: int = 1, info: int | None = None, xref_shift: int = 0) -> bytes:
    """A complete PDF file of the given object bodies, numbered from 1.

    ``xref_shift`` moves every offset in the cross-reference table (and startxref) by that many
    bytes: a broken xref a reader must repair by scanning the file.
    """
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % (offset + xref_shift)
    trailer = b"/Size %d /Root %d 0 R" % (len(objects) + 1, root)
    if info is not None:
        trailer += b" /Info %d 0 R" % info
    out += b"trailer\n<< " + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % (start + xref_shift)
    return bytes(out)


def _info_object(info: dict[str, str]) -> bytes:
    """A document information dictionary of text strings (keys without their slash)."""
    entries = b" ".join(b"/" + key.encode("ascii") + b" " + text_string(value) for key, value in info.items())
    return b"<< " + entries + b" >>"


def pdf_bytes(pages: list[str], *, info: dict[str, str] | None = None, xmp: bytes | None = None,
              xref_shift: int = 0) -> bytes:
    """The bytes of a PDF whose pages show ``pages`` (one string per page, lines split on newlines).

    Objects: 1 catalog, 2 page tree root, 3 font, then a content stream and a page per page, then
    the XMP metadata stream and the information dictionary when given.
    """
    n = len(pages)
    page_numbers = [5 + 2 * i for i in range(n)]
    kids = b" ".join(b"%d 0 R" % p for p in page_numbers)
    objects = [b"", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n, _FONT]
    for i, text in enumerate(pages):
        objects.append(stream(content_stream(text)))
        objects.append(_PAGE % (4 + 2 * i))
    catalog = b"<< /Type /Catalog /Pages 2 0 R"
    if xmp is not None:
        objects.append(stream(xmp, b"/Type /Metadata /Subtype /XML "))
        catalog += b" /Metadata %d 0 R" % len(objects)
    objects[0] = catalog + b" >>"
    info_number = None
    if info:
        objects.append(_info_object(info))
        info_number = len(objects)
    return assemble(objects, info=info_number, xref_shift=xref_shift)


def write_pdf(path: Path, pages: list[str], *, info: dict[str, str] | None = None, xmp: bytes | None = None,
              encrypt: str | None = None) -> Path:
    """Write a PDF whose pages hold ``pages`` in Helvetica, with an information dictionary
    (keys such as "Title", "Author", "CreationDate" without their slash) and an XMP packet.

    ``encrypt`` encrypts the file (RC4-128, standard security handler) with that user password;
    "" encrypts it with an owner password only, so that any reader opens it with the empty password.
    """
    path.write_bytes(pdf_bytes(pages, info=info, xmp=xmp))
    if encrypt is not None:
        writer = PdfWriter(clone_from=PdfReader(path))
        if info:
            writer.add_metadata({f"/{key}": value for key, value in info.items()})
        writer.encrypt(user_password=encrypt, owner_password="owner-secret", algorithm="RC4-128")
        with path.open("wb") as out:
            writer.write(out)
    return path


def xmp_packet(**properties: str | list[str]) -> bytes:
    """An XMP packet (XMP Part 1 §7) of one rdf:Description.

    Keyword names are prefixed properties with "_" for ":" (``dc_title``, ``xmp_CreateDate``):
    dc:title, dc:description and dc:rights become language alternatives, dc:creator a sequence,
    dc:subject and dc:language bags, anything else a simple element.
    """
    kinds = {"dc:title": "Alt", "dc:description": "Alt", "dc:rights": "Alt", "dc:creator": "Seq",
             "dc:subject": "Bag", "dc:language": "Bag"}
    parts = []
    for key, value in properties.items():
        name = key.replace("_", ":", 1)
        values = value if isinstance(value, list) else [value]
        kind = kinds.get(name)
        if kind is None:
            parts.append(f"<{name}>{_xml(values[0])}</{name}>")
            continue
        lang = ' xml:lang="x-default"' if kind == "Alt" else ""
        items = "".join(f"<rdf:li{lang}>{_xml(v)}</rdf:li>" for v in values)
        parts.append(f"<{name}><rdf:{kind}>{items}</rdf:{kind}></{name}>")
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">'
            + "".join(parts) + '</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>').encode("utf-8")


def _xml(text: str) -> str:
    """Text escaped for XML character data."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_many_pages_pdf(path: Path, count: int = 10_000, text: str = "A page among many.") -> Path:
    """A PDF of ``count`` pages that all share one content stream (cheap to build at any count)."""
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(count))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
               _FONT, stream(content_stream(text))]
    objects.extend(_PAGE % 4 for _ in range(count))
    path.write_bytes(assemble(objects))
    return path


def write_looping_pdf(path: Path, text: str = "The only page of a looping tree.") -> Path:
    """A PDF whose page tree loops (the root lists itself and a node that lists the root among its
    kids, and declares a million pages) and whose information dictionary is a reference cycle."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R 2 0 R 6 0 R] /Count 1000000 >>",
        _FONT,
        stream(content_stream(text)),
        _PAGE % 4,
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 6 0 R] /Count 1 >>",
        b"8 0 R",
        b"7 0 R",
    ]
    path.write_bytes(assemble(objects, info=7))
    return path


def write_deep_pdf(path: Path, depth: int = 50_000, text: str = "A page before a deep one.") -> Path:
    """A PDF of two pages: the first shows text, the second's content stream holds an array nested
    ``depth`` levels deep; the information dictionary's Title is nested as deep."""
    deep = b"[" * depth + b"]" * depth
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R 7 0 R] /Count 2 >>",
        _FONT,
        stream(content_stream(text)),
        _PAGE % 4,
        stream(b"BT /F1 11 Tf 56 790 Td " + deep + b" TJ ET"),
        _PAGE % 6,
        b"<< /Title " + deep + b" >>",
    ]
    path.write_bytes(assemble(objects, info=8))
    return path


def write_truncated_pdf(path: Path, pages: list[str], keep: float = 0.5, **kwargs) -> Path:
    """A PDF as write_pdf writes it (without encryption), cut to the first ``keep`` fraction of its bytes."""
    data = pdf_bytes(pages, **kwargs)
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def write_broken_xref_pdf(path: Path, pages: list[str], **kwargs) -> Path:
    """A PDF whose cross-reference table and startxref point 7 bytes past every object."""
    path.write_bytes(pdf_bytes(pages, xref_shift=7, **kwargs))
    return path


def write_garbage_pdf(path: Path, size: int = 64 << 10, seed: int = 0) -> Path:
    """A "%PDF-1.7" header followed by ``size`` random bytes (the same bytes for the same seed)."""
    path.write_bytes(b"%PDF-1.7\n" + random.Random(seed).randbytes(size))
    return path
