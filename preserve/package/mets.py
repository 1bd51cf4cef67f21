"""The METS 1.12 documents of an E-ARK CSIP 2.1 package, written as text (pure).

The root METS (``data/METS.xml``) describes the whole information package: header with the
software CREATOR agent and the submitting organisation, a dmdSec per descriptive record
(dc.xml, dc.json), an amdSec/digiprovMD for premis.xml, fileGrps for the representation,
documentation and schemas, and the CSIP PHYSICAL structMap. The representation METS
(``representations/rep1/METS.xml``) lists the content files of rep1; the root METS lists and
points to that METS only (CSIP: with a representation METS, the package METS names the
representation by its METS, whose fileSec lists the content), so each content file is listed
once, and the root METS stays the same size however many files a release holds.

Every file is listed with its MIME type, size, creation time and SHA-256 checksum. Element text
is cleaned and escaped with :mod:`preserve.package.xmltext`; an attribute value XML cannot carry
(an identifier with a control character) raises ValueError.
"""
from __future__ import annotations

import re
from typing import Literal, Sequence
from urllib.parse import quote

from preserve.fixity import ALGORITHMS
from preserve.package.model import FileEntry, PackageInput, iso
from preserve.package.xmltext import NS_XSI, XML_DECLARATION, escape_attr, escape_text, utf8, xml_text
from preserve.xml.schemas import NS_CSIP, NS_METS, NS_XLINK, SCHEMA_LOCATION

CSIP_PROFILE = "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml"
SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
#: every CHECKSUM is the file's sha256 (build_package requires sha256 among the algorithms)
CHECKSUMTYPE = ALGORITHMS["sha256"].mets
OTHER_CONTENT_TYPE = "Release (preserve)"
REP_USE = "Representations/rep1"
REP_GRP_ID = "filegrp-rep1"
REP_LABEL = "rep1"
_TEXTUAL = ("text/", "application/pdf", "application/msword", "application/rtf",
            "application/vnd.openxmlformats-officedocument.wordprocessingml",
            "application/vnd.oasis.opendocument.text")

#: METS mdRef/@MDTYPE values the root METS uses
MdType = Literal["DC", "OTHER", "PREMIS"]
#: DILCIS content-category terms preserve writes (mets/@TYPE)
ContentCategory = Literal["Textual works – Digital", "Mixed"]

_PLAIN_HREF = re.compile(r"[A-Za-z0-9_.~/-]*")


def href(path: str) -> str:
    """A relative path as a URI reference (percent-encoded, '/' kept)."""
    if _PLAIN_HREF.fullmatch(path):  # nothing to encode (quote() would return it unchanged)
        return path
    return quote(path, safe="/")


def content_category(mimes: Sequence[str]) -> ContentCategory:
    """The DILCIS content-category vocabulary term for the content (mets/@TYPE)."""
    if mimes and all(m.startswith(_TEXTUAL) for m in mimes):
        return "Textual works – Digital"
    return "Mixed"


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


def _root(objid: str, label: str | None, category: str, profile: str) -> str:
    """The mets start tag: namespaces, OBJID, LABEL (if any), content category, profile, CSIP type."""
    lab = f' LABEL="{escape_attr(xml_text(label))}"' if label else ""
    return (f'<mets {_ROOT_ATTRS} OBJID="{escape_attr(objid)}"{lab} TYPE="{escape_attr(category)}" '
            f'PROFILE="{profile}" {_ROOT_TAIL}')


def _header(inp: PackageInput, with_org: bool) -> str:
    """metsHdr: the software as CREATOR agent, and (root METS) the submitting organisation."""
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


def _checksum_attrs(entry: FileEntry) -> str:
    return (f'MIMETYPE="{escape_attr(entry.mime)}" SIZE="{entry.size}" '
            f'CREATED="{escape_attr(entry.created)}" CHECKSUM="{escape_attr(entry.sha256)}" '
            f'CHECKSUMTYPE="{CHECKSUMTYPE}"')


def _md_ref(indent: str, entry: FileEntry, mdtype: MdType, other: str | None = None) -> str:
    other_attr = f' OTHERMDTYPE="{escape_attr(other)}"' if other else ""
    return (f'{indent}<mdRef LOCTYPE="URL" xlink:type="simple" xlink:href="{escape_attr(href(entry.path))}" '
            f'MDTYPE="{mdtype}"{other_attr} {_checksum_attrs(entry)}/>\n')


def _file_grp(use: str, grp_id: str, entries: Sequence[FileEntry],
              prefix: str) -> tuple[list[str], list[str]]:
    """A fileGrp (indented for fileSec) and the IDs of its files."""
    ids = [f"{prefix}-{n:04d}" for n in range(1, len(entries) + 1)]
    files = [f'      <file ID="{fid}" {_checksum_attrs(entry)}>\n'
             f'        <FLocat LOCTYPE="URL" xlink:type="simple" '
             f'xlink:href="{escape_attr(href(entry.path))}"/>\n'
             "      </file>\n" for fid, entry in zip(ids, entries)]
    start = (f'fileGrp ID="{grp_id}" USE="{escape_attr(use)}" csip:CONTENTINFORMATIONTYPE="OTHER" '
             f'csip:OTHERCONTENTINFORMATIONTYPE="{OTHER_CONTENT_TYPE}"')
    return _element("    ", start, files), ids


