"""What one METS document says of itself and of its metadata, for verify's METS checks.

Whether it claims an E-ARK (DILCIS) profile, the PREMIS fixity of the files its amdSec
describes, what a PREMIS or DC record is (its root, namespace and version) when its schema is
not one preserve ships, whether an href is a URL elsewhere; and the infos one document's checks
gather, reported once per document rather than once per file. Pure: no I/O.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from lxml import etree

from preserve.fixity.algorithms import ALGORITHMS, algorithm_key
from preserve.xml.schemas import NS_METS, NS_OAI_DC, NS_PREMIS

Problem = tuple[str, str, str]
M = f"{{{NS_METS}}}"
RecordKind = Literal["premis", "dc"]
#: the root element of each record version whose schema preserve ships (anything else: not checked)
SHIPPED_ROOTS: dict[RecordKind, str] = {"premis": f"{{{NS_PREMIS}}}premis", "dc": f"{{{NS_OAI_DC}}}dc"}
SHIPPED_NAMES: dict[RecordKind, str] = {"premis": "PREMIS 3 (premis:premis)", "dc": "DC 1.1 in oai_dc:dc"}
#: namespaces of PREMIS of any version (1, 2.x, 3): where a file's fixity may be recorded
_PREMIS_NS = ("info:lc/xmlns/premis-v2", "http://www.loc.gov/premis/", "http://www.loc.gov/standards/premis")


def claims_csip(root: etree._Element) -> bool:
    """True when a METS names a DILCIS (E-ARK CSIP, SIP, AIP, DIP) profile or uses the CSIP extension."""
    return "dilcis.eu" in (root.get("PROFILE") or "").lower() or any(
        name.startswith("{https://DILCIS.eu/") for name in root.attrib)


@dataclass
class MetsDocument:
    """One METS document under check, and what its checks noted that is reported once, at the end."""

    shown: str  # its path as reported
    csip: bool  # it claims an E-ARK (DILCIS) profile
    fixity: dict[str, list[tuple[str, str, str]]]  # ADMID target -> PREMIS (algorithm, digest, where)
    external: list[str] = field(default_factory=list)
    unsummed: int = 0  # files listed with no CHECKSUM and no PREMIS fixity
    unchecked: Counter = field(default_factory=Counter)  # (path, kind, what) -> records not schema-checked

    def summary(self) -> list[Problem]:
        """The infos about this document: one line per kind, not one per file."""
        found: list[Problem] = []
        if self.external:
            found.append(("mets-href-external", self.shown, f"{len(self.external)} location(s) outside the "
                          f"package, not checked (verify never fetches), e.g. {self.external[0][:200]!r}"))
        if self.unsummed:
            found.append(("mets-checksum-absent", self.shown, f"{self.unsummed} listed file(s) have no CHECKSUM "
                          "and no PREMIS fixity (both optional in METS 1.12): present and SIZE checked, "
                          "content not"))
        for (path, kind, what), count in self.unchecked.items():
            many = "" if count == 1 else f", {count} records"
            found.append(("metadata-schema-not-checked", path, f"{what}{many}: preserve ships the schema of "
                          f"{SHIPPED_NAMES[kind]} only; checked for integrity and well-formedness, not schema"))
        return found


XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def drop_wrapped_types(tree: etree._ElementTree) -> None:
    """Remove xsi:type from every element wrapped in an xmlData (the tree is changed in place).

    METS 1.12 declares xmlData's content ``processContents="lax"``: a record in a namespace
    the METS schema does not import (PREMIS 2.x, DC) is not validated with it. But an xsi:type
    naming a type of that namespace (PREMIS's ``premis:file``) must resolve (XML Schema 1.0,
    cvc-elt.4.2), and would fail every METS that wraps such a record. Wrapped records are
    checked against their own schemas instead, before this runs (or noted as not checked).
    """
    for data in tree.iter(M + "xmlData"):
        for el in data.iter():
            if isinstance(el.tag, str) and XSI_TYPE in el.attrib:
                del el.attrib[XSI_TYPE]


def premis_fixity(tree: etree._ElementTree) -> dict[str, list[tuple[str, str, str]]]:
    """Per ID of an amdSec, techMD or digiprovMD that describes one PREMIS object: its fixity values.

    A METS file's ADMID may point there (METS 1.12; Archivematica does), and PREMIS 1 to 3 record
    a file's digest in object/objectCharacteristics/fixity (messageDigestAlgorithm, messageDigest).
    A section describing several objects is skipped: which digest belongs to the file is unknown.
    """
    found: dict[str, list[tuple[str, str, str]]] = {}
    for section in tree.iter(M + "amdSec", M + "techMD", M + "digiprovMD"):
        ident = section.get("ID")
        if not ident:
            continue
        objects = [el for el in section.iter() if _premis_tag(el, "object")]
        if len(objects) != 1:
            continue
        values = []
        for fixity in (el for el in objects[0].iter() if _premis_tag(el, "fixity")):
            parts = {local_name(child.tag): (child.text or "").strip() for child in fixity if isinstance(child.tag, str)}
            if parts.get("messageDigestAlgorithm") and parts.get("messageDigest"):
                values.append((parts["messageDigestAlgorithm"], parts["messageDigest"], ident))
        values.sort(key=lambda value: hashlib_name(value[0]) is None)  # one preserve can compute first
        if values:
            found[ident] = values
    return found


def _premis_tag(el: etree._Element, local: str) -> bool:
    tag = el.tag
    return isinstance(tag, str) and tag.endswith("}" + local) and tag[1:].startswith(_PREMIS_NS)


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def describe_root(root: etree._Element) -> str:
    """What a record is, for a reader: its root element, namespace and version attribute."""
    ns, _, local = root.tag[1:].rpartition("}") if root.tag.startswith("{") else ("", "", root.tag)
    version = root.get("version")
    return (f"root <{local[:100]}> in namespace {ns[:200] or '(none)'}"
            + (f", version {version[:20]!r}" if version else ""))


def is_external(href: str | None) -> bool:
    """True for a URL naming another place (a scheme other than file:, or a host): never fetched.

    A one-letter scheme is a Windows drive ('C:'), not a URL; file: URLs are paths, judged as such.
    """
    if not href:
        return False
    parts = urlsplit(href)
    return bool(parts.netloc) or (len(parts.scheme) > 1 and parts.scheme.lower() != "file")


@lru_cache(maxsize=64)
def hashlib_name(checksum_type: str) -> str | None:
    """hashlib's name for a METS CHECKSUMTYPE ('SHA-256' -> 'sha256'); None if preserve cannot compute it.

    Spelled as preserve spells algorithm names everywhere (:func:`preserve.fixity.algorithms.algorithm_key`).
    """
    key = algorithm_key(checksum_type)
    return key if key in ALGORITHMS else None
