"""Safe XML parsing: DOCTYPE/entities rejected, size capped, no symlinks or FIFOs followed."""
from __future__ import annotations

import os
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.errors import PreserveError
from preserve.fixity import read_upto
from preserve.xml.safe import (DOCTYPE_REASON, UnsafeXMLError, XMLParseError, has_doctype_marker, parse_xml,
                              parse_xml_file)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""


def xxe(target: str) -> bytes:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "{target}">]>\n'
            "<r>&x;</r>").encode()


def test_parses_plain_document():
    tree = parse_xml(b'<?xml version="1.0" encoding="UTF-8"?><a x="1"><b>t\xc3\xa9xt</b></a>')
    assert tree.getroot().tag == "a"
    assert tree.getroot()[0].text == "t\u00e9xt"


def test_billion_laughs_is_rejected_quickly():
    start = time.monotonic()
    with pytest.raises(UnsafeXMLError) as info:
        parse_xml(BILLION_LAUGHS)
    assert time.monotonic() - start < 1.0
    assert str(info.value) == DOCTYPE_REASON
    assert isinstance(info.value, PreserveError) and info.value.exit_code == 1


def test_external_entity_is_rejected_without_leaking(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    for target in ("file:///etc/passwd", secret.as_uri(), "http://127.0.0.1:9/x"):
        with pytest.raises(UnsafeXMLError) as info:
            parse_xml(xxe(target))
        message = str(info.value)
        assert message == DOCTYPE_REASON
        assert "root:" not in message and "TOP-SECRET" not in message
        assert "\n" not in message


@pytest.mark.parametrize("doc", [
    b'<!DOCTYPE a SYSTEM "http://example.org/a.dtd"><a/>',
    b"<!DOCTYPE a><a/>",
    b'<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE a PUBLIC "-//x//y" "a.dtd"><a/>',
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'.encode("utf-16"),
])
def test_any_doctype_is_rejected(doc):
    with pytest.raises(UnsafeXMLError, match="DOCTYPE/entity declarations are not allowed"):
        parse_xml(doc)


def test_undeclared_entity_is_a_syntax_error_not_expanded():
    with pytest.raises(XMLParseError) as info:
        parse_xml(b"<a>&undeclared;</a>")
    assert not isinstance(info.value, UnsafeXMLError)


def test_malformed_is_parse_error_with_line():
    with pytest.raises(XMLParseError) as info:
        parse_xml(b"<a>\n<b></a>")
    assert "line" in str(info.value)


def test_size_cap():
    doc = b"<a>" + b"x" * 200 + b"</a>"
    assert parse_xml(doc, max_bytes=len(doc)).getroot().tag == "a"
    with pytest.raises(UnsafeXMLError, match="limit"):
        parse_xml(doc, max_bytes=len(doc) - 1)


def test_parse_file_reads_at_most_cap(tmp_path):
    path = tmp_path / "big.xml"
    path.write_bytes(b"<a>" + b"x" * 10_000 + b"</a>")
    with pytest.raises(UnsafeXMLError):
        parse_xml_file(path, max_bytes=100)
    assert parse_xml_file(path, max_bytes=20_000).getroot().tag == "a"


def test_parse_file_never_follows_symlink(tmp_path):
    real = tmp_path / "real.xml"
    real.write_bytes(b"<a/>")
    link = tmp_path / "link.xml"
    link.symlink_to(real)
    with pytest.raises(XMLParseError, match="cannot be read"):
        parse_xml_file(link)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_parse_file_does_not_block_on_fifo(tmp_path):
    fifo = tmp_path / "fifo.xml"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(XMLParseError):
        parse_xml_file(fifo)
    assert time.monotonic() - start < 2


ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("where", ["start", "middle", "end"])
@pytest.mark.parametrize("nul_elsewhere", [False, True])
def test_doctype_marker_found_in_every_encoding(encoding, where, nul_elsewhere):
    """The two-pass scan finds "<!DOCTYPE" wherever the five-encoding scan did."""
    marker = "<!DOCTYPE".encode(encoding)
    body = b"<a>" + b"x" * 100 + (b"\0" if nul_elsewhere else b"") + b"</a>"
    doc = {"start": marker + body, "middle": body[:50] + marker + body[50:], "end": body + marker}[where]
    assert has_doctype_marker(doc)
    with pytest.raises(UnsafeXMLError, match="DOCTYPE"):
        parse_xml(doc)


@pytest.mark.parametrize("doc", [
    b"<a><!-- <!DOCTYP E --></a>", b"<a>DOCTYPE</a>", b"<a>\0<!DOCTYP</a>", b"<!ENTITY", b"",
    "<a>é</a>".encode("utf-16"), b"<a><![CDATA[<!doctype]]></a>",
])
def test_doctype_marker_absent(doc):
    assert not has_doctype_marker(doc)


def test_read_upto_reads_what_the_file_holds(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    fd = os.open(path, os.O_RDONLY)
    try:
        assert read_upto(fd, 100, 10) == b"0123456789"
        os.lseek(fd, 0, os.SEEK_SET)
        assert read_upto(fd, 4, 10) == b"0123"  # capped
        os.lseek(fd, 0, os.SEEK_SET)
        assert read_upto(fd, 100, 3) == b"0123456789"  # grew since fstat: read on to the end
        os.lseek(fd, 0, os.SEEK_SET)
        assert read_upto(fd, 100, 50) == b"0123456789"  # shrank since fstat
    finally:
        os.close(fd)


# --- validation while streaming (streams_valid) ----------------------------------------------------
PREMIS_DOC = b"""<?xml version="1.0" encoding="UTF-8"?>
<premis:premis xmlns:premis="http://www.loc.gov/premis/v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="3.0">
  <premis:object xsi:type="premis:file">
    <premis:objectIdentifier>
      <premis:objectIdentifierType>local</premis:objectIdentifierType>
      <premis:objectIdentifierValue>a.txt</premis:objectIdentifierValue>
    </premis:objectIdentifier>
    <premis:objectCharacteristics>
      <premis:fixity>
        <premis:messageDigestAlgorithm>SHA-256</premis:messageDigestAlgorithm>
        <premis:messageDigest>00</premis:messageDigest>
      </premis:fixity>
      <premis:size>6</premis:size>
      <premis:format>
        <premis:formatDesignation>
          <premis:formatName>text/plain</premis:formatName>
        </premis:formatDesignation>
      </premis:format>
    </premis:objectCharacteristics>
  </premis:object>
  <premis:event>
    <premis:eventIdentifier>
      <premis:eventIdentifierType>local</premis:eventIdentifierType>
      <premis:eventIdentifierValue>e1</premis:eventIdentifierValue>
    </premis:eventIdentifier>
    <premis:eventType>ingestion</premis:eventType>
    <premis:eventDateTime>2024-01-01T00:00:00Z</premis:eventDateTime>
  </premis:event>
  <premis:agent>
    <premis:agentIdentifier>
      <premis:agentIdentifierType>local</premis:agentIdentifierType>
      <premis:agentIdentifierValue>preserve</premis:agentIdentifierValue>
    </premis:agentIdentifier>
  </premis:agent>
</premis:premis>
"""
PREMIS_ROOT = "{http://www.loc.gov/premis/v3}premis"


def _streams(doc: bytes, **kwargs) -> bool:
    from preserve.xml.schemas import get_schema
    from preserve.xml.safe import streams_valid

    return streams_valid(doc, get_schema("premis"), PREMIS_ROOT, needs_tree=(b"xmlID",), **kwargs)


def _tree_problems(doc: bytes) -> list[str]:
    """What the tree path (parse_xml, then xsd.validate) says of doc."""
    from preserve.xml.schemas import validate

    try:
        return validate(parse_xml(doc), "premis")
    except XMLParseError as exc:
        return [exc.message]


def test_streamed_validation_passes_a_valid_document():
    assert _tree_problems(PREMIS_DOC) == []
    assert _streams(PREMIS_DOC)
    assert _streams(b"\xef\xbb\xbf" + PREMIS_DOC)
    assert _streams(PREMIS_DOC.split(b"\n", 1)[1])  # no XML declaration: UTF-8
    assert _streams(PREMIS_DOC.replace(b"UTF-8", b"us-ascii", 1))


@pytest.mark.parametrize("doc", [
    PREMIS_DOC.replace(b"<premis:eventType>", b"<premis:eventTypo>").replace(b"</premis:eventType>", b"</premis:eventTypo>"),
    PREMIS_DOC.replace(b'version="3.0"', b'version="2.0"'),
    PREMIS_DOC.replace(b"</premis:premis>", b"</premis:premis><x/>"),  # not well-formed
    PREMIS_DOC[:-30],
    PREMIS_DOC.replace(b"<premis:event>", b"<!DOCTYPE x><premis:event>"),
    PREMIS_DOC.replace(b"?>", b"?><!DOCTYPE premis:premis>", 1),
    PREMIS_DOC.replace(b"ingestion", b"inge&undeclared;stion"),
    PREMIS_DOC.replace(b"ingestion", b"inge\x01stion"),
    PREMIS_DOC.replace(b'xsi:type="premis:file"', b'xsi:type="premis:nothing"'),
    PREMIS_DOC.replace(b"<premis:eventType>", b'<premis:eventType foo="1">'),
])
def test_streamed_validation_refuses_what_the_tree_path_refuses(doc):
    assert _tree_problems(doc)
    assert not _streams(doc)


@pytest.mark.parametrize("doc", [
    # valid, but only the tree path can tell: xmlID values must be unique (a tree is needed)
    PREMIS_DOC.replace(b"<premis:object ", b'<premis:object xmlID="a1" '),
    # valid, but not plainly UTF-8: a byte search could miss markup, so the tree path decides
    PREMIS_DOC.replace(b"UTF-8", b"UTF-16").decode("utf-8").encode("utf-16"),
    PREMIS_DOC.replace(b"UTF-8", b"ISO-8859-1", 1),
    b"\n" + PREMIS_DOC.split(b"\n", 1)[1],  # does not start with "<"
])
def test_streamed_validation_leaves_some_valid_documents_to_the_tree_path(doc):
    assert _tree_problems(doc) == []
    assert not _streams(doc)


def test_streamed_validation_never_passes_a_duplicate_id():
    """Streaming cannot check xs:ID uniqueness (libxml2 needs a tree): the tree path must decide."""
    doc = PREMIS_DOC.replace(b"<premis:object ", b'<premis:object xmlID="a1" ').replace(
        b"<premis:event>", b'<premis:event xmlID="a1">')
    assert any("xs:ID" in message for message in _tree_problems(doc))
    assert not _streams(doc)


def test_streamed_validation_checks_the_root_element():
    """Any global element of the schema validates; only the expected one is a whole record."""
    start = PREMIS_DOC.index(b"<premis:agent>")
    end = PREMIS_DOC.index(b"</premis:agent>") + len(b"</premis:agent>")
    agent = PREMIS_DOC[start:end].replace(b"<premis:agent>", b'<premis:agent xmlns:premis="http://www.loc.gov/premis/v3">', 1)
    assert "root element" in _tree_problems(agent)[0]
    assert not _streams(agent)


def test_streamed_validation_respects_the_size_cap():
    assert not _streams(PREMIS_DOC, max_bytes=len(PREMIS_DOC) - 1)
    assert _streams(PREMIS_DOC, max_bytes=len(PREMIS_DOC))


def test_root_tag():
    from preserve.xml.safe import root_tag

    assert root_tag(PREMIS_DOC) == PREMIS_ROOT
    assert root_tag(b"<?xml version='1.0'?><!-- " + b"c" * 10000 + b" --><r xmlns='urn:x'><a/></r>") == "{urn:x}r"
    assert root_tag(b"<!-- no element -->") is None
    assert root_tag(b"not xml") is None


PIECES = [b"<!-- c -->", b"<?pi x?>", b"<![CDATA[x]]>", b"&amp;", b"&#65;", b"&#0;", b"&e;", b" ", b"\n", b"\r",
          b' xmlID="a"', b' xsi:type="premis:representation"', b' xsi:nil="true"', b' xmlns:q="urn:q"', b' xmlns=""',
          b"<premis:eventType>x</premis:eventType>", b'<q:x xmlns:q="urn:q"/>', b'"', b"<", b">", b"/", b"premis:",
          b"\xc3\xa9", b"\xff", b"\0", b"<!DOCTYPE x>", b"\xef\xbb\xbf", b' LinkEventXmlID="a"', b"2024", b"-"]


#: where pieces go in: just inside a start or end tag (before its ">") and just after one
EDIT_POINTS = sorted({i for i, byte in enumerate(PREMIS_DOC) if byte == ord(">")}
                     | {i + 1 for i, byte in enumerate(PREMIS_DOC) if byte == ord(">")})


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(EDIT_POINTS), st.sampled_from(PIECES)), min_size=1, max_size=3),
       st.integers(0, 20))
