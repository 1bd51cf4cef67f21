"""Office Open XML and OpenDocument: properties with provenance, text analysis, bounds on hostile files."""
from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.bounds import peak_memory, within
from helpers.office_files import (BODY, HEADLINE, SILENT_BODY, core_xml, document_xml, large_paragraphs, provenance,
                                  rewrite_member, values, write_docx, write_fodt, write_large_docx,
                                  write_lying_size_docx, write_odp, write_ods, write_odt, write_pptx,
                                  write_traversal_docx, write_xlsx, write_zip_bomb_docx)
from preserve.describe import ooxml
from preserve.describe.embedded import DEFAULT_LIMITS, Limits
from preserve.describe.office import DCMI_TYPE, describe_office, office_kind
from preserve.describe.text import Draft
from preserve.describe.zipsafe import Member, TextBudget, ZipRefused, open_container, resolve, unsafe_name

CLEAN_CORE = {"title": "Rural water funding statement", "creator": "Water Coalition",
              "subject": "Rural water access", "description": "A statement on rural water funding.",
              "keywords": "water; rural development, funding", "language": "fr-CA",
              "created": "2021-03-10T09:00:00Z", "modified": "2021-04-01T10:00:00Z"}


def described(path: Path, name: str | None = None, **kwargs) -> Draft:
    """describe_office under a timeout that fails the test."""
    return within(60, describe_office, path, name or path.name, **kwargs)


def described_with_peak(path: Path) -> tuple[Draft, int]:
    """describe_office and the peak of Python memory it allocated (lxml's own is not counted)."""
    return peak_memory(described, path)


# --- DOCX ----------------------------------------------------------------------------------------
def test_docx_junk_properties_give_way_to_the_text(tmp_path):
    path = write_docx(tmp_path / "statement.docx", headings=[HEADLINE], paragraphs=BODY,
                      core={"title": "Document1", "creator": "Administrator", "created": "2020-01-01T00:00:00Z"})
    draft = described(path)
    assert values(draft, "title") == [HEADLINE]
    assert provenance(draft, "title")[0].startswith("text line")
    assert values(draft, "creator") == ["Water Coalition"]
    assert provenance(draft, "creator")[0].startswith("text line")
    assert values(draft, "date") == ["2021-03-15"]
    assert any("'Document1' not used" in n for n in draft.notes)
    assert any("'Administrator' not used" in n for n in draft.notes)
    assert any("kept over DOCX core properties: created" in n for n in draft.notes)


def test_docx_clean_core_properties_win_with_their_provenance(tmp_path):
    path = write_docx(tmp_path / "s.docx", headings=[HEADLINE], paragraphs=BODY, core=CLEAN_CORE)
    draft = described(path)
    assert values(draft, "title") == ["Rural water funding statement"]
    assert provenance(draft, "title") == ["DOCX core properties: title"]
    assert values(draft, "description") == ["A statement on rural water funding."]
    assert values(draft, "language") == ["fr"]  # the property wins over detection, as the primary subtag
    assert provenance(draft, "language") == ["DOCX core properties: language"]
    assert values(draft, "subject") == ["Rural water access", "water", "rural development", "funding"]
    assert set(provenance(draft, "subject")) == {"DOCX core properties: subject", "DOCX core properties: keywords"}


def test_docx_created_fills_the_date_only_when_the_text_has_none(tmp_path):
    path = write_docx(tmp_path / "s.docx", headings=[HEADLINE], paragraphs=SILENT_BODY, core=CLEAN_CORE)
    draft = described(path)
    assert values(draft, "date") == ["2021-03-10"]
    assert provenance(draft, "date") == ["DOCX core properties: created"]
    assert "the text states none" in draft.elements["date"][0].note


def test_docx_modified_and_last_modified_by_are_never_used(tmp_path):
    core = {"lastModifiedBy": "Jane Smith", "modified": "2021-04-01T10:00:00Z"}
    path = write_docx(tmp_path / "s.docx", headings=[HEADLINE], paragraphs=SILENT_BODY, core=core)
    draft = described(path)
    assert "Jane Smith" not in values(draft, "creator")
    assert "date" not in draft.elements
    assert any("modified '2021-04-01T10:00:00Z' not used" in n for n in draft.notes)


