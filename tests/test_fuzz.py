"""Bounded-time fuzzing: the bag reader and verifier on corrupted tag files, the sheet parser on noise.

Never an exception; a corrupted bag always yields problems (a change to any file the tag
manifests cover is caught).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preserve.bag.writer import BagBuilder
from preserve.bag.reader import read_bag
from preserve.errors import InputError
from preserve.intake.sheet import parse_sheet, read_sheet
from preserve.verify.checks import verify_bag

FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
TAG_FILES = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-md5.txt",
             "tagmanifest-sha256.txt", "tagmanifest-md5.txt"]
COVERED = set(TAG_FILES[:4])  # listed in the tag manifests


@pytest.fixture(scope="module")
def bag(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("fuzz") / "bag"
    with BagBuilder(dest, ("sha256", "md5"), fsync=False) as b:
        b.add_bytes("a.txt", b"alpha\n")
        b.add_bytes("sub/100% b.bin", bytes(range(256)))
        b.add_bytes("line\nbreak.txt", b"x")
        b.finish([("Source-Organization", "Example"), ("Bagging-Date", "2026-01-01")])
    assert verify_bag(dest).ok
    return dest


MUTATION = st.one_of(
    st.tuples(st.just("replace"), st.integers(0, 10_000), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("truncate"), st.integers(0, 10_000), st.just(b"")),
    st.tuples(st.just("line"), st.integers(0, 10_000), st.sampled_from(
        [b"\n", b"\r\n", b"  ", b"%", b"%0A", b"../", b"/etc/passwd", b"data/x", b"\xff\xfe", b":", b"\t ", b"*",
         b"0" * 64 + b"  data/ghost\n", b"BagIt-Version: 9.9\n", b"Payload-Oxum: 1.1\n"])),
)


def _mutate(data: bytes, how: str, at: int, what: bytes) -> bytes:
    at = at % (len(data) + 1)
    if how == "replace":
        return data[:at] + what + data[at + len(what):]
    if how == "truncate":
        return data[:at]
    return data[:at] + what + data[at:]


@FUZZ
@given(st.sampled_from(TAG_FILES), st.lists(MUTATION, min_size=1, max_size=3))
def test_corrupted_tag_files_never_raise(bag: Path, name: str, mutations) -> None:
    path = bag / name
    original = path.read_bytes()
    data = original
    for how, at, what in mutations:
        data = _mutate(data, how, at, what)
    try:
        path.write_bytes(data)
        view = read_bag(bag)
        assert isinstance(view.problems, list)
        for level in ("completeness", "fast", "full"):
            report = verify_bag(bag, level=level)
            assert all(p.code and p.path is not None and p.message for p in report.problems)
        if data != original and name in COVERED:
            assert not verify_bag(bag).ok, (name, data)
    finally:
        path.write_bytes(original)


@FUZZ
@given(st.sampled_from(["data/a.txt", "data/sub/100% b.bin", "bagit.txt"]), st.binary(max_size=64))
def test_replaced_or_removed_files_are_reported(bag: Path, rel: str, data: bytes) -> None:
    path = bag / rel
    original = path.read_bytes()
    try:
        path.write_bytes(data)
        if data != original:
            assert not verify_bag(bag).ok
        path.unlink()
        assert not verify_bag(bag).ok
    finally:
        path.write_bytes(original)
    assert verify_bag(bag).ok


@FUZZ
@given(st.text(max_size=400))
def test_sheet_parser_on_noise(text: str) -> None:
    try:
        parse_sheet(text)
    except InputError as exc:
        assert exc.message.startswith("metadata.csv: ")


@FUZZ
@given(st.binary(max_size=300))
def test_sheet_loader_on_random_bytes(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "metadata.csv").write_bytes(b"filename,dc.title\n" + data)
    try:
        read_sheet(tmp_path, {"a.txt", "b"})
    except InputError as exc:
        assert "metadata.csv" in exc.message
