"""PREMIS 3: objects with fixity and format, events with outcomes, agents, all linked.

Facts are checked against the package on disk and the input: each digest is the file's real
one, every link names an identifier that exists, values read back as given, the schema holds.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from lxml import etree

from preserve.fixity import ALGORITHMS
from preserve.formats import Identifier
from preserve.package.model import content_path
from preserve.package.premis import build_premis_xml, count, format_counts, validation_outcome
from preserve.package.xmltext import xml_text
from preserve.xml.safe import parse_xml
from preserve.xml.schemas import validate

from helpers.packages import FOLDER_RELEASE, awkward_input, awkward_package, build_sample

P = {"p": "http://www.loc.gov/premis/v3"}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
PREMIS = "metadata/preservation/premis.xml"


def premis(gen) -> etree._Element:
    return parse_xml(gen[PREMIS]).getroot()


def values(el, xpath):
    return [e.text for e in el.xpath(xpath, namespaces=P)]


def test_file_objects(tmp_path):
    _, gen, inp = build_sample(tmp_path, FOLDER_RELEASE)
    root = premis(gen)
    assert validate(root, "premis") == []
    objects = {o.findtext("p:originalName", namespaces=P): o
               for o in root.findall("p:object", P) if o.get(XSI_TYPE) == "premis:file"}
    assert set(objects) == set(FOLDER_RELEASE)
    for cf in inp.files:
        obj = objects[cf.relpath]
        fixity = {f.findtext("p:messageDigestAlgorithm", namespaces=P): f.findtext("p:messageDigest", namespaces=P)
                  for f in obj.iterfind(".//p:fixity", P)}
        assert fixity == {"SHA-256": cf.fixity.digests["sha256"], "SHA-512": cf.fixity.digests["sha512"]}
        assert obj.findtext(".//p:size", namespaces=P) == str(cf.fixity.size)
        keys = values(obj, ".//p:formatRegistry[p:formatRegistryName='PRONOM']/p:formatRegistryKey")
        assert keys == ([cf.format.puid] if cf.format.puid else [])
        assert values(obj, ".//p:formatRegistry[p:formatRegistryName='IANA Media Types']/p:formatRegistryKey") == [cf.format.mime]
        assert values(obj, ".//p:formatName") == [cf.format.name]
        assert values(obj, "p:storage/p:contentLocation/p:contentLocationValue") == [
            "representations/rep1/data/" + cf.relpath]
    text = objects["release.txt"]
    assert values(text, ".//p:formatRegistryKey") == ["x-fmt/111", "text/plain"]


def test_events_and_agents(tmp_path):
    _, gen, inp = build_sample(tmp_path)
    root = premis(gen)
    events = {e.findtext("p:eventType", namespaces=P): e for e in root.findall("p:event", P)}
    assert set(events) == {"message digest calculation", "format identification", "metadata extraction",
                           "validation", "creation"}
    for ev in events.values():
        assert ev.findtext("p:eventDateTime", namespaces=P) == "2026-01-02T03:04:05Z"
        assert ev.findtext("p:eventOutcomeInformation/p:eventOutcome", namespaces=P) == "success"
        assert ev.findtext("p:eventDetailInformation/p:eventDetail", namespaces=P)
    files = values(root, "p:object/p:objectIdentifier/p:objectIdentifierValue")[1:]
    for ev in events.values():  # every event concerns the whole representation
        assert values(ev, "p:linkingObjectIdentifier/p:linkingObjectIdentifierValue") == ["representations/rep1"]
    assert values(events["creation"], "p:linkingObjectIdentifier/p:linkingObjectRole") == ["outcome"]
    assert values(events["message digest calculation"], "p:linkingObjectIdentifier/p:linkingObjectRole") == ["source"]
    total = sum(cf.fixity.size for cf in inp.files)
    assert values(events["message digest calculation"], ".//p:eventOutcomeDetailNote") == [
        f"{len(files)} content file{'s' * (len(files) != 1)}, {total} bytes, 2 digests each"]
    assert values(events["format identification"], ".//p:eventOutcomeDetailNote") == [
        f"{len(files)} file{'s' * (len(files) != 1)}: x-fmt/111, Plain Text File, text/plain ({inp.files[0].format.basis})"]
    assert values(events["creation"], ".//p:eventOutcomeDetailNote") == [
        f"{len(files)} content file{'s' * (len(files) != 1)}, 0 empty folders"]
    notes = values(events["metadata extraction"], ".//p:eventOutcomeDetailNote")
    assert notes == ["title = 'Concern mounts as the campaign intensifies' [first heading of the text]",
                     "date = '2016-11-04' [dateline]"]
    agents = {a.findtext("p:agentType", namespaces=P) + ":" + a.findtext("p:agentName", namespaces=P): a
              for a in root.findall("p:agent", P)}
    assert "software:preserve" in agents and "organization:Example Campaign" in agents
    assert agents["software:preserve"].findtext("p:agentVersion", namespaces=P) == inp.software[1]


def identifiers(root: etree._Element) -> tuple[set[str], set[str], set[str]]:
    """The identifiers of the objects, events and agents."""
    return (set(values(root, "p:object/p:objectIdentifier/p:objectIdentifierValue")),
            set(values(root, "p:event/p:eventIdentifier/p:eventIdentifierValue")),
            set(values(root, "p:agent/p:agentIdentifier/p:agentIdentifierValue")))


def assert_links_resolve(root: etree._Element) -> None:
    """Every event, agent and object link names an identifier that exists, and each is used."""
    objects, events, agents = identifiers(root)
    assert set(values(root, "//p:linkingEventIdentifier/p:linkingEventIdentifierValue")) == events
    assert set(values(root, "//p:linkingAgentIdentifierValue")) == agents
    assert set(values(root, "//p:linkingObjectIdentifierValue")) == {"representations/rep1"} <= objects
    assert set(values(root, "//p:relatedObjectIdentifierValue")) <= objects
    assert set(values(root, "//*[contains(local-name(), 'IdentifierType')]")) == {"local"}


@pytest.mark.parametrize("kind", ["folder", "awkward"])
def test_every_link_resolves(tmp_path, kind):
    if kind == "awkward":
        _, gen, inp = awkward_package(tmp_path)
    else:
        _, gen, inp = build_sample(tmp_path, FOLDER_RELEASE, empty_dirs=["old"])
    root = premis(gen)
    assert_links_resolve(root)
    objects, events, agents = identifiers(root)
    assert len(events) == 5 and len(agents) == 3 and len(objects) == len(inp.files) + 1
    # each link once: from the event to the representation (with its role), and from a file to
    # the representation that includes it; no file named by an event, no event by an object
    assert not root.xpath("p:object/p:linkingEventIdentifier", namespaces=P)
    assert values(root, "p:object/p:relationship/p:relatedObjectIdentifier/p:relatedObjectIdentifierValue") == [
        "representations/rep1"] * (len(objects) - 1)
    for ev in root.findall("p:event", P):
        linked = values(ev, "p:linkingObjectIdentifier/p:linkingObjectIdentifierValue")
        assert len(linked) == len(set(linked)) and linked
    rep = root.xpath("p:object[@xsi:type='premis:representation']",
                     namespaces={**P, "xsi": "http://www.w3.org/2001/XMLSchema-instance"})[0]
    assert values(rep, "p:significantProperties/p:significantPropertiesValue") == list(inp.empty_dirs)


@pytest.mark.parametrize("kind", ["folder", "awkward"])
def test_fixity_is_the_real_digest_of_each_file(tmp_path, kind):
    """Each file object's digest per algorithm is the digest of the file at its location."""
    if kind == "awkward":
        pkg, gen, inp = awkward_package(tmp_path)
    else:
        pkg, gen, inp = build_sample(tmp_path, FOLDER_RELEASE)
    by_label = {a.label: a.name for a in ALGORITHMS.values()}
    objects = [o for o in premis(gen).findall("p:object", P) if o.get(XSI_TYPE) == "premis:file"]
    assert len(objects) == len(inp.files)
    for cf, obj in zip(inp.files, objects):
        location = content_path(cf.relpath)
        assert values(obj, "p:storage/p:contentLocation/p:contentLocationValue") == [xml_text(location)]
        data = (pkg / location).read_bytes()
        fixity = {by_label[f.findtext("p:messageDigestAlgorithm", namespaces=P)]: f.findtext("p:messageDigest",
                                                                                             namespaces=P)
                  for f in obj.iterfind(".//p:fixity", P)}
        assert fixity == {a: hashlib.new(a, data).hexdigest() for a in inp.algorithms}, cf.relpath
        assert obj.findtext(".//p:size", namespaces=P) == str(len(data))