def test_docx_company_is_a_note_never_a_publisher(tmp_path):
    path = write_docx(tmp_path / "s.docx", paragraphs=BODY, app={"Application": "Microsoft Office Word",
                                                                  "Company": "Example Ltd"})
    draft = described(path)
    assert "publisher" not in draft.elements
    assert any(n.startswith("publisher:") and "'Example Ltd'" in n for n in draft.notes)


def test_docx_paragraphs_headings_tabs_and_breaks(tmp_path):
    path = write_docx(tmp_path / "s.docx", headings=["Heading text"], paragraphs=["a\tb", "c\nd", "", "e"])
    with open_container(path, DEFAULT_LIMITS) as c:
        lines = list(ooxml.docx_paragraphs(c, "word/document.xml", TextBudget(1000), []))
    assert lines == ["# Heading text", "a b", "c\nd", "e"]


def test_docx_text_stops_at_max_text_chars(tmp_path):
    path = write_docx(tmp_path / "s.docx", headings=[HEADLINE], paragraphs=large_paragraphs(20_000))
    draft = described(path, limits=Limits(max_text_chars=2000))
    assert values(draft, "title") == [HEADLINE]
    assert any("text read up to 2000 characters" in n for n in draft.notes)


def test_a_file_over_max_bytes_gives_its_properties_only(tmp_path):
    path = write_docx(tmp_path / "s.docx", headings=[HEADLINE], paragraphs=BODY, core=CLEAN_CORE)
    draft = described(path, limits=Limits(max_bytes=100))
    assert values(draft, "title") == ["Rural water funding statement"]
    assert provenance(draft, "creator") == ["DOCX core properties: creator"] and "description" in draft.elements
    assert not any(p.startswith("text line") for vs in draft.elements.values() for p in [v.provenance for v in vs])
    assert any("text not read" in n and "larger than the 100-byte bound" in n for n in draft.notes)


def test_the_time_bound_stops_the_text(tmp_path):
    path = write_docx(tmp_path / "s.docx", headings=[HEADLINE], paragraphs=BODY, core=CLEAN_CORE)
    draft = described(path, limits=Limits(max_seconds=0))
    assert "title" in draft.elements  # properties are small parts, read whole
    assert any("time bound" in n for n in draft.notes)


def test_the_container_decides_not_the_name(tmp_path):
    path = write_docx(tmp_path / "statement.odt", headings=[HEADLINE], paragraphs=BODY, core=CLEAN_CORE)
    assert office_kind(path) == "docx"
    assert provenance(described(path), "title") == ["DOCX core properties: title"]


# --- PPTX and XLSX -------------------------------------------------------------------------------
def test_pptx_slide_titles_and_text_first_slides_only(tmp_path):
    slides = [(HEADLINE, ["Two million people walk an hour to fetch water."])] + \
        [(f"Slide about district {n}", [f"Point {n}"]) for n in range(5)]
    path = write_pptx(tmp_path / "deck.pptx", slides=slides, core={"title": "PowerPoint Presentation",
                                                                    "creator": "Jane Doe"})
    draft = described(path, limits=Limits(max_pages=2))
    assert values(draft, "title") == [HEADLINE]
    assert values(draft, "creator") == ["Jane Doe"]
    assert any("first 2 of 6 slides" in n for n in draft.notes)
    with open_container(path, DEFAULT_LIMITS) as c:
        assert ooxml.slide_parts(c, "ppt/presentation.xml")[:2] == ["ppt/slides/slide1.xml", "ppt/slides/slide2.xml"]


def test_xlsx_is_data_properties_and_a_sheet_note_no_text_analysis(tmp_path):
    sheets = {"Figures": [["Region", "Year", "People without water"], ["North", 2021, 120000]],
              "Sources": [["Survey of households in the North region, 2021"]]}
    path = write_xlsx(tmp_path / "figures.xlsx", sheets=sheets,
                      core={"title": "Rural water figures 2021", "creator": "Water Coalition", "language": "en"})
    draft = described(path)
    assert values(draft, "title") == ["Rural water figures 2021"]
    assert provenance(draft, "creator") == ["XLSX core properties: creator"]
    assert set(draft.elements) == {"title", "creator", "language"}  # nothing drafted from cells
    note = next(n for n in draft.notes if n.startswith("XLSX: 2 sheet(s)"))
    assert "'Figures', 'Sources'" in note and "'Region', 'Year', 'People without water'" in note


