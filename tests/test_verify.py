"""Verification: every problem in one run, each named; levels; other tools' bags."""
from __future__ import annotations

import shutil
from pathlib import Path

import bagit
import pytest

from preserve.bagging import bag_collection, content_path
from preserve.errors import InputError
from preserve.verify import find_bags, verify_bag


@pytest.fixture
def bags(collection: Path, tmp_path: Path) -> Path:
    out = tmp_path / "bags"
    bag_collection(collection, out)
    return out


def test_reports_all_damage_in_one_run(bags: Path) -> None:
    bag = bags / "gamma"
    main = bag / "data" / content_path("main.txt")
    data = bytearray(main.read_bytes())
    data[0] ^= 0x01
    main.write_bytes(bytes(data))
    attachment = bag / "data" / content_path("attachments/100% sure.txt")
    attachment.write_bytes(attachment.read_bytes() + b"!")
    (bag / "data" / content_path("attachments")).joinpath("extra.txt").write_text("extra")
    alpha = bags / "alpha"
    (alpha / "data" / content_path("alpha.txt")).unlink()

    report = verify_bag(bag)
    found = {(p.code, p.path) for p in report.problems}
    assert ("payload-checksum-mismatch", "data/" + content_path("main.txt")) in found
    assert ("payload-checksum-mismatch", "data/" + content_path("attachments/100% sure.txt")) in found
    assert ("payload-unlisted", "data/" + content_path("attachments/extra.txt")) in found
    assert ("payload-oxum-mismatch", "bag-info.txt") in found
    missing = verify_bag(alpha)
    assert ("payload-missing", "data/" + content_path("alpha.txt")) in {(p.code, p.path) for p in missing.problems}
    assert verify_bag(bags / "beta").ok


def test_levels(bags: Path) -> None:
    bag = bags / "alpha"
    target = bag / "data" / content_path("alpha.txt")
    target.write_bytes(target.read_bytes()[:-1] + b"X")  # same size, different bytes
    assert verify_bag(bag, level="fast").ok
    assert verify_bag(bag, level="completeness").ok
    assert not verify_bag(bag).ok
    target.write_bytes(target.read_bytes() + b"more")
    assert {p.code for p in verify_bag(bag, level="fast").problems} == {"payload-oxum-mismatch"}


def test_file_missing_from_one_of_two_manifests(bags: Path) -> None:
    bag = bags / "beta"
    lines = (bag / "manifest-sha512.txt").read_text().splitlines(keepends=True)
    (bag / "manifest-sha512.txt").write_text("".join(lines[1:]))
    codes = {p.code for p in verify_bag(bag).problems}
    assert "manifest-entry-missing" in codes
    assert "tagfile-checksum-mismatch" in codes


def test_verify_never_writes(bags: Path, tree_digest) -> None:
    before = tree_digest(bags)
    for bag in find_bags([bags]):
        verify_bag(bag)
    assert tree_digest(bags) == before


def test_verifies_bagit_python_0_97_bags(tmp_path: Path) -> None:
    src = tmp_path / "made-by-bagit-python"
    src.mkdir()
    (src / "file.txt").write_text("content")
    bagit.make_bag(str(src), checksums=["sha256", "sha512"])
    report = verify_bag(src)
    assert report.ok and report.version == "0.97"


def test_find_bags_skips_staging_and_files(bags: Path) -> None:
    (bags / ".alpha.preserve-staging-1-abc").mkdir()
    (bags / "notes.txt").write_text("x")
    assert [b.name for b in find_bags([bags])] == ["alpha", "beta", "gamma"]
    with pytest.raises(InputError):
        find_bags([bags / "nope"])