def events_of(root, object_id: str) -> set[str]:
    """The events that concern an object: those naming it or a representation that includes it."""
    related = {object_id} | set(values(root, f"p:object[p:objectIdentifier/p:objectIdentifierValue='{object_id}']"
                                             "/p:relationship[p:relationshipSubType='is included in']"
                                             "//p:relatedObjectIdentifierValue"))
    return {ev.findtext("p:eventType", namespaces=P) for ev in root.findall("p:event", P)
            if related & set(values(ev, "p:linkingObjectIdentifier/p:linkingObjectIdentifierValue"))}


def test_every_file_reaches_every_event_through_its_representation(tmp_path):
    _, gen, inp = build_sample(tmp_path, FOLDER_RELEASE, empty_dirs=["old"])
    root = premis(gen)
    every = {"message digest calculation", "format identification", "metadata extraction", "validation",
             "creation"}
    assert events_of(root, "representations/rep1") == every
    for cf in inp.files:
        assert events_of(root, "representations/rep1/data/" + cf.relpath) == every
    assert events_of(root, "representations/rep2/data/x") == set()


def test_premis_grows_by_one_object_per_file_and_nothing_else():
    """Each further file adds its object line, and the event links do not grow with the files."""
    base = awkward_input(24)

    def lines(n: int) -> list[str]:
        inp = replace(base, files=base.files[:n])
        xml = build_premis_xml(inp, [content_path(cf.relpath) for cf in inp.files], Identifier("t", "1", "d"))
        return xml.decode("utf-8").split("\n")

    small, large = lines(12), lines(24)
    assert len(large) - len(small) == 12
    assert sum("linkingObjectIdentifier" in line for line in large) == 5


