"""The storage root on disk: what counts as one, one-rename placement, and versions added where hard links are refused."""
from __future__ import annotations

import errno
from pathlib import Path

import pytest

from helpers.ocfl import make_bag, object_dirs, root_errors, to_deposit
from preserve.deposit import ocfl_root
from preserve.deposit.ocfl import OcflTarget
from preserve.deposit.ocfl_root import place_new, root_kind


def test_root_kinds(tmp_path: Path) -> None:
    assert root_kind(tmp_path / "none") == "absent"
    assert root_kind(tmp_path) == "empty"
    (tmp_path / "x").write_text("x")
    assert root_kind(tmp_path) == "other" and root_kind(tmp_path / "x") == "other"
    (tmp_path / "0=ocfl_1.1").write_text("ocfl_1.1\n")
    assert root_kind(tmp_path) == "root"


def test_place_new_renames_the_highest_missing_folder(tmp_path: Path) -> None:
    root, stage = tmp_path / "root", tmp_path / "stage"
    (root / "abc" / "def").mkdir(parents=True)
    (stage / "abc" / "def" / "ghi" / "obj").mkdir(parents=True)
    (stage / "abc" / "def" / "ghi" / "obj" / "f").write_text("1")
    place_new(stage, root, "abc/def/ghi/obj")
    assert (root / "abc/def/ghi/obj/f").read_text() == "1"
    assert not (stage / "abc/def/ghi").exists()
    with pytest.raises(FileExistsError):
        place_new(stage, root, "abc/def/ghi/obj")


def test_a_version_is_added_where_hard_links_are_refused(tmp_path: Path, monkeypatch) -> None:
    def refuse(src: Path, dest: Path) -> None:
        raise OSError(errno.EPERM, "hard links refused")

    target = OcflTarget(tmp_path / "store")
    target.deposit(to_deposit(make_bag(tmp_path / "a" / "r1", {"r1/x.txt": b"one\n", "r1/y.txt": b"same\n"})))
    monkeypatch.setattr(ocfl_root, "link_tree", refuse)
    arrival = target.deposit(to_deposit(make_bag(tmp_path / "b" / "r1", {"r1/x.txt": b"two\n", "r1/y.txt": b"same\n"})))
    assert arrival.identifiers["version"] == "v2"
    assert root_errors(tmp_path / "store") == []
    [obj] = object_dirs(tmp_path / "store")
    assert (obj / "v2/content/data/r1/x.txt").read_bytes() == b"two\n"
    assert not (obj / "v2/content/data/r1/y.txt").exists()