def test_xlsx_header_row_that_is_not_names_suggests_nothing(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", sheets={"Sheet1": [[2019, 2020], [1, 2]]})
    draft = described(path)
    assert any("no header row of text" in n for n in draft.notes)
    path = write_xlsx(tmp_path / "g.xlsx", sheets={"Sheet1": [["Column1", "Column2"], [1, 2]]})
    assert any("not a clean list of column names" in n for n in described(path).notes)


# --- OpenDocument --------------------------------------------------------------------------------
def test_odt_junk_meta_gives_way_to_the_text(tmp_path):
    path = write_odt(tmp_path / "s.odt", headings=[HEADLINE], paragraphs=BODY,
                     meta={"title": "Untitled", "initial_creator": "admin", "creation_date": "2020-01-01T00:00:00"})
    draft = described(path)
    assert values(draft, "title") == [HEADLINE]
    assert values(draft, "creator") == ["Water Coalition"]
    assert values(draft, "date") == ["2021-03-15"]


def test_odt_clean_meta_wins_and_creation_date_fills_the_date(tmp_path):
    meta = {"title": "Rural water funding statement", "initial_creator": "Water Coalition",
            "creator": "Someone Else", "description": "A statement on rural water funding.",
            "subject": "Rural water access", "keywords": ["water", "rural development"], "language": "en-GB",
            "creation_date": "2021-03-10T09:00:00", "date": "2021-04-01T10:00:00"}
    path = write_odt(tmp_path / "s.odt", headings=[HEADLINE], paragraphs=SILENT_BODY, meta=meta)
    draft = described(path)
    assert values(draft, "title") == ["Rural water funding statement"]
    assert provenance(draft, "title") == ["ODT meta: dc:title"]
    assert values(draft, "creator") == ["Water Coalition"]
    assert provenance(draft, "creator") == ["ODT meta: meta:initial-creator"]
    assert values(draft, "date") == ["2021-03-10"] and provenance(draft, "date") == ["ODT meta: meta:creation-date"]
    assert values(draft, "language") == ["en"] and provenance(draft, "language") == ["ODT meta: dc:language"]
    assert values(draft, "subject") == ["Rural water access", "water", "rural development"]


def test_odt_dc_creator_stands_in_only_without_an_initial_creator(tmp_path):
    path = write_odt(tmp_path / "s.odt", paragraphs=SILENT_BODY, meta={"creator": "Water Coalition",
                                                                       "date": "2021-04-01T10:00:00"})
    draft = described(path)
    assert values(draft, "creator") == ["Water Coalition"]
    assert provenance(draft, "creator") == ["ODT meta: dc:creator"]
    assert any("saved the document last" in n for n in draft.notes)
    assert "date" not in draft.elements


def test_odt_text_leaves_out_notes_annotations_and_deletions(tmp_path):
    body = ('<office:text><text:tracked-changes><text:changed-region><text:deletion><text:p>Deleted words'
            '</text:p></text:deletion></text:changed-region></text:tracked-changes>'
            '<text:h text:outline-level="2">Heading two</text:h>'
            '<text:p>First<text:s text:c="3"/>part<text:tab/>tab<text:line-break/>next'
            '<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>Footnote text</text:p>'
            '</text:note-body></text:note><office:annotation><text:p>A comment</text:p></office:annotation>'
            ' <text:span>end</text:span></text:p></office:text>')
    path = write_odt(tmp_path / "s.odt", body=body)
    from preserve.describe import odf
    with open_container(path, DEFAULT_LIMITS) as c:
        from preserve.describe.zipsafe import xml_events
        events = xml_events(c.member("content.xml"), *odf.content_tags("odt"))
        lines = list(odf.text_lines(events, "odt", TextBudget(1000), 20, lambda el: None, [], "ODT"))
    assert lines == ["## Heading two", "First   part tab\nnext end"]


def test_odp_titles_slides_and_no_speaker_notes(tmp_path):
    slides = [(HEADLINE, ["Two million people walk an hour to fetch water."]), ("Second slide", ["More"]),
              ("Third slide", ["Even more"])]
    path = write_odp(tmp_path / "deck.odp", slides=slides, meta={"title": "Untitled"})
    draft = described(path, limits=Limits(max_pages=2))
    assert values(draft, "title") == [HEADLINE]
    assert any("first 2 slides" in n for n in draft.notes)
    assert not any("Speaker notes" in v.value for vs in draft.elements.values() for v in vs)


def test_ods_is_data(tmp_path):
    path = write_ods(tmp_path / "f.ods", sheets={"Figures": [["Region", "People"], ["North", 120000]],
                                                  "Other": [["x"]]}, meta={"title": "Rural water figures"})
    draft = described(path)
    assert set(draft.elements) == {"title"}
    assert any("2 sheet(s): 'Figures', 'Other'" in n and "'Region', 'People'" in n for n in draft.notes)


def test_flat_odt(tmp_path):
    path = write_fodt(tmp_path / "s.fodt", headings=[HEADLINE], paragraphs=BODY,
                      meta={"title": "Rural water funding statement"})
    assert office_kind(path) == "fodt"
    draft = described(path)
    assert provenance(draft, "title") == ["FODT meta: dc:title"]
    assert values(draft, "creator") == ["Water Coalition"]


def test_office_kind_and_its_dcmi_type(tmp_path):
    made = {"docx": write_docx(tmp_path / "a", paragraphs=BODY),
            "xlsx": write_xlsx(tmp_path / "b", sheets={"S": [["a"]]}),
            "pptx": write_pptx(tmp_path / "c", slides=[("t", ["b"])]),
            "odt": write_odt(tmp_path / "d", paragraphs=BODY),
            "ods": write_ods(tmp_path / "e", sheets={"S": [["a"]]}),
            "odp": write_odp(tmp_path / "f", slides=[("t", ["b"])])}
    for kind, path in made.items():
        assert office_kind(path) == kind
    assert [DCMI_TYPE[k] for k in made] == ["Text", "Dataset", "Text", "Text", "Dataset", "Text"]
    with zipfile.ZipFile(tmp_path / "plain.zip", "w") as zf:
        zf.writestr("readme.txt", "hello")
    (tmp_path / "junk").write_bytes(b"\x00" * 100)
    assert office_kind(tmp_path / "plain.zip") is None and office_kind(tmp_path / "junk") is None
    assert any("neither Office Open XML nor OpenDocument" in n for n in described(tmp_path / "plain.zip").notes)


# --- hostile files: each gives a Draft with a note, bounded -------------------------------------
def test_zip_bomb(tmp_path):
    draft, peak = described_with_peak(write_zip_bomb_docx(tmp_path / "bomb.docx", inflated=64 << 20))
    assert any("zip bomb" in n for n in draft.notes)
    assert values(draft, "title") == ["Quarterly figures on displacement"]  # the properties are still read
    assert peak < 16 << 20


def test_traversal_names_are_never_read(tmp_path):
    path = write_traversal_docx(tmp_path / "t.docx")
    draft = described(path)
    assert any("3 member(s) with an unsafe name" in n for n in draft.notes)
    assert values(draft, "title") == ["Statement on the new water policy"]
    assert unsafe_name("../../evil.xml") and unsafe_name("/etc/evil.xml") and unsafe_name("word\\..\\evil.xml")
    assert unsafe_name("C:/x") and not unsafe_name("word/document.xml") and not unsafe_name("a..b/c")
    assert resolve("word/document.xml", "../../../../etc/passwd") is None
    assert resolve("word/document.xml", "media/image%201.png") == "word/media/image 1.png"
    assert resolve("word/document.xml", "/word/styles.xml") == "word/styles.xml"
    assert resolve("", "http://example.org/x") is None


def test_a_member_is_judged_on_the_bytes_it_inflates_to(tmp_path):
    path = tmp_path / "z.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b" " * (4 << 20))
    with open_container(path, DEFAULT_LIMITS) as c:
        info = c.zf.getinfo("word/document.xml")
        with pytest.raises(ZipRefused, match="zip bomb"):  # the declared sizes already say so
            c.member("word/document.xml")
        with pytest.raises(ZipRefused, match="inflates more than 200 times"):  # and so do the bytes
            list(Member(c.zf, info, 32 << 20, 200, float("inf")))
        member = Member(c.zf, info, 1000, 10**6, float("inf"))
        assert len(b"".join(member)) == 1000 and member.stopped == "bytes"


@pytest.mark.parametrize("declared", [100, 10 << 30])
def test_a_member_whose_declared_size_lies(tmp_path, declared):
    path = write_lying_size_docx(tmp_path / "l.docx", declared=declared, paragraphs=large_paragraphs(50_000))
    draft = described(path)
    assert values(draft, "title") == ["Annual figures on water access"]
    assert any(n.startswith("word/document.xml") for n in draft.notes)


def test_billion_laughs_in_core_properties(tmp_path):
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                        for i in range(1, 10))
              + ']>' + core_xml({"title": "&lol9;"}).split("?>", 1)[1])
    path = write_docx(tmp_path / "b.docx", headings=[HEADLINE], paragraphs=BODY, core_text=laughs)
    draft = described(path)
    assert any(n.startswith("docProps/core.xml: not read") and "DOCTYPE" in n for n in draft.notes)
    assert values(draft, "title") == [HEADLINE]