def test_validation_failure_and_aip(tmp_path):
    _, gen, _ = build_sample(tmp_path, problems=["date: '2016-13-01' is not a date"], package_type="AIP")
    root = premis(gen)
    ev = root.xpath("p:event[p:eventType='validation']", namespaces=P)[0]
    assert ev.findtext(".//p:eventOutcome", namespaces=P) == "failure"
    assert values(ev, ".//p:eventOutcomeDetailNote") == ["date: '2016-13-01' is not a date"]
    assert root.xpath("p:event[p:eventType='ingestion']", namespaces=P)


AWKWARD_TOOL = Identifier("tool <&>", "1\r", "detail ]]> \x02")
MISSING = ["no type (set dc.type in metadata.csv)",
           "no rights (set rights in preserve.toml or dc.rights in metadata.csv) <&>"]


def _without_validation_outcome(data: bytes) -> bytes:
    """The PREMIS bytes with the validation event's outcome information cut out."""
    text = data.decode("utf-8")
    start = text.index("<premis:eventType>validation</premis:eventType>")
    head, tail = text[:start], text[start:]
    cut = tail[tail.index("<premis:eventOutcomeInformation>"):tail.index("</premis:eventOutcomeInformation>")]
    return (head + tail.replace(cut, "", 1)).encode("utf-8")


def test_an_incomplete_record_changes_only_the_validation_outcome():
    """Outcome "incomplete" with a note per missing element; every other byte is the complete record's."""
    inp = replace(awkward_input(), validation_problems=[])
    locations = [content_path(cf.relpath) for cf in inp.files]
    complete = build_premis_xml(inp, locations, AWKWARD_TOOL)
    lacking = build_premis_xml(replace(inp, incomplete=MISSING), locations, AWKWARD_TOOL)
    assert validate(lacking, "premis") == []
    ev = parse_xml(lacking).getroot().xpath("p:event[p:eventType='validation']", namespaces=P)[0]
    assert values(ev, ".//p:eventOutcome") == ["incomplete"]
    assert values(ev, ".//p:eventOutcomeDetailNote") == MISSING
    assert lacking != complete and _without_validation_outcome(lacking) == _without_validation_outcome(complete)
    assert "incomplete" not in complete.decode("utf-8")
    assert validation_outcome([], []) == "success" and validation_outcome(["x"], MISSING) == "failure"



@pytest.mark.parametrize("inp", [awkward_input(), replace(awkward_input(), files=[], empty_dirs=[]),
                                 replace(awkward_input(), package_type="SIP", validation_problems=[])],
                         ids=["awkward", "no-files", "sip-valid"])
