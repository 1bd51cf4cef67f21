"""METS 1.12 documents of an E-ARK CSIP 2.1 package, built from data with lxml (pure).

The root METS (``data/METS.xml``) describes the whole information package: header with the
software CREATOR agent and the submitting organisation, a dmdSec per descriptive record
(dc.xml, dc.json), an amdSec/digiprovMD for premis.xml, fileGrps for the representation,
documentation and schemas, and the CSIP PHYSICAL structMap. The representation METS
(``representations/rep1/METS.xml``) lists the content files of rep1; the root METS lists and
points to that METS only (CSIP: with a representation METS, the package METS names the
representation by its METS, whose fileSec lists the content), so each content file is listed
once, and the root METS stays the same size however many files a release holds.

``build_root_mets``/``build_rep_mets`` build them as lxml trees (the reference);
``build_root_mets_xml``/``build_rep_mets_xml`` write the same bytes directly as text, about
ten times faster, and are what packages use.
"""
from __future__ import annotations

import re
from typing import Sequence
from urllib.parse import quote

from lxml import etree

from preserve.package.dc import escape_attr, escape_text, utf8, xml_text
from preserve.package.model import FileEntry, PackageInput, iso
from preserve.xml.schemas import NS_CSIP, NS_METS, NS_XLINK, SCHEMA_LOCATION


M = f"{{{NS_METS}}}"
XL = f"{{{NS_XLINK}}}"
CS = f"{{{NS_CSIP}}}"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
CSIP_PROFILE = "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml"
SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
CHECKSUMTYPE = "SHA-256"
OTHER_CONTENT_TYPE = "Release (preserve)"
REP_USE = "Representations/rep1"
REP_GRP_ID = "filegrp-rep1"
REP_LABEL = "rep1"
_TEXTUAL = ("text/", "application/pdf", "application/msword", "application/rtf",
            "application/vnd.openxmlformats-officedocument.wordprocessingml",
            "application/vnd.oasis.opendocument.text")


_PLAIN_HREF = re.compile(r"[A-Za-z0-9_.~/-]*")


def href(path: str) -> str:
    """A relative path as a URI reference (percent-encoded, '/' kept)."""
    if _PLAIN_HREF.fullmatch(path):  # nothing to encode (quote() would return it unchanged)
        return path
    return quote(path, safe="/")


def content_category(mimes: Sequence[str]) -> str:
    """The DILCIS content-category vocabulary term for the content (mets/@TYPE)."""
    if mimes and all(m.startswith(_TEXTUAL) for m in mimes):
        return "Textual works – Digital"
    return "Mixed"


_FPTR = M + "fptr"


def _sub(parent: etree._Element, name: str, attrs: dict[str, str] | None = None,
         text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, M + name, attrs or {})
    if text is not None:
        el.text = xml_text(text)
    return el


def _root(objid: str, label: str | None, category: str, profile: str) -> etree._Element:
    root = etree.Element(M + "mets", nsmap={
        None: NS_METS, "xlink": NS_XLINK, "csip": NS_CSIP, "xsi": NS_XSI})
    root.set("OBJID", objid)
    if label:
        root.set("LABEL", xml_text(label))
    root.set("TYPE", category)
    root.set("PROFILE", profile)
    root.set(CS + "CONTENTINFORMATIONTYPE", "OTHER")
    root.set(CS + "OTHERCONTENTINFORMATIONTYPE", OTHER_CONTENT_TYPE)
    root.set(f"{{{NS_XSI}}}schemaLocation", " ".join(
        f"{ns} {SCHEMA_LOCATION[ns]}" for ns in (NS_METS, NS_XLINK, NS_CSIP)))
    return root


