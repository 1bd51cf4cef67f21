"""The PREMIS 3 preservation metadata of one package, written as text (pure).

Objects: the representation (with its empty folders as significant properties) and one file
object per content file (fixity for every bag algorithm, size, PRONOM format, MIME type,
original name, location). Events: message digest calculation, format identification,
metadata extraction (each DC value with its provenance), metadata validation, and package
creation (SIP) or ingestion (AIP); metadata validation ends "incomplete", with a note per
element, when the record lacks one deposit needs. Agents: the software, the format identifier
and the organisation. Everything is linked by local identifiers, and each link and fact is written
once: an event names its agents and the representation it concerns (with its role), a file
names the representation that includes it, and a file's digests and format are in its object
only (the events sum them up). Every event concerns every content file, so an event naming
each file would only repeat, once per event, what the file's own link to its representation
says, and the document would grow with files times events.

Layout: indented by two spaces, except that each file object and each linking identifier is
on one line of its own (grep a path, get its whole record; the events and agents stay readable).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Literal, Mapping, Sequence

from preserve.fixity import ALGORITHMS
from preserve.formats import FormatInfo, Identifier
from preserve.package.model import ContentFile, PackageInput, iso
from preserve.package.xmltext import NS_XSI, XML_DECLARATION, escape_text, utf8
from preserve.xml.schemas import NS_PREMIS, SCHEMA_LOCATION

ID_TYPE = "local"
AGENT_SOFTWARE = "agent-software"
AGENT_IDENTIFIER = "agent-format-identifier"
AGENT_ORGANISATION = "agent-organisation"
EVENT_DIGEST = "event-message-digest-calculation"
EVENT_FORMAT = "event-format-identification"
EVENT_EXTRACTION = "event-metadata-extraction"
EVENT_VALIDATION = "event-metadata-validation"
EVENT_PACKAGE = "event-package"
REPRESENTATION_ID = "representations/rep1"

#: premis:eventType values written (LoC event type vocabulary)
EventType = Literal["message digest calculation", "format identification", "metadata extraction", "validation",
                    "creation", "ingestion"]
#: premis:eventOutcome values written (free text in PREMIS 3; "incomplete": a metadata validation whose
#: record has only valid values but lacks an element deposit needs, each named in a detail note)
EventOutcome = Literal["success", "partial success", "failure", "incomplete"]
#: premis:agentType values written
AgentType = Literal["software", "organization"]
#: premis:linkingAgentRole values written
AgentRole = Literal["executing program", "implementer"]
#: premis:linkingObjectRole values written (the representation an event read, or made)
ObjectRole = Literal["source", "outcome"]

_esc = escape_text


def digest_label(algorithm: str) -> str:
    """The LoC cryptographic hash function label of a hashlib name (messageDigestAlgorithm).

    A name outside preserve's table is written as given.
    """
    known = ALGORITHMS.get(algorithm)
    return known.label if known is not None else algorithm


def digest_note(files: Sequence[ContentFile], algorithms: Sequence[str]) -> str:
    """The message digest event's outcome: how much was hashed (each file's digests are in its object)."""
    total = sum(cf.fixity.size for cf in files)
    return f"{count(len(files), 'content file')}, {total} bytes, {len(algorithms)} digests each"


def validation_outcome(problems: Sequence[str], missing: Sequence[str]) -> EventOutcome:
    """The metadata validation event's outcome: a wrong value fails; a lacking element leaves it incomplete."""
    return "failure" if problems else "incomplete" if missing else "success"


def format_counts(files: Sequence[ContentFile]) -> list[tuple[FormatInfo, int]]:
    """Each distinct format among files with how many have it, in order of first appearance.

    The format identification event sums up its outcome per format; each file's own result
    (PUID, name, MIME type and the basis) is in its object.
    """
    counts: dict[FormatInfo, int] = {}
    for cf in files:
        counts[cf.format] = counts.get(cf.format, 0) + 1
    return list(counts.items())