def test_a_doctype_in_the_document_part_is_refused_too(tmp_path):
    path = write_docx(tmp_path / "d.docx", paragraphs=BODY, core=CLEAN_CORE)
    doctype = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    rewrite_member(path, "word/document.xml", (doctype + document_xml(BODY).split("?>", 1)[1]).encode())
    draft = described(path)
    assert any(n.startswith("word/document.xml: not read") and "DOCTYPE" in n for n in draft.notes)
    assert values(draft, "title") == ["Rural water funding statement"]


def test_one_giant_paragraph_stops_at_the_markup_bound(tmp_path):
    path = write_docx(tmp_path / "p.docx", core=CLEAN_CORE,
                      body=b"<w:p><w:r><w:t>Opening words</w:t></w:r></w:p><w:p>" +
                      b"<w:r><w:t>a</w:t></w:r>" * 150_000 + b"</w:p>")
    draft = described(path, limits=Limits(max_ratio=10**6))
    assert any("bytes of markup without a paragraph" in n and "the text before it was used" in n
               for n in draft.notes)
    assert values(draft, "title") == ["Rural water funding statement"]


def test_a_flood_of_empty_paragraphs_spends_the_text_budget(tmp_path):
    path = write_docx(tmp_path / "e.docx", body=b"<w:p/>" * 300_000 + b"<w:p><w:r><w:t>Late</w:t></w:r></w:p>")
    draft = described(path, limits=Limits(max_ratio=10**6))
    assert any(f"text read up to {DEFAULT_LIMITS.max_text_chars} characters" in n for n in draft.notes)


