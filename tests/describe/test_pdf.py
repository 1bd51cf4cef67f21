"""describe_pdf: embedded metadata (information dictionary, XMP) and page text, within its bounds."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from helpers.bounds import within
from helpers.pdfs import (assemble, pdf_bytes, write_broken_xref_pdf, write_deep_pdf, write_garbage_pdf,
                          write_looping_pdf, write_many_pages_pdf, write_pdf, write_truncated_pdf, xmp_packet)
from preserve.describe import pdf as pdf_module
from preserve.describe.embedded import Limits
from preserve.describe.pdf import describe_pdf
from preserve.describe.text import Draft

RELEASE = """PRESS RELEASE

Harbour Alliance warns of rising flood risk in Lisbon

12 March 2019

Lisbon - The Harbour Alliance today published a study showing that flood risk in Lisbon has doubled in ten years. The study calls on the city to renew its sea walls.

Coastal defences in Lisbon were last renewed in 1998, and the Alliance says they no longer match the sea level.

About the Harbour Alliance
The Harbour Alliance is a coalition of coastal communities working for safer harbours."""

UNDATED = """Quarterly notes on river water quality

The river monitoring network sampled forty sites along the valley this quarter. Nitrate levels fell at most of them.

Sampling resumes in the spring with two new sites upstream."""

TIMEOUT = 60.0


def values(draft: Draft, element: str) -> list[str]:
    return [v.value for v in draft.elements.get(element, [])]


def provenances(draft: Draft, element: str) -> list[str]:
    return [v.provenance for v in draft.elements.get(element, [])]


def test_press_release_with_junk_properties_is_described_from_its_text(tmp_path: Path):
    path = write_pdf(tmp_path / "release.pdf", [RELEASE, "Annex: tide gauge readings for the harbour."], info={
        "Title": "Microsoft Word - draft3.docx", "Author": "jsmith", "Creator": "Microsoft Word",
        "Producer": "Acrobat PDFMaker 21 for Word", "CreationDate": "D:20190301120000+01'00'"})
    draft = within(TIMEOUT, describe_pdf, path, "2019/release.pdf")

    assert values(draft, "title") == ["Harbour Alliance warns of rising flood risk in Lisbon"]
    assert provenances(draft, "title")[0].startswith("text line ")
    assert values(draft, "creator") == ["Harbour Alliance"]
    assert all(p.startswith("text line ") for p in provenances(draft, "creator"))
    assert values(draft, "date") == ["2019-03-12"]
    assert provenances(draft, "date")[0].startswith("text line ")
    assert values(draft, "language") == ["en"]
    assert "Lisbon" in values(draft, "coverage")
    # the lede is the first paragraph alone: the PDF's paragraph spacing became blank lines
    assert values(draft, "description") == [
        "Lisbon - The Harbour Alliance today published a study showing that flood risk in Lisbon has doubled "
        "in ten years. The study calls on the city to renew its sea walls."]
    notes = "\n".join(draft.notes)
    assert "PDF document information: Title 'Microsoft Word - draft3.docx' not used" in notes
    assert "PDF document information: Author 'jsmith' not used" in notes
    assert "the text's value was kept over PDF document information: CreationDate" in notes
    assert "PDF text: read from all 2 pages" in draft.notes
    assert not any("PDFMaker" in v or "Microsoft" in v for v in values(draft, "creator"))


def test_clean_title_and_keywords_from_both_stores(tmp_path: Path):
    xmp = xmp_packet(dc_subject=["water quality", "rivers"], dc_creator=["River Watch Network"],
                     dc_language=["en-GB"], dc_rights=["CC BY 4.0"])
    path = write_pdf(tmp_path / "notes.pdf", [UNDATED], xmp=xmp, info={
        "Title": "River water quality, third quarter", "Keywords": "nitrates; sampling, Rivers"})
    draft = within(TIMEOUT, describe_pdf, path, "notes.pdf")

    assert values(draft, "title") == ["River water quality, third quarter"]
    assert provenances(draft, "title") == ["PDF document information: Title"]
    subjects = dict(zip(values(draft, "subject"), provenances(draft, "subject")))
    assert subjects["water quality"] == "PDF XMP: dc:subject"
    assert subjects["rivers"] == "PDF XMP: dc:subject"
    assert subjects["nitrates"] == subjects["sampling"] == "PDF document information: Keywords"
    assert "Rivers" not in subjects  # the same keyword from the older store is not repeated
    assert values(draft, "creator") == ["River Watch Network"]
    assert provenances(draft, "creator") == ["PDF XMP: dc:creator"]
    assert values(draft, "language") == ["en"] and provenances(draft, "language") == ["PDF XMP: dc:language"]
    assert values(draft, "rights") == ["CC BY 4.0"] and provenances(draft, "rights") == ["PDF XMP: dc:rights"]


@pytest.mark.parametrize("info_mod, xmp_date, winner", [
    ("D:20200101000000Z", "2019-06-01T00:00:00Z", "PDF document information: Title"),
    ("D:20190101000000Z", "2019-06-01T00:00:00Z", "PDF XMP: dc:title"),
    (None, None, "PDF XMP: dc:title"),
])
def test_the_newer_store_wins(tmp_path: Path, info_mod, xmp_date, winner):
    xmp = xmp_packet(dc_title="Sea wall survey (XMP title)", **({"xmp_MetadataDate": xmp_date} if xmp_date else {}))
    info = {"Title": "Sea wall survey (information title)", **({"ModDate": info_mod} if info_mod else {})}
    draft = within(TIMEOUT, describe_pdf, write_pdf(tmp_path / "s.pdf", [UNDATED], info=info, xmp=xmp), "s.pdf")
    assert provenances(draft, "title") == [winner]
    assert any(n.startswith(f"title: {winner} used over ") for n in draft.notes)


def test_junk_in_the_newer_store_leaves_the_other_stores_value(tmp_path: Path):
    xmp = xmp_packet(dc_title="Untitled", dc_creator=["Administrator"])
    draft = within(TIMEOUT, describe_pdf, write_pdf(tmp_path / "j.pdf", [UNDATED], xmp=xmp, info={
        "Title": "Quarterly river notes", "Author": "River Watch Network"}), "j.pdf")
    assert provenances(draft, "title") == ["PDF document information: Title"]
    assert values(draft, "creator") == ["River Watch Network"]
    assert any("PDF XMP: dc:title 'Untitled' not used" in n for n in draft.notes)


def test_creation_date_fills_in_when_the_text_has_none(tmp_path: Path):
    path = write_pdf(tmp_path / "u.pdf", [UNDATED], info={"CreationDate": "D:20180704093000Z"})
    draft = within(TIMEOUT, describe_pdf, path, "u.pdf")
    assert values(draft, "date") == ["2018-07-04"]
    assert provenances(draft, "date") == ["PDF document information: CreationDate"]
    assert "the text states none" in draft.elements["date"][0].note


def test_xmp_create_date_and_placeholder_dates(tmp_path: Path):
    xmp = xmp_packet(xmp_CreateDate="2017-11-02T08:00:00+01:00")
    draft = within(TIMEOUT, describe_pdf, write_pdf(tmp_path / "x.pdf", [UNDATED], xmp=xmp), "x.pdf")
    assert values(draft, "date") == ["2017-11-02"] and provenances(draft, "date") == ["PDF XMP: xmp:CreateDate"]
    draft = within(TIMEOUT, describe_pdf, write_pdf(tmp_path / "z.pdf", [UNDATED], info={
        "CreationDate": "D:19700101000000Z"}), "z.pdf")
    assert "date" not in draft.elements
    assert any("placeholder" in n for n in draft.notes)


def test_xmp_with_a_doctype_is_refused_and_the_text_still_read(tmp_path: Path):
    hostile = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
               b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&e;</x:xmpmeta>')
    draft = within(TIMEOUT, describe_pdf, write_pdf(tmp_path / "d.pdf", [RELEASE], xmp=hostile), "d.pdf")
    assert any(n.startswith("PDF: the XMP metadata stream could not be read") and "DOCTYPE" in n for n in draft.notes)
    assert values(draft, "title") == ["Harbour Alliance warns of rising flood risk in Lisbon"]


def test_an_unusable_xmp_language_is_noted(tmp_path: Path):
    xmp = xmp_packet(dc_language=["x-default"])
    draft = within(TIMEOUT, describe_pdf, write_pdf(tmp_path / "l.pdf", [RELEASE], xmp=xmp), "l.pdf")
    assert provenances(draft, "language") == ["inferred: language detection"]
    assert any("'x-default' is not an ISO 639-1 language tag" in n for n in draft.notes)


def test_ten_thousand_pages_read_only_the_first(tmp_path: Path):
    path = write_many_pages_pdf(tmp_path / "many.pdf", 10_000, "Tide table entry for the harbour.")
    draft = within(TIMEOUT, describe_pdf, path, "many.pdf")
    assert "PDF text: read from 20 of 10000 pages (the limit is 20 pages)" in draft.notes
    draft = within(TIMEOUT, describe_pdf, path, "many.pdf", limits=Limits(max_pages=3))
    assert "PDF text: read from 3 of 10000 pages (the limit is 3 pages)" in draft.notes


def test_the_page_walk_never_reaches_past_the_limit(tmp_path: Path, monkeypatch):
    built: list[object] = []

    class CountingPage(pdf_module.PageObject):
        def __init__(self, *args, **kwargs):
            built.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(pdf_module, "PageObject", CountingPage)
    path = write_many_pages_pdf(tmp_path / "many.pdf", 10_000)
    within(TIMEOUT, describe_pdf, path, "many.pdf", limits=Limits(max_pages=5))
    assert len(built) == 6  # five pages read and one seen to exist


def test_a_document_without_a_page_tree(tmp_path: Path):
    path = tmp_path / "nopages.pdf"
    path.write_bytes(assemble([b"<< /Type /Catalog >>", b"<< /Title (Harbour survey notes) >>"], info=2))
    draft = within(TIMEOUT, describe_pdf, path, "nopages.pdf")
    assert values(draft, "title") == ["Harbour survey notes"]
    assert "PDF text: none read: the document has no page tree" in draft.notes


class FakeClock:
    """time.monotonic for the describer: it moves by ``step`` at every reading and by 1 per page read."""

    def __init__(self, step: float = 0.0) -> None:
        self.now, self.step = 0.0, step

    def monotonic(self) -> float:
        self.now += self.step
        return self.now


def _clocked(monkeypatch, clock: FakeClock) -> None:
    original = pdf_module._page_text

    def one_second_per_page(page):
        clock.now += 1
        return original(page)

    monkeypatch.setattr(pdf_module, "time", clock)
    monkeypatch.setattr(pdf_module, "_page_text", one_second_per_page)


def test_time_limit_stops_after_the_current_page(tmp_path: Path, monkeypatch):
    clock = FakeClock()
    _clocked(monkeypatch, clock)
    pages = [f"Page {n} of the harbour survey, section {n}." for n in range(1, 6)]
    draft = describe_pdf(write_pdf(tmp_path / "t.pdf", pages), "t.pdf", limits=Limits(max_seconds=2.5))
    assert "PDF text: read from 3 of 5 pages: stopped when the time limit of 2.5 s was reached" in draft.notes
    assert clock.now == 3  # three pages extracted, no fourth


def test_time_limit_also_bounds_the_page_tree_walk(tmp_path: Path, monkeypatch):
    _clocked(monkeypatch, FakeClock(step=1))
    draft = describe_pdf(write_pdf(tmp_path / "t.pdf", ["One page."] * 3), "t.pdf", limits=Limits(max_seconds=0.5))
    assert "PDF text: read from 0 of 3 pages: the page tree was walked until the time limit of 0.5 s" in draft.notes


def test_a_file_over_the_byte_limit_is_not_parsed(tmp_path: Path):
    path = write_pdf(tmp_path / "big.pdf", [RELEASE], info={"Title": "A clean title for the study"})
    draft = within(TIMEOUT, describe_pdf, path, "big.pdf", limits=Limits(max_bytes=512))
    assert draft.elements == {}
    assert any(n.startswith("PDF: not parsed: ") and "over the limit of 512" in n for n in draft.notes)


def test_encrypted_with_a_password(tmp_path: Path):
    path = write_pdf(tmp_path / "e.pdf", [RELEASE], info={"Title": "Confidential harbour plan"}, encrypt="s3cret")
    draft = within(TIMEOUT, describe_pdf, path, "e.pdf")
    assert draft.elements == {}
    assert any(n.startswith("PDF: encrypted with a password") for n in draft.notes)


def test_encrypted_without_a_user_password_is_read(tmp_path: Path):
    path = write_pdf(tmp_path / "o.pdf", [RELEASE], info={"Title": "Open harbour plan"}, encrypt="")
    draft = within(TIMEOUT, describe_pdf, path, "o.pdf")
    assert values(draft, "title") == ["Open harbour plan"]
    assert values(draft, "date") == ["2019-03-12"]
    assert "PDF: encrypted without a user password; read with the empty password" in draft.notes


def test_looping_page_tree_and_info(tmp_path: Path):
    path = write_looping_pdf(tmp_path / "loop.pdf", "A page of a looping tree.")
    draft = within(TIMEOUT, describe_pdf, path, "loop.pdf")
    assert values(draft, "description") == ["A page of a looping tree."]
    notes = "\n".join(draft.notes)
    assert "(a loop); not followed" in notes
    assert "PDF text: read from all 1 pages found (the page tree declares 1000000)" in notes
    assert "the document information dictionary could not be read" in notes


def test_deep_nesting_is_a_note(tmp_path: Path):
    path = write_deep_pdf(tmp_path / "deep.pdf", text="A shallow first page.")
    draft = within(TIMEOUT, describe_pdf, path, "deep.pdf")
    assert values(draft, "description") == ["A shallow first page."]
    assert "PDF text: page 2 could not be read (objects nested too deeply (RecursionError))" in draft.notes
    assert any("document information dictionary could not be read" in n for n in draft.notes)


def test_broken_xref_is_repaired_and_noted_never_printed(tmp_path: Path, capfd):
    draft = within(TIMEOUT, describe_pdf, write_broken_xref_pdf(tmp_path / "x.pdf", [RELEASE]), "x.pdf")
    assert values(draft, "title") == ["Harbour Alliance warns of rising flood risk in Lisbon"]
    assert any(n.startswith("PDF: the parser worked around damage: ") for n in draft.notes)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


@pytest.mark.parametrize("write", [
    lambda p: write_truncated_pdf(p, [RELEASE], keep=0.5),
    lambda p: write_truncated_pdf(p, [RELEASE], keep=0.97),
    lambda p: write_garbage_pdf(p, seed=1),
    lambda p: write_garbage_pdf(p, size=0),
], ids=["truncated-half", "truncated-end", "random-bytes", "header-only"])
def test_unreadable_files_give_a_note(tmp_path: Path, capfd, write):
    draft = within(TIMEOUT, describe_pdf, write(tmp_path / "bad.pdf"), "bad.pdf")
    assert draft.notes and any(n.startswith("PDF") for n in draft.notes)
    assert capfd.readouterr().err == ""


def test_a_symlink_is_not_followed(tmp_path: Path):
    target = write_pdf(tmp_path / "real.pdf", [RELEASE])
    link = tmp_path / "link.pdf"
    link.symlink_to(target)
    draft = within(TIMEOUT, describe_pdf, link, "link.pdf")
    assert draft.elements == {} and any(n.startswith("PDF: cannot be opened") for n in draft.notes)


def test_interrupts_propagate(tmp_path: Path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pdf_module, "PdfReader", interrupted)
    with pytest.raises(KeyboardInterrupt):
        describe_pdf(write_pdf(tmp_path / "k.pdf", [RELEASE]), "k.pdf")


_SOUND = pdf_bytes([RELEASE, UNDATED], info={"Title": "Harbour study", "CreationDate": "D:20190301"},
                   xmp=xmp_packet(dc_title="Harbour study", dc_subject=["floods"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, len(_SOUND) - 1), st.binary(min_size=0, max_size=8)), max_size=6),
       st.integers(1, len(_SOUND)))
def test_damaged_pdfs_never_raise(tmp_path: Path, edits, cut):
    data = bytearray(_SOUND[:cut])
    for at, replacement in edits:
        data[at:at + len(replacement)] = replacement
    path = tmp_path / "fuzz.pdf"
    path.write_bytes(bytes(data))
    draft = within(30, describe_pdf, path, "fuzz.pdf")
    assert isinstance(draft, Draft)
