"""Checking a collection's records against the DC schema (`preserve validate`)."""
from __future__ import annotations

from pathlib import Path

from preserve.record import Record, Value
from preserve.validate.collection import validate_collection, validate_records


def _record(release_id: str, **elements: str) -> Record:
    return Record(release_id, {k: [Value(v, "curator sheet")] for k, v in elements.items()})


def test_every_record_is_checked_and_its_problems_named_by_release():
    good = _record("good", title="T", identifier="urn:preserve:good", type="Text",
                   format="text/plain; charset=utf-8", language="en", rights="CC0")
    bad = _record("bad", title="T", identifier="urn:preserve:bad", type="Text", format="text/plain",
                  language="en")
    problems = validate_records([good, bad])
    assert {p.release for p in problems} == {"bad"}
    assert {p.field for p in problems} == {"format", "rights"}
    assert validate_records([]) == []


def test_a_collection_is_described_then_checked(tmp_path: Path):
    (tmp_path / "one.txt").write_text("A headline\n\n12 January 2022\n\nThe body of the release.\n")
    (tmp_path / "preserve.toml").write_text('rights = "CC0"\n')
    assert validate_collection(tmp_path) == []
    (tmp_path / "preserve.toml").write_text('language = "en"\n')
    assert [(p.release, p.field) for p in validate_collection(tmp_path)] == [("one", "rights")]
