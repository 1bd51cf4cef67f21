"""Completeness for deposit: what a record lacks, where to supply it, and the two levels together."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from preserve.record import PLACEHOLDER_TITLE, Record, Value
from preserve.validate.deposit import (DEPOSIT_ELEMENTS, Missing, check_record, incomplete_message,
                                       missing_for_deposit, needs_language)

COMPLETE = {"title": "Harbour works begin", "identifier": "urn:preserve:x", "type": "Text",
            "format": "text/plain; charset=utf-8", "language": "en", "rights": "CC0 1.0"}


def _record(**elements: str | list[str]) -> Record:
    return Record("x", {k: [Value(v, "curator sheet") for v in ([vs] if isinstance(vs, str) else vs)]
                        for k, vs in elements.items()})


def _missing(record: Record) -> list[str]:
    return [m.element for m in missing_for_deposit(record)]


def test_a_complete_record_lacks_nothing():
    assert missing_for_deposit(_record(**COMPLETE)) == []
    assert check_record(_record(**COMPLETE)).complete


def test_each_missing_element_says_where_to_supply_it():
    assert str(Missing("rights")) == "no rights (set rights in preserve.toml or dc.rights in metadata.csv)"
    assert str(Missing("language")) == "no language (set language in preserve.toml or dc.language in metadata.csv)"
    assert str(Missing("type")) == "no type (set dc.type in metadata.csv)"
    assert str(Missing("title")) == "no title (set dc.title in metadata.csv)"
    for element in DEPOSIT_ELEMENTS:
        assert f"dc.{element} in metadata.csv" in Missing(element).where
    assert incomplete_message([Missing("type"), Missing("rights")]) == (
        "incomplete for deposit: no type (set dc.type in metadata.csv); "
        "no rights (set rights in preserve.toml or dc.rights in metadata.csv)")


def test_the_title_placeholder_is_no_title_but_a_curators_is():
    record = _record(**COMPLETE)
    record.elements["title"] = [Value(PLACEHOLDER_TITLE, "default", "placeholder")]
    assert _missing(record) == ["title"]
    record.elements["title"] = [Value(PLACEHOLDER_TITLE, "curator sheet")]  # the curator's own choice
    assert _missing(record) == []


@pytest.mark.parametrize("types, needed", [
    ([], True), (["Text"], True), (["StillImage", "Text"], True),
    (["StillImage"], False), (["Sound"], False), (["Dataset"], False), (["MovingImage"], False)])
def test_language_is_needed_for_textual_content_only(types: list[str], needed: bool):
    assert needs_language(types) is needed
    elements = {k: v for k, v in COMPLETE.items() if k not in ("language", "type")}
    record = _record(**elements, **({"type": types} if types else {}))
    expected = (["type"] if not types else []) + (["language"] if needed else [])
    assert _missing(record) == expected


def test_blank_values_are_absent():
    assert _missing(_record(**{**COMPLETE, "rights": "  ", "title": " "})) == ["title", "rights"]


@given(st.sets(st.sampled_from(DEPOSIT_ELEMENTS)))
def test_what_is_removed_is_what_is_missing(removed: set[str]):
    record = _record(**{k: v for k, v in COMPLETE.items() if k not in removed})
    assert _missing(record) == [e for e in DEPOSIT_ELEMENTS if e in removed]


def test_wrong_values_and_missing_elements_are_two_levels():
    check = check_record(_record(title="T", identifier="urn:preserve:x", type="Text", date="2016-02-30",
                                 format="text/plain; charset=utf-8", language="english"))
    assert [(p.field, p.value) for p in check.errors] == [("date", "2016-02-30"), ("language", "english")]
    assert [m.element for m in check.incomplete] == ["rights"]  # a language is there, only wrong
    assert not check.complete


def test_a_wrong_extracted_value_is_dropped_with_a_note_but_a_curator_s_stops_the_release() -> None:
    from preserve.record import Record, Value
    from preserve.validate.deposit import check_record

    record = Record(release_id="r", release_name="r.html")
    record.elements = {"title": [Value("Harbour news", "html <title>")],
                       "language": [Value("xx", "html lang attribute")],
                       "date": [Value("2016-02-30", "curator sheet")]}
    check = check_record(record)
    assert "language" not in record.elements
    assert any(n.startswith("language: html lang attribute value 'xx' dropped") for n in record.notes)
    assert [p.field for p in check.errors] == ["date"]  # the person's value stays, and stops the release
