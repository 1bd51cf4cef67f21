"""The atomic bag writer."""
from __future__ import annotations

import errno
import os
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


def test_stale_staging_files_are_removed_and_nothing_else(tmp_path: Path) -> None:
    stale = tmp_path / ".b.tar.preserve-staging-123-abc"
    stale.write_bytes(b"half an archive")
    other = tmp_path / ".notes.txt"
    other.write_text("mine")
    link = tmp_path / ".c.tar.preserve-staging-9-def"
    link.symlink_to(other)  # a link with our name: not ours to remove (and never followed)
    retired = tmp_path / ".d.tar.preserve-retired-0a"
    retired.write_text("never a file of ours")
    (tmp_path / "b.tar").write_bytes(b"a user's file")
    assert remove_stale_staging(tmp_path) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([other.name, link.name, retired.name, "b.tar"])
    assert other.read_text() == "mine"


def test_extra_tag_files_are_listed_in_every_tag_manifest(tmp_path: Path) -> None:
    dest = tmp_path / "bag"
    with BagBuilder(dest, ("sha256", "md5")) as b:
        b.add_bytes("x", b"x")
        b.finish([], {"aptrust-info.txt": b"Title: A title\nAccess: Institution\n"})
    assert (dest / "aptrust-info.txt").read_bytes() == b"Title: A title\nAccess: Institution\n"
    for alg in ("sha256", "md5"):
        assert "  aptrust-info.txt\n" in (dest / f"tagmanifest-{alg}.txt").read_text()
    bagit.Bag(str(dest)).validate()


@pytest.mark.parametrize("name", ["bagit.txt", "manifest-md5.txt", "tagmanifest-sha256.txt", "data", "a/b.txt",
                                  ".hidden", ""])
def test_extra_tag_files_cannot_take_a_reserved_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="cannot be an extra tag file"):
        with BagBuilder(tmp_path / "bag", ("sha256",)) as b:
            b.finish([], {name: b"x"})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["tar", "tar.gz", "zip"])
def test_a_serialized_bag_is_one_archive_and_its_staging_goes(tmp_path: Path, fmt: str) -> None:
    from helpers.serialized import build_tricky_bag, extract
    out = tmp_path / "out"
    out.mkdir()
    archive = build_tricky_bag(out, fmt, "b")
    assert os.listdir(out) == [f"b.{fmt}"]
    bagit.Bag(str(extract(archive, tmp_path / "x"))).validate()
    build_tricky_bag(out, fmt, "b", replace=True)  # replaced: still one archive, nothing beside it
    assert os.listdir(out) == [f"b.{fmt}"]


def test_a_serialized_bag_never_replaces_a_folder_or_without_permission(tmp_path: Path) -> None:
    from preserve.errors import InputError
    from helpers.serialized import build_tricky_bag
    out = tmp_path / "out"
    (out / "b.tar").mkdir(parents=True)
    with pytest.raises(InputError, match="not a tar archive; preserve never replaces it"):
        build_tricky_bag(out, "tar", "b", replace=True)
    assert os.listdir(out) == ["b.tar"] and os.listdir(out / "b.tar") == []
    os.rmdir(out / "b.tar")
    build_tricky_bag(out, "tar", "b")
    with pytest.raises(InputError, match="already exists; use --force"):
        build_tricky_bag(out, "tar", "b")
    assert os.listdir(out) == ["b.tar"]


def test_a_serialized_bag_needs_an_archive_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not the name of a tar archive"):
        BagBuilder(tmp_path / "b.zip", ("sha256",), serialize="tar")


def test_a_failing_serialization_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    import preserve.bag.serialize as serialize

    def boom(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(serialize, "write_archive", boom)
    from preserve.errors import PreserveError
    with pytest.raises(PreserveError, match=r"b\.tar\.gz: cannot write the bag \(No space left on device\)"):
        with BagBuilder(tmp_path / "b.tar.gz", ("sha256",), serialize="tar.gz") as b:
            b.add_bytes("x", b"x")
            b.finish([])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("sizes, expected", [((), "0 bytes"), ((999,), "999 bytes"), ((600, 400), "1.0 KB"),
                                             ((1_400_000,), "1.4 MB"), ((999_960,), "1.0 MB")])
def test_bag_size_is_computed_from_the_payload_when_asked(tmp_path: Path, sizes: tuple[int, ...],
                                                          expected: str) -> None:
    """RFC 8493 §2.2.2 Bag-Size: the payload's size in decimal units, written only when asked."""
    dest = tmp_path / "bag"
    with BagBuilder(dest, ("sha256",), fsync=False) as bag:
        for i, size in enumerate(sizes):
            bag.add_bytes(f"f{i}.bin", b"x" * size)
        bag.finish([("Bagging-Date", "2026-01-01")], bag_size=True)
    lines = (dest / "bag-info.txt").read_text(encoding="utf-8").splitlines()
    assert f"Bag-Size: {expected}" in lines and lines[-1].startswith("Payload-Oxum: ")
    assert bagit.Bag(str(dest)).is_valid()
    other = tmp_path / "plain"
    with BagBuilder(other, ("sha256",), fsync=False) as bag:
        bag.add_bytes("a.bin", b"a")
        bag.finish([("Bagging-Date", "2026-01-01")])
    assert "Bag-Size" not in (other / "bag-info.txt").read_text(encoding="utf-8")