def _header(root: etree._Element, inp: PackageInput, with_org: bool) -> None:
    when = iso(inp.created)
    hdr = _sub(root, "metsHdr", {"CREATEDATE": when, "LASTMODDATE": when,
                                 CS + "OAISPACKAGETYPE": inp.package_type.upper()})
    name, version = inp.software
    agent = _sub(hdr, "agent", {"ROLE": "CREATOR", "TYPE": "OTHER", "OTHERTYPE": "SOFTWARE"})
    _sub(agent, "name", text=name)
    _sub(agent, "note", {CS + "NOTETYPE": "SOFTWARE VERSION"}, text=version)
    cfg = inp.config
    if with_org and cfg.organisation:
        org = _sub(hdr, "agent", {"ROLE": "OTHER", "OTHERROLE": "SUBMITTER", "TYPE": "ORGANIZATION"})
        _sub(org, "name", text=cfg.organisation)
        for value in (cfg.address, cfg.contact_name, cfg.contact_email):
            if value:
                _sub(org, "note", text=value)


def _checksum_attrs(entry: FileEntry) -> dict[str, str]:
    return {"MIMETYPE": entry.mime, "SIZE": str(entry.size), "CREATED": entry.created,
            "CHECKSUM": entry.sha256, "CHECKSUMTYPE": CHECKSUMTYPE}


def _md_ref(parent: etree._Element, entry: FileEntry, mdtype: str, other: str | None = None) -> None:
    attrs = {"LOCTYPE": "URL", XL + "type": "simple", XL + "href": href(entry.path), "MDTYPE": mdtype}
    if other:
        attrs["OTHERMDTYPE"] = other
    attrs.update(_checksum_attrs(entry))
    _sub(parent, "mdRef", attrs)


def _file_grp(parent: etree._Element, use: str, grp_id: str, entries: Sequence[FileEntry],
              prefix: str) -> list[str]:
    grp = _sub(parent, "fileGrp", {"ID": grp_id, "USE": use, CS + "CONTENTINFORMATIONTYPE": "OTHER",
                                   CS + "OTHERCONTENTINFORMATIONTYPE": OTHER_CONTENT_TYPE})
    ids = []
    SE, t_file, t_flocat, xl_type, xl_href = etree.SubElement, M + "file", M + "FLocat", XL + "type", XL + "href"
    for n, entry in enumerate(entries, 1):
        fid = f"{prefix}-{n:04d}"
        f = SE(grp, t_file, {"ID": fid, "MIMETYPE": entry.mime, "SIZE": str(entry.size),
                             "CREATED": entry.created, "CHECKSUM": entry.sha256,
                             "CHECKSUMTYPE": CHECKSUMTYPE})
        SE(f, t_flocat, {"LOCTYPE": "URL", xl_type: "simple", xl_href: href(entry.path)})
        ids.append(fid)
    return ids


def build_root_mets(inp: PackageInput, *, dc: FileEntry, dc_json: FileEntry, premis: FileEntry,
                    rep_mets: FileEntry, content: Sequence[FileEntry],
                    documentation: Sequence[FileEntry], schemas: Sequence[FileEntry]) -> etree._Element:
    """The package's root METS (paths relative to data/)."""
    sip = inp.package_type.upper() == "SIP"
    root = _root(inp.identifier, inp.title, content_category([c.mime for c in content]),
                 SIP_PROFILE if sip else CSIP_PROFILE)
    _header(root, inp, with_org=True)
    when = iso(inp.created)
    dmd = _sub(root, "dmdSec", {"ID": "dmd-dc", "CREATED": when, "STATUS": "CURRENT"})
    _md_ref(dmd, dc, "DC")
    dmd_json = _sub(root, "dmdSec", {"ID": "dmd-dc-json", "CREATED": when, "STATUS": "CURRENT"})
    _md_ref(dmd_json, dc_json, "OTHER", "DC-JSON with provenance (preserve)")
    amd = _sub(root, "amdSec", {"ID": "amd"})
    digi = _sub(amd, "digiprovMD", {"ID": "digiprov-premis", "CREATED": when, "STATUS": "CURRENT"})
    _md_ref(digi, premis, "PREMIS")

    sec = _sub(root, "fileSec", {"ID": "filesec"})
    _file_grp(sec, REP_USE, REP_GRP_ID, [rep_mets], "file-rep1")
    doc_ids = _file_grp(sec, "Documentation", "filegrp-documentation", documentation, "file-doc")
    sch_ids = _file_grp(sec, "Schemas", "filegrp-schemas", schemas, "file-schema")

    smap = _sub(root, "structMap", {"ID": "structmap-csip", "TYPE": "PHYSICAL", "LABEL": "CSIP"})
    top = _sub(smap, "div", {"ID": "div-root", "LABEL": inp.identifier})
    _sub(top, "div", {"ID": "div-metadata", "LABEL": "Metadata",
                      "DMDID": "dmd-dc dmd-dc-json", "ADMID": "digiprov-premis"})
    for div_id, label, ids in (("div-documentation", "Documentation", doc_ids),
                               ("div-schemas", "Schemas", sch_ids)):
        div = _sub(top, "div", {"ID": div_id, "LABEL": label})
        for fid in ids:
            etree.SubElement(div, _FPTR, {"FILEID": fid})
    # CSIP101-104: the content division names the representations' fileGrp (eark-validator
    # requires it); CSIP105-112: then a division per representation, under the root division,
    # labelled like its fileGrp, whose mptr points to its METS and names the fileGrp
    reps = _sub(top, "div", {"ID": "div-representations", "LABEL": "Representations"})
    _sub(reps, "fptr", {"FILEID": REP_GRP_ID})
    rep = _sub(top, "div", {"ID": "div-rep1", "LABEL": REP_USE})
    _sub(rep, "mptr", {"LOCTYPE": "URL", XL + "type": "simple", XL + "href": href(rep_mets.path),
                       XL + "title": REP_GRP_ID})
    return root