def test_streamed_validation_passes_only_what_the_tree_path_passes(edits, cut):
    """Damage the document at random: whenever streaming says valid, the tree path agrees.

    (About one in ten of these documents is still valid, so both answers are exercised.)
    """
    doc = PREMIS_DOC
    for at, piece in sorted(edits, reverse=True):
        deleted = cut if piece == b"-" else 0  # "-" also cuts bytes out after it
        doc = doc[:at] + piece + doc[at + deleted:]
    if _streams(doc):
        assert _tree_problems(doc) == []


def test_read_xml_file(tmp_path):
    from preserve.xml.safe import read_xml_file

    path = tmp_path / "a.xml"
    path.write_bytes(PREMIS_DOC)
    assert read_xml_file(path) == PREMIS_DOC
    assert read_xml_file(path, max_bytes=10) == PREMIS_DOC[:11]  # one byte over: parse_xml refuses it
    with pytest.raises(XMLParseError, match="cannot be read"):
        read_xml_file(tmp_path / "missing.xml")


def test_streaming_is_trusted_only_if_it_validates(monkeypatch):
    """Should lxml ever skip validation for a target parser, streaming passes nothing."""
    from preserve.xml import safe as xmlsafe
    from preserve.xml.schemas import get_schema

    schema = get_schema("premis")
    assert xmlsafe._streaming_validates(schema)
    monkeypatch.setattr(xmlsafe, "_streaming_validates", lambda schema: False)
    assert not _streams(PREMIS_DOC)
