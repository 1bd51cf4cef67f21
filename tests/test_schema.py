"""The deposit schema: required elements, value formats, every problem listed."""
from __future__ import annotations

import json
from importlib.resources import files

from jsonschema import Draft202012Validator

from preserve.schema import validate_record

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


def test_every_problem_listed():
    bad = {"date": ["2016-02-30"], "format": ["text/plain"], "language": ["english"], "type": ["text"]}
    problems = validate_record(bad, "rel")
    fields = sorted(p.field for p in problems)
    assert fields == ["date", "format", "identifier", "language", "rights", "title", "type"]
    assert all(p.release == "rel" and p.expectation for p in problems)
    date = next(p for p in problems if p.field == "date")
    assert date.value == "2016-02-30" and "EDTF" in date.expectation


def test_single_valued_and_unknown():
    problems = validate_record({**GOOD, "title": ["A", "B"], "colour": ["x"]}, "r")
    assert {p.field for p in problems} == {"title", "colour"}
