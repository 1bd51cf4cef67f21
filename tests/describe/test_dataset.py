"""CSV, TSV and JSON described by their shape, with column names as subjects only where they are words."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from helpers.bounds import peak_memory, within
from helpers.media_files import RAINFALL_HEADER, write_json_records, write_table
from preserve.describe.dataset import MAX_SUBJECTS, describe_dataset, subjects
from preserve.describe.embedded import Limits

RAINFALL_NOTE = ("data: CSV; delimiter ',' (sniffed); 5 columns ('region', 'station_id', 'rainfall', 'temperature', "
                 "'date'); 3 data rows read (the whole file)")


def pairs(draft, element):
    return [(v.value, v.provenance) for v in draft.elements.get(element, [])]


def test_csv_shape_and_subjects(tmp_path):
    draft = describe_dataset(write_table(tmp_path / "rain.csv"), "rain.csv")
    assert RAINFALL_NOTE in draft.notes
    assert pairs(draft, "subject") == [("region", "CSV header row"), ("rainfall", "CSV header row"),
                                       ("temperature", "CSV header row")]
    assert draft.elements["subject"][0].note == "column 'region'"
    assert set(draft.elements) == {"subject"}  # no title, date or creator invented


def test_tsv(tmp_path):
    draft = describe_dataset(write_table(tmp_path / "rain.tsv", delimiter="\t"), "rain.tsv")
    assert any(n.startswith("data: TSV; delimiter '\\t'") and "3 data rows read" in n for n in draft.notes)
    assert pairs(draft, "subject")[0] == ("region", "TSV header row")


def test_semicolons_and_windows_1252(tmp_path):
    path = write_table(tmp_path / "pluie.csv", ["Région", "Précipitations", "Année"],
                       [["Kisumu", "112,5", "2016"], ["Nakuru", "87,0", "2016"]], delimiter=";", encoding="cp1252")
    draft = describe_dataset(path, "pluie.csv")
    assert any("delimiter ';'" in n and "'Région', 'Précipitations', 'Année'" in n for n in draft.notes)
    assert [v for v, _ in pairs(draft, "subject")] == ["région", "précipitations", "année"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_excel_exports_with_a_byte_order_mark(tmp_path, encoding):
    rows = [["Kisumu", "KE-001", "112.5", "24.1", "2016-02-01"]] * 8000  # more than the 64 KiB sample
    path = write_table(tmp_path / "rain.tsv", rows=rows, delimiter="\t", encoding=encoding)
    draft = describe_dataset(path, "rain.tsv")
    assert draft.notes[0] == ("data: TSV; delimiter '\\t' (sniffed); 5 columns ('region', 'station_id', 'rainfall', "
                              "'temperature', 'date'); 8000 data rows read (the whole file)")


def test_no_header_row(tmp_path):
    path = tmp_path / "numbers.csv"
    path.write_text("1,2.5,3\n4,5.5,6\n7,8.5,9\n", encoding="utf-8")
    draft = describe_dataset(path, "numbers.csv")
    assert "subject" not in draft.elements
    assert any("no header row; 3 columns" in n and "3 data rows read" in n for n in draft.notes)


def test_json_array_of_records(tmp_path):
    draft = describe_dataset(write_json_records(tmp_path / "rain.json"), "rain.json")
    assert any(n.startswith("data: JSON; a top-level array; 5 columns") and "3 records read (the whole file)" in n
               for n in draft.notes)
    assert pairs(draft, "subject")[:2] == [("region", "JSON keys"), ("rainfall", "JSON keys")]


def test_json_object(tmp_path):
    path = tmp_path / "survey.json"
    path.write_text(json.dumps({"survey": "wells 2016", "households": [{"a": 1}] * 4, "villages": ["a", "b"]}))
    draft = describe_dataset(path, "survey.json")
    note = next(n for n in draft.notes if n.startswith("data: JSON"))
    assert "a top-level object" in note and "'households': a list of 4 items" in note
    assert "3 members read (the whole file)" in note
    assert [v for v, _ in pairs(draft, "subject")] == ["survey", "households", "villages"]


@pytest.mark.parametrize("column, subject", [
    ("rainfall", "rainfall"), ("refugeeArrivals", "refugee arrivals"), ("water_access", "water access"),
    ("id", None), ("station_id", None), ("col1", None), ("2016", None), ("Unnamed: 0", None), ("name", None),
    ("Date", None), ("x", None), ("ISO code", None), ("lat", None), ("total_value", None)])
def test_column_names_as_subjects(column, subject):
    assert [s for _, s in subjects([column])] == ([subject] if subject else [])


def test_at_most_eight_subjects():
    columns = ["rainfall", "temperature", "humidity", "wind speed", "cholera cases", "wells", "pumps", "latrines",
               "schools", "clinics"]
    assert len(subjects(columns)) == MAX_SUBJECTS == 8


# --------------------------------------------------------------------------- hostile input
def test_csv_with_one_50_megabyte_line(tmp_path):
    path = tmp_path / "line.csv"
    with open(path, "wb") as f:
        f.write(b"region,rainfall\n")
        f.write(b"x" * (50 << 20))
    draft, peak = within(120, peak_memory, describe_dataset, path, "line.csv")
    assert any("stopped: a line longer than 1048576 characters" in n for n in draft.notes)
    assert pairs(draft, "subject") == [("region", "CSV header row"), ("rainfall", "CSV header row")]
    assert peak < 24 << 20


def test_a_sample_that_makes_csv_sniffer_quadratic(tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_text('region,rainfall\n' + ', "x' * 16384 + "\n" + 'a,"' * 21845 + "\n", encoding="utf-8")
    draft = within(20, describe_dataset, path, "quotes.csv")  # csv.Sniffer alone takes over 30 s on it
    assert draft.notes[0].startswith("data: CSV; delimiter ','")


def test_csv_longer_than_the_byte_bound(tmp_path):
    path = write_table(tmp_path / "rain.csv", rows=[["Kisumu", "KE-001", "112.5", "24.1", "2016-02-01"]] * 2000)
    draft = describe_dataset(path, "rain.csv", limits=Limits(max_bytes=4096))
    assert any("stopped: the first 4096 bytes were read" in n for n in draft.notes)


def test_malformed_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[{"region": "Kisumu"}, {"region": ', encoding="utf-8")
    draft = describe_dataset(path, "bad.json")
    assert any("1 records read (stopped: malformed JSON" in n for n in draft.notes)


def test_deeply_nested_json(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" + "[" * 200_000 + "]" * 200_000 + "]", encoding="utf-8")
    draft = within(60, describe_dataset, path, "deep.json")
    assert any("nested too deeply" in n for n in draft.notes)


def test_a_json_record_larger_than_the_record_bound(tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"region": "Kisumu"}, {"text": "x" * (9 << 20)}]), encoding="utf-8")
    draft, peak = within(120, peak_memory, describe_dataset, path, "big.json")
    assert any("1 records read (stopped: a record longer than" in n for n in draft.notes)
    assert peak < 64 << 20


def test_json_that_is_not_an_array_or_object(tmp_path):
    (tmp_path / "n.json").write_text("42", encoding="utf-8")
    draft = describe_dataset(tmp_path / "n.json", "n.json")
    assert draft.elements == {}
    assert any(n.startswith("data: not read (ValueError: not a JSON array or object)") for n in draft.notes)


def test_binary_bytes_named_csv(tmp_path):
    (tmp_path / "x.csv").write_bytes(bytes(range(256)) * 10)
    draft = describe_dataset(tmp_path / "x.csv", "x.csv")
    assert any(n.startswith("data: not read (ValueError: its first bytes are not text)") for n in draft.notes)


def test_many_rows_are_counted(tmp_path):
    path = write_table(tmp_path / "rain.csv", rows=[["Kisumu", "KE-001", "112.5", "24.1", "2016-02-01"]] * 100_000)
    draft = within(120, describe_dataset, path, "rain.csv")
    assert any("100000 data rows read (the whole file)" in n for n in draft.notes)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=st.sampled_from(list('ab,;\t"\n\r1{}[]: ')), max_size=300),
       name=st.sampled_from(["f.csv", "f.tsv", "f.json"]))
def test_any_text_gives_a_draft(text, name):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        draft = describe_dataset(path, name)
    assert draft.notes and draft.notes[0].startswith("data: ")
    assert set(draft.elements) <= {"subject"}


def test_the_rainfall_header_is_what_the_fixture_writes():
    assert RAINFALL_HEADER == ["region", "station_id", "rainfall", "temperature", "date"]