def build_rep_mets(inp: PackageInput, content: Sequence[FileEntry],
                   empty_dirs: Sequence[str]) -> etree._Element:
    """The METS of representation rep1 (paths relative to representations/rep1/)."""
    root = _root(f"{inp.identifier}/representations/{REP_LABEL}", inp.title,
                 content_category([c.mime for c in content]), CSIP_PROFILE)
    _header(root, inp, with_org=False)
    sec = _sub(root, "fileSec", {"ID": "filesec"})
    ids = _file_grp(sec, "Data", "filegrp-data", content, "file-data")
    smap = _sub(root, "structMap", {"ID": "structmap-csip", "TYPE": "PHYSICAL", "LABEL": "CSIP"})
    top = _sub(smap, "div", {"ID": "div-root", "LABEL": REP_LABEL})
    data = _sub(top, "div", {"ID": "div-data", "LABEL": "Data"})
    for fid in ids:
        etree.SubElement(data, _FPTR, {"FILEID": fid})
    for n, folder in enumerate(empty_dirs, 1):
        _sub(data, "div", {"ID": f"div-empty-{n:04d}", "TYPE": "empty folder",
                           "LABEL": f"data/{folder}"})
    return root


# --- the package's METS files as text ------------------------------------------------------------
# What dcxml.serialise() writes for the trees above (lxml, indented by two spaces, UTF-8), made
# directly as text: one f-string per file instead of three lxml nodes with their attributes. Element
# text is xml_text()-cleaned and escaped as libxml2 escapes it; attribute values are escaped the same
# way, and refused (ValueError) where lxml refuses them. Tests check both builders agree byte for byte.

_XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"
_ROOT_ATTRS = (f'xmlns="{NS_METS}" xmlns:xlink="{NS_XLINK}" xmlns:csip="{NS_CSIP}" '
               f'xmlns:xsi="{NS_XSI}"')
_ROOT_TAIL = (f'csip:CONTENTINFORMATIONTYPE="OTHER" '
              f'csip:OTHERCONTENTINFORMATIONTYPE="{OTHER_CONTENT_TYPE}" xsi:schemaLocation="'
              + " ".join(f"{ns} {SCHEMA_LOCATION[ns]}" for ns in (NS_METS, NS_XLINK, NS_CSIP)) + '">\n')


def _element(indent: str, start: str, children: Sequence[str]) -> list[str]:
    """``<start>`` with its (already indented) children, or ``<start/>`` when it has none."""
    if not children:
        return [f"{indent}<{start}/>\n"]
    return [f"{indent}<{start}>\n", *children, f"{indent}</{start.split(' ', 1)[0]}>\n"]


