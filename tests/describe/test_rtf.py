"""RTF: the \\info group with provenance, the text through striprtf, bounds on hostile files."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.bounds import within
from helpers.office_files import (BODY, HEADLINE, SILENT_BODY, large_paragraphs, provenance, rtf_document, values,
                                  write_rtf)
from preserve.describe.embedded import Limits
from preserve.describe.rtf import describe_rtf, read_rtf, rtf_text
from preserve.describe.text import Draft

INFO = {"title": "Rural water funding statement", "author": "Water Coalition", "subject": "Rural water access",
        "keywords": "water, rural development; funding", "doccomm": "A statement on rural water funding.",
        "creatim": dt.datetime(2021, 3, 10, 9, 30)}


def described(path: Path, **kwargs) -> Draft:
    return within(60, describe_rtf, path, path.name, **kwargs)


def test_info_group_values_win_with_their_provenance(tmp_path):
    draft = described(write_rtf(tmp_path / "s.rtf", headings=[HEADLINE], paragraphs=BODY, info=INFO))
    assert values(draft, "title") == ["Rural water funding statement"]
    assert provenance(draft, "title") == ["RTF info: title"]
    assert values(draft, "description") == ["A statement on rural water funding."]
    assert provenance(draft, "description") == ["RTF info: doccomm"]
    assert values(draft, "subject") == ["Rural water access", "water", "rural development", "funding"]
    assert values(draft, "date") == ["2021-03-15"]  # the text's issue date wins over \creatim
    assert any("kept over RTF info: creatim '2021-03-10'" in n for n in draft.notes)


def test_junk_info_gives_way_to_the_text(tmp_path):
    info = {"title": "Document1", "author": "Administrator", "operator": "Jane Smith"}
    draft = described(write_rtf(tmp_path / "s.rtf", headings=[HEADLINE], paragraphs=BODY, info=info))
    assert values(draft, "title") == [HEADLINE] and provenance(draft, "title")[0].startswith("text line")
    assert values(draft, "creator") == ["Water Coalition"]
    assert values(draft, "language") == ["en"]
    assert any("'Administrator' not used" in n for n in draft.notes)
    assert "Jane Smith" not in values(draft, "creator")  # \operator saved it last: never a creator


def test_creatim_fills_the_date_when_the_text_has_none(tmp_path):
    draft = described(write_rtf(tmp_path / "s.rtf", paragraphs=SILENT_BODY, info=INFO))
    assert values(draft, "date") == ["2021-03-10"] and provenance(draft, "date") == ["RTF info: creatim"]
    assert values(draft, "creator") == ["Water Coalition"] and provenance(draft, "creator") == ["RTF info: author"]


def test_company_is_a_note_and_revtim_never_a_date(tmp_path):
    path = write_rtf(tmp_path / "s.rtf", paragraphs=SILENT_BODY, info={"company": "Example Ltd"})
    data = path.read_bytes().replace(b"{\\info", b"{\\info{\\revtim\\yr2022\\mo5\\dy1}")
    path.write_bytes(data)
    draft = described(path)
    assert "publisher" not in draft.elements and "date" not in draft.elements
    assert any(n.startswith("publisher: RTF info: company 'Example Ltd'") for n in draft.notes)
    assert any("revtim '2022-05-01' not used" in n for n in draft.notes)


def test_non_ascii_in_info_and_text(tmp_path):
    path = write_rtf(tmp_path / "s.rtf", headings=["Déclaration sur l’eau potable 💧"],
                     paragraphs=["Café et écoles rurales."], info={"title": "Déclaration sur l’eau"})
    path.write_bytes(path.read_bytes().replace(b"rurales", b"rural\\'e9s"))  # an 8-bit escape, cp1252
    text, props, _ = read_rtf(path)
    assert props == [("title", "RTF info: title", "Déclaration sur l’eau")]
    assert "Déclaration sur l’eau potable 💧" in text and "ruralés" in text


def test_pictures_binary_data_and_ignorable_groups_are_not_text(tmp_path):
    extra = ("{\\*\\themedata " + "ab" * 50_000 + "}\n{\\pict\\pngblip " + "0f" * 100_000 + "}\n"
             "{\\object{\\*\\objdata 0102}{\\result hidden}}\\bin5 {}{}x{\\*\\generator Writer}")
    path = write_rtf(tmp_path / "s.rtf", headings=[HEADLINE], paragraphs=BODY, info=INFO, extra=extra)
    text, _, notes = read_rtf(path)
    assert text.split() == " ".join([HEADLINE, *BODY]).split()
    assert not any("not fully read" in n for n in notes)


def test_text_is_whole_across_read_chunks(tmp_path):
    paragraphs = [f"Paragraph number {i} of the report on rural water access." for i in range(3000)]
    path = write_rtf(tmp_path / "s.rtf", paragraphs=paragraphs)
    assert path.stat().st_size > 3 * (64 << 10)
    text, _, _ = read_rtf(path, Limits(max_text_chars=10**6))
    assert [line for line in text.splitlines() if line] == paragraphs


def test_text_stops_at_its_window_and_max_bytes(tmp_path):
    path = write_rtf(tmp_path / "s.rtf", headings=[HEADLINE], paragraphs=large_paragraphs(200_000))
    draft = described(path, limits=Limits(max_text_chars=5000))
    assert values(draft, "title") == [HEADLINE]
    assert any(n.startswith("RTF: text read from the first") for n in draft.notes)
    draft = described(path, limits=Limits(max_bytes=4096))
    assert values(draft, "title") == [HEADLINE]
    assert any("4096-byte bound" in n for n in draft.notes)


@pytest.mark.parametrize("body", [
    "{\\field{\\*\\fldinst{HYPERLINK " * 20_000,                # striprtf's link regex backtracks on one line
    "{\\fonttbl " + "\\f0" * 100_000 + "}",                    # and its font-table regex
    "{" * 100_000 + "deep" + "}" * 100_000,                    # nesting
    "}}}} unbalanced {\\b {\\i text",                          # braces that do not match
    "\\u99999999? \\u-10179? \\uc99999 \\bin99999999999 x",     # values out of every range
    "\\bin999999999 " + "x" * 1000,                            # binary longer than the file
    "{\\info{\\title " + "t" * 200_000 + "}}",                  # an \info group past its bound
    "\\ansicpg99999 {\\fonttbl{\\f0\\fcharset78 M;}}\\f0 \\'82\\'a0",  # code pages Python lacks
])
def test_hostile_rtf_is_bounded_and_never_raises(tmp_path, body):
    path = tmp_path / "h.rtf"
    path.write_text("{\\rtf1\\ansi " + body + "}", encoding="ascii")
    assert isinstance(described(path), Draft)


def test_not_rtf_and_empty_files(tmp_path):
    (tmp_path / "e.rtf").write_bytes(b"")
    (tmp_path / "n.rtf").write_bytes(b"\x00\x01binary")
    for name in ("e.rtf", "n.rtf"):
        draft = described(tmp_path / name)
        assert draft.elements == {} and any("does not start with {\\rtf" in n for n in draft.notes)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200))
def test_rtf_escaped_text_comes_back(text):
    out = rtf_text(rtf_document([text]), "cp1252")
    assert " ".join(out.split()) == " ".join(text.split())