def count(n: int, noun: str) -> str:
    """A count and its noun, in the plural unless it is one: "1 file", "2 files"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _ind(depth: int) -> str:
    return "  " * depth


def _identifier(out: list[str], depth: int, kind: str, value: str) -> None:
    i = _ind(depth)
    out.append(f"{i}<premis:{kind}>\n{i}  <premis:{kind}Type>{ID_TYPE}</premis:{kind}Type>\n"
               f"{i}  <premis:{kind}Value>{_esc(value)}</premis:{kind}Value>\n{i}</premis:{kind}>\n")


def _links(kind: str, values: Iterable[str], role: str | None = None) -> list[str]:
    """A premis:linking<kind>Identifier per (escaped) value, each on one line, with the
    (escaped) linking<kind>Role when given; the parts they share are made once."""
    name = f"premis:linking{kind}Identifier"
    head = f"    <{name}><{name}Type>{ID_TYPE}</{name}Type><{name}Value>"
    tail = (f"</{name}Value></{name}>\n" if role is None else
            f"</{name}Value><premis:linking{kind}Role>{role}</premis:linking{kind}Role></{name}>\n")
    return [head + value + tail for value in values]


def _leaf(out: list[str], depth: int, name: str, text: object) -> None:
    out.append(f"{_ind(depth)}<premis:{name}>{_esc(text)}</premis:{name}>\n")


@lru_cache(maxsize=1024)
def _formats(f: FormatInfo) -> str:
    """The two premis:format elements of a file of this format (PRONOM, then IANA MIME type), on
    no line of their own; formats repeat across files, so each is made once."""
    version = f"<premis:formatVersion>{_esc(f.version)}</premis:formatVersion>" if f.version else ""
    registry = ("<premis:formatRegistry><premis:formatRegistryName>PRONOM</premis:formatRegistryName>"
                f"<premis:formatRegistryKey>{_esc(f.puid)}</premis:formatRegistryKey>"
                "<premis:formatRegistryRole>identification</premis:formatRegistryRole></premis:formatRegistry>"
                if f.puid else "")
    return (f"<premis:format><premis:formatDesignation><premis:formatName>{_esc(f.name)}</premis:formatName>"
            f"{version}</premis:formatDesignation>{registry}"
            f"<premis:formatNote>{_esc(f.basis)}</premis:formatNote></premis:format>"
            "<premis:format><premis:formatRegistry>"
            "<premis:formatRegistryName>IANA Media Types</premis:formatRegistryName>"
            f"<premis:formatRegistryKey>{_esc(f.mime)}</premis:formatRegistryKey>"
            "<premis:formatRegistryRole>MIME type</premis:formatRegistryRole>"
            "</premis:formatRegistry></premis:format>")


def _fixity(digests: Mapping[str, str], algorithms: Sequence[tuple[str, str]]) -> str:
    """The premis:fixity elements of a file; ``algorithms``: (hashlib name, escaped label)."""
    return "".join(
        f"<premis:fixity><premis:messageDigestAlgorithm>{label}</premis:messageDigestAlgorithm>"
        f"<premis:messageDigest>{_esc(digests[a])}</premis:messageDigest>"
        "<premis:messageDigestOriginator>preserve</premis:messageDigestOriginator></premis:fixity>"
        for a, label in algorithms)


def _file_object(out: list[str], cf: ContentFile, loc: str, algorithms: Sequence[tuple[str, str]]) -> None:
    """One premis:object of xsi:type premis:file, on one line; ``loc`` is its escaped location.

    Its one link is to the representation that includes it (the events name the representation).
    """
    out.append(
        '  <premis:object xsi:type="premis:file">'
        f"<premis:objectIdentifier><premis:objectIdentifierType>{ID_TYPE}</premis:objectIdentifierType>"
        f"<premis:objectIdentifierValue>{loc}</premis:objectIdentifierValue></premis:objectIdentifier>"
        "<premis:objectCharacteristics><premis:compositionLevel>0</premis:compositionLevel>"
        f"{_fixity(cf.fixity.digests, algorithms)}"
        f"<premis:size>{cf.fixity.size}</premis:size>"
        f"{_formats(cf.format)}"
        "</premis:objectCharacteristics>"
        f"<premis:originalName>{_esc(cf.relpath)}</premis:originalName>"
        "<premis:storage><premis:contentLocation>"
        "<premis:contentLocationType>relative path in package</premis:contentLocationType>"
        f"<premis:contentLocationValue>{loc}</premis:contentLocationValue>"
        "</premis:contentLocation></premis:storage>"
        "<premis:relationship><premis:relationshipType>structural</premis:relationshipType>"
        "<premis:relationshipSubType>is included in</premis:relationshipSubType><premis:relatedObjectIdentifier>"
        f"<premis:relatedObjectIdentifierType>{ID_TYPE}</premis:relatedObjectIdentifierType>"
        f"<premis:relatedObjectIdentifierValue>{REPRESENTATION_ID}</premis:relatedObjectIdentifierValue>"
        "</premis:relatedObjectIdentifier></premis:relationship></premis:object>\n")


def _representation(out: list[str], empty_dirs: Iterable[str]) -> None:
    """The representation's premis:object, with each empty folder as a significant property."""
    out.append('  <premis:object xsi:type="premis:representation">\n')
    _identifier(out, 2, "objectIdentifier", REPRESENTATION_ID)
    for folder in empty_dirs:
        out.append("    <premis:significantProperties>\n"
                   "      <premis:significantPropertiesType>empty folder</premis:significantPropertiesType>\n"
                   f"      <premis:significantPropertiesValue>{_esc(folder)}</premis:significantPropertiesValue>\n"
                   "    </premis:significantProperties>\n")
    out.append("  </premis:object>\n")


