"""Embedded metadata with a document's text: junk recognised, precedence by element, provenance kept."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from preserve.describe.embedded import draft_document, embedded_date, junk_creator, junk_title
from preserve.describe.lines import split_lines
from preserve.record import Value

RELEASE = """Harbour ferry returns to the winter timetable

Millbrook, 2 October 2025 - The Millbrook Ferry Company announces that the river ferry
returns to its winter timetable on Monday.

About the Millbrook Ferry Company
The Millbrook Ferry Company runs the river ferry between Millbrook and Eastwick.
"""


@pytest.mark.parametrize("title", ["Microsoft Word - draft3.docx", "Document1", "Untitled", "report.pdf",
                                   "draft", "Presentation2", "PowerPoint Presentation", "C:\\Users\\x\\a.doc",
                                   "", "  ", "ab", "release"])
def test_junk_titles_are_recognised(title: str) -> None:
    assert junk_title(title, "release.pdf") is not None


@pytest.mark.parametrize("title", ["Harbour ferry returns to the winter timetable", "Annual report 2015",
                                   "Statement on the Madaya siege"])
def test_real_titles_are_kept(title: str) -> None:
    assert junk_title(title, "release.pdf") is None


@pytest.mark.parametrize("creator", ["Administrator", "admin", "jsmith", "Microsoft Office User", "user01",
                                     "Acrobat PDFMaker 11 for Word", "Windows User", "Unknown", ""])
def test_junk_creators_are_recognised(creator: str) -> None:
    assert junk_creator(creator) is not None


@pytest.mark.parametrize("creator", ["Millbrook Ferry Company", "Jane Smith", "Amnesty International UK"])
def test_real_creators_are_kept(creator: str) -> None:
    assert junk_creator(creator) is None


@pytest.mark.parametrize("raw, value", [("D:20160215103000+00'00'", "2016-02-15"), ("D:2016", "2016"),
                                        ("2016:02:15 10:00:00", "2016-02-15"), ("2016-02-15T10:00:00Z", "2016-02-15"),
                                        ("Mon, 15 Feb 2016 10:00:00 +0000", "2016-02-15")])
def test_embedded_dates_in_their_usual_forms(raw: str, value: str) -> None:
    found = embedded_date(raw, "PDF document information: CreationDate", [])
    assert found is not None and found.value == value
    assert found.provenance == "PDF document information: CreationDate"


@pytest.mark.parametrize("raw", ["0000:00:00 00:00:00", "1601-01-01T00:00:00Z", "not a date", ""])
def test_placeholder_and_unreadable_dates_are_dropped_with_a_note(raw: str) -> None:
    notes: list[str] = []
    assert embedded_date(raw, "EXIF DateTimeOriginal", notes) is None
    assert notes and "EXIF DateTimeOriginal" in notes[0]


@given(st.text(max_size=60))
def test_embedded_date_never_raises(raw: str) -> None:
    notes: list[str] = []
    found = embedded_date(raw, "x", notes)
    assert found is not None or notes


def test_junk_embedded_values_give_way_to_the_text_with_a_note_each() -> None:
    draft = draft_document({"title": [Value("Microsoft Word - draft3.docx", "PDF document information: Title")],
                            "creator": [Value("jsmith", "PDF document information: Author")]},
                           split_lines(RELEASE), filename="draft3.pdf")
    assert draft.elements["title"][0].value == "Harbour ferry returns to the winter timetable"
    assert draft.elements["title"][0].provenance.startswith("text line")
    assert "Millbrook Ferry Company" in [v.value for v in draft.elements["creator"]]
    assert any("'Microsoft Word - draft3.docx' not used" in n for n in draft.notes)
    assert any("'jsmith' not used: looks like a login name" in n for n in draft.notes)


def test_a_clean_embedded_title_and_subjects_win_and_say_where_they_came_from() -> None:
    draft = draft_document({"title": [Value("Winter timetable 2025", "DOCX core properties: title")],
                            "subject": [Value("ferries", "DOCX core properties: keywords")]},
                           split_lines(RELEASE), filename="x.docx")
    assert draft.elements["title"] == [Value("Winter timetable 2025", "DOCX core properties: title")]
    assert [v.value for v in draft.elements["subject"]] == ["ferries"]


def test_the_text_date_wins_and_an_embedded_date_fills_only_silence() -> None:
    embedded = {"date": [Value("2025-09-30", "PDF document information: CreationDate")]}
    with_date = draft_document(embedded, split_lines(RELEASE), filename="x.pdf")
    assert with_date.elements["date"][0].value == "2025-10-02"
    assert any("kept over PDF document information: CreationDate" in n for n in with_date.notes)
    silent = draft_document(embedded, split_lines("Harbour ferry timetable\n\nThe ferry runs daily.\n"),
                            filename="x.pdf")
    assert silent.elements["date"] == [Value("2025-09-30", "PDF document information: CreationDate",
                                             "the text states none")]


def test_no_text_gives_the_embedded_values_alone() -> None:
    draft = draft_document({"title": [Value("Ferry at dawn", "EXIF ImageDescription")]}, [], filename="a.jpg")
    assert draft.elements == {"title": [Value("Ferry at dawn", "EXIF ImageDescription")]}
