"""The one Dublin Core XML builder: a plain DC 1.1 record -> ``oai_dc:dc`` document bytes.

DC 1.1 (dc.xsd) defines the fifteen elements but no root element; the container used is the
conventional OAI-PMH ``oai_dc:dc``, whose content model is dc.xsd's ``elementContainer``.
"""
from __future__ import annotations

import re
from typing import Mapping, Sequence

from lxml import etree

from .xsd import NS_DC, NS_OAI_DC

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


def build_dc_element(dc: Mapping[str, Sequence[str]]) -> etree._Element:
    """The ``oai_dc:dc`` element for a record: elements in DC order, values in given order."""
    unknown = sorted(set(dc) - set(DC_ELEMENTS))
    if unknown:
        raise ValueError(f"not Dublin Core 1.1 elements: {', '.join(unknown)}")
    root = etree.Element(f"{{{NS_OAI_DC}}}dc", nsmap={"oai_dc": NS_OAI_DC, "dc": NS_DC})
    for name in DC_ELEMENTS:
        values = dc.get(name) or ()
        if isinstance(values, str):
            values = (values,)
        for value in values:
            if value is None or str(value).strip() == "":
                continue
            etree.SubElement(root, f"{{{NS_DC}}}{name}").text = xml_text(value)
    return root


def build_dc_xml(dc: Mapping[str, Sequence[str]]) -> bytes:
    """Serialised DC XML (UTF-8, with declaration) for a plain record."""
    return serialise(build_dc_element(dc))


def serialise(root: etree._Element) -> bytes:
    """The project's one XML serialisation: UTF-8, XML declaration, indented."""
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
