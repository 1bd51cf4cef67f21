"""Safe XML parsing: DOCTYPE/entities rejected, size capped, no symlinks or FIFOs followed."""
from __future__ import annotations

import os
import time

import pytest

from preserve.errors import PreserveError
from preserve.bagreader import read_upto
from preserve.xmlsafe import (DOCTYPE_REASON, UnsafeXMLError, XMLParseError, has_doctype_marker, parse_xml,
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