def _x_root(objid: str, label: str | None, category: str, profile: str) -> str:
    lab = f' LABEL="{escape_attr(xml_text(label))}"' if label else ""
    return (f'<mets {_ROOT_ATTRS} OBJID="{escape_attr(objid)}"{lab} TYPE="{escape_attr(category)}" '
            f'PROFILE="{profile}" {_ROOT_TAIL}')


def _x_header(inp: PackageInput, with_org: bool) -> str:
    when = iso(inp.created)
    name, version = inp.software
    parts = [f'  <metsHdr CREATEDATE="{when}" LASTMODDATE="{when}" '
             f'csip:OAISPACKAGETYPE="{escape_attr(inp.package_type.upper())}">\n'
             '    <agent ROLE="CREATOR" TYPE="OTHER" OTHERTYPE="SOFTWARE">\n'
             f"      <name>{escape_text(name)}</name>\n"
             f'      <note csip:NOTETYPE="SOFTWARE VERSION">{escape_text(version)}</note>\n'
             "    </agent>\n"]
    cfg = inp.config
    if with_org and cfg.organisation:
        parts.append('    <agent ROLE="OTHER" OTHERROLE="SUBMITTER" TYPE="ORGANIZATION">\n'
                     f"      <name>{escape_text(cfg.organisation)}</name>\n")
        parts += [f"      <note>{escape_text(value)}</note>\n"
                  for value in (cfg.address, cfg.contact_name, cfg.contact_email) if value]
        parts.append("    </agent>\n")
    parts.append("  </metsHdr>\n")
    return "".join(parts)


def _x_checksum_attrs(entry: FileEntry) -> str:
    return (f'MIMETYPE="{escape_attr(entry.mime)}" SIZE="{entry.size}" '
            f'CREATED="{escape_attr(entry.created)}" CHECKSUM="{escape_attr(entry.sha256)}" '
            f'CHECKSUMTYPE="{CHECKSUMTYPE}"')


def _x_md_ref(indent: str, entry: FileEntry, mdtype: str, other: str | None = None) -> str:
    other_attr = f' OTHERMDTYPE="{escape_attr(other)}"' if other else ""
    return (f'{indent}<mdRef LOCTYPE="URL" xlink:type="simple" xlink:href="{escape_attr(href(entry.path))}" '
            f'MDTYPE="{mdtype}"{other_attr} {_x_checksum_attrs(entry)}/>\n')


def _x_file_grp(use: str, grp_id: str, entries: Sequence[FileEntry],
                prefix: str) -> tuple[list[str], list[str]]:
    """A fileGrp (indented for fileSec) and the IDs of its files."""
    ids = [f"{prefix}-{n:04d}" for n in range(1, len(entries) + 1)]
    files = [f'      <file ID="{fid}" {_x_checksum_attrs(entry)}>\n'
             f'        <FLocat LOCTYPE="URL" xlink:type="simple" '
             f'xlink:href="{escape_attr(href(entry.path))}"/>\n'
             "      </file>\n" for fid, entry in zip(ids, entries)]
    start = (f'fileGrp ID="{grp_id}" USE="{escape_attr(use)}" csip:CONTENTINFORMATIONTYPE="OTHER" '
             f'csip:OTHERCONTENTINFORMATIONTYPE="{OTHER_CONTENT_TYPE}"')
    return _element("    ", start, files), ids


def _x_fptrs(indent: str, ids: Sequence[str]) -> list[str]:
    return [f'{indent}<fptr FILEID="{fid}"/>\n' for fid in ids]


