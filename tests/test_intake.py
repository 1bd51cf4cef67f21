"""A real archive's intake, tried as a new user would: no preserve.toml, no metadata.csv.

The folder holds what an NGO hands an archive: a press release as PDF, a statement as Word and
as OpenDocument, an e-mailed release, a folder of photos, an audio interview, a CSV of figures,
plain notes, a report with its cover letter, and a file nobody can identify. Every release is
bagged and described from its own metadata and text, each value with its provenance; the run
warns once per release about what deposit still needs; --strict bags none of them.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import bagit
import pytest

from helpers.media_files import write_eml, write_jpeg, write_mp3, write_table, exif_bytes
from helpers.office_files import write_docx, write_odt
from helpers.paths import tree_digest
from helpers.pdfs import write_pdf
from preserve.verify.checks import verify_bag

ORG = "Riverside Water Trust"
RELEASE_TEXT = [
    "Clean water reaches Eastwick villages",
    "Eastwick, 14 March 2016 - The Riverside Water Trust opens six new wells in the Eastwick valley, "
    "bringing clean water to four thousand people.",
    "The wells were dug with the villages' own water committees, who will look after them.",
    "About the Riverside Water Trust",
    "The Riverside Water Trust is a charity that builds and repairs village wells.",
]


def make_intake(root: Path) -> Path:
    """The intake folder, every file written by a library that writes that format for real."""
    src = root / "intake"
    src.mkdir()
    write_pdf(src / "press-release.pdf", ["\n\n".join(RELEASE_TEXT)],
              info={"Title": "Microsoft Word - press release draft3.docx", "Author": "jsmith",
                    "CreationDate": "D:20160313170000Z"})
    write_docx(src / "statement.docx", headings=["Statement on the Eastwick drought"],
               paragraphs=["London, 2 May 2016 - The Riverside Water Trust calls on the county council "
                           "to fund repairs to the Eastwick reservoir before the summer.",
                           "The drought has left the reservoir at a third of its usual level."],
               core={"title": "Statement on the Eastwick drought", "creator": "Riverside Water Trust",
                     "created": "2016-05-01T09:00:00Z", "language": "en-GB"})
    write_odt(src / "statement-copy.odt", headings=["Statement on the Eastwick drought"],
              paragraphs=["London, 2 May 2016 - The Riverside Water Trust calls on the county council "
                          "to fund repairs to the Eastwick reservoir before the summer.",
                          "The drought has left the reservoir at a third of its usual level, and the "
                          "villages of the valley depend on it for their drinking water."],
              meta={"title": "Statement on the Eastwick drought", "initial_creator": "Riverside Water Trust",
                    "creation_date": "2016-05-01T09:00:00"})
    write_eml(src / "emailed-release.eml", subject="New wells open in the Eastwick valley",
              sender=f"{ORG} <press@water.example.org>",
              body="\n\n".join(RELEASE_TEXT[1:]) + "\n")
    photos = src / "photos"
    photos.mkdir()
    for n in (1, 2):
        write_jpeg(photos / f"well-{n}.jpg", exif=exif_bytes(description=f"The new well number {n}",
                                                             date_original=f"2016:03:1{n} 10:00:00"))
    write_mp3(src / "interview.mp3", {"TIT2": "Interview with the well committee", "TPE1": "Riverside Water Trust",
                                      "TDRC": "2016-03-20"})
    write_table(src / "figures.csv")
    (src / "notes.txt").write_text("Visit notes\n\nThe committee met on 20 March 2016 to plan the "
                                   "maintenance of the wells in the Eastwick valley.\n", encoding="utf-8")
    report = src / "annual-report"
    report.mkdir()
    write_pdf(report / "annual-report-2015.pdf",
              ["Annual report 2015\n\nThe Riverside Water Trust built twelve wells in 2015.",
               "Our finances\n\nDonations paid for every well."],
              info={"Title": "Annual report 2015", "Author": ORG})
    write_docx(report / "cover-letter.docx", paragraphs=["Dear archivist, please find our annual report enclosed."])
    (src / "mystery.dat").write_bytes(bytes(range(256)) * 16)
    return src


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "preserve", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def intake(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess, dict]:
    root = tmp_path_factory.mktemp("intake")
    src = make_intake(root)
    before = tree_digest(src)
    bagged = run("bag", str(src), "--out", str(root / "bags"), "--json", cwd=root)
    assert tree_digest(src) == before, "sources must never change"
    return src, root / "bags", bagged, json.loads(bagged.stdout)


RELEASES = {"press-release", "statement", "statement-copy", "emailed-release", "photos", "interview",
            "figures", "notes", "annual-report", "mystery"}


def test_every_release_is_bagged_and_the_output_holds_only_bags(intake) -> None:
    _, out, bagged, result = intake
    assert bagged.returncode == 0, bagged.stderr
    assert "Traceback" not in bagged.stderr
    assert {o["release"] for o in result["bags"] if o["status"] == "created"} == RELEASES
    assert sorted(p.name for p in out.iterdir()) == sorted(RELEASES)
    for name in RELEASES:
        bagit.Bag(str(out / name)).validate()
        assert verify_bag(out / name).ok


def test_one_warning_per_release_names_rights_and_where_to_supply_them(intake) -> None:
    _, _, bagged, _ = intake
    warnings = [line for line in bagged.stderr.splitlines() if "incomplete for deposit" in line]
    assert len(warnings) == len(RELEASES)
    assert all("rights" in w and "preserve.toml" in w for w in warnings)
    assert len(bagged.stderr.splitlines()) == len(set(bagged.stderr.splitlines())), "each problem once"


def dc(out: Path, release: str) -> dict:
    return json.loads((out / release / "data" / release / "metadata" / "descriptive" / "dc.json").read_text())


def values(record: dict, element: str) -> list[str]:
    return [v["value"] for v in record["elements"].get(element, [])]


def provenance(record: dict, element: str) -> list[str]:
    return [v["provenance"] for v in record["elements"].get(element, [])]


def test_the_pdf_press_release_is_described_from_its_text_not_its_junk_properties(intake) -> None:
    record = dc(intake[1], "press-release")
    assert values(record, "title") == ["Clean water reaches Eastwick villages"]
    assert values(record, "date") == ["2016-03-14"]
    assert ORG in values(record, "creator") or "Riverside Water Trust" in " ".join(values(record, "creator"))
    assert values(record, "language") == ["en"] and values(record, "type") == ["Text"]
    assert values(record, "format") == ["application/pdf"]
    assert any("Microsoft Word - press release draft3.docx" in n and "not used" in n for n in record["notes"])


@pytest.mark.parametrize("release, provenance_word", [("statement", "DOCX"), ("statement-copy", "ODT")])
def test_word_and_opendocument_statements_take_their_own_properties(intake, release, provenance_word) -> None:
    record = dc(intake[1], release)
    assert values(record, "title") == ["Statement on the Eastwick drought"]
    assert provenance_word in provenance(record, "title")[0]
    assert values(record, "date") == ["2016-05-02"]
    assert values(record, "type") == ["Text"] and values(record, "language") == ["en"]


def test_the_emailed_release_takes_subject_sender_and_body(intake) -> None:
    record = dc(intake[1], "emailed-release")
    assert values(record, "title") == ["New wells open in the Eastwick valley"]
    assert provenance(record, "title") == ["e-mail header Subject"]
    assert ORG in values(record, "creator")
    assert values(record, "type") == ["Text"]
    assert values(record, "format")[0].startswith("message/rfc822")


def test_photos_audio_and_data_take_their_types_and_tags(intake) -> None:
    out = intake[1]
    photos, interview, figures = dc(out, "photos"), dc(out, "interview"), dc(out, "figures")
    assert values(photos, "type") == ["StillImage"]
    assert values(interview, "type") == ["Sound"]
    assert values(interview, "title") == ["Interview with the well committee"]
    assert values(interview, "date") == ["2016-03-20"]
    assert values(figures, "type") == ["Dataset"]
    assert values(figures, "format")[0].startswith("text/csv")


def test_the_report_not_its_cover_letter_is_the_main_document(intake) -> None:
    record = dc(intake[1], "annual-report")
    assert record["main_document"] == "annual-report-2015.pdf"
    assert values(record, "title") == ["Annual report 2015"]


def test_a_file_nobody_knows_gets_no_type_and_a_note(intake) -> None:
    record = dc(intake[1], "mystery")
    assert values(record, "type") == []
    assert any(n.startswith("type:") for n in record["notes"])


def test_strict_bags_none_and_names_what_each_lacks(intake, tmp_path: Path) -> None:
    src = intake[0]
    strict = run("bag", str(src), "--out", str(tmp_path / "bags"), "--strict", cwd=tmp_path)
    assert strict.returncode == 1
    assert "Traceback" not in strict.stderr
    assert not (tmp_path / "bags").exists() or not any((tmp_path / "bags").iterdir())
    refused = {line.split(": ")[1] for line in strict.stderr.splitlines()
               if ": not bagged: incomplete for deposit: " in line and "no rights (set rights in preserve.toml" in line}
    assert {name.rsplit(".", 1)[0] for name in refused} == RELEASES
