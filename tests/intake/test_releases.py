"""Release discovery and release ids."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from preserve.errors import InputError
from preserve.intake.releases import discover, release_id


def test_discovers_files_and_folders(collection: Path) -> None:
    found = discover(collection)
    assert [r.id for r in found.releases] == ["alpha", "beta", "gamma"]
    gamma = found.releases[2]
    assert gamma.is_dir
    assert [f.relpath for f in gamma.files] == ["attachments/100% sure.txt", "main.txt"]
    assert gamma.empty_dirs == ("empty",)
    main = gamma.files[1]  # where it is: as the walk found it (str), and as a Path on demand
    assert main.location == os.path.join(collection, "gamma", "main.txt")
    assert main.path == collection / "gamma" / "main.txt" and main.path is main.path
    assert main.path.read_bytes() == (collection / "gamma" / "main.txt").read_bytes()


def test_skips_hidden_sheet_config_and_warns_on_links(collection: Path) -> None:
    (collection / ".hidden").write_text("x")
    (collection / "metadata.csv").write_text("filename\n")
    (collection / "preserve.toml").write_text("")
    os.symlink(collection / "alpha.txt", collection / "link.txt")
    os.mkfifo(collection / "pipe")
    found = discover(collection)
    assert [r.id for r in found.releases] == ["alpha", "beta", "gamma"]
    assert any("link.txt" in w and "symbolic link" in w for w in found.warnings)
    assert any("pipe" in w and "FIFO" in w for w in found.warnings)


def test_id_collision_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("1")
    (tmp_path / "a.md").write_text("2")
    with pytest.raises(InputError, match="both give release id 'a'"):
        discover(tmp_path)


@pytest.mark.parametrize("setup, message", [
    (lambda p: None, "no such folder"),
    (lambda p: p.write_text("x"), "not a folder"),
    (lambda p: p.mkdir(), "holds no releases"),
    (lambda p: (p.mkdir(), (p / "bagit.txt").write_text("BagIt-Version: 1.0\n")), "already a BagIt bag"),
])
def test_bad_sources(tmp_path: Path, setup, message: str) -> None:
    src = tmp_path / "src"
    setup(src)
    with pytest.raises(InputError, match=message):
        discover(src)


def test_release_ids_examples() -> None:
    assert release_id("000_e98f.txt") == "000_e98f"
    assert release_id("folder.v2", is_dir=True) == "folder.v2"
    assert release_id("Report.TXT").startswith("report-")
    assert release_id("تقرير.txt").startswith("release-")
    assert release_id("a b.txt") != release_id("a_b.txt")


@given(st.text(min_size=1, max_size=120).filter(lambda s: "/" not in s and "\x00" not in s))
def test_release_id_is_stable_and_safe(name: str) -> None:
    rid = release_id(name)
    assert rid == release_id(name)
    assert rid and len(rid) <= 100
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in rid)
    assert not rid.startswith(".")


@given(st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s and "\x00" not in s),
       st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s and "\x00" not in s))
def test_only_names_differing_in_extension_share_an_id(a: str, b: str) -> None:
    if a != b and release_id(a) == release_id(b):
        # the id kept the stem verbatim for both: the user sees a collision error, never an overwrite
        assert release_id(a) in (a, a.rsplit(".", 1)[0]) and release_id(b) in (b, b.rsplit(".", 1)[0])


@pytest.mark.parametrize("inside", [False, True], ids=["between releases", "inside a folder"])
def test_names_differing_only_in_normalisation_are_refused(tmp_path: Path, inside: bool) -> None:
    root = tmp_path / "src" / "rel" if inside else tmp_path / "src"
    root.mkdir(parents=True)
    for name in ("caf\u00e9.txt", "cafe\u0301.txt"):
        (root / name).write_text("x")
    with pytest.raises(InputError, match="are the same name in different Unicode normalisations") as caught:
        discover(tmp_path / "src")
    assert caught.value.message.startswith(f"{root}: ")
