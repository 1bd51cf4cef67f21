"""dc.xml: the record's values, in Dublin Core order, valid against dc.xsd, read back unchanged."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.package.dc import build_dc_xml
from preserve.package.xmltext import xml_text
from preserve.record import DC_ELEMENTS
from preserve.xml.safe import parse_xml
from preserve.xml.schemas import NS_DC, NS_OAI_DC, validate

from helpers.packages import AWKWARD_DC


def elements_of(data: bytes) -> list[tuple[str, str]]:
    """(element, text) of each child of the oai_dc:dc root, as the hardened parser reads them."""
    root = parse_xml(data).getroot()
    assert root.tag == f"{{{NS_OAI_DC}}}dc"
    assert all(child.tag.startswith(f"{{{NS_DC}}}") for child in root)
    return [(child.tag[len(NS_DC) + 2:], child.text or "") for child in root]


def expected(dc) -> list[tuple[str, str]]:
    """What dc.xml should hold: DC order, each element's values in the given order, blanks left out."""
    pairs = []
    for name in DC_ELEMENTS:
        values = dc.get(name) or ()
        values = (values,) if isinstance(values, str) else values
        pairs += [(name, xml_text(v)) for v in values if v is not None and str(v).strip()]
    return pairs


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(DC_ELEMENTS), st.lists(st.text(max_size=12) | st.none() | st.integers(),
                                                              max_size=3) | st.text(max_size=12)))
def test_dc_elements_are_the_records_values(dc):
    data = build_dc_xml(dc)
    assert validate(data, "dc") == []
    assert elements_of(data) == expected(dc)


def test_awkward_values_read_back():
    assert elements_of(build_dc_xml(AWKWARD_DC)) == [
        ("title", "T & <t>\r"), ("title", "]]>"), ("creator", '"Q" & \'A\''), ("subject", "ünï"),
        ("description", "x\ufffdy"), ("description", "tab\there"), ("date", "2016-11-04")]


def test_element_order_is_the_records():
    dc = {name: [name.upper()] for name in reversed(DC_ELEMENTS)}
    assert [name for name, _ in elements_of(build_dc_xml(dc))] == list(DC_ELEMENTS)


def test_an_empty_record_is_an_empty_container():
    data = build_dc_xml({"title": ["  "], "date": []})
    assert elements_of(data) == [] and validate(data, "dc") == []


def test_unknown_elements_are_refused():
    with pytest.raises(ValueError, match="colour"):
        build_dc_xml({"title": ["T"], "colour": ["red"]})
