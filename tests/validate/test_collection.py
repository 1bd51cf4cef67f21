"""Checking a collection's records at both levels (`preserve validate`)."""
from __future__ import annotations

from pathlib import Path

from preserve.record import Record, Value
from preserve.validate.collection import check_collection, check_records


def _record(release_id: str, **elements: str) -> Record:
    return Record(release_id, {k: [Value(v, "curator sheet")] for k, v in elements.items()})


def test_every_record_is_checked_and_its_findings_named_by_release():
    good = _record("good", title="T", identifier="urn:preserve:good", type="Text",
                   format="text/plain; charset=utf-8", language="en", rights="CC0")
    bad = _record("bad", title="T", identifier="urn:preserve:bad", type="Text", format="text/plain",
                  language="en")
    checks = check_records([good, bad])
    assert [c.release for c in checks] == ["good", "bad"]
    assert checks[0].complete
    assert [p.field for p in checks[1].errors] == ["format"]  # a wrong value
    assert [m.element for m in checks[1].incomplete] == ["rights"]  # an absent one
    assert check_records([]) == []


def test_a_collection_is_described_then_checked(tmp_path: Path):
    (tmp_path / "one.txt").write_text("A headline\n\n12 January 2022\n\nThe body of the release.\n")
    (tmp_path / "preserve.toml").write_text('rights = "CC0"\n')
    assert [c.complete for c in check_collection(tmp_path)] == [True]
    (tmp_path / "preserve.toml").write_text('language = "en"\n')
    [check] = check_collection(tmp_path)
    assert (check.release, check.errors, [m.element for m in check.incomplete]) == ("one", (), ["rights"])
    (tmp_path / "metadata.csv").write_text("filename,dc.date,dc.rights\none.txt,2022-02-30,CC0\n")
    [check] = check_collection(tmp_path)
    assert [(p.field, p.value) for p in check.errors] == [("date", "2022-02-30")] and not check.incomplete
