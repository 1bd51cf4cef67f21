"""Bags as other tools make them: bagit-python (0.97, 1.0), DART-style, Archivematica-style AIPs, E-ARK
packages from another tool (PREMIS 2.1 or 3). Each builder returns the bag folder and the payload
paths (``data/...``) a METS of the bag lists with a checksum, the files damage should be caught in.

Every builder writes a bag that is valid by its own rules: bagit-python calls it valid, and each
METS and PREMIS 3 record in it is valid against the official schemas (the tests check this).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import bagit

UUID = "8d86260a-6536-4339-9596-48fe23f82924"
METS_NS = 'xmlns:mets="http://www.loc.gov/METS/" xmlns:xlink="http://www.w3.org/1999/xlink"'
PREMIS2 = "info:lc/xmlns/premis-v2"
PREMIS3 = "http://www.loc.gov/premis/v3"


def _write(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bagit_python_bag(dest: Path, version: str = "0.97", info: dict[str, str] | None = None,
                     files: dict[str, bytes] | None = None) -> Path:
    """A bag made by bagit-python over files (folder-relative), declared as version (0.97 or 1.0)."""
    _write(dest, files or {"report.txt": b"A report\n", "images/photo 1.jpg": b"\xff\xd8\xff\xe0jpeg"})
    bagit.make_bag(str(dest), bag_info=info or {"Source-Organization": "Example"}, checksums=["sha256", "sha512"])
    if version != "0.97":  # bagit-python writes 0.97; declare the other version and re-save the tag manifests
        (dest / "bagit.txt").write_text(f"BagIt-Version: {version}\nTag-File-Character-Encoding: UTF-8\n")
        bagit.Bag(str(dest)).save()
    return dest


def dart_bag(dest: Path) -> Path:
    """A BagIt 1.0 bag as DART writes one: a bag-info profile, an extra tag file, sha256 and sha512."""
    info = {"Source-Organization": "Example University", "Bagging-Date": "2024-05-01", "Bag-Count": "1 of 1",
            "Bag-Group-Identifier": "coll-7", "Internal-Sender-Identifier": "box-12/folder-3",
            "Internal-Sender-Description": "Photographs of the 1998 flood", "Bag-Software-Agent": "DART 2.0.22"}
    bagit_python_bag(dest, "1.0", info)
    _write(dest, {"aptrust-info.txt": b"Title: Flood photographs\nAccess: Institution\nStorage-Option: Standard\n"})
    bagit.Bag(str(dest)).save()  # the new tag file joins the tag manifests
    return dest


def rebag(bag: Path) -> None:
    """Rewrite the bag's manifests to the files now present: damage inside data/ is then the METS's to find."""
    bagit.Bag(str(bag)).save(manifests=True)


# ------------------------------------------------------------------------------- Archivematica
def _premis2_object(name: str, data: bytes) -> str:
    return (f'<premis:object xmlns:premis="{PREMIS2}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:type="premis:file" version="2.2"><premis:objectIdentifier><premis:objectIdentifierType>UUID'
            f'</premis:objectIdentifierType><premis:objectIdentifierValue>{UUID}</premis:objectIdentifierValue>'
            '</premis:objectIdentifier><premis:objectCharacteristics><premis:compositionLevel>0'
            '</premis:compositionLevel><premis:fixity><premis:messageDigestAlgorithm>sha256'
            f'</premis:messageDigestAlgorithm><premis:messageDigest>{_sha256(data)}</premis:messageDigest>'
            f'</premis:fixity><premis:size>{len(data)}</premis:size><premis:format><premis:formatDesignation>'
            '<premis:formatName>Plain text</premis:formatName></premis:formatDesignation></premis:format>'
            f'</premis:objectCharacteristics><premis:originalName>%transferDirectory%objects/{name}'
            '</premis:originalName></premis:object>')


def archivematica_aip(dest: Path) -> tuple[Path, list[str]]:
    """An AIP as Archivematica writes one: data/METS.<uuid>.xml, objects/, logs/, PREMIS 2.2 in mdWrap.

    Files carry no METS CHECKSUM: their digests are in the PREMIS object of the amdSec their
    ADMID names. The dmdSec wraps a DC record whose root is dcterms:dublincore, not oai_dc.
    """
    content = {"objects/report.txt": b"The annual report\n", "objects/notes-1.txt": b"Notes\n"}
    files = dict(content)
    files["logs/fileFormatIdentification.log"] = b"report.txt fmt/111\n"
    files[f"objects/metadata/transfers/t-{UUID}/metadata.csv"] = b"filename,dc.title\nobjects/report.txt,Report\n"
    amd, grp, divs = [], [], []
    for i, (rel, data) in enumerate(sorted(content.items()), start=1):
        amd.append(f'<mets:amdSec ID="amdSec_{i}"><mets:techMD ID="techMD_{i}"><mets:mdWrap MDTYPE="PREMIS:OBJECT">'
                   f'<mets:xmlData>{_premis2_object(rel, data)}</mets:xmlData></mets:mdWrap></mets:techMD>'
                   f'<mets:digiprovMD ID="digiprovMD_{i}"><mets:mdWrap MDTYPE="PREMIS:EVENT"><mets:xmlData>'
                   f'<premis:event xmlns:premis="{PREMIS2}" version="2.2"><premis:eventIdentifier>'
                   '<premis:eventIdentifierType>UUID</premis:eventIdentifierType><premis:eventIdentifierValue>'
                   f'{UUID}</premis:eventIdentifierValue></premis:eventIdentifier><premis:eventType>ingestion'
                   '</premis:eventType><premis:eventDateTime>2023-07-07T15:04:09</premis:eventDateTime>'
                   '</premis:event></mets:xmlData></mets:mdWrap></mets:digiprovMD></mets:amdSec>')
        grp.append(f'<mets:file ID="file-{i}" GROUPID="Group-{i}" ADMID="amdSec_{i}"><mets:FLocat '
                   f'xlink:href="{rel}" LOCTYPE="OTHER" OTHERLOCTYPE="SYSTEM"/></mets:file>')
        divs.append(f'<mets:div TYPE="Item" LABEL="{rel}"><mets:fptr FILEID="file-{i}"/></mets:div>')
    mets = (f'<?xml version="1.0" encoding="UTF-8"?>\n<mets:mets {METS_NS} '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.loc.gov/METS/ '
            'http://www.loc.gov/standards/mets/version1121/mets.xsd"><mets:metsHdr CREATEDATE="2023-07-07T15:04:09"/>'
            '<mets:dmdSec ID="dmdSec_1"><mets:mdWrap MDTYPE="DC"><mets:xmlData><dcterms:dublincore '
            'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            '<dc:title>Annual report</dc:title></dcterms:dublincore></mets:xmlData></mets:mdWrap></mets:dmdSec>'
            + "".join(amd) + '<mets:fileSec><mets:fileGrp USE="original">' + "".join(grp)
            + '</mets:fileGrp></mets:fileSec><mets:structMap TYPE="physical" ID="structMap_1" LABEL="Archivematica '
            'default"><mets:div TYPE="Directory" LABEL="objects">' + "".join(divs)
            + "</mets:div></mets:structMap></mets:mets>\n")
    files[f"METS.{UUID}.xml"] = mets.encode()
    bagit_python_bag(dest, "0.97", {"Bag-Software-Agent": "bagit.py v1.8.1 <https://github.com/LibraryOfCongress/bagit-python>"},
                     files)
    return dest, ["data/" + rel for rel in sorted(content)]


# ------------------------------------------------------------------------------- E-ARK, another tool
def _premis_record(version: str, objects: dict[str, bytes]) -> bytes:
    """A PREMIS record of one object per file: 3.0 (valid against PREMIS 3) or 2.1."""
    ns = PREMIS3 if version.startswith("3") else PREMIS2
    body = "".join(
        '<premis:object xsi:type="premis:file"><premis:objectIdentifier><premis:objectIdentifierType>local'
        f'</premis:objectIdentifierType><premis:objectIdentifierValue>{rel}</premis:objectIdentifierValue>'
        '</premis:objectIdentifier><premis:objectCharacteristics>'
        + ("<premis:compositionLevel>0</premis:compositionLevel>" if ns == PREMIS2 else "")
        + '<premis:fixity><premis:messageDigestAlgorithm>SHA-256</premis:messageDigestAlgorithm>'
        f'<premis:messageDigest>{_sha256(data)}</premis:messageDigest></premis:fixity><premis:size>{len(data)}'
        '</premis:size><premis:format><premis:formatDesignation><premis:formatName>text/plain</premis:formatName>'
        '</premis:formatDesignation></premis:format></premis:objectCharacteristics></premis:object>'
        for rel, data in objects.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<premis:premis xmlns:premis="{ns}" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="{version}">{body}</premis:premis>\n'
            ).encode()


def _eark_mets(objid: str, profile: str, files: dict[str, bytes], md: dict[str, tuple[str, bytes]],
               mptrs: list[str]) -> bytes:
    """A METS as an E-ARK tool other than preserve writes it (its own IDs, profile, OBJID)."""
    def attrs(data: bytes) -> str:
        return (f'SIZE="{len(data)}" CREATED="2024-03-13T08:07:42Z" CHECKSUM="{_sha256(data).upper()}" '
                'CHECKSUMTYPE="SHA-256"')
    dmd = "".join(f'<mets:dmdSec ID="uuid-dmd-{i}" CREATED="2024-03-13T08:07:42Z"><mets:mdRef LOCTYPE="URL" '
                  f'xlink:type="simple" xlink:href="{rel}" MDTYPE="{mdtype}" MIMETYPE="text/xml" {attrs(data)}/>'
                  '</mets:dmdSec>' for i, (rel, (mdtype, data)) in enumerate(md.items()) if mdtype != "PREMIS")
    prov = "".join(f'<mets:digiprovMD ID="uuid-prov-{i}"><mets:mdRef LOCTYPE="URL" xlink:type="simple" '
                   f'xlink:href="{rel}" MDTYPE="PREMIS" MIMETYPE="text/xml" {attrs(data)}/></mets:digiprovMD>'
                   for i, (rel, (mdtype, data)) in enumerate(md.items()) if mdtype == "PREMIS")
    grp = "".join(f'<mets:file ID="uuid-file-{i}" MIMETYPE="text/plain" {attrs(data)}><mets:FLocat LOCTYPE="URL" '
                  f'xlink:type="simple" xlink:href="{rel.replace(" ", "%20")}"/></mets:file>'
                  for i, (rel, data) in enumerate(files.items()))
    ptrs = "".join(f'<mets:div ID="uuid-div-{i}" LABEL="{p}"><mets:mptr LOCTYPE="URL" xlink:type="simple" '
                   f'xlink:href="{p}" xlink:title="{p}"/></mets:div>' for i, p in enumerate(mptrs))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<mets:mets {METS_NS} '
            'xmlns:csip="https://DILCIS.eu/XML/METS/CSIPExtensionMETS" '
            f'OBJID="{objid}" PROFILE="{profile}" TYPE="Mixed" csip:CONTENTINFORMATIONTYPE="MIXED">'
            '<mets:metsHdr CREATEDATE="2024-03-13T08:07:42Z" RECORDSTATUS="NEW" csip:OAISPACKAGETYPE="AIP">'
            '<mets:agent ROLE="CREATOR" TYPE="OTHER" OTHERTYPE="SOFTWARE"><mets:name>Another E-ARK tool'
            '</mets:name></mets:agent></mets:metsHdr>' + dmd
            + (f'<mets:amdSec ID="uuid-amd">{prov}</mets:amdSec>' if prov else "")
            + f'<mets:fileSec ID="uuid-filesec"><mets:fileGrp ID="uuid-grp" USE="Data">{grp}</mets:fileGrp>'
            '</mets:fileSec><mets:structMap ID="uuid-struct" TYPE="PHYSICAL" LABEL="CSIP"><mets:div ID="uuid-root">'
            + ptrs + '</mets:div></mets:structMap></mets:mets>\n').encode()


def eark_other_tool(dest: Path, premis_version: str = "3.0") -> tuple[Path, list[str]]:
    """An E-ARK AIP from another tool: root METS.xml (CSIP profile, a UUID OBJID) with an mptr to the
    representation METS, PREMIS premis_version in metadata/preservation/, a DC record whose root is
    not oai_dc, representations/rep-1/ with data/ and its own PREMIS."""
    rep = "representations/rep-1/"
    content = {"data/letter 1.txt": b"Dear reader\n", "data/sub/annex.csv": b"a,b\n1,2\n"}
    rep_premis = _premis_record(premis_version, {rel: data for rel, data in content.items()})
    rep_mets = _eark_mets(f"urn:uuid:{UUID}-rep-1", "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml", content,
                          {"metadata/preservation/premis.xml": ("PREMIS", rep_premis)}, [])
    dc = (b'<?xml version="1.0"?>\n<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Letters'
          b'</dc:title><dc:date>1921</dc:date></metadata>\n')
    premis = _premis_record(premis_version, {rep + "METS.xml": rep_mets})
    docs = {"documentation/about.txt": b"About this package\n"}
    root = _eark_mets(f"urn:uuid:{UUID}", "https://earkaip.dilcis.eu/profile/E-ARK-AIP.xml",
                      {**docs, rep + "METS.xml": rep_mets},
                      {"metadata/descriptive/dc.xml": ("DC", dc), "metadata/preservation/premis.xml": ("PREMIS", premis)},
                      [rep + "METS.xml"])
    files = {"METS.xml": root, **docs, "metadata/descriptive/dc.xml": dc, "metadata/preservation/premis.xml": premis,
             rep + "METS.xml": rep_mets, rep + "metadata/preservation/premis.xml": rep_premis,
             **{rep + rel: data for rel, data in content.items()}}
    bagit_python_bag(dest, "1.0", {"Bag-Software-Agent": "commons-ip 2.x (another E-ARK tool)"}, files)
    return dest, ["data/" + rep + rel for rel in content]