@pytest.mark.parametrize("keep", [0.9, 0.5, 0.1])
def test_a_truncated_zip(tmp_path, keep):
    whole = write_docx(tmp_path / "w.docx", headings=[HEADLINE], paragraphs=BODY, core=CLEAN_CORE).read_bytes()
    path = tmp_path / "t.docx"
    path.write_bytes(whole[: int(len(whole) * keep)])
    draft = described(path)
    assert draft.elements == {} and any("not a zip container" in n for n in draft.notes)


def test_too_many_members_is_refused_from_the_directory_record(tmp_path):
    path = write_docx(tmp_path / "m.docx", paragraphs=BODY)
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, 50_000, 50_000)
    path.write_bytes(bytes(data))
    assert any("more than the 20000 examined" in n for n in described(path).notes)


def test_an_unusual_compression_method_is_not_inflated(tmp_path):
    path = write_docx(tmp_path / "bz.docx", paragraphs=BODY, core=CLEAN_CORE)
    draft = described(rewrite_member(path, "word/document.xml", compress_type=zipfile.ZIP_BZIP2))
    assert any("compression method 12" in n for n in draft.notes)
    assert values(draft, "title") == ["Rural water funding statement"]


def test_a_one_megabyte_docx_is_read_up_to_the_text_bound(tmp_path):
    draft, peak = described_with_peak(write_large_docx(tmp_path / "big.docx", size=1 << 20))
    assert values(draft, "title") == ["Coalition publishes rural water report"]
    assert any(f"text read up to {DEFAULT_LIMITS.max_text_chars} characters" in n for n in draft.notes)
    assert peak < 32 << 20


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8))
def test_damaged_containers_never_raise(tmp_path_factory, cuts):
    folder = tmp_path_factory.mktemp("fuzz")
    whole = bytearray(write_docx(folder / "w.docx", headings=[HEADLINE], paragraphs=BODY, core=CLEAN_CORE)
                      .read_bytes())
    for at, byte in cuts:
        whole[at % len(whole)] = byte
    path = folder / "d.docx"
    path.write_bytes(bytes(whole))
    assert isinstance(described(path), Draft)

