"""The root and representation METS: CSIP attributes, header, metadata refs, files, structMap.

Facts are checked against the package on disk and the input: every reference resolves to a file
with the size and sha256 the METS gives, values read back as given, both documents validate.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import pytest
from lxml import etree

from preserve.fixity import ALGORITHMS
from preserve.intake.config import CollectionConfig
from preserve.package.build import _content_entries
from preserve.package.mets import (CSIP_PROFILE, SIP_PROFILE, build_rep_mets_xml, build_root_mets_xml,
                                   content_category, href)
from preserve.package.model import FileEntry, iso
from preserve.package.xmltext import xml_text
from preserve.xml.safe import parse_xml
from preserve.xml.schemas import validate

from helpers.packages import FOLDER_RELEASE, awkward_input, awkward_package, build_sample

NS = {"m": "http://www.loc.gov/METS/", "xlink": "http://www.w3.org/1999/xlink",
      "csip": "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"}
CS = "{https://DILCIS.eu/XML/METS/CSIPExtensionMETS}"
XL = "{http://www.w3.org/1999/xlink}"
M = "{http://www.loc.gov/METS/}"
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


def test_md_refs_name_the_metadata_files(tmp_path):
    _, gen, _ = build_sample(tmp_path)
    mets = root_of(gen)
    refs = {r.get("MDTYPE"): r for r in mets.iter(M + "mdRef")}
    assert set(refs) == {"DC", "OTHER", "PREMIS"}
    assert mets.find("m:amdSec/m:digiprovMD/m:mdRef", NS).get("MDTYPE") == "PREMIS"
    for ref in refs.values():
        assert all(ref.get(a) for a in CHECKSUM_ATTRS)
        assert ref.get("LOCTYPE") == "URL" and ref.get(XL + "type") == "simple"
    assert refs["DC"].get(XL + "href") == "metadata/descriptive/dc.xml"
    assert refs["PREMIS"].get(XL + "href") == "metadata/preservation/premis.xml"


def test_file_groups_list_the_representation_by_its_mets(tmp_path):
    _, gen, _ = build_sample(tmp_path, FOLDER_RELEASE)
    mets = root_of(gen)
    groups = {g.get("USE"): g for g in mets.findall("m:fileSec/m:fileGrp", NS)}
    assert set(groups) == {"Representations/rep1", "Documentation", "Schemas"}
    for grp in groups.values():
        assert grp.get(CS + "CONTENTINFORMATIONTYPE") == "OTHER"
        assert all(all(f.get(a) for a in CHECKSUM_ATTRS) for f in grp.findall("m:file", NS))
    # the representation is listed by its METS alone, which lists its content (each file once)
    hrefs = [f.find("m:FLocat", NS).get(XL + "href") for f in groups["Representations/rep1"]]
    assert hrefs == ["representations/rep1/METS.xml"]
    rep = root_of(gen, "representations/rep1/METS.xml")
    rep_hrefs = [f.get(XL + "href") for f in rep.iterfind("m:fileSec/m:fileGrp/m:file/m:FLocat", NS)]
    assert "data/notes/%C3%9Cberblick%20100%25%20%28draft%29.md" in rep_hrefs
    assert len(rep_hrefs) == len(FOLDER_RELEASE)


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
    assert all(d.get("LABEL") for d in smap.iter(M + "div"))
    meta = top.find("m:div[@LABEL='Metadata']", NS)
    assert meta.get("DMDID") == "dmd-dc dmd-dc-json" and meta.get("ADMID") == "digiprov-premis"
    # CSIP101-104: the content division names the representation's fileGrp
    content = top.find("m:div[@LABEL='Representations']", NS)
    assert [f.get("FILEID") for f in content] == ["filegrp-rep1"]
    # CSIP105-112: the representation's division (labelled as its fileGrp) points to its METS
    # only, and its mptr names the fileGrp; the content files are listed by that METS
    rep = top.find("m:div[@LABEL='Representations/rep1']", NS)
    assert [child.tag for child in rep] == [M + "mptr"]
    mptr = rep[0]
    assert mptr.get(XL + "href") == "representations/rep1/METS.xml"
    groups = {g.get("ID"): g.get("USE") for g in mets.iter(M + "fileGrp")}
    assert groups[mptr.get(XL + "title")] == rep.get("LABEL") == "Representations/rep1"
    ids = {e.get("ID") for e in mets.iter() if e.get("ID")}
    for fptr in smap.iter(M + "fptr"):
        assert fptr.get("FILEID") in ids


def test_representation_mets_lists_empty_folders(tmp_path):
    _, gen, inp = build_sample(tmp_path, FOLDER_RELEASE, empty_dirs=["empty/inner"])
    rep = root_of(gen, "representations/rep1/METS.xml")
    assert len(rep.findall("m:fileSec/m:fileGrp/m:file", NS)) == len(inp.files)
    labels = [d.get("LABEL") for d in rep.iter(M + "div")]
    assert "data/empty/inner" in labels


def test_helpers():
    assert href("a b/c%.txt") == "a%20b/c%25.txt"
    assert content_category(["text/plain", "application/pdf"]) == "Textual works – Digital"
    assert content_category(["image/png"]) == "Mixed"
    assert content_category([]) == "Mixed"


def _root_kwargs(inp, root_content, created="2026-01-02T03:04:05Z") -> dict:
    """The non-content entries of a root METS, with awkward facts."""
    def entry(path: str, mime: str = "application/xml") -> FileEntry:
        return FileEntry(path, mime, 7, created, "ab" * 32)

    return dict(dc=entry("metadata/descriptive/dc.xml"), dc_json=entry("metadata/descriptive/dc.json",
                'application/json; x="a&b"'), premis=entry("metadata/preservation/premis.xml"),
                rep_mets=entry("representations/rep1/METS.xml"), content=root_content,
                documentation=[entry("documentation/README 1.txt", "text/plain")],
                schemas=[entry("schemas/mets.xsd"), entry("schemas/ü.xsd")])


def _variants():
    base = awkward_input()
    return (base, replace(base, files=[], empty_dirs=[], title=None),
            replace(base, package_type="SIP", title="", config=CollectionConfig()),
            replace(base, software=("", ""), config=CollectionConfig(organisation="O", contact_name="  ")))


def listed(el: etree._Element) -> FileEntry:
    """A file or mdRef element's facts as a FileEntry (href unquoted)."""
    loc = el if el.tag.endswith("mdRef") else el.find("m:FLocat", NS)
    return FileEntry(unquote(loc.get(XL + "href")), el.get("MIMETYPE"), int(el.get("SIZE")), el.get("CREATED"),
                     el.get("CHECKSUM"))


