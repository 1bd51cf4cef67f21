"""The record model: plain form and JSON round trip."""
from __future__ import annotations

import json

from preserve.record import DC_ELEMENTS, RecordFile, Record, Value, from_json, plain, to_json


def test_elements():
    assert len(DC_ELEMENTS) == 15 and DC_ELEMENTS[0] == "title" and DC_ELEMENTS[-1] == "rights"


def test_plain_order_and_empties():
    rec = Record("r", {"rights": [Value("x", "default")], "title": [Value("T", "text line 1")],
                       "date": [Value(" ", "default")]})
    assert list(plain(rec)) == ["title", "rights"]


def test_json_round_trip():
    rec = Record("r", {"date": [Value("2016-11-04", "text line 5", "day-first: ...")]}, ["creator: none"],
                 encoding="utf-8", main_document="a.txt", files=[RecordFile("a.txt", "text/plain", 3)],
                 release_name="a.txt")
    data = to_json(rec)
    assert json.loads(json.dumps(data)) == data
    assert from_json(data) == rec
