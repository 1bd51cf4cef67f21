"""Safe parsing of XML that may be hostile: no DTDs, no entities, no network, a size cap.

Every XML document preserve reads back (METS, PREMIS, DC in a bag under verification) goes
through here. A document that declares a DOCTYPE (and so could declare entities: "billion
laughs", external entities such as ``file:///etc/passwd``) is rejected outright, before any
entity could be expanded or fetched. The error message never quotes the document.
"""
from __future__ import annotations

import codecs
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from lxml import etree

from preserve.errors import UnsafeXMLError, XMLParseError
from preserve.fixity import open_for_reading, read_upto

#: Default cap on the size of one XML document (bytes).
DEFAULT_MAX_BYTES = 64 << 20
DOCTYPE_REASON = "DOCTYPE/entity declarations are not allowed"

# "<!DOCTYPE" as it appears in the encodings an XML parser may auto-detect.
_DOCTYPE_MARKERS = tuple(
    "<!DOCTYPE".encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
_DOCTYPE_UTF8 = _DOCTYPE_MARKERS[0]


#: the hardened lxml parser options: no entity resolution, no DTD, no network, no huge trees
SAFE_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                    huge_tree=False, remove_pis=False, collect_ids=False)


def safe_parser(**extra) -> etree.XMLParser:
    """A hardened lxml parser (SAFE_OPTIONS).

    ``extra`` adds lxml parser options that do not weaken these (a ``target``, a ``schema``).
    """
    return etree.XMLParser(**SAFE_OPTIONS, **extra)


def safe_pull_parser(events: tuple[str, ...], tags: list[str]) -> etree.XMLPullParser:
    """A hardened lxml pull parser (SAFE_OPTIONS) for a document fed in chunks. lxml does not
    refuse a DOCTYPE in it: the feeder looks for one in each chunk (:func:`has_doctype_marker`)."""
    return etree.XMLPullParser(events=events, tag=tags, **SAFE_OPTIONS)


def has_doctype_marker(data: bytes) -> bool:
    """True when "<!DOCTYPE" occurs anywhere in data, in any encoding of _DOCTYPE_MARKERS.

    The UTF-16/32 markers all hold a NUL byte, so bytes without NUL (one fast memchr) only
    need the UTF-8 search: two passes over the data instead of five. That search only runs
    when a "!" occurs at all (another memchr; many documents hold none).
    """
    if b"\0" not in data:
        return b"!" in data and _DOCTYPE_UTF8 in data
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
    return parse_xml(read_xml_file(path, max_bytes), max_bytes=max_bytes)