def build_root_mets_xml(inp: PackageInput, *, dc: FileEntry, dc_json: FileEntry, premis: FileEntry,
                        rep_mets: FileEntry, content: Sequence[FileEntry],
                        documentation: Sequence[FileEntry], schemas: Sequence[FileEntry]) -> bytes:
    """The bytes of the package's root METS: exactly ``serialise(build_root_mets(...))``."""
    sip = inp.package_type.upper() == "SIP"
    when = iso(inp.created)
    rep_grp, _ = _x_file_grp(REP_USE, REP_GRP_ID, [rep_mets], "file-rep1")
    doc_grp, doc_ids = _x_file_grp("Documentation", "filegrp-documentation", documentation, "file-doc")
    sch_grp, sch_ids = _x_file_grp("Schemas", "filegrp-schemas", schemas, "file-schema")
    top = _element("    ", f'div ID="div-root" LABEL="{escape_attr(inp.identifier)}"', [
        '      <div ID="div-metadata" LABEL="Metadata" DMDID="dmd-dc dmd-dc-json" ADMID="digiprov-premis"/>\n',
        *_element("      ", 'div ID="div-documentation" LABEL="Documentation"', _x_fptrs("        ", doc_ids)),
        *_element("      ", 'div ID="div-schemas" LABEL="Schemas"', _x_fptrs("        ", sch_ids)),
        '      <div ID="div-representations" LABEL="Representations">\n'
        f'        <fptr FILEID="{REP_GRP_ID}"/>\n'
        "      </div>\n"
        f'      <div ID="div-rep1" LABEL="{REP_USE}">\n'
        f'        <mptr LOCTYPE="URL" xlink:type="simple" xlink:href="{escape_attr(href(rep_mets.path))}" '
        f'xlink:title="{REP_GRP_ID}"/>\n'
        "      </div>\n"])
    return utf8((
        _XML_DECLARATION,
        _x_root(inp.identifier, inp.title, content_category([c.mime for c in content]),
                SIP_PROFILE if sip else CSIP_PROFILE),
        _x_header(inp, with_org=True),
        f'  <dmdSec ID="dmd-dc" CREATED="{when}" STATUS="CURRENT">\n',
        _x_md_ref("    ", dc, "DC"),
        "  </dmdSec>\n",
        f'  <dmdSec ID="dmd-dc-json" CREATED="{when}" STATUS="CURRENT">\n',
        _x_md_ref("    ", dc_json, "OTHER", "DC-JSON with provenance (preserve)"),
        "  </dmdSec>\n",
        '  <amdSec ID="amd">\n',
        f'    <digiprovMD ID="digiprov-premis" CREATED="{when}" STATUS="CURRENT">\n',
        _x_md_ref("      ", premis, "PREMIS"),
        "    </digiprovMD>\n  </amdSec>\n",
        '  <fileSec ID="filesec">\n', *rep_grp, *doc_grp, *sch_grp, "  </fileSec>\n",
        '  <structMap ID="structmap-csip" TYPE="PHYSICAL" LABEL="CSIP">\n', *top, "  </structMap>\n",
        "</mets>\n"))


def build_rep_mets_xml(inp: PackageInput, content: Sequence[FileEntry], empty_dirs: Sequence[str]) -> bytes:
    """The bytes of representation rep1's METS: exactly ``serialise(build_rep_mets(...))``."""
    grp, ids = _x_file_grp("Data", "filegrp-data", content, "file-data")
    empties = [f'        <div ID="div-empty-{n:04d}" TYPE="empty folder" '
               f'LABEL="{escape_attr("data/" + folder)}"/>\n'
               for n, folder in enumerate(empty_dirs, 1)]
    data = _element("      ", 'div ID="div-data" LABEL="Data"', [*_x_fptrs("        ", ids), *empties])
    return utf8((
        _XML_DECLARATION,
        _x_root(f"{inp.identifier}/representations/{REP_LABEL}", inp.title,
                content_category([c.mime for c in content]), CSIP_PROFILE),
        _x_header(inp, with_org=False),
        '  <fileSec ID="filesec">\n', *grp, "  </fileSec>\n",
        '  <structMap ID="structmap-csip" TYPE="PHYSICAL" LABEL="CSIP">\n',
        f'    <div ID="div-root" LABEL="{REP_LABEL}">\n', *data, "    </div>\n",
        "  </structMap>\n</mets>\n"))
