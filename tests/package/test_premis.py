"""PREMIS 3: objects with fixity and format, events with outcomes, agents, all linked."""
from __future__ import annotations


from lxml import etree

from preserve.xml.schemas import validate

from helpers.packages import FOLDER_RELEASE, awkward_input, build_sample

P = {"p": "http://www.loc.gov/premis/v3"}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
PREMIS = "metadata/preservation/premis.xml"


def premis(gen) -> etree._Element:
    return etree.fromstring(gen[PREMIS])


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


def test_every_link_resolves(tmp_path):
    _, gen, _ = build_sample(tmp_path, FOLDER_RELEASE, empty_dirs=["old"])
    root = premis(gen)
    objects = set(values(root, "p:object/p:objectIdentifier/p:objectIdentifierValue"))
    events = set(values(root, "p:event/p:eventIdentifier/p:eventIdentifierValue"))
    agents = set(values(root, "p:agent/p:agentIdentifier/p:agentIdentifierValue"))
    assert len(events) == 5 and len(agents) == 3 and len(objects) == 4
    assert set(values(root, "//p:linkingEventIdentifier/p:linkingEventIdentifierValue")) == events
    assert set(values(root, "//p:linkingAgentIdentifierValue")) == agents
    assert set(values(root, "//p:linkingObjectIdentifierValue")) == {"representations/rep1"}
    assert set(values(root, "//p:relatedObjectIdentifierValue")) <= objects
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
    assert values(rep, "p:significantProperties/p:significantPropertiesValue") == ["old"]


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
    from dataclasses import replace

    from preserve.formats import Identifier
    from preserve.package.model import content_path
    from preserve.package.premis import build_premis_xml

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


def test_text_builder_equals_the_lxml_tree_byte_for_byte():
    from dataclasses import replace

    from preserve.formats import Identifier
    from preserve.package.model import content_path
    from preserve.package.premis import build_premis, build_premis_tree, build_premis_xml, serialise

    tool = Identifier("tool <&>", "1\r", "detail ]]> \x02")
    base = awkward_input()
    for inp in (base, replace(base, files=[], empty_dirs=[]), replace(base, package_type="SIP",
                                                                      validation_problems=[])):
        locations = [content_path(cf.relpath) for cf in inp.files]
        text = build_premis_xml(inp, locations, tool)
        assert text == serialise(build_premis_tree(inp, locations, tool))
        assert validate(text, "premis") == []
        assert etree.tostring(build_premis(inp, locations, tool)) == etree.tostring(
            etree.fromstring(text))


def test_format_identification_sums_up_each_format_once():
    from preserve.package.premis import format_counts

    inp = awkward_input(7)  # formats cycle through three
    counts = format_counts(inp.files)
    assert [n for _, n in counts] == [3, 2, 2]
    assert [f for f, _ in counts] == [inp.files[0].format, inp.files[1].format, inp.files[2].format]
    assert format_counts([]) == []


def test_counts_read_as_english():
    from preserve.package.premis import count

    assert [count(n, "content file") for n in (0, 1, 2)] == ["0 content files", "1 content file", "2 content files"]


def test_each_file_object_and_each_link_is_one_line():
    from preserve.formats import Identifier
    from preserve.package.model import content_path
    from preserve.package.premis import build_premis_xml

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
