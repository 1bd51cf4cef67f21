"""Bagging one release: the statuses bag_release returns, identification from the copy, the warm-up."""
from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

import preserve.pipeline.release as bag_release_module
from preserve import formats
from preserve.describe import describe_release
from preserve.pipeline.options import BagOptions
from preserve.pipeline.release import bag_release, warm_up
from preserve.intake.config import load_config
from preserve.intake.releases import discover
from helpers.paths import in_bag
from preserve.pipeline import bag_collection
from preserve.verify.checks import verify_bag


def _release(collection: Path, release_id: str):
    return next(r for r in discover(collection).releases if r.id == release_id)


def test_statuses_of_one_release(collection: Path, tmp_path: Path) -> None:
    """created, then skipped (identical), refused (changed, no force), replaced (force)."""
    out = tmp_path / "bags"
    out.mkdir()
    config = load_config(collection)
    first = bag_release(_release(collection, "alpha"), out, config=config)
    assert (first.status, first.ok, first.path) == ("created", True, out / "alpha")
    assert verify_bag(out / "alpha").ok
    again = bag_release(_release(collection, "alpha"), out, config=config)
    assert (again.status, again.message) == ("skipped", "identical bag already present")
    (collection / "alpha.txt").write_text("Alpha release, changed\n\nIssued 3 March 2017 by Example Org.\n")
    refused = bag_release(_release(collection, "alpha"), out, config=config)
    assert (refused.status, refused.ok) == ("refused", False) and "--force" in refused.message
    replaced = bag_release(_release(collection, "alpha"), out, config=config, options=BagOptions(force=True))
    assert replaced.status == "replaced" and replaced.message == ""
    assert in_bag(out / "alpha", "alpha.txt").read_text().startswith("Alpha release, changed")


def _premis_validation(bag: Path) -> str:
    premis = (bag / "data" / bag.name / "metadata" / "preservation" / "premis.xml").read_text(encoding="utf-8")
    return premis[premis.index("<premis:eventType>validation"):].split("</premis:event>")[0]


def test_an_incomplete_record_is_bagged_and_says_what_it_lacks(collection: Path, tmp_path: Path) -> None:
    """beta is binary: without the curator's sheet its record has no type, so also needs a language."""
    outcome = bag_release(_release(collection, "beta"), tmp_path, config=load_config(collection))
    assert (outcome.status, outcome.ok, outcome.message) == ("created", True, "")
    assert "no type (set dc.type in metadata.csv)" in outcome.incomplete
    assert "no rights" not in " ".join(outcome.incomplete)  # preserve.toml gives it
    assert verify_bag(tmp_path / "beta").ok
    event = _premis_validation(tmp_path / "beta")
    assert "<premis:eventOutcome>incomplete</premis:eventOutcome>" in event
    notes = re.findall(r"<premis:eventOutcomeDetailNote>(.*?)</premis:eventOutcomeDetailNote>", event)
    assert notes == outcome.incomplete
    readme = (tmp_path / "beta" / "data" / "beta" / "documentation" / "README.txt").read_text(encoding="utf-8")
    assert "incomplete for deposit" in readme and all(m in readme for m in outcome.incomplete)


def test_strict_refuses_an_incomplete_record_and_writes_nothing(collection: Path, tmp_path: Path) -> None:
    out = tmp_path / "bags"
    out.mkdir()
    outcome = bag_release(_release(collection, "beta"), out, config=load_config(collection),
                          options=BagOptions(strict=True))
    assert (outcome.status, outcome.ok) == ("incomplete", False)
    assert outcome.message == "incomplete for deposit: " + "; ".join(outcome.incomplete)
    assert list(out.iterdir()) == []


def test_a_complete_record_validates_with_success(collection: Path, tmp_path: Path) -> None:
    outcome = bag_release(_release(collection, "alpha"), tmp_path, config=load_config(collection),
                          options=BagOptions(strict=True))
    assert (outcome.status, outcome.incomplete) == ("created", [])
    event = _premis_validation(tmp_path / "alpha")
    assert "<premis:eventOutcome>success</premis:eventOutcome>" in event and "record is valid" in event
    readme = (tmp_path / "alpha" / "data" / "alpha" / "documentation" / "README.txt").read_text(encoding="utf-8")
    assert "incomplete" not in readme


