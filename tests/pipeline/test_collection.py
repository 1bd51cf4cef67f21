"""Bagging a collection through the library API."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import bagit
import pytest

import preserve.bag.writer
from preserve.bag import tagfiles
from helpers.paths import in_bag
from preserve.pipeline import BagOptions, bag_collection, payload_path
from preserve.intake.releases import discover
from preserve.verify.checks import verify_bag


def _manifest(bag: Path, alg: str) -> dict[str, str]:
    entries, problems = tagfiles.parse_manifest((bag / f"manifest-{alg}.txt").read_text(), alg)
    assert problems == []
    return {p: d for d, p, _ in entries}


def test_payload_equals_source_and_manifests_are_complete(collection: Path, tmp_path: Path, tree_digest) -> None:
    before = tree_digest(collection)
    out = tmp_path / "bags"
    result = bag_collection(collection, out)
    assert result.exit_code == 0 and [o.status for o in result.outcomes] == ["created"] * 3
    assert tree_digest(collection) == before
    for release in discover(collection).releases:
        bag = out / release.id
        for f in release.files:
            payload = in_bag(bag, f.relpath)
            assert payload.read_bytes() == f.path.read_bytes()
        payload_files = {str(p.relative_to(bag)) for p in (bag / "data").rglob("*") if p.is_file()}
        for alg in ("sha256", "sha512"):
            manifest = _manifest(bag, alg)
            assert set(manifest) == payload_files
            for path, digest in manifest.items():
                assert hashlib.new(alg, (bag / path).read_bytes()).hexdigest() == digest
        tag_files = {p.name for p in bag.iterdir() if p.is_file() and not p.name.startswith("tagmanifest-")}
        for alg in ("sha256", "sha512"):
            tm = {p: d for d, p, _ in tagfiles.parse_manifest((bag / f"tagmanifest-{alg}.txt").read_text(), alg)[0]}
            assert set(tm) == tag_files
            assert all(hashlib.new(alg, (bag / p).read_bytes()).hexdigest() == d for p, d in tm.items())
        if not any("%" in f.relpath for f in release.files):
            bagit.Bag(str(bag)).validate()
        assert verify_bag(bag).ok


def test_percent_in_name_is_encoded_as_rfc8493_requires(collection: Path, tmp_path: Path) -> None:
    bag_collection(collection, tmp_path / "bags")
    bag = tmp_path / "bags" / "gamma"
    assert "100%25 sure.txt" in (bag / "manifest-sha256.txt").read_text()
    assert verify_bag(bag).ok
    # bagit-python 1.9.0 does not decode %25 (nor encode %): it reads the RFC-correct line as a
    # different file. We follow RFC 8493 §2.1.3 and document the difference.
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(bag)).validate()


def test_algorithms_are_chosen_and_sha256_always_kept(collection: Path, tmp_path: Path) -> None:
    # METS CHECKSUMs are sha256, so a sha256 manifest always proves them
    bag_collection(collection, tmp_path / "bags", BagOptions(algorithms=("md5", "sha1")))
    names = sorted(p.name for p in (tmp_path / "bags" / "alpha").glob("*manifest-*"))
    assert names == ["manifest-md5.txt", "manifest-sha1.txt", "manifest-sha256.txt",
                     "tagmanifest-md5.txt", "tagmanifest-sha1.txt", "tagmanifest-sha256.txt"]


def test_rerun_on_unchanged_input_changes_nothing(collection: Path, tmp_path: Path, tree_digest) -> None:
    out = tmp_path / "bags"
    bag_collection(collection, out)
    before = tree_digest(out)
    result = bag_collection(collection, out)
    assert [o.status for o in result.outcomes] == ["skipped"] * 3
    assert tree_digest(out) == before


def test_changed_source_is_refused_then_forced(collection: Path, tmp_path: Path) -> None:
    out = tmp_path / "bags"
    bag_collection(collection, out)
    (collection / "alpha.txt").write_text("changed")
    result = bag_collection(collection, out)
    assert {o.release_id: o.status for o in result.outcomes}["alpha"] == "refused"
    assert result.exit_code == 2
    result = bag_collection(collection, out, BagOptions(force=True))
    assert {o.release_id: o.status for o in result.outcomes}["alpha"] == "replaced"
    assert in_bag(out / "alpha", "alpha.txt").read_text() == "changed"


def test_interruption_mid_bag_leaves_nothing_and_rerun_completes(collection: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "bags"
    real = preserve.bag.writer.copy_and_hash_many
    calls = {"n": 0}

    def failing(pairs, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # second release: fail after its files were staged
            real(pairs, *args, **kwargs)
            raise OSError(28, "No space left on device")
        return real(pairs, *args, **kwargs)

    monkeypatch.setattr(preserve.bag.writer, "copy_and_hash_many", failing)
    result = bag_collection(collection, out, BagOptions(jobs=1))  # the fault is injected here
    assert [o.status for o in result.outcomes] == ["created", "failed", "created"]
    assert "No space left" in result.outcomes[1].message
    assert sorted(p.name for p in out.iterdir()) == ["alpha", "gamma"]
    monkeypatch.setattr(preserve.bag.writer, "copy_and_hash_many", real)
    result = bag_collection(collection, out)
    assert [o.status for o in result.outcomes] == ["skipped", "created", "skipped"]
    assert verify_bag(out / "beta").ok


def test_empty_folders_are_kept_and_recorded(collection: Path, tmp_path: Path) -> None:
    bag_collection(collection, tmp_path / "bags")
    bag = tmp_path / "bags" / "gamma"
    assert in_bag(bag, "empty").is_dir()
    assert "Preserve-Empty-Directory: data/" + payload_path(bag.name, "empty") in (bag / "bag-info.txt").read_text()


def test_collection_config_goes_to_bag_info(collection: Path, tmp_path: Path) -> None:
    (collection / "preserve.toml").write_text(
        'organisation = "Example Archive"\naddress = "1 Road, Town"\ncontact_name = "Ann"\n'
        'contact_email = "ann@example.org"\nrights = "CC0"\nlanguage = "en"\n', encoding="utf-8")
    bag_collection(collection, tmp_path / "bags")
    info = (tmp_path / "bags" / "alpha" / "bag-info.txt").read_text()
    for line in ("Source-Organization: Example Archive", "Organization-Address: 1 Road, Town",
                 "Contact-Name: Ann", "Contact-Email: ann@example.org", "Bag-Software-Agent: preserve ",
                 "Bagging-Date: ", "Payload-Oxum: "):
        assert line in info


def test_incomplete_records_are_bagged_and_only_bags_are_in_out(collection: Path, tmp_path: Path) -> None:
    (collection / "metadata.csv").unlink()  # beta is binary: no language or type without a curator
    (collection / "preserve.toml").write_text('language = "en"\n', encoding="utf-8")  # and no rights
    out = tmp_path / "bags"
    result = bag_collection(collection, out)
    assert [(o.release_id, o.status) for o in result.outcomes] == [
        ("alpha", "created"), ("beta", "created"), ("gamma", "created")]
    assert result.exit_code == 0
    lacking = {o.release_id: [m.split(" (")[0] for m in o.incomplete] for o in result.outcomes}
    assert lacking["alpha"] == lacking["gamma"] == ["no rights"]
    assert {"no type", "no rights"} <= set(lacking["beta"])
    assert sorted(os.listdir(out)) == ["alpha", "beta", "gamma"]  # no lock file, nothing else
    assert all(verify_bag(out / name).ok for name in os.listdir(out))


def test_strict_bags_only_complete_records(collection: Path, tmp_path: Path) -> None:
    (collection / "metadata.csv").unlink()
    result = bag_collection(collection, tmp_path / "bags", BagOptions(strict=True))
    status = {o.release_id: o for o in result.outcomes}
    assert status["beta"].status == "incomplete" and "no type" in status["beta"].message
    assert status["alpha"].status == status["gamma"].status == "created"
    assert result.exit_code == 1
    assert sorted(os.listdir(tmp_path / "bags")) == ["alpha", "gamma"]


def test_a_wrong_value_stops_its_release_only(collection: Path, tmp_path: Path) -> None:
    (collection / "metadata.csv").write_text("filename,dc.date\nbeta.txt,2017-13-01\n", encoding="utf-8")
    result = bag_collection(collection, tmp_path / "bags")
    status = {o.release_id: o for o in result.outcomes}
    assert status["beta"].status == "invalid" and "date: '2017-13-01'" in status["beta"].message
    assert status["alpha"].status == status["gamma"].status == "created"
    assert result.exit_code == 1
    assert not (tmp_path / "bags" / "beta").exists()


def test_curator_values_win_and_travel_in_the_bag(collection: Path, tmp_path: Path) -> None:
    (collection / "metadata.csv").write_text(
        "filename,dc.title,dc.language,dc.type,dc.date\n"
        "beta.txt,Curated beta,zxx,Dataset,\n"
        "alpha.txt,A better title,,,2017-03-04\n", encoding="utf-8")
    bag_collection(collection, tmp_path / "bags")
    import json
    dc = json.loads((tmp_path / "bags" / "alpha" / "data" / "alpha" / "metadata" / "descriptive" / "dc.json").read_text())
    title = dc["elements"]["title"][0]
    assert title["value"] == "A better title" and title["provenance"] == "curator sheet"
    assert [v["value"] for v in dc["elements"]["date"]] == ["2017-03-04"]
    xml = (tmp_path / "bags" / "alpha" / "data" / "alpha" / "metadata" / "descriptive" / "dc.xml").read_text()
    assert "<dc:title>A better title</dc:title>" in xml
    info = (tmp_path / "bags" / "alpha" / "bag-info.txt").read_text()
    assert "External-Identifier: urn:preserve:alpha" in info
    assert "External-Description: A better title (2017-03-04)" in info


def test_worker_processes_make_the_same_bags_as_one_process(collection: Path, tmp_path: Path) -> None:
    """Several releases go to worker processes; the outcomes, their order and every bag's
    payload and metadata match a one-process run (only timestamps may differ). Here Siegfried
    is loaded already, so the workers come from a fork server; the CLI tests cover fork."""
    serial = bag_collection(collection, tmp_path / "one", BagOptions(jobs=1))
    seen: list[str] = []
    pooled = bag_collection(collection, tmp_path / "two", BagOptions(jobs=2),
                            on_outcome=lambda o: seen.append(o.release_id))
    assert [(o.release_id, o.status, o.files, o.bytes) for o in pooled.outcomes] == \
           [(o.release_id, o.status, o.files, o.bytes) for o in serial.outcomes]
    assert seen == [o.release_id for o in serial.outcomes]
    for outcome in serial.outcomes:
        one, two = tmp_path / "one" / outcome.release_id, tmp_path / "two" / outcome.release_id
        assert verify_bag(two).ok
        assert _manifest(two, "sha512").keys() == _manifest(one, "sha512").keys()
        same = [p for p in _manifest(one, "sha512") if "/descriptive/" in p or "/rep1/data/" in p]
        assert same and all(_manifest(two, "sha512")[p] == _manifest(one, "sha512")[p] for p in same)


def test_identify_builtin_skips_siegfried_and_says_so(collection: Path, tmp_path: Path) -> None:
    """--identify builtin: formats from the built-in table, and PREMIS names that agent."""
    out = tmp_path / "bags"
    result = bag_collection(collection, out, BagOptions(identify="builtin", jobs=1))
    assert result.exit_code == 0
    for outcome in result.outcomes:
        premis = (out / outcome.release_id / "data" / outcome.release_id / "metadata" / "preservation" / "premis.xml").read_text()
        assert "preserve built-in format sniffer" in premis and "--identify builtin" in premis
        assert "pygfried" not in premis
        assert verify_bag(out / outcome.release_id).ok
    default = bag_collection(collection, tmp_path / "sf", BagOptions(jobs=1))
    premis = (tmp_path / "sf" / default.outcomes[0].release_id / "data" / default.outcomes[0].release_id / "metadata" / "preservation"
              / "premis.xml").read_text()
    assert "pygfried" in premis
