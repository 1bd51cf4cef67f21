"""Values cleaned for XML 1.0 and escaped for text and attributes: what a parser reads back."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.package.xmltext import escape_attr, escape_text, utf8, xml_text
from preserve.xml.safe import parse_xml


def read_back(text: str, attr: str | None = None) -> tuple[str, str | None]:
    """The text and attribute ``a`` of ``<e a="attr">text</e>``, as the hardened parser reads them."""
    start = "<e>" if attr is None else f'<e a="{attr}">'
    root = parse_xml(f"{start}{text}</e>".encode("utf-8")).getroot()
    return root.text or "", root.get("a")


def test_the_escapes_written():
    assert escape_text("a&b<c>d\re\tf\ng\"h'") == "a&amp;b&lt;c&gt;d&#13;e\tf\ng\"h'"
    assert escape_attr("a&b<c>d\re\tf\ng\"h'") == "a&amp;b&lt;c&gt;d&#13;e&#9;f&#10;g&quot;h'"
    assert escape_text("plain ü") == "plain ü" and escape_attr("plain ü") == "plain ü"
    assert xml_text("bell\x07 \x00 \ufffe") == "bell\ufffd \ufffd \ufffd"
    assert escape_text(12) == "12" and escape_text("bell\x07<") == "bell\ufffd&lt;"


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=30))
def test_escaped_values_read_back_unchanged(value):
    """Text reads back as xml_text(value); an attribute reads back as the value itself, or is
    refused when XML 1.0 cannot carry it."""
    assert read_back(escape_text(value)) == (xml_text(value), None)
    if xml_text(value) != value:
        with pytest.raises(ValueError, match="XML compatible"):
            escape_attr(value)
        return
    assert read_back("", escape_attr(value)) == ("", value)


@given(st.lists(st.text(max_size=20), max_size=8))
def test_utf8_is_join_then_encode(parts):
    try:
        expected = "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            utf8(parts)
        return
    assert utf8(parts) == expected
