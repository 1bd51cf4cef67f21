"""Serialized bags: one archive per bag, one top folder, tag files first, written atomically."""
from __future__ import annotations

import errno
import gzip
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import bagit
import pytest
from hypothesis import given, strategies as st

import preserve.bag.serialize as serialize
import preserve.bag.tarstream as tarstream
from preserve.bag.serialize import (SERIALIZATIONS, archive_name, bag_name_of, is_archive_of, serialization_of,
                                    serialize_bag)
from preserve.bag.writer import is_staging_name
from preserve.errors import InputError, PreserveError

from helpers.serialized import EMPTY_DIR, EMPTY_FILE, LONG, NON_ASCII, build_tricky_bag, extract, member_names

FORMATS = list(SERIALIZATIONS)


def fresh(folder: Path) -> Path:
    folder.mkdir()
    return folder


def test_names_and_their_inverse() -> None:
    assert [archive_name("b", f) for f in FORMATS] == ["b.tar", "b.tar.gz", "b.zip"]
    assert bag_name_of("b.tar.gz") == "b" and bag_name_of("b.tar") == "b" and bag_name_of("b.zip") == "b"
    assert bag_name_of("b.tgz") is None and bag_name_of(".tar") is None and bag_name_of("b") is None
    assert serialization_of("x.tar.tar.gz") == "tar.gz"
    with pytest.raises(InputError, match="unknown serialization"):
        archive_name("b", "7z")  # type: ignore[arg-type]


@given(st.text(min_size=1).filter(lambda s: "/" not in s), st.sampled_from(FORMATS))
def test_bag_name_of_inverts_archive_name(name: str, fmt: str) -> None:
    assert bag_name_of(archive_name(name, fmt)) == name  # type: ignore[arg-type]
    assert serialization_of(archive_name(name, fmt)) == fmt  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", FORMATS)
