"""The root and representation METS: CSIP attributes, header, metadata refs, files, structMap."""
from __future__ import annotations

import hashlib
from dataclasses import replace
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from preserve.intake.config import CollectionConfig
from preserve.package.dc import escape_attr, escape_text, serialise, xml_text
from preserve.package.mets import (CSIP_PROFILE, SIP_PROFILE, build_rep_mets, build_rep_mets_xml,
                                   build_root_mets, build_root_mets_xml, content_category, href)
from preserve.package.model import FileEntry
from preserve.package.build import _content_entries
from preserve.xml.schemas import validate

from helpers.packages import FOLDER_RELEASE, build_sample

NS = {"m": "http://www.loc.gov/METS/", "xlink": "http://www.w3.org/1999/xlink",
      "csip": "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"}
CS = "{https://DILCIS.eu/XML/METS/CSIPExtensionMETS}"
XL = "{http://www.w3.org/1999/xlink}"
CHECKSUM_ATTRS = ("MIMETYPE", "SIZE", "CREATED", "CHECKSUM", "CHECKSUMTYPE")


def root_of(generated, path="METS.xml"):
    return etree.fromstring(generated[path])


def test_root_attributes_and_header(tmp_path):
    _, gen, inp = build_sample(tmp_path)
    mets = root_of(gen)
    assert mets.get("OBJID") == "urn:preserve:release-1"
    assert mets.get("TYPE") == "Textual works – Digital"
    assert mets.get("PROFILE") == SIP_PROFILE
    assert mets.get(CS + "CONTENTINFORMATIONTYPE") == "OTHER"
    assert mets.get(CS + "OTHERCONTENTINFORMATIONTYPE")
    hdr = mets.find("m:metsHdr", NS)
    assert hdr.get("CREATEDATE") == hdr.get("LASTMODDATE") == "2026-01-02T03:04:05Z"
    assert hdr.get(CS + "OAISPACKAGETYPE") == "SIP"
    creator, org = hdr.findall("m:agent", NS)
    assert (creator.get("ROLE"), creator.get("TYPE"), creator.get("OTHERTYPE")) == ("CREATOR", "OTHER", "SOFTWARE")
    assert creator.findtext("m:name", namespaces=NS) == "preserve"
    note = creator.find("m:note", NS)
    assert note.get(CS + "NOTETYPE") == "SOFTWARE VERSION" and note.text == inp.software[1]
    assert org.get("TYPE") == "ORGANIZATION" and org.findtext("m:name", namespaces=NS) == "Example Campaign"


def test_aip_profile_and_type(tmp_path):
    _, gen, _ = build_sample(tmp_path, package_type="AIP")
    mets = root_of(gen)
    assert mets.get("PROFILE") == CSIP_PROFILE
    assert mets.find("m:metsHdr", NS).get(CS + "OAISPACKAGETYPE") == "AIP"


def test_no_organisation_no_org_agent(tmp_path):
    _, gen, _ = build_sample(tmp_path, config=CollectionConfig())
    assert len(root_of(gen).findall("m:metsHdr/m:agent", NS)) == 1


def test_md_refs_carry_checksums_of_the_generated_bytes(tmp_path):
    _, gen, _ = build_sample(tmp_path)
    mets = root_of(gen)
    refs = {r.get("MDTYPE"): r for r in mets.iter("{%s}mdRef" % NS["m"])}
    assert set(refs) == {"DC", "OTHER", "PREMIS"}
    assert mets.find("m:amdSec/m:digiprovMD/m:mdRef", NS).get("MDTYPE") == "PREMIS"
    for ref in refs.values():
        assert all(ref.get(a) for a in CHECKSUM_ATTRS)
        assert ref.get("LOCTYPE") == "URL" and ref.get(XL + "type") == "simple"
        data = gen[unquote(ref.get(XL + "href"))]
        assert ref.get("SIZE") == str(len(data))
        assert ref.get("CHECKSUM") == hashlib.sha256(data).hexdigest()
        assert ref.get("CHECKSUMTYPE") == "SHA-256"
    assert refs["DC"].get(XL + "href") == "metadata/descriptive/dc.xml"


