"""Our own corpus: each document with its expected record (the parts extraction decides)."""
from __future__ import annotations

from pathlib import Path

import pytest

from preserve.intake.config import CollectionConfig
from preserve.describe import describe_release
from preserve.record import PLACEHOLDER_TITLE, plain
from preserve.intake.releases import discover
from preserve.validate.deposit import missing_for_deposit
from preserve.validate.schema import validate_record

CORPUS = Path(__file__).parent / "corpus"
ABSENT = None

EXPECTED = {
    "01-html.html": dict(title="Harbour Trust opens new ferry terminal", date="2019-06-14",
                         creator=["Harbour Trust"], coverage=["Lisbon"], language="en",
                         format="text/html; charset=us-ascii"),
    "02-frontmatter.md": dict(title="Library Week & Reading Festival", date="2020-02-03",
                              creator=["City Library Network"], coverage=["Toronto"], language="en",
                              subject=["libraries", "reading"], format="text/markdown; charset=us-ascii"),
    "03-windows-1252.txt": dict(title="Café owners welcome new market rules", date="2018-05-02",
                                creator=ABSENT, coverage=["Paris"], language="en",
                                format="text/plain; charset=windows-1252"),
    "04-arabic.txt": dict(title="افتتاح مكتبة جديدة في بيروت", date="2019-03-15", creator=ABSENT,
                          coverage=["بيروت"], language="ar", format="text/plain; charset=utf-8"),
    "05-day-first-weekday.txt": dict(title="Clinic extends opening hours", date="2019-03-05",
                                     creator=ABSENT, coverage=["Nairobi"], language="en"),
    "06-month-first-evidence.txt": dict(title="Orchard growers report record harvest", date="2018-04-11",
                                        creator=ABSENT, coverage=["Fresno"], language="en"),
    "07-ordinal.txt": dict(title="Bridge repairs completed ahead of schedule", date="2017-03-03",
                           creator=["Riverside Engineering Group"], coverage=["Glasgow"], language="en"),
    "08-month-only.txt": dict(title="Quarterly newsletter of the Coastal Birds Society", date="2021-03",
                              creator=ABSENT, coverage=ABSENT, language="en"),
    "09-no-title.txt": dict(title=ABSENT, date=ABSENT, creator=ABSENT, coverage=ABSENT, language="en"),
    "10-no-date.txt": dict(title="Statement on water quality", date=ABSENT, creator=["Green Valley Water Board"],
                           coverage=ABSENT, language="en"),
    "11-signatories.txt": dict(title="Unions call for fair pay for care workers", date="2022-01-12",
                               creator=["Care Workers Union", "Nurses Alliance of Ireland", "Home Support Network"],
                               coverage=["Dublin", "Ireland"], language="en"),
    "12-empty.txt": dict(title=ABSENT, date=ABSENT, creator=ABSENT, coverage=ABSENT, language="zxx",
                         description=ABSENT, format="text/plain; charset=utf-8"),
    "13-binary.bin": dict(title=ABSENT, date=ABSENT, creator=ABSENT, coverage=ABSENT, language=ABSENT,
                          format="application/pdf"),
    "14-ambiguous-no-evidence.txt": dict(title="Garden open day", date="2015", creator=ABSENT,
                                         coverage=ABSENT, language="en"),
}


@pytest.fixture(scope="module")
def records():
    config = CollectionConfig(rights="CC BY 4.0", organisation="Test Archive")
    return {r.name: describe_release(r, config) for r in discover(CORPUS).releases}


def test_corpus_is_complete(records):
    assert set(records) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_record(records, name):
    rec = records[name]
    values = plain(rec)
    for element, expected in EXPECTED[name].items():
        got = values.get(element)
        if element == "title" and expected is ABSENT:
            assert got == [PLACEHOLDER_TITLE]
            assert rec.elements["title"][0].provenance == "default"
            assert any(n.startswith("title:") for n in rec.notes)
        elif expected is ABSENT:
            assert got is None, (element, got)
        elif isinstance(expected, list):
            assert got == expected, (element, got)
        else:
            assert got == [expected], (element, got)
    assert values["identifier"] == [f"urn:preserve:{rec.release_id}"]
    assert values["source"] == [name]
    assert values["rights"] == ["CC BY 4.0"]
    assert values["publisher"] == ["Test Archive"]
    for vals in rec.elements.values():
        assert all(v.provenance for v in vals)


def test_absent_values_have_reasons(records):
    assert any(n.startswith("date: no issue date") for n in records["10-no-date.txt"].notes)
    note = records["14-ambiguous-no-evidence.txt"].elements["date"][0].note
    assert "could be 6 July 2015 or 7 June 2015" in note
    assert "day-first: 'Tuesday'" in records["05-day-first-weekday.txt"].elements["date"][0].note
    assert "month-first" in records["06-month-first-evidence.txt"].elements["date"][0].note
    # a PDF signature on damaged bytes: the PDF describer says what it could not read
    assert any(n.startswith("PDF: could not be parsed") for n in records["13-binary.bin"].notes)
    assert "description" not in plain(records["13-binary.bin"])


def test_encoding_recorded(records):
    assert records["03-windows-1252.txt"].encoding == "windows-1252"
    assert any("windows-1252" in n for n in records["03-windows-1252.txt"].notes)


def test_valid_records_validate(records):
    for name in ("01-html.html", "07-ordinal.txt", "04-arabic.txt", "12-empty.txt"):
        assert validate_record(plain(records[name]), name) == []
    assert validate_record(plain(records["13-binary.bin"]), "bin") == []  # nothing wrong, much missing
    missing = [m.element for m in missing_for_deposit(records["13-binary.bin"])]
    assert missing == ["title", "language"]  # a PDF is Text: it needs a language; rights come from the config