def _event(out: list[str], event_id: str, event_type: EventType, when: str, detail: str,
           outcome: EventOutcome, notes: Iterable[str], agents: Iterable[tuple[str, AgentRole]],
           object_role: ObjectRole = "source") -> None:
    """One premis:event about the representation; ``notes`` are given escaped (see :func:`_esc_all`)."""
    out.append("  <premis:event>\n")
    _identifier(out, 2, "eventIdentifier", event_id)
    _leaf(out, 2, "eventType", event_type)
    _leaf(out, 2, "eventDateTime", when)
    out.append("    <premis:eventDetailInformation>\n")
    _leaf(out, 3, "eventDetail", detail)
    out.append("    </premis:eventDetailInformation>\n    <premis:eventOutcomeInformation>\n")
    _leaf(out, 3, "eventOutcome", outcome)
    out.extend("      <premis:eventOutcomeDetail>\n"
               f"        <premis:eventOutcomeDetailNote>{note}</premis:eventOutcomeDetailNote>\n"
               "      </premis:eventOutcomeDetail>\n" for note in notes)
    out.append("    </premis:eventOutcomeInformation>\n")
    for agent_id, role in agents:
        out += _links("Agent", (_esc(agent_id),), _esc(role))
    out += _links("Object", (REPRESENTATION_ID,), _esc(object_role))
    out.append("  </premis:event>\n")


def _agent(out: list[str], agent_id: str, name: str, kind: AgentType, version: str | None,
           notes: Iterable[str], events: Iterable[str]) -> None:
    """One premis:agent with the events it took part in."""
    out.append("  <premis:agent>\n")
    _identifier(out, 2, "agentIdentifier", agent_id)
    _leaf(out, 2, "agentName", name)
    _leaf(out, 2, "agentType", kind)
    if version:
        _leaf(out, 2, "agentVersion", version)
    for note in notes:
        _leaf(out, 2, "agentNote", note)
    out += _links("Event", map(_esc, events))
    out.append("  </premis:agent>\n")


def _esc_all(texts: Iterable[object]) -> list[str]:
    """Each text escaped as element content (for _event's notes)."""
    return [_esc(t) for t in texts]


@lru_cache(maxsize=1024)
def _format_note(f: FormatInfo) -> str:
    """The escaped "<PUID>, <name>, <MIME> (<basis>)" of the format identification event's notes."""
    return _esc(f"{f.puid or 'no PRONOM match'}, {f.name}, {f.mime} ({f.basis})")