def test_file_groups_and_content_checksums(tmp_path):
    pkg, gen, inp = build_sample(tmp_path, FOLDER_RELEASE)
    mets = root_of(gen)
    groups = {g.get("USE"): g for g in mets.findall("m:fileSec/m:fileGrp", NS)}
    assert set(groups) == {"Representations/rep1", "Documentation", "Schemas"}
    for grp in groups.values():
        assert grp.get(CS + "CONTENTINFORMATIONTYPE") == "OTHER"
        for f in grp.findall("m:file", NS):
            assert all(f.get(a) for a in CHECKSUM_ATTRS)
            path = pkg / unquote(f.find("m:FLocat", NS).get(XL + "href"))
            data = path.read_bytes()
            assert f.get("SIZE") == str(len(data))
            assert f.get("CHECKSUM") == hashlib.sha256(data).hexdigest()
    # the representation is listed by its METS alone, which lists its content (each file once)
    hrefs = [f.find("m:FLocat", NS).get(XL + "href") for f in groups["Representations/rep1"]]
    assert hrefs == ["representations/rep1/METS.xml"]
    rep = root_of(gen, "representations/rep1/METS.xml")
    rep_files = rep.findall("m:fileSec/m:fileGrp/m:file", NS)
    rep_hrefs = [f.find("m:FLocat", NS).get(XL + "href") for f in rep_files]
    assert "data/notes/%C3%9Cberblick%20100%25%20%28draft%29.md" in rep_hrefs
    by_path = {unquote(h): f for h, f in zip(rep_hrefs, rep_files)}
    for cf in inp.files:
        f = by_path["data/" + cf.relpath]
        assert f.get("CHECKSUM") == cf.fixity.digests["sha256"]
        assert f.get("MIMETYPE") == cf.format.mime
        assert f.get("CREATED") == "2020-09-13T12:26:40Z"


def test_struct_map(tmp_path):
    _, gen, _ = build_sample(tmp_path)
    mets = root_of(gen)
    smaps = mets.findall("m:structMap", NS)
    assert len(smaps) == 1
    smap = smaps[0]
    assert (smap.get("TYPE"), smap.get("LABEL")) == ("PHYSICAL", "CSIP")
    top = smap.find("m:div", NS)
    labels = [d.get("LABEL") for d in top.findall("m:div", NS)]
    assert labels == ["Metadata", "Documentation", "Schemas", "Representations", "Representations/rep1"]
    assert all(d.get("LABEL") for d in smap.iter("{%s}div" % NS["m"]))
    meta = top.find("m:div[@LABEL='Metadata']", NS)
    assert meta.get("DMDID") == "dmd-dc dmd-dc-json" and meta.get("ADMID") == "digiprov-premis"
    # CSIP101-104: the content division names the representation's fileGrp
    content = top.find("m:div[@LABEL='Representations']", NS)
    assert [f.get("FILEID") for f in content] == ["filegrp-rep1"]
    # CSIP105-112: the representation's division (labelled as its fileGrp) points to its METS
    # only, and its mptr names the fileGrp; the content files are listed by that METS
    rep = top.find("m:div[@LABEL='Representations/rep1']", NS)
    assert [child.tag for child in rep] == ["{%s}mptr" % NS["m"]]
    mptr = rep[0]
    assert mptr.get(XL + "href") == "representations/rep1/METS.xml"
    groups = {g.get("ID"): g.get("USE") for g in mets.iter("{%s}fileGrp" % NS["m"])}
    assert groups[mptr.get(XL + "title")] == rep.get("LABEL") == "Representations/rep1"
    ids = {e.get("ID") for e in mets.iter() if e.get("ID")}
    for fptr in smap.iter("{%s}fptr" % NS["m"]):
        assert fptr.get("FILEID") in ids


