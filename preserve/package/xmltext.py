"""XML written as text: values cleaned for XML 1.0, escaped for element content or attributes.

The METS, PREMIS and DC builders write their documents as strings and use these helpers for
every value that comes from the release or the user. The layout they share (UTF-8, the XML
declaration in single quotes, two-space indentation) is the one libxml2 serialises, so the
escaping follows libxml2's choices too: ``& < >`` and CR in text; also ``"``, TAB and LF in
attribute values (as character references, so a parser gives the value back unchanged).
"""
from __future__ import annotations

import re
from typing import Sequence

XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"

# Characters XML 1.0 cannot carry at all.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Characters escaped in element text (& < > CR) or attribute values (also " TAB LF), plus those
# xml_text replaces: when none occurs, a value is written as it is.
_TEXT_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ATTR_SPECIAL = re.compile("[&<>\"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})
NOT_XML_COMPATIBLE = ("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or "
                      "control characters")


def xml_text(value: object) -> str:
    """Value made storable in XML 1.0 (forbidden control characters become U+FFFD)."""
    text = value if type(value) is str else str(value)
    if text.isascii() and text.isprintable():  # the common case: nothing to replace
        return text
    return _NOT_XML.sub("\ufffd", text)


def escape_text(value: object) -> str:
    """xml_text(value) escaped as element content (``& < >`` and CR as references)."""
    text = value if type(value) is str else str(value)
    if text.isascii() and text.isprintable():  # the common case: only & < > can need escaping
        if "&" not in text and "<" not in text and ">" not in text:
            return text
    elif _TEXT_SPECIAL.search(text) is None:  # written as it is
        return text
    return (xml_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def escape_attr(value: str) -> str:
    """An attribute value escaped for double quotes (``& < > "`` TAB LF CR as references).

    A value XML 1.0 cannot carry raises ValueError (an identifier must not be changed silently;
    callers that may clean a value first use xml_text).
    """
    if value.isascii() and value.isprintable():  # the common case: only & < > " can need escaping
        if '"' not in value and "&" not in value and "<" not in value and ">" not in value:
            return value
        return value.translate(_ATTR_ESCAPES)
    if _ATTR_SPECIAL.search(value) is None:
        return value
    if _NOT_XML.search(value):
        raise ValueError(NOT_XML_COMPATIBLE)
    return value.translate(_ATTR_ESCAPES)


def utf8(parts: Sequence[str]) -> bytes:
    """``"".join(parts).encode("utf-8")``, fast also when a few parts are not ASCII.

    Python encodes an ASCII string by copying it, any other one character by character: a
    document with one non-ASCII value is encoded part by part, so only such parts are slow.
    """
    if all(map(str.isascii, parts)):
        return "".join(parts).encode("utf-8")
    return b"".join([part.encode("utf-8") for part in parts])
