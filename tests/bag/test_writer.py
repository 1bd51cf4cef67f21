"""The atomic bag writer."""
from __future__ import annotations

from pathlib import Path

import bagit
import pytest

from preserve.bag.writer import BagBuilder, is_staging_name, remove_stale_staging


def test_builds_a_valid_bagit_1_0_bag(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("hello")
    dest = tmp_path / "out" / "bag"
    dest.parent.mkdir()
    with BagBuilder(dest, ("sha256", "sha512")) as b:
        b.add_files([("a.txt", src)])
        b.add_bytes("meta/x.xml", b"<x/>")
        b.add_empty_dir("empty")
        b.finish([("Bagging-Date", "2026-11-22")])
    assert (dest / "bagit.txt").read_text() == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    assert (dest / "data" / "empty").is_dir()
    bag = bagit.Bag(str(dest))
    bag.validate()
    assert bag.version_info == (1, 0)  # bagit-python read our bagit.txt as BagIt 1.0
    assert "Payload-Oxum: 9.2" in (dest / "bag-info.txt").read_text()
    assert [p.name for p in dest.parent.iterdir()] == ["bag"]


def test_failure_leaves_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "bag"
    with pytest.raises(RuntimeError):
        with BagBuilder(dest, ("sha256",)) as b:
            b.add_bytes("x", b"x")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_existing_bag_not_replaced_without_permission(tmp_path: Path) -> None:
    dest = tmp_path / "bag"
    dest.mkdir()
    (dest / "bagit.txt").write_text("BagIt-Version: 1.0\n")  # only a bag is ever replaced
    (dest / "keep").write_text("old")
    from preserve.errors import InputError
    with pytest.raises(InputError, match="already exists"):
        with BagBuilder(dest, ("sha256",)) as b:
            b.add_bytes("x", b"x")
            b.finish([])
    assert (dest / "keep").read_text() == "old"
    with BagBuilder(dest, ("sha256",), replace=True) as b:
        b.add_bytes("x", b"new")
        b.finish([])
    assert not (dest / "keep").exists() and (dest / "data" / "x").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bag"]


def test_stale_staging_is_removed(tmp_path: Path) -> None:
    stale = tmp_path / ".x.preserve-staging-123-abc"
    (stale / "data").mkdir(parents=True)
    (tmp_path / "real").mkdir()
    assert is_staging_name(stale.name) and not is_staging_name("real")
    assert remove_stale_staging(tmp_path) == [stale]
    assert [p.name for p in tmp_path.iterdir()] == ["real"]
