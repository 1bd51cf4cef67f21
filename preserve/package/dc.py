"""The Dublin Core XML of a package: a plain DC 1.1 record -> ``oai_dc:dc`` document bytes.

DC 1.1 (dc.xsd) defines the fifteen elements but no root element; the container used is the
conventional OAI-PMH ``oai_dc:dc``, whose content model is dc.xsd's ``elementContainer``.
Elements are written in the record's element order (:data:`preserve.record.DC_ELEMENTS`),
values in the order given, blank values left out.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from preserve.package.xmltext import XML_DECLARATION, escape_text
from preserve.record import DC_ELEMENTS
from preserve.xml.schemas import NS_DC, NS_OAI_DC

_DC_START = f'{XML_DECLARATION}<oai_dc:dc xmlns:oai_dc="{NS_OAI_DC}" xmlns:dc="{NS_DC}"'


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


def build_dc_xml(dc: Mapping[str, Sequence[str]]) -> bytes:
    """dc.xml's bytes (UTF-8, with declaration) for a plain record; ValueError for a non-DC element."""
    lines = [f"  <dc:{name}>{escape_text(value)}</dc:{name}>\n" for name, value in _dc_values(dc)]
    if not lines:
        return f"{_DC_START}/>\n".encode("utf-8")
    return f"{_DC_START}>\n{''.join(lines)}</oai_dc:dc>\n".encode("utf-8")
