"""The tamper catalogue: each fault applied to a fresh copy of a valid bag, each detected by code.

Every case copies a pristine bag (made by ``bag_collection`` on a generated collection, or an
E-ARK package bag for the METS cases), damages the copy one way, verifies it, and checks
that the expected code(s) are reported, that verify wrote nothing, and that the pristine bag
still passes.
"""
from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

from helpers.faults import D, MAIN, METS_FAULTS, PLAIN_FAULTS, flip_bit, make_mets_bag, make_plain_bag, rehash
from helpers.paths import tree_digest
from preserve.problems import severity_of
from preserve.verify.checks import verify_bag

NFC_NAME = unicodedata.normalize("NFC", "café.txt")
NFD_NAME = unicodedata.normalize("NFD", "café.txt")


def _codes(report) -> set[tuple[str, str]]:
    return {(p.code, p.path) for p in report.problems}


def _assert_found(report, expected: set) -> None:
    found = _codes(report)
    for code, path in expected:
        if path is None:
            assert code in {c for c, _ in found}, (code, sorted(found))
        else:
            assert (code, path) in found, (code, path, sorted(found))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    bag = make_plain_bag(tmp_path_factory.mktemp("pristine"))
    report = verify_bag(bag)
    assert report.problems == [], report.problems  # not even a warning
    return bag


def test_catalogue_has_at_least_30_kinds() -> None:
    assert len(PLAIN_FAULTS) + len(METS_FAULTS) >= 30
    assert len(PLAIN_FAULTS) >= 30


@pytest.mark.parametrize("kind", sorted(PLAIN_FAULTS))
def test_fault_detected(kind: str, pristine: Path, tmp_path: Path, monkeypatch) -> None:
    fault, expected = PLAIN_FAULTS[kind]
    bag = tmp_path / "gamma"
    shutil.copytree(pristine, bag, symlinks=True)
    assert verify_bag(bag).ok
    fault(bag, monkeypatch)
    before = tree_digest(bag)
    report = verify_bag(bag)
    # a fault whose codes are all warnings (a SHOULD broken) leaves the bag valid, and adds no error
    valid_still = all(severity_of(code) != "error" for code, _ in expected)
    assert report.ok is valid_still, report.problems
    _assert_found(report, expected)
    assert tree_digest(bag) == before  # verify never writes into a bag
    monkeypatch.undo()
    assert verify_bag(pristine).ok


def test_renamed_names_both_paths(pristine: Path, tmp_path: Path) -> None:
    bag = tmp_path / "gamma"
    shutil.copytree(pristine, bag, symlinks=True)
    (bag / MAIN).rename(bag / D / "renamed.txt")
    report = verify_bag(bag)
    [problem] = [p for p in report.problems if not p.code.startswith("mets-")]
    assert (problem.code, problem.expected, problem.actual) == ("payload-renamed", MAIN, D + "renamed.txt")
    assert "renamed.txt" in str(problem)
    # names only: no hashing, so a plain missing + unlisted pair
    assert {p.code for p in verify_bag(bag, level="completeness").problems} == {"payload-missing", "payload-unlisted"}
    assert {p.code for p in verify_bag(bag, level="fast").problems} == {"payload-missing", "payload-unlisted"}


def test_oxum_wrong_still_gives_per_file_detail(pristine: Path, tmp_path: Path) -> None:
    bag = tmp_path / "gamma"
    shutil.copytree(pristine, bag, symlinks=True)
    (bag / MAIN).write_bytes(b"short")
    flip_bit(bag / D / "binary.bin")
    found = _codes(verify_bag(bag))
    assert {("payload-oxum-mismatch", "bag-info.txt"), ("payload-checksum-mismatch", MAIN),
            ("payload-checksum-mismatch", D + "binary.bin")} <= found
    assert {p.code for p in verify_bag(bag, level="fast").problems} == {"payload-oxum-mismatch"}


def test_every_problem_reported_at_once(pristine: Path, tmp_path: Path) -> None:
    bag = tmp_path / "gamma"
    shutil.copytree(pristine, bag, symlinks=True)
    applied = ["bit-flip", "extra-file", "fetch-txt-present", "empty-folder-removed", "tagfile-unlisted",
               "manifest-line-duplicated"]
    expected = set()
    for kind in applied:
        fault, codes = PLAIN_FAULTS[kind]
        fault(bag, None)
        expected |= codes
    _assert_found(verify_bag(bag), expected)


@pytest.fixture(scope="module")
def mets_pristine(tmp_path_factory) -> Path:
    bag = make_mets_bag(tmp_path_factory.mktemp("mets") / "rel")
    report = verify_bag(bag)
    assert report.problems == [], report.problems  # not even a warning
    return bag


@pytest.mark.parametrize("kind", sorted(METS_FAULTS))
def test_mets_fault_detected(kind: str, mets_pristine: Path, tmp_path: Path) -> None:
    fault, expected = METS_FAULTS[kind]
    (tmp_path / "secret.txt").write_text("TOP-SECRET-CONTENT-42\n")
    bag = tmp_path / "rel"
    shutil.copytree(mets_pristine, bag, symlinks=True)
    fault(bag)
    rehash(bag)  # the bag itself is consistent again: only the package is damaged
    before = tree_digest(bag)
    report = verify_bag(bag)
    _assert_found(report, expected)
    assert {p.code for p in report.problems} <= {c for c, _ in expected} | {
        "mets-checksum-mismatch", "mets-size-mismatch", "mets-file-unlisted", "mets-file-missing"}
    assert "TOP-SECRET" not in str(report.as_dict())
    assert tree_digest(bag) == before
    assert verify_bag(mets_pristine).ok
    # fast and completeness levels do not look inside the package
    assert verify_bag(bag, level="fast").ok
