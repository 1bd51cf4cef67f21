"""Offline XSD validation against the shipped, unmodified official schemas."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from lxml import etree

from preserve.xml import schemas as xsd
from preserve.package.dc import build_dc_xml

SHARED = Path(__file__).resolve().parents[3] / "shared" / "xsd"


def provenance_table() -> dict[str, str]:
    text = (xsd.xsd_dir() / "PROVENANCE.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\S+\.xsd) \|.*\| ([0-9a-f]{64}) \|$", text, flags=re.M)
    return dict(rows)


def test_shipped_schemas_match_provenance_table():
    table = provenance_table()
    assert len(table) == 9
    shipped = {p.name for p in xsd.xsd_dir().iterdir() if p.name.endswith(".xsd")}
    assert shipped == set(table)
    for name, digest in table.items():
        assert hashlib.sha256((xsd.xsd_dir() / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared/xsd not beside the repository")
def test_shipped_schemas_are_byte_identical_to_shared():
    for src in SHARED.iterdir():
        assert (xsd.xsd_dir() / src.name).read_bytes() == src.read_bytes(), src.name


def test_every_canonical_location_maps_to_a_shipped_file():
    for url, name in xsd.CANONICAL.items():
        assert xsd.schema_bytes(name).lstrip().startswith(b"<?xml"), url


def test_schemas_are_built_once():
    assert xsd.get_schema("mets") is xsd.get_schema("mets")


def test_schemas_load_with_network_blocked(no_network):
    xsd._schema.cache_clear()
    for kind in ("mets", "premis", "dc"):
        assert isinstance(xsd.get_schema(kind), etree.XMLSchema)


def test_resolver_refuses_unknown_locations():
    resolver = xsd._OfflineResolver()
    parser = xsd._schema_parser(resolver)
    doc = (b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
           b'<xs:import namespace="urn:x" schemaLocation="http://example.org/evil.xsd"/></xs:schema>')
    root = etree.fromstring(doc, parser=parser, base_url="urn:preserve:test")
    with pytest.raises(etree.XMLSchemaParseError):
        etree.XMLSchema(root)
    assert resolver.refused == ["http://example.org/evil.xsd"]


def test_dc_valid_and_invalid():
    assert xsd.validate(build_dc_xml({"title": ["A"], "date": ["2016"]}), "dc") == []
    bad = (b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"\n'
           b' xmlns:dc="http://purl.org/dc/elements/1.1/">\n<dc:title>x</dc:title>\n<dc:colour>red</dc:colour>\n'
           b"</oai_dc:dc>")
    problems = xsd.validate(bad, "dc")
    assert len(problems) == 1 and problems[0].startswith("line 4:") and "colour" in problems[0]


def test_wrong_root_is_reported():
    problems = xsd.validate(b"<premis/>", "premis")
    assert problems and "expected" in problems[0]


def test_mets_extension_attributes_are_checked():
    doc = (b'<mets xmlns="http://www.loc.gov/METS/" xmlns:csip="https://DILCIS.eu/XML/METS/CSIPExtensionMETS">'
           b'<metsHdr csip:OAISPACKAGETYPE="XIP"/><structMap><div/></structMap></mets>')
    problems = xsd.validate(doc, "mets")
    assert any("OAISPACKAGETYPE" in p and "XIP" in p for p in problems)


def test_mets_structure_is_checked():
    problems = xsd.validate(b'<mets xmlns="http://www.loc.gov/METS/"><bogus/></mets>', "mets")
    assert any("bogus" in p for p in problems)


def test_premis_minimal_valid():
    doc = (b'<premis xmlns="http://www.loc.gov/premis/v3" version="3.0"><agent><agentIdentifier>'
           b"<agentIdentifierType>local</agentIdentifierType><agentIdentifierValue>a</agentIdentifierValue>"
           b"</agentIdentifier></agent></premis>")
    problems = xsd.validate(doc, "premis")
    assert any("object" in p for p in problems)  # PREMIS requires at least one object


def test_unsafe_bytes_are_a_problem_not_a_crash():
    problems = xsd.validate(b'<!DOCTYPE x [<!ENTITY a "b">]><x/>', "dc")
    assert problems == ["DOCTYPE/entity declarations are not allowed"]


def test_is_valid_agrees_with_validate_from_many_threads():
    """Validators of different kinds run at once; each answer is still its own document's."""
    from concurrent.futures import ThreadPoolExecutor

    bad_dc = (b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
              b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:colour>red</dc:colour></oai_dc:dc>')
    docs = [(build_dc_xml({"title": ["A"]}), "dc", True), (bad_dc, "dc", False),
            (b'<mets xmlns="http://www.loc.gov/METS/"><bogus/></mets>', "mets", False),
            (b'<mets xmlns="http://www.loc.gov/METS/"><structMap><div/></structMap></mets>', "mets", True),
            (b'<premis xmlns="http://www.loc.gov/premis/v3" version="3.0"/>', "premis", False)] * 20

    def check(doc: tuple[bytes, str, bool]) -> tuple[bool, list[str]]:
        data, kind, _ = doc
        return xsd.is_valid(etree.fromstring(data), kind), xsd.validate(data, kind)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(check, docs))
    for (_, _, expected), (fast, problems) in zip(docs, results):
        assert fast == expected == (problems == [])
        assert expected or problems
