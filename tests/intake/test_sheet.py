"""metadata.csv: parsing, errors naming row and column, merging without overwriting."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from preserve.describe import describe_and_write_sheet, describe_collection
from preserve.intake.config import CollectionConfig
from preserve.errors import InputError
from preserve.intake.releases import discover
from preserve.intake.sheet import parse_sheet, read_sheet, render_sheet


def _source(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("First headline\n\n3 March 2017\n\nThe body of release a in Paris and in Paris.\n")
    (src / "b.txt").write_text("Second headline\n\nBody of release b.\n")
    return src


def test_write_then_read(tmp_path):
    src = _source(tmp_path)
    path, records = describe_and_write_sheet(src)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("filename,dc.title,")
    sheet = read_sheet(src, {"a.txt", "b.txt"})
    assert sheet["a.txt"]["title"] == ["First headline"]
    assert sheet["a.txt"]["date"] == ["2017-03-03"]
    assert "identifier" not in sheet["a.txt"]  # derived values are not drafted


def test_curator_values_never_overwritten(tmp_path):
    src = _source(tmp_path)
    (src / "metadata.csv").write_text("filename,dc.title,dc.rights\nobjects/a.txt,Curated,Mine\n", encoding="utf-8")
    describe_and_write_sheet(src)
    sheet = read_sheet(src, {"a.txt", "b.txt"})
    assert sheet["a.txt"] == {"title": ["Curated"], "rights": ["Mine"]}
    assert sheet["b.txt"]["title"] == ["Second headline"]
    recs = describe_collection(src, discover(src).releases, CollectionConfig())
    assert recs[0].elements["title"][0].provenance == "curator sheet"
    assert recs[0].values("rights") == ["Mine"]
    lines = (src / "metadata.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("objects/a.txt,Curated")


def test_repeated_columns_are_values():
    sheet = parse_sheet("filename,dc.creator,dc.creator\nx.txt,A,B\n")
    assert sheet.rows[0].values == {"creator": ["A", "B"]}


@pytest.mark.parametrize("text,needle", [
    ("name,dc.title\nx.txt,T\n", "row 1, column 1"),
    ("filename,dc.titel\nx.txt,T\n", "row 1, column 2: unknown column 'dc.titel'"),
    ("filename,dc.title\n,T\n", "row 2, column 1"),
    ("filename,dc.title\nx.txt,T,extra\n", "row 2, column 3"),
])
def test_malformed_sheets(text, needle):
    with pytest.raises(InputError, match=needle.replace("(", r"\(")):
        parse_sheet(text)


def test_missing_file_and_duplicates(tmp_path):
    src = _source(tmp_path)
    (src / "metadata.csv").write_text("filename,dc.title\nc.txt,T\n")
    with pytest.raises(InputError, match="row 2, column 1.*'c.txt' is not a release"):
        read_sheet(src, {"a.txt", "b.txt"})
    (src / "metadata.csv").write_text("filename,dc.title\na.txt,T\nobjects/a.txt,U\n")
    with pytest.raises(InputError, match="row 3.*already described in row 2"):
        read_sheet(src, {"a.txt", "b.txt"})


def test_not_utf8(tmp_path):
    src = _source(tmp_path)
    (src / "metadata.csv").write_bytes("filename,dc.title\na.txt,Caf\u00e9\n".encode("cp1252"))
    with pytest.raises(InputError, match="row 2, column 2: not UTF-8"):
        read_sheet(src, {"a.txt", "b.txt"})


def test_bom_accepted(tmp_path):
    src = _source(tmp_path)
    (src / "metadata.csv").write_bytes("\ufefffilename,dc.title\na.txt,T\n".encode("utf-8"))
    assert read_sheet(src, {"a.txt", "b.txt"}) == {"a.txt": {"title": ["T"]}}


cell = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20).map(str.strip)


@given(st.lists(st.tuples(st.text(alphabet="abcxyz.", min_size=1, max_size=8), cell, cell), max_size=6,
                unique_by=lambda t: t[0]))
def test_round_trip(rows):
    header = ["filename", "dc.title", "dc.creator"]
    sheet = parse_sheet(render_sheet(header, [list(r) for r in rows]))
    got = {r.filename: r.values for r in sheet.rows}
    for name, title, creator in rows:
        want = {k: [v] for k, v in (("title", title), ("creator", creator)) if v}
        assert got[name] == want
