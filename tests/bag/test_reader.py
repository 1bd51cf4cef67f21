"""The bag reader: the declaration, bag-info.txt and the listing, read without trusting the bag."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from preserve.bag.reader import TooLarge, payload_bytes, read_bag, read_bag_info, read_small
from preserve.bag.view import FolderSource

DECLARATION = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def _bag(root: Path, declaration: str | None = DECLARATION, info: str | None = None) -> Path:
    (root / "data").mkdir(parents=True)
    if declaration is not None:
        (root / "bagit.txt").write_text(declaration, encoding="utf-8")
    if info is not None:
        (root / "bag-info.txt").write_text(info, encoding="utf-8")
    return root


def _codes(root: Path) -> set[tuple[str, str]]:
    return {(p.code, p.path) for p in read_bag(root).problems}


def test_read_small_caps_the_size_and_refuses_links_and_fifos(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"12345")
    assert read_small(tmp_path / "f", 5) == b"12345"
    with pytest.raises(TooLarge):
        read_small(tmp_path / "f", 4)
    os.symlink(tmp_path / "f", tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    for refused in ("link", "fifo"):
        with pytest.raises(OSError):
            read_small(tmp_path / refused)


def test_a_folder_source_opens_regular_files_only(tmp_path: Path) -> None:
    """FolderSource.open: the file and its size through the one safe open; never a link or FIFO."""
    (tmp_path / "f").write_bytes(b"12345\n678")
    source = FolderSource(tmp_path)
    f, size = source.open("f")
    with f:
        assert (size, f.readline(), f.read()) == (9, b"12345\n", b"678")
    assert f.closed
    os.symlink(tmp_path / "f", tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    for refused in ("link", "fifo", "missing"):
        with pytest.raises(OSError):
            source.open(refused)


def test_a_plain_bag_reads_without_problems(tmp_path: Path) -> None:
    bag = _bag(tmp_path / "bag", info="Payload-Oxum: 3.1\nContact-Name: Ann\n")
    (bag / "data" / "a.txt").write_text("abc")
    (bag / "data" / "sub").mkdir()
    view = read_bag(bag)
    assert view.problems == []
    assert (view.version, view.encoding) == ("1.0", "UTF-8")
    assert view.info == [("Payload-Oxum", "3.1"), ("Contact-Name", "Ann")]
    assert view.payload == {"data/a.txt": 3}
    assert set(view.tag_files) == {"bagit.txt", "bag-info.txt"}
    assert view.dirs == {"data", "data/sub"}


def test_links_and_special_files_are_reported_never_opened(tmp_path: Path) -> None:
    bag = _bag(tmp_path / "bag")
    os.symlink("/etc/passwd", bag / "data" / "passwd")
    os.mkfifo(bag / "data" / "pipe")
    os.symlink("/etc/hostname", bag / "bag-info.txt")
    view = read_bag(bag)
    assert {(p.code, p.path) for p in view.problems} == {
        ("symlink", "data/passwd"), ("special-file", "data/pipe"), ("symlink", "bag-info.txt")}
    assert view.payload == {} and view.info == []
    assert view.blocked("data/passwd") and view.blocked("data/pipe")


@pytest.mark.parametrize("declaration, code", [
    (None, "bagit-missing"),
    ("BagIt-Version: 1.0\n", "bagit-malformed"),
    ("BagIt-Version: 2.0\nTag-File-Character-Encoding: UTF-8\n", "bagit-version-unsupported"),
    ("BagIt-Version: 0.97\nTag-File-Character-Encoding: KLINGON-7\n", "bagit-encoding-unsupported"),
    ("\ufeffBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", "bagit-malformed"),
])
def test_a_bad_declaration_is_one_problem(tmp_path: Path, declaration: str | None, code: str) -> None:
    assert _codes(_bag(tmp_path / "bag", declaration)) == {(code, "bagit.txt")}


def test_bag_info_problems(tmp_path: Path) -> None:
    bag = _bag(tmp_path / "bag", info="Payload-Oxum: 1.1\n  continued\nnot a field\nPayload-Oxum: 2.2\n")
    assert _codes(bag) == {("baginfo-malformed", "bag-info.txt:3"), ("baginfo-malformed", "bag-info.txt")}


def test_fetch_txt_is_read_and_a_missing_payload_folder_reported(tmp_path: Path) -> None:
    bag = tmp_path / "bag"
    bag.mkdir()
    (bag / "bagit.txt").write_text(DECLARATION)
    (bag / "fetch.txt").write_text("http://example.org/x 1 data/x\nhttp://example.org/y - ../y\nnot a line\n")
    (bag / "data").write_text("a file, not the payload folder")
    view = read_bag(bag)
    assert view.fetch == {"data/x": 1}
    assert {(p.code, p.path) for p in view.problems} == {
        ("payload-dir-missing", "data"), ("fetch-malformed", "fetch.txt:2"), ("fetch-malformed", "fetch.txt:3")}


def test_a_tag_file_that_is_not_utf8_is_reported_and_read_with_replacements(tmp_path: Path) -> None:
    bag = _bag(tmp_path / "bag")
    (bag / "bag-info.txt").write_bytes(b"Contact-Name: Ren\xe9\n")
    view = read_bag(bag)
    assert {(p.code, p.path) for p in view.problems} == {("tagfile-encoding", "bag-info.txt")}
    assert view.info == [("Contact-Name", "Ren\ufffd")]


def test_payload_bytes_sums_the_declared_octets(tmp_path: Path) -> None:
    one = _bag(tmp_path / "one", info="Payload-Oxum: 100.2\n")
    two = _bag(tmp_path / "two", info="Payload-Oxum: 23.1\n")
    odd = _bag(tmp_path / "odd", info="Payload-Oxum: many\n")
    bare = _bag(tmp_path / "bare")
    assert read_bag_info(one) == [("Payload-Oxum", "100.2")]
    assert read_bag_info(bare) == []
    assert payload_bytes([one, two, odd, bare]) == 123