def test_awkward_values_read_back(inp):
    """What the builder is given is what a hardened parser reads back, in schema-valid PREMIS."""
    locations = [content_path(cf.relpath) for cf in inp.files]
    data = build_premis_xml(inp, locations, AWKWARD_TOOL)
    assert validate(data, "premis") == []
    root = parse_xml(data).getroot()
    assert_links_resolve(root)
    objects = [o for o in root.findall("p:object", P) if o.get(XSI_TYPE) == "premis:file"]
    assert len(objects) == len(inp.files)
    for cf, location, obj in zip(inp.files, locations, objects):
        assert values(obj, "p:objectIdentifier/p:objectIdentifierValue") == [xml_text(location)]
        assert values(obj, "p:originalName") == [xml_text(cf.relpath)]
        assert [(f.findtext("p:messageDigestAlgorithm", namespaces=P), f.findtext("p:messageDigest", namespaces=P))
                for f in obj.iterfind(".//p:fixity", P)] == [
            (ALGORITHMS[a].label, cf.fixity.digests[a]) for a in inp.algorithms]
        f = cf.format
        assert [e.text or "" for e in obj.iterfind(".//p:formatDesignation/*", P)] == [
            xml_text(f.name), *([xml_text(f.version)] if f.version else [])]
        assert values(obj, ".//p:formatRegistryKey") == [*([f.puid] if f.puid else []), f.mime]
        assert values(obj, ".//p:formatNote") == [xml_text(f.basis)]
    rep = root.find("p:object", P)
    assert values(rep, ".//p:significantPropertiesValue") == [xml_text(d) for d in inp.empty_dirs]
    events = {e.findtext("p:eventType", namespaces=P): e for e in root.findall("p:event", P)}
    assert set(events) == {"message digest calculation", "format identification", "metadata extraction",
                           "validation", "creation" if inp.package_type == "SIP" else "ingestion"}
    assert values(events["format identification"], ".//p:eventDetail") == [
        xml_text(f"{AWKWARD_TOOL.name} {AWKWARD_TOOL.version} ({AWKWARD_TOOL.detail}), offline")]
    assert values(events["metadata extraction"], ".//p:eventOutcomeDetailNote") == [
        xml_text(f"{el} = {value!r} [{prov}]") for el, value, prov in inp.provenance]
    assert values(events["validation"], ".//p:eventOutcomeDetailNote") == [
        xml_text(p) for p in inp.validation_problems or ["record is valid"]]
    outcome = "failure" if inp.validation_problems else "success"
    assert values(events["validation"], ".//p:eventOutcome") == [outcome]
    tool = root.xpath("p:agent[p:agentIdentifier/p:agentIdentifierValue='agent-format-identifier']",
                      namespaces=P)[0]
    assert [values(tool, f"p:{name}") for name in ("agentName", "agentVersion", "agentNote")] == [
        [xml_text(AWKWARD_TOOL.name)], [xml_text(AWKWARD_TOOL.version)], [xml_text(AWKWARD_TOOL.detail)]]
    org = root.xpath("p:agent[p:agentType='organization']", namespaces=P)[0]
    assert values(org, "p:agentName") == [inp.config.organisation]
    cfg = inp.config
    assert values(org, "p:agentNote") == [
        xml_text(f"address: {cfg.address}"), xml_text(f"contact: {cfg.contact_name}"), f"email: {cfg.contact_email}"]


def test_format_identification_sums_up_each_format_once():
    inp = awkward_input(7)  # formats cycle through three
    counts = format_counts(inp.files)
    assert [n for _, n in counts] == [3, 2, 2]
    assert [f for f, _ in counts] == [inp.files[0].format, inp.files[1].format, inp.files[2].format]
    assert format_counts([]) == []


def test_counts_read_as_english():
    assert [count(n, "content file") for n in (0, 1, 2)] == ["0 content files", "1 content file", "2 content files"]


def test_each_file_object_and_each_link_is_one_line():
    inp = awkward_input()
    locations = [content_path(cf.relpath) for cf in inp.files]
    lines = build_premis_xml(inp, locations, Identifier("tool", "1", "d")).decode("utf-8").split("\n")
    objects = [line for line in lines if line.startswith('  <premis:object xsi:type="premis:file">')]
    assert len(objects) == len(inp.files)
    assert all(line.endswith("</premis:object>") for line in objects)
    for link in ("linkingObjectIdentifier", "linkingAgentIdentifier", "linkingEventIdentifier"):
        starts = [line for line in lines if line.startswith(f"    <premis:{link}>")]
        assert starts and all(line.endswith(f"</premis:{link}>") for line in starts)
    # everything else keeps its indentation: the representation and the events' own elements
    assert '    <premis:objectIdentifier>' in lines and '    <premis:eventType>validation</premis:eventType>' in lines
