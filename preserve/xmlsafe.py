"""Safe parsing of XML that may be hostile: no DTDs, no entities, no network, a size cap.

Every XML document preserve reads back (METS, PREMIS, DC in a bag under verification) goes
through here. A document that declares a DOCTYPE (and so could declare entities: "billion
laughs", external entities such as ``file:///etc/passwd``) is rejected outright, before any
entity could be expanded or fetched. The error message never quotes the document.
"""
from __future__ import annotations

import os
from pathlib import Path

from lxml import etree

from .bagreader import read_upto
from .errors import PreserveError
from .fixity import open_for_reading

#: Default cap on the size of one XML document (bytes).
DEFAULT_MAX_BYTES = 64 << 20
DOCTYPE_REASON = "DOCTYPE/entity declarations are not allowed"

# "<!DOCTYPE" as it appears in the encodings an XML parser may auto-detect.
_DOCTYPE_MARKERS = tuple(
    "<!DOCTYPE".encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
_DOCTYPE_UTF8 = _DOCTYPE_MARKERS[0]


class XMLParseError(PreserveError):
    """A document that is not well-formed XML (exit 1)."""

    exit_code = 1


class UnsafeXMLError(XMLParseError):
    """A document refused for safety: a DOCTYPE/entity declaration or too many bytes (exit 1)."""


def safe_parser() -> etree.XMLParser:
    """A hardened lxml parser: no entity resolution, no DTD, no network, no huge trees."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=False,
        collect_ids=False,
    )


def has_doctype_marker(data: bytes) -> bool:
    """True when "<!DOCTYPE" occurs anywhere in data, in any encoding of _DOCTYPE_MARKERS.

    The UTF-16/32 markers all hold a NUL byte, so bytes without NUL (one fast memchr) only
    need the UTF-8 search: two passes over the data instead of five.
    """
    if b"\0" not in data:
        return _DOCTYPE_UTF8 in data
    return any(marker in data for marker in _DOCTYPE_MARKERS)


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._ElementTree:
    """Parse untrusted bytes into an lxml tree; raise UnsafeXMLError or XMLParseError.

    Rejected: more than ``max_bytes`` bytes, any DOCTYPE (with or without entity
    declarations; the raw bytes are scanned first, so even the text "<!DOCTYPE" inside a
    comment is refused), and anything not well-formed.
    """
    if len(data) > max_bytes:
        raise UnsafeXMLError(f"XML document is larger than the {max_bytes}-byte limit")
    if has_doctype_marker(data):
        raise UnsafeXMLError(DOCTYPE_REASON)
    try:
        root = etree.fromstring(data, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise XMLParseError(f"not well-formed XML: {_first_line(exc)}") from None
    tree = root.getroottree()
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise UnsafeXMLError(DOCTYPE_REASON)
    return tree


def parse_xml_file(path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._ElementTree:
    """Read at most ``max_bytes + 1`` bytes of a regular file (never via a symlink) and parse them."""
    try:
        fd = open_for_reading(path)
    except OSError as exc:
        raise XMLParseError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = read_upto(fd, max_bytes + 1, os.fstat(fd).st_size)
    finally:
        os.close(fd)
    return parse_xml(data, max_bytes=max_bytes)


def _first_line(exc: etree.XMLSyntaxError) -> str:
    """The parser's one-line message with its line number (never the document's content)."""
    msg = (getattr(exc, "msg", None) or str(exc) or "syntax error").splitlines()[0]
    line = getattr(exc, "lineno", None)
    return f"{msg} (line {line})" if line and f"line {line}" not in msg else msg
