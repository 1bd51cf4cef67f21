"""The record schema: wrong values (formats, vocabularies, counts) are problems, absent elements are not."""
from __future__ import annotations

import json
import re
from importlib.resources import files

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from preserve.validate import schema as schema_mod
from preserve.record import DC_ELEMENTS
from preserve.validate.schema import is_valid_record, validate_record

GOOD = {"title": ["T"], "identifier": ["urn:preserve:x"], "type": ["Text"],
        "format": ["text/plain; charset=utf-8"], "language": ["en"], "rights": ["CC0"]}


def test_schema_is_valid_2020_12():
    schema = json.loads((files("preserve.schemas") / "dublin-core.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")


def test_good_record():
    assert validate_record(GOOD, "r") == []
    assert validate_record({**GOOD, "date": ["XXXX-09-24"], "language": ["zxx"]}, "r") == []
    assert validate_record({**GOOD, "date": ["2016"]}, "r") == []
    assert validate_record({**GOOD, "date": ["2016-11"]}, "r") == []


def test_every_wrong_value_listed_and_no_absent_element():
    bad = {"date": ["2016-02-30"], "format": ["text/plain"], "language": ["english"], "type": ["text"]}
    problems = validate_record(bad, "rel")
    fields = sorted(p.field for p in problems)
    assert fields == ["date", "format", "language", "type"]  # title, rights ... absent: see deposit.py
    assert all(p.release == "rel" and p.expectation for p in problems)
    date = next(p for p in problems if p.field == "date")
    assert date.value == "2016-02-30" and "EDTF" in date.expectation


@pytest.mark.parametrize("date", ["2017-13-01", "2017-00-01", "2017-13", "2017-02-30", "2017-12-32"])
def test_an_impossible_date_is_one_wrong_value_never_an_exception(date: str):
    problems = validate_record({"date": [date]}, "r")
    assert [(p.field, p.value) for p in problems] == [("date", date)]
    assert not is_valid_record({"date": [date]})


def test_an_empty_record_has_no_wrong_value_and_und_is_a_language():
    assert validate_record({}, "r") == [] and is_valid_record({})
    assert validate_record({"language": ["und"]}, "r") == []
    assert [p.field for p in validate_record({"language": ["xx"]}, "r")] == ["language"]


def test_single_valued_and_unknown():
    problems = validate_record({**GOOD, "title": ["A", "B"], "colour": ["x"]}, "r")
    assert {p.field for p in problems} == {"title", "colour"}


def test_fast_check_is_compiled_once():
    pytest.importorskip("fastjsonschema")
    assert schema_mod._compiled() is not None and schema_mod._compiled() is schema_mod._compiled()


def test_dollar_in_sets_is_escaped_for_fastjsonschema():
    escape = schema_mod._escape_dollar_in_sets
    assert escape("^[a$]+$") == "^[a\\$]+$"
    assert escape("[]$]x$") == "[]\\$]x$" and escape("[^]$]") == "[^]\\$]"
    assert escape("\\$[\\]$]") == "\\$[\\]\\$]"
    fmt = schema_mod.schema()["properties"]["format"]["items"]["pattern"]
    assert re.compile(escape(fmt)).pattern != fmt  # the MIME pattern has "$" in a set
    for value in ("text/plain; charset=utf-8", "application/x$y", "text/plain;charset=\"a b\""):
        assert bool(re.search(escape(fmt), value)) == bool(re.search(fmt, value))


def test_trailing_newline_is_decided_by_jsonschema():
    """fastjsonschema's "$" is stricter than jsonschema's: such records go the slow way, same answer."""
    record = {**GOOD, "date": ["2016\n"], "identifier": ["urn:x:y\n"]}
    assert not schema_mod._fast_valid(record)
    assert schema_mod._validator().is_valid(record)
    assert validate_record(record, "r") == [] and is_valid_record(record)


def test_tuples_are_decided_by_jsonschema():
    record = {**GOOD, "title": ("T",)}
    problems = validate_record(record, "r")
    assert [p.field for p in problems] == ["title"] and not is_valid_record(record)


_STRINGS = st.sampled_from([
    "", " ", "T", "x" * 501, "a\n", "2016", "2016-11", "2016-02-30", "2016-02-29", "2015-02-29",
    "XXXX-09-24", "2016\n", "2016/..", "2016-01/2017", "04/11/2016", "text/plain", "image/png",
    "text/plain; charset=utf-8", 'text/html; charset="utf-8"', "application/x$y", "en", "english",
    "zxx", "Text", "text", "StillImage", "urn:preserve:x", "urn:x y", "no-scheme", "CC0"]) | st.text(max_size=8)
_VALUES = (st.lists(_STRINGS, max_size=3) | _STRINGS | st.lists(_STRINGS, max_size=2).map(tuple)
           | st.sampled_from([None, 5, [5], [None], [["T"]], {}]))
_GOOD_VALUES = {"date": ["2016-11", "XXXX-09-24", "2016-02-29", "2016/..", "2016-01/2017"],
                "type": ["Text", "StillImage"], "format": ["text/plain; charset=utf-8", "image/png"],
                "language": ["en", "zxx"], "identifier": ["urn:preserve:x", "https://e.org/a"]}
_SINGLE = ("title", "date", "description")


def _good_values_of(name: str) -> st.SearchStrategy:
    """Values the schema accepts for this element."""
    return st.lists(st.sampled_from(_GOOD_VALUES.get(name, ["T", "Ünï", "a b", "x" * 500])),
                    min_size=1, max_size=1 if name in _SINGLE else 3)


def _values_of(name: str) -> st.SearchStrategy:
    """Mostly values the schema accepts for this element, sometimes anything."""
    return _good_values_of(name) | _good_values_of(name) | _VALUES


#: records that are valid, or nearly so
_GOOD_RECORDS = st.fixed_dictionaries(
    {}, optional={n: _good_values_of(n) for n in DC_ELEMENTS}).map(lambda extra: {**GOOD, **extra})


_RECORDS = st.tuples(
    st.lists(st.sampled_from(DC_ELEMENTS + ("colour",)), max_size=4, unique=True).flatmap(
        lambda names: st.fixed_dictionaries({n: _values_of(n) for n in names})),
    st.sets(st.sampled_from(sorted(GOOD)), max_size=1),
).map(lambda pair: {k: v for k, v in {**GOOD, **pair[0]}.items() if k not in pair[1]})


@settings(max_examples=500, deadline=None)
@given(_GOOD_RECORDS | _RECORDS | st.dictionaries(st.sampled_from(DC_ELEMENTS), _VALUES, max_size=16))
def test_fast_check_and_jsonschema_agree(record):
    """Valid for fastjsonschema only if valid for jsonschema, and the answers are jsonschema's."""
    valid = schema_mod._validator().is_valid(dict(record))
    if schema_mod._fast_valid(dict(record)):
        assert valid
    assert is_valid_record(record) == valid
    assert (validate_record(record, "r") == []) == valid
    plain_lists = all(type(v) is list and all("\n" not in str(s) for s in v) for v in record.values())
    if valid and plain_lists and schema_mod._compiled() is not None:
        assert schema_mod._fast_valid(dict(record))  # valid records do take the fast way


def test_keywords_draft7_would_read_otherwise_turn_the_fast_check_off():
    assert schema_mod._draft7_compatible(schema_mod.schema())
    assert not schema_mod._draft7_compatible({"type": "array", "prefixItems": [{"type": "string"}]})
    assert not schema_mod._draft7_compatible({"properties": {"a": {"items": {"unevaluatedItems": False}}}})
    assert not schema_mod._draft7_compatible({"properties": {"a": {"$ref": "#/$defs/x"}}})


def test_the_shipped_compiled_check_is_made_from_the_shipped_schema():
    """preserve/validate/_compiled.py is regenerated with the schema (`python -m preserve.validate.schema`)."""
    import fastjsonschema

    from preserve.validate import _compiled as shipped

    assert shipped.SCHEMA_SHA256 == schema_mod.schema_sha256(), "schema changed: run python -m preserve.validate.schema"
    if shipped.VERSION == fastjsonschema.VERSION:  # the same generator writes the same text
        assert schema_mod.COMPILED_MODULE.read_text(encoding="utf-8") == schema_mod.compiled_source()


def test_an_edited_schema_is_compiled_not_taken_from_the_shipped_check(monkeypatch):
    import fastjsonschema

    compiled: list[object] = []
    real_compile = fastjsonschema.compile
    monkeypatch.setattr(fastjsonschema, "compile", lambda *a, **k: compiled.append(a) or real_compile(*a, **k))
    schema_mod._compiled.cache_clear()
    try:
        assert schema_mod._fast_valid(dict(GOOD)) and compiled == []  # the shipped check, as made
        monkeypatch.setattr(schema_mod, "schema_sha256", lambda: "0" * 64)
        schema_mod._compiled.cache_clear()
        assert schema_mod._fast_valid(dict(GOOD)) and len(compiled) == 1  # compiled here instead
        assert not schema_mod._fast_valid({**GOOD, "date": ["2016-02-30"]})  # the edtf format still applies
    finally:
        schema_mod._compiled.cache_clear()