def test_representation_mets(tmp_path):
    pkg, gen, inp = build_sample(tmp_path, FOLDER_RELEASE, empty_dirs=["empty/inner"])
    rep = root_of(gen, "representations/rep1/METS.xml")
    files = rep.findall("m:fileSec/m:fileGrp/m:file", NS)
    assert len(files) == len(inp.files)
    for f in files:
        path = pkg / "representations/rep1" / unquote(f.find("m:FLocat", NS).get(XL + "href"))
        assert hashlib.sha256(path.read_bytes()).hexdigest() == f.get("CHECKSUM")
    labels = [d.get("LABEL") for d in rep.iter("{%s}div" % NS["m"])]
    assert "data/empty/inner" in labels


def test_helpers():
    assert href("a b/c%.txt") == "a%20b/c%25.txt"
    assert content_category(["text/plain", "application/pdf"]) == "Textual works – Digital"
    assert content_category(["image/png"]) == "Mixed"
    assert content_category([]) == "Mixed"


def _root_kwargs(inp, root_content, created="2026-01-02T03:04:05Z") -> dict:
    """The non-content entries of a root METS, with awkward facts (what both builders take)."""
    entry = lambda path, mime="application/xml": FileEntry(path, mime, 7, created, "ab" * 32)  # noqa: E731
    return dict(dc=entry("metadata/descriptive/dc.xml"), dc_json=entry("metadata/descriptive/dc.json",
                'application/json; x="a&b"'), premis=entry("metadata/preservation/premis.xml"),
                rep_mets=entry("representations/rep1/METS.xml"), content=root_content,
                documentation=[entry("documentation/README 1.txt", "text/plain")],
                schemas=[entry("schemas/mets.xsd"), entry("schemas/ü.xsd")])


def _variants():
    from helpers.packages import awkward_input

    base = awkward_input()
    return (base, replace(base, files=[], empty_dirs=[], title=None),
            replace(base, package_type="SIP", title="", config=CollectionConfig()),
            replace(base, software=("", ""), config=CollectionConfig(organisation="O", contact_name="  ")))


def test_text_builders_equal_the_lxml_trees_byte_for_byte():
    """build_*_mets_xml write exactly what serialising the lxml trees writes, and it validates."""
    for inp in _variants():
        rep_content, root_content = _content_entries(inp.files)
        rep_text = build_rep_mets_xml(inp, rep_content, inp.empty_dirs)
        assert rep_text == serialise(build_rep_mets(inp, rep_content, inp.empty_dirs))
        kwargs = _root_kwargs(inp, root_content)
        root_text = build_root_mets_xml(inp, **kwargs)
        assert root_text == serialise(build_root_mets(inp, **kwargs))
        assert validate(root_text, "mets") == []
        if inp.files:
            assert validate(rep_text, "mets") == []
    inp = _variants()[0]
    kwargs = {**_root_kwargs(inp, []), "documentation": [], "schemas": []}  # empty groups: <x/>
    assert build_root_mets_xml(inp, **kwargs) == serialise(build_root_mets(inp, **kwargs))


def test_text_builders_refuse_what_lxml_refuses():
    inp = replace(_variants()[0], identifier="urn:x\x07y")
    rep_content, root_content = _content_entries(inp.files)
    for build in (build_rep_mets, build_rep_mets_xml):
        with pytest.raises(ValueError, match="XML compatible"):
            build(inp, rep_content, inp.empty_dirs)
    for build in (build_root_mets, build_root_mets_xml):
        with pytest.raises(ValueError, match="XML compatible"):
            build(inp, **_root_kwargs(inp, root_content))


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=30))
def test_escaping_is_what_lxml_writes(value):
    """escape_text / escape_attr give what lxml serialises for text and attributes."""
    el = etree.Element("e")
    el.text = xml_text(value)
    assert etree.tostring(el, encoding="UTF-8").decode("utf-8") == f"<e>{escape_text(value)}</e>"
    try:
        el.set("a", value)
    except ValueError:
        with pytest.raises(ValueError):
            escape_attr(value)
        return
    el.text = None
    assert etree.tostring(el, encoding="UTF-8").decode("utf-8") == f'<e a="{escape_attr(value)}"/>'
