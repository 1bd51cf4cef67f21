"""No false alarm on valid bags other tools make; damage in them is still caught, by the bag and by their METS."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers.foreign_bags import (archivematica_aip, bagit_python_bag, dart_bag, eark_other_tool, rebag)
from preserve.verify.checks import verify_bag
from preserve.verify.metsdoc import drop_wrapped_types
from preserve.xml.safe import parse_xml
from preserve.xml.schemas import validate

BUILDERS = {
    "bagit-python-0.97": lambda d: (bagit_python_bag(d, "0.97"), ["data/report.txt"]),
    "bagit-python-1.0": lambda d: (bagit_python_bag(d, "1.0"), ["data/report.txt"]),
    "dart": lambda d: (dart_bag(d), ["data/images/photo 1.jpg"]),
    "archivematica-aip": archivematica_aip,
    "eark-premis-3": lambda d: eark_other_tool(d, "3.0"),
    "eark-premis-2.1": lambda d: eark_other_tool(d, "2.1"),
}
WITH_METS = {"archivematica-aip", "eark-premis-3", "eark-premis-2.1"}


def _found(report) -> set[tuple[str, str]]:
    return {(p.code, p.path) for p in report.problems}


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_valid_foreign_bag_has_no_error(kind: str, tmp_path: Path) -> None:
    bag, _ = BUILDERS[kind](tmp_path / kind)
    report = verify_bag(bag)
    assert report.ok, report.problems
    assert {p.severity for p in report.problems} <= {"info"}, report.problems


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_one_damaged_byte_is_caught(kind: str, tmp_path: Path) -> None:
    bag, listed = BUILDERS[kind](tmp_path / kind)
    target = bag / listed[0]
    data = bytearray(target.read_bytes())
    data[0] ^= 0x01
    target.write_bytes(bytes(data))
    report = verify_bag(bag)
    assert not report.ok
    assert ("payload-checksum-mismatch", listed[0]) in _found(report)
    if kind in WITH_METS:  # their METS (CHECKSUM, or the PREMIS fixity a file's ADMID names) sees it too
        assert ("mets-checksum-mismatch", listed[0]) in _found(report)


@pytest.mark.parametrize("kind", sorted(WITH_METS))
def test_damage_behind_a_consistent_rebag_is_caught_by_the_mets(kind: str, tmp_path: Path) -> None:
    bag, listed = BUILDERS[kind](tmp_path / kind)
    for rel in listed:
        (bag / rel).write_bytes((bag / rel).read_bytes() + b"!")
    rebag(bag)  # the manifests now agree with the damaged files: only the METS remembers
    found = _found(verify_bag(bag))
    for rel in listed:
        assert ("mets-checksum-mismatch", rel) in found, found


@pytest.mark.parametrize("kind", sorted(WITH_METS))
def test_the_builders_write_schema_valid_mets_and_premis_3(kind: str, tmp_path: Path) -> None:
    """The bags are valid by the official schemas, so a problem reported on them would be a false alarm."""
    bag, _ = BUILDERS[kind](tmp_path / kind)
    checked = 0
    for path in sorted((bag / "data").rglob("*.xml")):
        tree = parse_xml(path.read_bytes())
        root = tree.getroot()
        if root.tag == "{http://www.loc.gov/METS/}mets":
            # PREMIS 2's xsi:type inside xmlData cannot resolve against the METS schema set alone
            assert validate(root, "mets") == [] or kind == "archivematica-aip", path
            drop_wrapped_types(tree)
            assert validate(root, "mets") == [], path
            checked += 1
        elif root.tag == "{http://www.loc.gov/premis/v3}premis":
            assert validate(root, "premis") == [], path
            checked += 1
    assert checked >= (1 if kind == "archivematica-aip" else 2)


def test_premis_2_is_noted_not_called_invalid(tmp_path: Path) -> None:
    bag, _ = eark_other_tool(tmp_path / "e", "2.1")
    report = verify_bag(bag)
    premis = "data/metadata/preservation/premis.xml"
    assert ("metadata-schema-not-checked", premis) in _found(report)
    assert not [p for p in report.problems if p.code.startswith("premis-")]
    [note] = [p for p in report.problems if p.path == premis]
    assert note.severity == "info" and "premis-v2" in note.message and "2.1" in note.message


def test_premis_3_of_another_tool_is_validated(tmp_path: Path) -> None:
    bag, _ = eark_other_tool(tmp_path / "e", "3.0")
    premis = bag / "data/metadata/preservation/premis.xml"
    assert ("metadata-schema-not-checked", "data/metadata/preservation/premis.xml") not in _found(verify_bag(bag))
    premis.write_bytes(premis.read_bytes().replace(b"<premis:size>", b"<premis:sise>").replace(
        b"</premis:size>", b"</premis:sise>"))
    rebag(bag)
    found = _found(verify_bag(bag))
    assert ("premis-invalid", "data/metadata/preservation/premis.xml") in found
    assert ("mets-checksum-mismatch", "data/metadata/preservation/premis.xml") in found


def test_premis_2_that_is_not_well_formed_is_an_error(tmp_path: Path) -> None:
    bag, _ = eark_other_tool(tmp_path / "e", "2.1")
    premis = bag / "data/metadata/preservation/premis.xml"
    premis.write_bytes(premis.read_bytes()[:-30])
    rebag(bag)
    found = _found(verify_bag(bag))
    assert ("premis-malformed", "data/metadata/preservation/premis.xml") in found


def test_archivematica_mets_notes_its_wrapped_records(tmp_path: Path) -> None:
    bag, _ = archivematica_aip(tmp_path / "aip")
    [mets] = [p.name for p in (bag / "data").glob("METS.*.xml")]
    notes = [p for p in verify_bag(bag).problems if p.path == "data/" + mets]
    assert {p.code for p in notes} == {"metadata-schema-not-checked"}
    text = " ".join(p.message for p in notes)
    assert "premis-v2" in text and "dublincore" in text


def test_archivematica_mets_lists_a_missing_file(tmp_path: Path) -> None:
    bag, listed = archivematica_aip(tmp_path / "aip")
    (bag / listed[0]).unlink()
    rebag(bag)
    assert ("mets-file-missing", listed[0]) in _found(verify_bag(bag))


# --------------------------------------------------------------------------- a bag without METS
def test_a_bag_preserve_made_that_lost_its_mets_is_an_error(tmp_path: Path) -> None:
    bag = bagit_python_bag(tmp_path / "ours", "1.0", {"Bag-Software-Agent": "preserve 0.1.0"})
    report = verify_bag(bag)
    assert not report.ok
    assert ("mets-missing", "data/METS.xml") in _found(report)


@pytest.mark.parametrize("agent", ["bagit.py v1.8.1", "preserved-things 2.0", "DART 2.0"])
def test_a_foreign_bag_without_mets_is_fine(agent: str, tmp_path: Path) -> None:
    bag = bagit_python_bag(tmp_path / "theirs", "1.0", {"Bag-Software-Agent": agent})
    assert verify_bag(bag).problems == []


def test_a_dc_record_in_json_is_not_parsed_as_xml(tmp_path: Path) -> None:
    bag, _ = eark_other_tool(tmp_path / "e", "3.0")
    mets = bag / "data/METS.xml"
    mets.write_bytes(mets.read_bytes().replace(b'MDTYPE="DC" MIMETYPE="text/xml"', b'MDTYPE="DC" MIMETYPE="application/json"'))
    (bag / "data/metadata/descriptive/dc.xml").write_bytes(b'{"title": "Letters"}')
    found = _found(verify_bag(bag))
    assert ("dc-malformed", "data/metadata/descriptive/dc.xml") not in found
    assert ("mets-checksum-mismatch", "data/metadata/descriptive/dc.xml") in found