def test_bagit_python_validates_the_extracted_bag(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    archive = build_tricky_bag(out, fmt)  # type: ignore[arg-type]
    assert os.listdir(out) == [archive.name]  # nothing else: no staging file, no staging folder
    top = extract(archive, tmp_path / "x")  # asserts one top folder, named like the file
    bag = bagit.Bag(str(top))
    bag.validate()
    assert (top / "data" / NON_ASCII).read_text(encoding="utf-8") == "Grüße aus 北京\n"
    assert (top / "data" / LONG).read_bytes() == b"long path\n" and len(f"{top.name}/data/{LONG}") > 100
    assert (top / "data" / EMPTY_FILE).stat().st_size == 0
    assert (top / "data" / EMPTY_DIR).is_dir() and not os.listdir(top / "data" / EMPTY_DIR)


@pytest.mark.parametrize("fmt", FORMATS)
def test_tag_files_come_first_then_data_in_order(tmp_path: Path, fmt: str) -> None:
    archive = build_tricky_bag(tmp_path, fmt, "b", tag_files={"aptrust-info.txt": b"Title: T\n"})  # type: ignore[arg-type]
    names = member_names(archive)
    assert names[:8] == ["b/", "b/bagit.txt", "b/bag-info.txt", "b/manifest-md5.txt", "b/manifest-sha256.txt",
                         "b/tagmanifest-md5.txt", "b/tagmanifest-sha256.txt", "b/aptrust-info.txt"]
    assert names[8] == "b/data/"
    data = names[8:]
    assert all(n.startswith("b/data/") for n in data)
    for i, name in enumerate(data):  # every folder comes before what it holds
        parent = name.rstrip("/").rsplit("/", 1)[0] + "/"
        assert parent == "b/" or parent in data[:i], name
    assert len(names) == len(set(names))


def test_tar_metadata_is_normalised_and_pax(tmp_path: Path) -> None:
    archive = build_tricky_bag(tmp_path, "tar", "b")
    with tarfile.open(archive) as t:
        members = t.getmembers()
        assert all(m.uid == 0 and m.gid == 0 and m.uname == "" and m.gname == "" for m in members)
        assert {m.mode for m in members if m.isdir()} == {0o755}
        assert {m.mode for m in members if m.isfile()} == {0o644}
        assert all(m.isdir() or m.isfile() for m in members)
        assert t.getmember(f"b/data/{NON_ASCII}").pax_headers == {"path": f"b/data/{NON_ASCII}"}
        assert all(m.mtime > 0 for m in members)  # the staged files' times, whole seconds
    assert archive.stat().st_size % tarfile.RECORDSIZE == 0


def test_gnu_tar_reads_the_archive(tmp_path: Path) -> None:
    if shutil.which("tar") is None:
        pytest.skip("no tar here")
    archive = build_tricky_bag(fresh(tmp_path / "out"), "tar", "b")
    listed = subprocess.run(["tar", "tf", str(archive)], capture_output=True, check=True,
                            env={**os.environ, "LC_ALL": "C.UTF-8"}).stdout.decode("utf-8").splitlines()
    assert f"b/data/{NON_ASCII}" in listed and f"b/data/{LONG}" in listed


def test_gzip_is_the_tar_stream_compressed_and_deterministic(tmp_path: Path) -> None:
    bag = tmp_path / "folder"
    (bag / "data" / "sub").mkdir(parents=True)
    (bag / "bagit.txt").write_bytes(b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    (bag / "data" / "sub" / "f").write_bytes(os.urandom(3 * tarstream.CHUNK + 5))
    plain = serialize_bag(bag, tmp_path / "b.tar")
    threaded = serialize_bag(bag, fresh(tmp_path / "t") / "b.tar.gz", threaded=True)
    alone = serialize_bag(bag, fresh(tmp_path / "u") / "b.tar.gz", threaded=False)
    assert gzip.decompress(threaded.read_bytes()) == plain.read_bytes()
    assert threaded.read_bytes() == alone.read_bytes()


@pytest.mark.parametrize("missing", [("copy_file_range",), ("copy_file_range", "sendfile")])
def test_the_copy_falls_back_when_the_kernel_cannot(tmp_path: Path, monkeypatch, missing: tuple[str, ...]) -> None:
    bag = tmp_path / "folder"
    (bag / "data").mkdir(parents=True)
    (bag / "data" / "big").write_bytes(os.urandom(tarstream.SMALL * 3 + 7))
    expected = serialize_bag(bag, fresh(tmp_path / "a") / "b.tar")

    def refuse(*args, **kwargs):
        raise OSError(errno.EXDEV, "Invalid cross-device link")
    for name in missing:
        monkeypatch.setattr(os, name, refuse)
    again = serialize_bag(bag, fresh(tmp_path / "b") / "b.tar")
    assert again.read_bytes() == expected.read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_failure_midway_leaves_nothing(tmp_path: Path, monkeypatch, fmt: str) -> None:
    bag = tmp_path / "folder"
    (bag / "data").mkdir(parents=True)
    for i in range(5):
        (bag / "data" / f"f{i}").write_bytes(os.urandom(100_000))
    real = serialize.members

    def failing(folder):
        for i, item in enumerate(real(folder)):
            if i == 3:
                raise RuntimeError("boom")
            yield item
    monkeypatch.setattr(serialize, "members", failing)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RuntimeError, match="boom"):
        serialize_bag(bag, out / archive_name("b", fmt))  # type: ignore[arg-type]
    assert os.listdir(out) == []


@pytest.mark.parametrize("fmt, threaded", [("tar", False), ("tar.gz", False), ("tar.gz", True)])
def test_a_full_disk_gives_one_line_and_leaves_nothing(tmp_path: Path, monkeypatch, fmt: str, threaded: bool) -> None:
    bag = tmp_path / "folder"
    (bag / "data").mkdir(parents=True)
    (bag / "data" / "f").write_bytes(os.urandom(8 * tarstream.CHUNK))  # more than the thread's queue holds
    calls = []

    def full(fd, data):
        calls.append(1)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        os.write(fd, bytes(data))
    monkeypatch.setattr(tarstream, "write_all", full)
    monkeypatch.setattr(os, "copy_file_range", lambda *a: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space")))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PreserveError, match=r"cannot write the bag \(No space.*no partial bag was left"):
        serialize_bag(bag, out / archive_name("b", fmt), threaded=threaded)  # type: ignore[arg-type]
    assert os.listdir(out) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_replace_only_an_archive_of_that_kind_and_only_when_asked(tmp_path: Path, fmt: str) -> None:
    bag = tmp_path / "folder"
    (bag / "data").mkdir(parents=True)
    (bag / "data" / "f").write_bytes(b"new")
    out = tmp_path / "out"
    out.mkdir()
    dest = serialize_bag(bag, out / archive_name("b", fmt))  # type: ignore[arg-type]
    old = dest.read_bytes()
    with pytest.raises(InputError, match="already exists; use --force"):
        serialize_bag(bag, dest)
    assert dest.read_bytes() == old
    (bag / "data" / "f").write_bytes(b"newer")
    serialize_bag(bag, dest, replace=True)
    assert dest.read_bytes() != old and is_archive_of(dest, fmt)  # type: ignore[arg-type]
    assert os.listdir(out) == [dest.name]


@pytest.mark.parametrize("what", ["folder", "symlink", "text", "other-kind"])
def test_refuses_to_replace_what_is_not_an_archive_of_that_kind(tmp_path: Path, what: str) -> None:
    bag = tmp_path / "folder"
    (bag / "data").mkdir(parents=True)
    (bag / "data" / "f").write_bytes(b"x")
    real = serialize_bag(bag, tmp_path / "real.tar")
    out = tmp_path / "out"
    out.mkdir()
    dest = out / "b.tar"
    if what == "folder":
        dest.mkdir()
        (dest / "keep").write_text("mine")
    elif what == "symlink":
        dest.symlink_to(real)  # even a link to a good archive: the link would be replaced, not followed
    elif what == "text":
        dest.write_text("my notes")
    else:
        with zipfile.ZipFile(dest, "w") as z:
            z.writestr("a", "b")
    before = sorted(os.listdir(out))
    with pytest.raises(InputError, match="already exists and is not a tar archive; preserve never replaces it"):
        serialize_bag(bag, dest, replace=True)
    assert sorted(os.listdir(out)) == before
    if what == "folder":
        assert (dest / "keep").read_text() == "mine"


def test_a_symlink_inside_the_folder_is_refused(tmp_path: Path) -> None:
    bag = tmp_path / "folder"
    (bag / "data").mkdir(parents=True)
    (bag / "data" / "link").symlink_to("/etc/passwd")
    with pytest.raises(PreserveError, match="not a regular file or folder"):
        serialize_bag(bag, tmp_path / "b.tar")
    assert not (tmp_path / "b.tar").exists()
    assert not [n for n in os.listdir(tmp_path) if is_staging_name(n)]


def test_is_archive_of_reads_the_start_only(tmp_path: Path) -> None:
    bomb = tmp_path / "x.tar.gz"
    bomb.write_bytes(gzip.compress(bytes(50 << 20)))  # zeros: no ustar magic, and never inflated whole
    assert not is_archive_of(bomb, "tar.gz")
    assert not is_archive_of(tmp_path / "missing.tar", "tar")
