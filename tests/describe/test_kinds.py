"""A file's kind, its describer and the DCMI Type its format implies; a folder's type and main document."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from helpers.media_files import write_eml, write_jpeg, write_table
from helpers.office_files import write_docx
from helpers.pdfs import write_pdf
from preserve.describe import choose_main, describe_release
from preserve.describe.files import describe_file
from preserve.describe.kinds import dcmi_type, kind_of
from preserve.intake.config import CollectionConfig
from preserve.intake.releases import discover
from preserve.record import plain


@pytest.mark.parametrize("head, name, is_text, kind", [
    (b"%PDF-1.7\n", "a.bin", False, "pdf"),
    (b"PK\x03\x04rest", "a.docx", False, "office"),
    (b"PK\x03\x04rest", "archive.zip", False, "office"),  # decided by the container's content later
    (b"{\\rtf1\\ansi hello}", "a.rtf", True, "rtf"),
    (b"\xff\xd8\xff\xe0", "photo", False, "image"),
    (b"ID3\x04\x00", "talk", False, "media"),
    (b"Received: x\nFrom: A <a@example.org>\nSubject: Hello\nDate: Mon, 1 Feb 2016 10:00:00 +0000\n",
     "message", True, "message"),
    (b"anything", "a.eml", True, "message"),
    (b"region,rainfall\nKisumu,1\n", "figures.csv", True, "dataset"),
    (b"<?xml version='1.0'?><office:document/>", "a.fodt", True, "office"),
    (b"Just a note.\n", "note.txt", True, "text"),
    (b"\x00\x01\x02", "mystery.dat", False, "binary"),
])
def test_kind_of(head: bytes, name: str, is_text: bool, kind: str) -> None:
    assert kind_of(head, name, is_text)[0] == kind


@pytest.mark.parametrize("mime, expected", [
    ("application/pdf", "Text"), ("message/rfc822", "Text"), ("text/plain; charset=utf-8", "Text"),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "Text"),
    ("application/vnd.oasis.opendocument.spreadsheet", "Dataset"), ("text/csv; charset=utf-8", "Dataset"),
    ("application/json", "Dataset"), ("image/jpeg", "StillImage"), ("audio/mpeg", "Sound"),
    ("video/mp4", "MovingImage"), ("application/x-executable", "Software"),
    ("application/octet-stream", None), ("application/zip", None),
])
def test_dcmi_type_follows_from_the_format(mime: str, expected: str | None) -> None:
    assert dcmi_type(mime) == expected


def test_a_zip_is_described_by_its_content_not_its_name(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    write_docx(src / "statement.zip", headings=["A statement on the river"],
               paragraphs=["The river trust asks the council to clear the weirs before the winter floods."],
               core={"title": "A statement on the river"})
    with zipfile.ZipFile(src / "photos.zip", "w") as zf:
        zf.writestr("a.txt", "not an office document")
    files = {r.name: r for r in discover(src).releases}
    draft, fmt, _, _ = describe_file(files["statement.zip"].files[0])
    assert fmt == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert draft.elements["title"][0].value == "A statement on the river"
    draft, fmt, _, _ = describe_file(files["photos.zip"].files[0])
    assert fmt == "application/zip" and "type" not in draft.elements


def test_a_folder_of_photos_is_still_image_and_a_mixed_folder_says_why_it_has_no_type(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "photos").mkdir(parents=True)
    (src / "mixed").mkdir()
    for n in (1, 2):
        write_jpeg(src / "photos" / f"p{n}.jpg")
    write_jpeg(src / "mixed" / "p.jpg")
    write_table(src / "mixed" / "t.csv")
    records = {r.name: describe_release(r, CollectionConfig()) for r in discover(src).releases}
    assert plain(records["photos"])["type"] == ["StillImage"]
    assert records["photos"].elements["type"][0].provenance == "inferred: every file of the folder is StillImage"
    assert "type" not in plain(records["mixed"])
    assert any(n.startswith("type: no main document") and "Dataset, StillImage" in n for n in records["mixed"].notes)


def test_the_report_is_chosen_over_its_cover_letter_and_a_lone_eml_is_a_document(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "report").mkdir(parents=True)
    write_pdf(src / "report" / "annual-report.pdf", ["Annual report\n\nWe built twelve wells."])
    write_docx(src / "report" / "Cover Letter.docx", paragraphs=["Please find our report enclosed."])
    (src / "mail").mkdir()
    write_eml(src / "mail" / "release.eml")
    write_jpeg(src / "mail" / "photo.jpg")
    releases = {r.name: r for r in discover(src).releases}
    main, how = choose_main(releases["report"], None)
    assert main is not None and main.relpath == "annual-report.pdf" and "accompanying" in how
    main, how = choose_main(releases["mail"], None)
    assert main is not None and main.relpath == "release.eml" and how == "the only document in the folder"


def test_every_kind_s_describer_exists() -> None:
    from preserve.describe.kinds import DESCRIBERS, describer

    assert all(callable(describer(kind)) for kind in DESCRIBERS)
    assert describer("text") is None and describer("binary") is None