def _objects(out: list[str], inp: PackageInput, locations: Sequence[str]) -> None:
    """The representation's object, then one object per content file."""
    _representation(out, inp.empty_dirs)
    labels = [(a, _esc(digest_label(a))) for a in inp.algorithms]
    for cf, loc in zip(inp.files, map(_esc, locations)):
        _file_object(out, cf, loc, labels)


def _events(out: list[str], inp: PackageInput, locations: Sequence[str], tool: Identifier) -> None:
    """The five events, each about the whole representation."""
    when = iso(inp.created)
    software: list[tuple[str, AgentRole]] = [(AGENT_SOFTWARE, "executing program")]
    names = ", ".join(digest_label(a) for a in inp.algorithms)
    _event(out, EVENT_DIGEST, "message digest calculation", when,
           f"{names} of every content file in the representation, computed while it was copied "
           "into the package",
           "success", [digest_note(inp.files, inp.algorithms)], software)
    _event(out, EVENT_FORMAT, "format identification", when,
           f"{tool.name} {tool.version} ({tool.detail}), offline",
           "success" if all(cf.format.puid for cf in inp.files) else "partial success",
           [f"{count(n, 'file')}: {_format_note(f)}" for f, n in format_counts(inp.files)],
           [(AGENT_IDENTIFIER, "executing program"), *software])
    _event(out, EVENT_EXTRACTION, "metadata extraction", when,
           "Dublin Core record extracted from the release (each value with its provenance); "
           "stored in metadata/descriptive/dc.xml and dc.json",
           "success", _esc_all(f"{el} = {value!r} [{prov}]" for el, value, prov in inp.provenance),
           software)
    problems, missing = list(inp.validation_problems), list(inp.incomplete)
    _event(out, EVENT_VALIDATION, "validation", when,
           "Dublin Core record validated against the preserve JSON Schema for records",
           validation_outcome(problems, missing), _esc_all(problems or missing or ["record is valid"]),
           software)
    sip = inp.package_type.upper() == "SIP"
    _event(out, EVENT_PACKAGE, "creation" if sip else "ingestion", when,
           f"E-ARK CSIP 2.1 {inp.package_type.upper()} built for release {inp.release_id} "
           f"({inp.identifier}) inside a BagIt 1.0 bag",
           "success", [f"{count(len(locations), 'content file')}, {count(len(inp.empty_dirs), 'empty folder')}"],
           [*software, (AGENT_ORGANISATION, "implementer")], object_role="outcome")


def _agents(out: list[str], inp: PackageInput, tool: Identifier) -> None:
    """The software, the format identifier and the organisation, each naming its events."""
    name, version = inp.software
    _agent(out, AGENT_SOFTWARE, name, "software", version,
           ["digital preservation packaging tool (BagIt + E-ARK CSIP)"],
           (EVENT_DIGEST, EVENT_FORMAT, EVENT_EXTRACTION, EVENT_VALIDATION, EVENT_PACKAGE))
    _agent(out, AGENT_IDENTIFIER, tool.name, "software", tool.version, [tool.detail], (EVENT_FORMAT,))
    cfg = inp.config
    notes = [f"{label}: {value}" for label, value in (
        ("address", cfg.address), ("contact", cfg.contact_name), ("email", cfg.contact_email))
        if value]
    _agent(out, AGENT_ORGANISATION, cfg.organisation or "Unknown organisation "
           "(no organisation in preserve.toml)", "organization", None, notes, (EVENT_PACKAGE,))


def build_premis_xml(inp: PackageInput, locations: Sequence[str], tool: Identifier) -> bytes:
    """The package's premis.xml (UTF-8 bytes); ``locations`` are the content paths in data/."""
    out: list[str] = [
        XML_DECLARATION,
        f'<premis:premis xmlns:premis="{NS_PREMIS}" xmlns:xsi="{NS_XSI}" version="3.0" '
        f'xsi:schemaLocation="{NS_PREMIS} {SCHEMA_LOCATION[NS_PREMIS]}">\n']
    _objects(out, inp, locations)
    _events(out, inp, locations, tool)
    _agents(out, inp, tool)
    out.append("</premis:premis>\n")
    return utf8(out)