def file_entries(mets: etree._Element, use: str) -> list[FileEntry]:
    return [listed(f) for f in mets.findall(f"m:fileSec/m:fileGrp[@USE='{use}']/m:file", NS)]


def assert_ids_resolve(mets: etree._Element) -> None:
    """Every ID is unique, and every FILEID, DMDID, ADMID and mptr xlink:title names one."""
    ids = [e.get("ID") for e in mets.iter() if e.get("ID")]
    assert len(ids) == len(set(ids))
    refs = [e.get("FILEID") for e in mets.iter(M + "fptr")] + [e.get(XL + "title") for e in mets.iter(M + "mptr")]
    refs += [ref for e in mets.iter(M + "div") for a in ("DMDID", "ADMID") for ref in (e.get(a) or "").split()]
    assert set(refs) <= set(ids)


@pytest.mark.parametrize("inp", _variants(), ids=["awkward", "no-files", "no-title-no-org", "blank-software"])
def test_awkward_values_read_back_from_both_mets(inp):
    """What the builders are given is what a hardened parser reads back, in schema-valid METS."""
    rep_content, root_content = _content_entries(inp.files)
    kwargs = _root_kwargs(inp, root_content)
    root_xml = build_root_mets_xml(inp, **kwargs)
    rep_xml = build_rep_mets_xml(inp, rep_content, inp.empty_dirs)
    assert validate(root_xml, "mets") == []
    if inp.files:  # METS wants a file in each fileGrp
        assert validate(rep_xml, "mets") == []
    root, rep = parse_xml(root_xml).getroot(), parse_xml(rep_xml).getroot()

    assert root.get("OBJID") == inp.identifier
    assert rep.get("OBJID") == inp.identifier + "/representations/rep1"
    for mets in (root, rep):
        assert mets.get("LABEL") == (xml_text(inp.title) if inp.title else None)
        assert mets.get("TYPE") == content_category([c.format.mime for c in inp.files])
        hdr = mets.find("m:metsHdr", NS)
        assert hdr.get(CS + "OAISPACKAGETYPE") == inp.package_type
        assert hdr.get("CREATEDATE") == iso(inp.created)
        creator = hdr.find("m:agent[@ROLE='CREATOR']", NS)
        assert [creator.findtext("m:name", namespaces=NS), creator.findtext("m:note", namespaces=NS)] == list(
            inp.software)
        assert_ids_resolve(mets)
    cfg = inp.config
    org = root.find("m:metsHdr/m:agent[@TYPE='ORGANIZATION']", NS)
    if cfg.organisation:
        assert org.findtext("m:name", namespaces=NS) == cfg.organisation
        assert [n.text for n in org.findall("m:note", NS)] == [
            xml_text(v) for v in (cfg.address, cfg.contact_name, cfg.contact_email) if v]
    else:
        assert org is None
    assert rep.find("m:metsHdr/m:agent[@TYPE='ORGANIZATION']", NS) is None

    assert [listed(r) for r in root.iter(M + "mdRef")] == [kwargs["dc"], kwargs["dc_json"], kwargs["premis"]]
    assert file_entries(root, "Representations/rep1") == [kwargs["rep_mets"]]
    assert file_entries(root, "Documentation") == kwargs["documentation"]
    assert file_entries(root, "Schemas") == list(kwargs["schemas"])
    assert root.find("m:structMap//m:mptr", NS).get(XL + "href") == kwargs["rep_mets"].path
    assert file_entries(rep, "Data") == rep_content
    assert [d.get("LABEL") for d in rep.iterfind(".//m:div[@TYPE='empty folder']", NS)] == [
        "data/" + d for d in inp.empty_dirs]
    checksum_types = {e.get("CHECKSUMTYPE") for mets in (root, rep) for e in mets.iter(M + "file", M + "mdRef")}
    assert checksum_types == {ALGORITHMS["sha256"].mets}