def _fptrs(indent: str, ids: Sequence[str]) -> list[str]:
    return [f'{indent}<fptr FILEID="{fid}"/>\n' for fid in ids]


def _root_struct_map(inp: PackageInput, rep_mets: FileEntry, doc_ids: Sequence[str],
                     sch_ids: Sequence[str]) -> list[str]:
    """The root METS's top division: metadata, documentation, schemas, the representation.

    CSIP101-104: the content division names the representations' fileGrp (eark-validator
    requires it); CSIP105-112: then a division per representation, under the root division,
    labelled like its fileGrp, whose mptr points to its METS and names the fileGrp.
    """
    return _element("    ", f'div ID="div-root" LABEL="{escape_attr(inp.identifier)}"', [
        '      <div ID="div-metadata" LABEL="Metadata" DMDID="dmd-dc dmd-dc-json" ADMID="digiprov-premis"/>\n',
        *_element("      ", 'div ID="div-documentation" LABEL="Documentation"', _fptrs("        ", doc_ids)),
        *_element("      ", 'div ID="div-schemas" LABEL="Schemas"', _fptrs("        ", sch_ids)),
        '      <div ID="div-representations" LABEL="Representations">\n'
        f'        <fptr FILEID="{REP_GRP_ID}"/>\n'
        "      </div>\n"
        f'      <div ID="div-rep1" LABEL="{REP_USE}">\n'
        f'        <mptr LOCTYPE="URL" xlink:type="simple" xlink:href="{escape_attr(href(rep_mets.path))}" '
        f'xlink:title="{REP_GRP_ID}"/>\n'
        "      </div>\n"])


def build_root_mets_xml(inp: PackageInput, *, dc: FileEntry, dc_json: FileEntry, premis: FileEntry,
                        rep_mets: FileEntry, content: Sequence[FileEntry],
                        documentation: Sequence[FileEntry], schemas: Sequence[FileEntry]) -> bytes:
    """The bytes of the package's root METS (paths relative to data/)."""
    sip = inp.package_type.upper() == "SIP"
    when = iso(inp.created)
    rep_grp, _ = _file_grp(REP_USE, REP_GRP_ID, [rep_mets], "file-rep1")
    doc_grp, doc_ids = _file_grp("Documentation", "filegrp-documentation", documentation, "file-doc")
    sch_grp, sch_ids = _file_grp("Schemas", "filegrp-schemas", schemas, "file-schema")
    return utf8((
        XML_DECLARATION,
        _root(inp.identifier, inp.title, content_category([c.mime for c in content]),
              SIP_PROFILE if sip else CSIP_PROFILE),
        _header(inp, with_org=True),
        f'  <dmdSec ID="dmd-dc" CREATED="{when}" STATUS="CURRENT">\n',
        _md_ref("    ", dc, "DC"),
        "  </dmdSec>\n",
        f'  <dmdSec ID="dmd-dc-json" CREATED="{when}" STATUS="CURRENT">\n',
        _md_ref("    ", dc_json, "OTHER", "DC-JSON with provenance (preserve)"),
        "  </dmdSec>\n",
        '  <amdSec ID="amd">\n',
        f'    <digiprovMD ID="digiprov-premis" CREATED="{when}" STATUS="CURRENT">\n',
        _md_ref("      ", premis, "PREMIS"),
        "    </digiprovMD>\n  </amdSec>\n",
        '  <fileSec ID="filesec">\n', *rep_grp, *doc_grp, *sch_grp, "  </fileSec>\n",
        '  <structMap ID="structmap-csip" TYPE="PHYSICAL" LABEL="CSIP">\n',
        *_root_struct_map(inp, rep_mets, doc_ids, sch_ids),
        "  </structMap>\n",
        "</mets>\n"))


def build_rep_mets_xml(inp: PackageInput, content: Sequence[FileEntry], empty_dirs: Sequence[str]) -> bytes:
    """The bytes of representation rep1's METS (paths relative to representations/rep1/).

    Its structMap lists the content files, then each empty folder of the release as a division.
    """
    grp, ids = _file_grp("Data", "filegrp-data", content, "file-data")
    empties = [f'        <div ID="div-empty-{n:04d}" TYPE="empty folder" '
               f'LABEL="{escape_attr("data/" + folder)}"/>\n'
               for n, folder in enumerate(empty_dirs, 1)]
    data = _element("      ", 'div ID="div-data" LABEL="Data"', [*_fptrs("        ", ids), *empties])
    return utf8((
        XML_DECLARATION,
        _root(f"{inp.identifier}/representations/{REP_LABEL}", inp.title,
              content_category([c.mime for c in content]), CSIP_PROFILE),
        _header(inp, with_org=False),
        '  <fileSec ID="filesec">\n', *grp, "  </fileSec>\n",
        '  <structMap ID="structmap-csip" TYPE="PHYSICAL" LABEL="CSIP">\n',
        f'    <div ID="div-root" LABEL="{REP_LABEL}">\n', *data, "    </div>\n",
        "  </structMap>\n</mets>\n"))
