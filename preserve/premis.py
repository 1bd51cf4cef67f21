"""PREMIS 3 preservation metadata for one package, built from data with lxml (pure).

Objects: the representation (with its empty folders as significant properties) and one file
object per content file (fixity for every bag algorithm, size, PRONOM format, MIME type,
original name, location). Events: message digest calculation, format identification,
metadata extraction (each DC value with its provenance), metadata validation, and package
creation (SIP) or ingestion (AIP). Agents: the software, the format identifier and the
organisation. Everything is linked by local identifiers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from lxml import etree

from .dcxml import xml_text
from .formats import Identifier
from .xsd import NS_PREMIS, SCHEMA_LOCATION

if TYPE_CHECKING:  # pragma: no cover
    from .package import ContentFile, PackageInput

P = f"{{{NS_PREMIS}}}"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
ID_TYPE = "local"

#: hashlib names -> LoC cryptographic hash function vocabulary labels
DIGEST_NAMES: dict[str, str] = {
    "md5": "MD5", "sha1": "SHA-1", "sha224": "SHA-224", "sha256": "SHA-256", "sha384": "SHA-384",
    "sha512": "SHA-512", "sha3_224": "SHA3-224", "sha3_256": "SHA3-256", "sha3_384": "SHA3-384",
    "sha3_512": "SHA3-512", "blake2b": "BLAKE2b-512", "blake2s": "BLAKE2s-256",
}

AGENT_SOFTWARE = "agent-software"
AGENT_IDENTIFIER = "agent-format-identifier"
AGENT_ORGANISATION = "agent-organisation"
EVENT_DIGEST = "event-message-digest-calculation"
EVENT_FORMAT = "event-format-identification"
EVENT_EXTRACTION = "event-metadata-extraction"
EVENT_VALIDATION = "event-metadata-validation"
EVENT_PACKAGE = "event-package"
REPRESENTATION_ID = "representations/rep1"


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, P + name)
    if text is not None:
        el.text = xml_text(text)
    return el


def _identifier(parent: etree._Element, kind: str, value: str) -> None:
    el = _sub(parent, kind)
    _sub(el, f"{kind}Type", ID_TYPE)
    _sub(el, f"{kind}Value", value)


def _linking_agent(event: etree._Element, agent_id: str, role: str) -> None:
    el = _sub(event, "linkingAgentIdentifier")
    _sub(el, "linkingAgentIdentifierType", ID_TYPE)
    _sub(el, "linkingAgentIdentifierValue", agent_id)
    _sub(el, "linkingAgentRole", role)


def _linking_objects(event: etree._Element, object_ids: Iterable[str], role: str) -> None:
    for oid in object_ids:
        el = _sub(event, "linkingObjectIdentifier")
        _sub(el, "linkingObjectIdentifierType", ID_TYPE)
        _sub(el, "linkingObjectIdentifierValue", oid)
        _sub(el, "linkingObjectRole", role)


def iso(dt) -> str:
    """xs:dateTime in UTC with a 'Z' (naive datetimes are taken as UTC)."""
    from datetime import timezone

    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def file_object(cf: "ContentFile", location: str, algorithms: Iterable[str],
                events: Iterable[str]) -> etree._Element:
    """One premis:object of xsi:type premis:file."""
    obj = etree.Element(P + "object", {f"{{{NS_XSI}}}type": "premis:file"})
    _identifier(obj, "objectIdentifier", location)
    chars = _sub(obj, "objectCharacteristics")
    _sub(chars, "compositionLevel", "0")
    for algo in algorithms:
        fx = _sub(chars, "fixity")
        _sub(fx, "messageDigestAlgorithm", DIGEST_NAMES.get(algo, algo))
        _sub(fx, "messageDigest", cf.fixity.digests[algo])
        _sub(fx, "messageDigestOriginator", "preserve")
    _sub(chars, "size", str(cf.fixity.size))
    fmt = _sub(chars, "format")
    des = _sub(fmt, "formatDesignation")
    _sub(des, "formatName", cf.format.name)
    if cf.format.version:
        _sub(des, "formatVersion", cf.format.version)
    if cf.format.puid:
        reg = _sub(fmt, "formatRegistry")
        _sub(reg, "formatRegistryName", "PRONOM")
        _sub(reg, "formatRegistryKey", cf.format.puid)
        _sub(reg, "formatRegistryRole", "identification")
    _sub(fmt, "formatNote", cf.format.basis)
    mime = _sub(chars, "format")
    reg = _sub(mime, "formatRegistry")
    _sub(reg, "formatRegistryName", "IANA Media Types")
    _sub(reg, "formatRegistryKey", cf.format.mime)
    _sub(reg, "formatRegistryRole", "MIME type")
    _sub(obj, "originalName", cf.relpath)
    storage = _sub(obj, "storage")
    loc = _sub(storage, "contentLocation")
    _sub(loc, "contentLocationType", "relative path in package")
    _sub(loc, "contentLocationValue", location)
    rel = _sub(obj, "relationship")
    _sub(rel, "relationshipType", "structural")
    _sub(rel, "relationshipSubType", "is included in")
    _identifier(rel, "relatedObjectIdentifier", REPRESENTATION_ID)
    for eid in events:
        _identifier(obj, "linkingEventIdentifier", eid)
    return obj


def representation_object(locations: Iterable[str], empty_dirs: Iterable[str]) -> etree._Element:
    """The premis:object for representation rep1: its files, and its empty folders."""
    obj = etree.Element(P + "object", {f"{{{NS_XSI}}}type": "premis:representation"})
    _identifier(obj, "objectIdentifier", REPRESENTATION_ID)
    for folder in empty_dirs:
        sp = _sub(obj, "significantProperties")
        _sub(sp, "significantPropertiesType", "empty folder")
        _sub(sp, "significantPropertiesValue", folder)
    locations = list(locations)
    if locations:
        rel = _sub(obj, "relationship")
        _sub(rel, "relationshipType", "structural")
        _sub(rel, "relationshipSubType", "includes")
        for loc in locations:
            _identifier(rel, "relatedObjectIdentifier", loc)
    for eid in (EVENT_EXTRACTION, EVENT_VALIDATION, EVENT_PACKAGE):
        _identifier(obj, "linkingEventIdentifier", eid)
    return obj


def event(event_id: str, event_type: str, when: str, detail: str, outcome: str,
          notes: Iterable[str], agents: Iterable[tuple[str, str]], objects: Iterable[str],
          object_role: str = "source") -> etree._Element:
    """One premis:event with its outcome notes and links."""
    ev = etree.Element(P + "event")
    _identifier(ev, "eventIdentifier", event_id)
    _sub(ev, "eventType", event_type)
    _sub(ev, "eventDateTime", when)
    _sub(_sub(ev, "eventDetailInformation"), "eventDetail", detail)
    out = _sub(ev, "eventOutcomeInformation")
    _sub(out, "eventOutcome", outcome)
    for note in notes:
        _sub(_sub(out, "eventOutcomeDetail"), "eventOutcomeDetailNote", note)
    for agent_id, role in agents:
        _linking_agent(ev, agent_id, role)
    _linking_objects(ev, objects, object_role)
    return ev


def agent(agent_id: str, name: str, kind: str, version: str | None = None,
          notes: Iterable[str] = (), events: Iterable[str] = ()) -> etree._Element:
    """One premis:agent."""
    ag = etree.Element(P + "agent")
    _identifier(ag, "agentIdentifier", agent_id)
    _sub(ag, "agentName", name)
    _sub(ag, "agentType", kind)
    if version:
        _sub(ag, "agentVersion", version)
    for note in notes:
        _sub(ag, "agentNote", note)
    for eid in events:
        _identifier(ag, "linkingEventIdentifier", eid)
    return ag


def build_premis(inp: "PackageInput", locations: list[str], tool: Identifier) -> etree._Element:
    """The premis:premis element for a package; ``locations`` are the content paths in data/."""
    root = etree.Element(P + "premis", nsmap={"premis": NS_PREMIS, "xsi": NS_XSI}, version="3.0")
    root.set(f"{{{NS_XSI}}}schemaLocation", f"{NS_PREMIS} {SCHEMA_LOCATION[NS_PREMIS]}")
    when = iso(inp.created)
    algorithms = list(inp.algorithms)
    file_events = (EVENT_DIGEST, EVENT_FORMAT, EVENT_EXTRACTION, EVENT_PACKAGE)

    root.append(representation_object(locations, inp.empty_dirs))
    for cf, loc in zip(inp.files, locations):
        root.append(file_object(cf, loc, algorithms, file_events))

    software = [(AGENT_SOFTWARE, "executing program")]
    names = ", ".join(DIGEST_NAMES.get(a, a) for a in algorithms)
    root.append(event(
        EVENT_DIGEST, "message digest calculation", when,
        f"{names} of every content file, computed while it was copied into the package",
        "success", [f"{loc}: {len(cf.fixity.digests)} digests, {cf.fixity.size} bytes"
                    for cf, loc in zip(inp.files, locations)],
        software, locations))
    root.append(event(
        EVENT_FORMAT, "format identification", when,
        f"{tool.name} {tool.version} ({tool.detail}), offline",
        "success" if all(cf.format.puid for cf in inp.files) else "partial success",
        [f"{loc}: {cf.format.puid or 'no PRONOM match'}, {cf.format.name}, {cf.format.mime} "
         f"({cf.format.basis})" for cf, loc in zip(inp.files, locations)],
        [(AGENT_IDENTIFIER, "executing program")] + software, locations))
    root.append(event(
        EVENT_EXTRACTION, "metadata extraction", when,
        "Dublin Core record extracted from the release (each value with its provenance); "
        "stored in metadata/descriptive/dc.xml and dc.json",
        "success", [f"{el} = {value!r} [{prov}]" for el, value, prov in inp.provenance],
        software, locations + [REPRESENTATION_ID]))
    problems = list(inp.validation_problems)
    root.append(event(
        EVENT_VALIDATION, "validation", when,
        "Dublin Core record validated against the preserve JSON Schema for records",
        "success" if not problems else "failure", problems or ["record is valid"],
        software, [REPRESENTATION_ID]))
    sip = inp.package_type.upper() == "SIP"
    root.append(event(
        EVENT_PACKAGE, "creation" if sip else "ingestion", when,
        f"E-ARK CSIP 2.1 {inp.package_type.upper()} built for release {inp.release_id} "
        f"({inp.identifier}) inside a BagIt 1.0 bag",
        "success", [f"{len(locations)} content files, {len(inp.empty_dirs)} empty folders"],
        software + [(AGENT_ORGANISATION, "implementer")], locations + [REPRESENTATION_ID],
        object_role="outcome"))

    name, version = inp.software
    root.append(agent(AGENT_SOFTWARE, name, "software", version,
                      ["digital preservation packaging tool (BagIt + E-ARK CSIP)"],
                      (EVENT_DIGEST, EVENT_FORMAT, EVENT_EXTRACTION, EVENT_VALIDATION, EVENT_PACKAGE)))
    root.append(agent(AGENT_IDENTIFIER, tool.name, "software", tool.version, [tool.detail],
                      (EVENT_FORMAT,)))
    cfg = inp.config
    notes = [f"{label}: {value}" for label, value in (
        ("address", cfg.address), ("contact", cfg.contact_name), ("email", cfg.contact_email))
        if value]
    root.append(agent(AGENT_ORGANISATION, cfg.organisation or "Unknown organisation "
                      "(no organisation in preserve.toml)", "organization", None, notes,
                      (EVENT_PACKAGE,)))
    return root