def test_a_wrong_value_is_not_bagged(collection: Path, tmp_path: Path) -> None:
    release = _release(collection, "alpha")
    record = describe_release(release, load_config(collection), {"date": ["2017-02-30"]})
    outcome = bag_release(release, tmp_path, config=load_config(collection), record=record)
    assert (outcome.status, outcome.ok) == ("invalid", False)
    assert outcome.message.startswith("invalid metadata: date: '2017-02-30': ")
    assert not (tmp_path / "alpha").exists()


@pytest.mark.parametrize("jobs", [1, 2])
def test_identify_builtin_from_the_copy_is_identify_many_of_the_copies(tmp_path: Path, jobs: int,
                                                                      monkeypatch) -> None:
    """--identify builtin sniffs each file from the copy's own reads: as identify_many of the copies."""
    src = tmp_path / "src"
    (src / "rel" / "sub").mkdir(parents=True)
    files = {"a.txt": b"plain text\n", "b.PNG": b"\x89PNG\r\n\x1a\n" + bytes(40), "c.pdf": b"%PDF-1.4\n",
             "sub/d.tar.gz": b"\x1f\x8b" + bytes(300_000), "sub/e": b"", "f.md": "\u00e9".encode() * 9000,
             "g.bin": bytes(range(256)) * 40}
    for name, data in files.items():
        (src / "rel" / name).write_bytes(data)
    (src / "metadata.csv").write_text("filename,dc.language,dc.type,dc.rights\nrel/,zxx,Dataset,CC0\n")
    seen = []
    real = bag_release_module.package_input

    def spy(release, record, fixities, found, *args, **kwargs):
        seen.append(list(found))
        return real(release, record, fixities, found, *args, **kwargs)

    monkeypatch.setattr(bag_release_module, "package_input", spy)
    monkeypatch.setattr(bag_release_module, "identify_many", lambda *a, **k: pytest.fail("the copies were read again"))
    result = bag_collection(src, tmp_path / "bags", BagOptions(identify="builtin", jobs=jobs))
    assert result.exit_code == 0, result.as_dict()
    release = discover(src).releases[0]
    copies = [in_bag(tmp_path / "bags" / release.id, f.relpath) for f in release.files]
    assert seen == [formats.identify_many(copies, engine="builtin")]


def test_packaging_loads_warm_up_once_per_process_on_a_thread(monkeypatch) -> None:
    """What packaging needs after the copy (validators, Siegfried's signatures) loads on a
    thread started with the first copy; later releases find it loaded and start nothing."""
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(bag_release_module, "_warm_started", False)
    monkeypatch.setattr(bag_release_module, "get_schema", lambda kind: calls.append(("schema", kind)))
    monkeypatch.setattr(bag_release_module, "identifier", lambda engine: calls.append(("identifier", engine)))
    monkeypatch.setattr(bag_release_module, "load_signatures", lambda engine: calls.append(("signatures", engine)))
    thread = warm_up("siegfried")
    assert isinstance(thread, threading.Thread) and thread is not threading.current_thread()
    thread.join()
    assert calls == [("schema", "mets"), ("schema", "premis"), ("schema", "dc"),
                     ("identifier", "siegfried"), ("signatures", "siegfried")]
    assert warm_up("siegfried") is None and len(calls) == 5


def test_a_failing_warm_up_stays_silent(monkeypatch) -> None:
    """The caller's own load reports a broken schema or identifier; the thread says nothing."""
    raised: list[object] = []
    monkeypatch.setattr(threading, "excepthook", raised.append)
    monkeypatch.setattr(bag_release_module, "_warm_started", False)

    def broken(kind: str) -> None:
        raise RuntimeError("schema missing")

    monkeypatch.setattr(bag_release_module, "get_schema", broken)
    warm_up("builtin").join()
    assert raised == []