def read_xml_file(path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """At most ``max_bytes + 1`` bytes of a regular file (never via a symlink); XMLParseError if unreadable."""
    try:
        fd = open_for_reading(path)
    except OSError as exc:
        raise XMLParseError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        return read_upto(fd, max_bytes + 1, os.fstat(fd).st_size)
    finally:
        os.close(fd)


# --- validation while streaming ------------------------------------------------------------------
# libxml2 can validate against an XSD as it parses, building no tree, so memory stays flat
# however large the document (preserve.xml.schemas.STREAM_MIN_BYTES keeps smaller documents on
# the tree path, where it is cheaper). What it cannot do without a tree is check that xs:ID
# values are unique (xs:ENTITY and xs:NOTATION values are not checked either), and its messages
# carry no line numbers. So it only ever says "certainly valid": anything else sends the caller
# to parse_xml and a validation of the tree, which decide. The same safety checks run first
# (size, DOCTYPE); the root element is checked as preserve.xml.schemas.validate checks it; and
# streaming is only trusted once this lxml has been seen to refuse an undeclared root.

#: an XML declaration's encoding (the declaration ends at the first "?>")
_DECLARED_ENCODING = re.compile(rb"\sencoding\s*=\s*([\"'])(.*?)\1", re.DOTALL)
_UTF8_NAMES = (b"utf-8", b"utf8", b"us-ascii", b"ascii")
_ROOT_SNIFF_CHUNK = 1 << 12


def _read_as_utf8(data: bytes) -> bool:
    """True when libxml2 certainly reads data as UTF-8, so a byte search finds any ASCII markup.

    No NUL (UTF-16/32), a first character "<" after an optional UTF-8 BOM (not EBCDIC), and
    no XML declaration or one declaring UTF-8 or ASCII.
    """
    head = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    if not head.startswith(b"<") or b"\0" in data:
        return False
    if not head.startswith(b"<?xml"):
        return True
    end = head.find(b"?>")
    if end < 0:
        return False
    declared = _DECLARED_ENCODING.search(head, 0, end)
    return declared is None or declared.group(2).lower() in _UTF8_NAMES


class _RootFound(Exception):
    """Raised at the first start tag, so that parsing stops there."""


class _RootSniffer:
    """A parser target that reports the root element's tag and nothing else."""

    def start(self, tag: str, attrib, nsmap=None) -> None:
        raise _RootFound(tag)

    def close(self) -> None:
        return None


def root_tag(data: bytes) -> str | None:
    """The root element's ``{namespace}name``, parsed only up to its start tag (None: none found)."""
    parser = safe_parser(target=_RootSniffer())
    try:
        for start in range(0, len(data), _ROOT_SNIFF_CHUNK):
            parser.feed(data[start:start + _ROOT_SNIFF_CHUNK])
        parser.close()
    except _RootFound as found:
        return found.args[0]
    except etree.LxmlError:
        return None
    return None


class _Discard:
    """A parser target that keeps nothing (no tree is built); it notes a DOCTYPE."""

    def __init__(self) -> None:
        self.saw_doctype = False

    def doctype(self, *args) -> None:
        self.saw_doctype = True

    def close(self) -> None:
        return None


def streams_valid(data: bytes, schema: etree.XMLSchema, root: str, *, needs_tree: Iterable[bytes] = (),
                  max_bytes: int = DEFAULT_MAX_BYTES) -> bool:
    """True only if data is certainly safe, well-formed and valid against schema, rooted at ``root``.

    Checked in one streaming pass that builds no tree. False decides nothing (parse with
    :func:`parse_xml` and validate the tree). It is False whenever parse_xml would refuse the
    bytes, whenever the document is not plainly UTF-8 (the byte searches here could miss
    markup), and whenever it holds any of the byte strings ``needs_tree``: the names of the
    schema's xs:ID attributes, whose uniqueness only the validation of a tree checks.
    """
    if len(data) > max_bytes or not _read_as_utf8(data) or has_doctype_marker(data):
        return False
    if any(name in data for name in needs_tree) or root_tag(data) != root or not _streaming_validates(schema):
        return False
    return _stream(data, schema)


def _stream(data: bytes, schema: etree.XMLSchema) -> bool:
    """Parse data with schema plugged into the parser, building nothing: True if nothing was said."""
    target = _Discard()
    parser = safe_parser(target=target, schema=schema)
    try:
        etree.fromstring(data, parser=parser)
    except etree.LxmlError:
        return False
    return not target.saw_doctype and len(parser.error_log) == 0


_CANARY = b'<c:undeclared xmlns:c="urn:preserve:canary"/>'


@lru_cache(maxsize=None)
def _streaming_validates(schema: etree.XMLSchema) -> bool:
    """Whether this lxml really validates a target parser's input (checked once per schema).

    A root element no schema declares must be refused; if it is not, streaming says nothing.
    """
    return not _stream(_CANARY, schema)


def _first_line(exc: etree.XMLSyntaxError) -> str:
    """The parser's one-line message with its line number (never the document's content)."""
    msg = (getattr(exc, "msg", None) or str(exc) or "syntax error").splitlines()[0]
    line = getattr(exc, "lineno", None)
    return f"{msg} (line {line})" if line and f"line {line}" not in msg else msg