def test_empty_groups_and_divisions_are_empty_elements():
    inp = awkward_input()
    data = build_root_mets_xml(inp, **{**_root_kwargs(inp, []), "documentation": [], "schemas": []})
    root = parse_xml(data).getroot()
    for use in ("Documentation", "Schemas"):
        assert len(root.find(f"m:fileSec/m:fileGrp[@USE='{use}']", NS)) == 0
    for label in ("Documentation", "Schemas"):
        assert len(root.find(f"m:structMap/m:div/m:div[@LABEL='{label}']", NS)) == 0


def test_identifiers_xml_cannot_carry_are_refused():
    """An identifier is never changed silently: one with a control character is refused."""
    inp = replace(awkward_input(), identifier="urn:x\x07y")
    rep_content, root_content = _content_entries(inp.files)
    with pytest.raises(ValueError, match="XML compatible"):
        build_rep_mets_xml(inp, rep_content, inp.empty_dirs)
    with pytest.raises(ValueError, match="XML compatible"):
        build_root_mets_xml(inp, **_root_kwargs(inp, root_content))


@pytest.mark.parametrize("kind", ["folder", "awkward"])
def test_every_reference_resolves_to_the_file_it_describes(tmp_path, kind):
    """In a package on disk, each file and mdRef of both METS points to a file of the package
    whose size and sha256 are the ones given; together they list every file but the root METS, once."""
    if kind == "awkward":
        pkg, gen, inp = awkward_package(tmp_path)
    else:
        pkg, gen, inp = build_sample(tmp_path, FOLDER_RELEASE, empty_dirs=["empty"])
    seen: list[str] = []
    for mets_path in ("METS.xml", "representations/rep1/METS.xml"):
        mets = parse_xml(gen[mets_path]).getroot()
        assert validate(gen[mets_path], "mets") == []
        base = Path(mets_path).parent
        for el in mets.iter(M + "file", M + "mdRef"):
            entry = listed(el)
            path = pkg / base / entry.path
            assert path.is_file(), entry.path
            data = path.read_bytes()
            assert (entry.size, entry.sha256) == (len(data), hashlib.sha256(data).hexdigest()), entry.path
            assert el.get("CHECKSUMTYPE") == ALGORITHMS["sha256"].mets
            seen.append((base / entry.path).as_posix())
        for mptr in mets.iter(M + "mptr"):
            assert (pkg / base / unquote(mptr.get(XL + "href"))).is_file()
    on_disk = {p.relative_to(pkg).as_posix() for p in pkg.rglob("*") if p.is_file()}
    assert sorted(seen) == sorted(on_disk - {"METS.xml"})
    rep = parse_xml(gen["representations/rep1/METS.xml"]).getroot()
    by_path = {e.path: e for e in file_entries(rep, "Data")}
    for cf in inp.files:
        entry = by_path["data/" + cf.relpath]
        assert (entry.mime, entry.created) == (cf.format.mime, iso(cf.created))
