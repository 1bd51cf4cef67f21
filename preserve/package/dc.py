"""The one Dublin Core XML builder: a plain DC 1.1 record -> ``oai_dc:dc`` document bytes.

DC 1.1 (dc.xsd) defines the fifteen elements but no root element; the container used is the
conventional OAI-PMH ``oai_dc:dc``, whose content model is dc.xsd's ``elementContainer``.
"""
from __future__ import annotations

import re
from typing import Mapping, Sequence

from lxml import etree

from preserve.xml.schemas import NS_DC, NS_OAI_DC

DC_ELEMENTS: tuple[str, ...] = (
    "title", "creator", "subject", "description", "publisher", "contributor", "date", "type",
    "format", "identifier", "source", "language", "relation", "coverage", "rights",
)
# Characters XML 1.0 cannot carry at all.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: str) -> str:
    """Value made storable in XML 1.0 (forbidden control characters become U+FFFD)."""
    text = value if type(value) is str else str(value)
    if text.isascii() and text.isprintable():  # the common case: nothing to replace
        return text
    return _NOT_XML.sub("\ufffd", text)


# Characters libxml2 escapes when it serialises element text (& < > CR) or attribute values
# (also " TAB LF), plus those xml_text replaces: when none occurs, a value is written as it is.
_TEXT_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ATTR_SPECIAL = re.compile("[&<>\"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})
NOT_XML_COMPATIBLE = ("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or "
                      "control characters")


def escape_text(value: object) -> str:
    """xml_text(value) escaped as element content, exactly as lxml/libxml2 serialise it."""
    text = value if type(value) is str else str(value)
    if text.isascii() and text.isprintable():  # the common case: only & < > can need escaping
        if "&" not in text and "<" not in text and ">" not in text:
            return text
    elif _TEXT_SPECIAL.search(text) is None:  # written as it is
        return text
    return (xml_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def escape_attr(value: str) -> str:
    """An attribute value escaped exactly as lxml/libxml2 serialise it.

    Like lxml setting an attribute, a value XML 1.0 cannot carry raises ValueError (callers
    that clean values first use xml_text).
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


def _dc_values(dc: Mapping[str, Sequence[str]]) -> list[tuple[str, object]]:
    """(element, value) pairs to write: DC order, values in given order, empty ones left out."""
    unknown = sorted(set(dc) - set(DC_ELEMENTS))
    if unknown:
        raise ValueError(f"not Dublin Core 1.1 elements: {', '.join(unknown)}")
    pairs = []
    for name in DC_ELEMENTS:
        values = dc.get(name) or ()
        if isinstance(values, str):
            values = (values,)
        pairs += [(name, value) for value in values if value is not None and str(value).strip() != ""]
    return pairs


def utf8(parts: Sequence[str]) -> bytes:
    """``"".join(parts).encode("utf-8")``, fast also when a few parts are not ASCII.

    Python encodes an ASCII string by copying it, any other one character by character: a
    document with one non-ASCII value is encoded part by part, so only such parts are slow.
    """
    if all(map(str.isascii, parts)):
        return "".join(parts).encode("utf-8")
    return b"".join([part.encode("utf-8") for part in parts])


def build_dc_element(dc: Mapping[str, Sequence[str]]) -> etree._Element:
    """The ``oai_dc:dc`` element for a record: elements in DC order, values in given order."""
    root = etree.Element(f"{{{NS_OAI_DC}}}dc", nsmap={"oai_dc": NS_OAI_DC, "dc": NS_DC})
    for name, value in _dc_values(dc):
        etree.SubElement(root, f"{{{NS_DC}}}{name}").text = xml_text(value)
    return root


_DC_START = ("<?xml version='1.0' encoding='UTF-8'?>\n"
             f'<oai_dc:dc xmlns:oai_dc="{NS_OAI_DC}" xmlns:dc="{NS_DC}"')


def build_dc_xml(dc: Mapping[str, Sequence[str]]) -> bytes:
    """Serialised DC XML (UTF-8, with declaration) for a plain record.

    Made as text: exactly ``serialise(build_dc_element(dc))`` (tests check both agree).
    """
    lines = [f"  <dc:{name}>{escape_text(value)}</dc:{name}>\n" for name, value in _dc_values(dc)]
    if not lines:
        return f"{_DC_START}/>\n".encode("utf-8")
    return f"{_DC_START}>\n{''.join(lines)}</oai_dc:dc>\n".encode("utf-8")


def serialise(root: etree._Element) -> bytes:
    """The project's one XML serialisation: UTF-8, XML declaration, indented."""
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
