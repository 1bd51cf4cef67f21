"""preserve.bag.archive: serialized bags streamed member by member, hostile archives reported, never followed."""
from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import tarfile
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.archives import Zeros, tar_of
from helpers.paths import tree_digest
from preserve.problems import limit_per_code
from preserve.bag.archive import LIMITS, MAX_RATIO, RATIO_AFTER, ArchiveReader, read_tag_file, sniff

GOOD = [("abc/bagit.txt", b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"),
        ("abc/data/a.txt", b"hello\n"), ("abc/data/sub/b.txt", b"world\n" * 1000)]


def _read_all(path: Path) -> tuple[dict[str, bytes], list[tuple[str, str]], ArchiveReader]:
    reader = ArchiveReader(path)
    got = {m.name: b"".join(m.chunks()) for m in reader.members() if not m.is_dir}
    return got, [(p.code, p.path) for p in reader.problems], reader


def _zip_of(dest: Path, entries: list[tuple[str, bytes]], method=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(dest, "w", method) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return dest


@pytest.mark.parametrize("mode,fmt", [("w", "tar"), ("w:gz", "tar.gz"), ("zip", "zip")])
def test_members_stream_in_order_by_magic_not_name(tmp_path: Path, mode: str, fmt: str) -> None:
    path = tmp_path / "abc.bin"  # the name says nothing
    _zip_of(path, GOOD) if mode == "zip" else tar_of(path, GOOD, mode)
    got, problems, reader = _read_all(path)
    assert sniff(path) == fmt == reader.serialization
    assert got == {name.removeprefix("abc/"): data for name, data in GOOD}
    assert problems == [] and reader.top == "abc"


def test_not_an_archive_is_one_problem(tmp_path: Path) -> None:
    for data in (b"", b"hello" * 300, b"\x1f\x8bnot gzip at all", b"PK\x03\x04broken"):
        path = tmp_path / "x.tar"
        path.write_bytes(data)
        got, problems, _ = _read_all(path)
        assert got == {} and [c for c, _ in problems] == ["archive-damaged"], (data[:10], problems)


HOSTILE_TAR = [
    ("/abc/abs.txt", "archive-unsafe-name"), ("abc/../up.txt", "archive-unsafe-name"),
    ("abc/a\\b.txt", "archive-unsafe-name"), ("abc/./dot.txt", "archive-unsafe-name"),
    ("abc//empty.txt", "archive-unsafe-name"), ("other/x.txt", "archive-outside-top"),
    ("top-file.txt", "archive-outside-top"), ("abc", "archive-outside-top"), ("abc/data/a.txt", "archive-duplicate"),
]


def test_hostile_tar_members_are_reported_and_never_read(tmp_path: Path) -> None:
    entries = GOOD + [(name, b"evil") for name, _ in HOSTILE_TAR] + [
        ("abc/data/link", tarfile.SYMTYPE, "/etc/passwd"), ("abc/data/hard", tarfile.LNKTYPE, "abc/data/a.txt"),
        ("abc/data/fifo", tarfile.FIFOTYPE, ""), ("abc/data/dev", tarfile.CHRTYPE, "")]
    path = tar_of(tmp_path / "abc.tar", entries)
    before = tree_digest(tmp_path)
    got, problems, _ = _read_all(path)
    assert got == {name.removeprefix("abc/"): data for name, data in GOOD}  # the first a.txt, not "evil"
    for name, code in HOSTILE_TAR:
        assert (code, name) in problems
    for name, code in [("abc/data/link", "archive-link"), ("abc/data/hard", "archive-link"),
                       ("abc/data/fifo", "archive-special"), ("abc/data/dev", "archive-special")]:
        assert (code, name) in problems
    assert tree_digest(tmp_path) == before  # nothing created anywhere near


def test_hostile_zip_members(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("abc/data/link")
    link.create_system, link.external_attr = 3, (0o120777 << 16)
    path = tmp_path / "abc.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in GOOD + [("../up.txt", b"x"), ("/abs.txt", b"x"), ("other/x", b"x")]:
            zf.writestr(name, data)
        zf.writestr(link, "/etc/passwd")
        with pytest.warns(UserWarning):
            zf.writestr("abc/data/a.txt", b"evil")
    got, problems, _ = _read_all(path)
    assert got["data/a.txt"] == b"hello\n"
    assert {("archive-unsafe-name", "../up.txt"), ("archive-unsafe-name", "/abs.txt"),
            ("archive-outside-top", "other/x"), ("archive-link", "abc/data/link"),
            ("archive-duplicate", "abc/data/a.txt")} <= set(problems)


def _set_declared_size(path: Path, size: int) -> None:
    """Make every zip member declare size bytes (local and central headers); the data stays."""
    raw = bytearray(path.read_bytes())
    at = raw.find(b"PK\x03\x04")
    while at >= 0:
        struct.pack_into("<I", raw, at + 22, size)
        at = raw.find(b"PK\x03\x04", at + 4)
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        struct.pack_into("<I", raw, at + 24, size)
        at = raw.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(raw))


def test_zip_member_larger_than_declared_is_stopped(tmp_path: Path) -> None:
    path = _zip_of(tmp_path / "abc.zip", [("abc/data/big.txt", b"x" * 100_000)])
    _set_declared_size(path, 10)
    got, problems, _ = _read_all(path)
    assert ("archive-member-oversize", "data/big.txt") in problems
    assert len(got.get("data/big.txt", b"")) <= 10


def test_zip_crc_mismatch_is_reported(tmp_path: Path) -> None:
    path = _zip_of(tmp_path / "abc.zip", GOOD, zipfile.ZIP_STORED)
    raw = bytearray(path.read_bytes())
    at = raw.find(b"world")
    raw[at] ^= 1
    path.write_bytes(bytes(raw))
    got, problems, _ = _read_all(path)
    assert ("archive-member-damaged", "abc/data/sub/b.txt") in problems
    assert got["data/sub/b.txt"] != GOOD[2][1]  # what is there is read, for fixity to judge


@pytest.mark.parametrize("mode", ["w", "w:gz", "zip"])
def test_truncated_archives_are_damaged(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "abc.x"
    _zip_of(path, GOOD) if mode == "zip" else tar_of(path, GOOD, mode)
    data = path.read_bytes()
    for cut in (len(data) // 5, len(data) // 3, len(data) // 2, len(data) * 3 // 4):
        path.write_bytes(data[:cut])
        got, problems, _ = _read_all(path)
        assert "archive-damaged" in {c for c, _ in problems}, (cut, problems)


def test_gzip_bomb_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    """1 GiB of zeros in a tar.gz, built by streaming: refused after RATIO_AFTER bytes, memory flat."""
    path = tmp_path / "abc.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=1) as tf:
        info = tarfile.TarInfo("abc/data/zeros")
        info.size = 1 << 30
        tf.addfile(info, io.BufferedReader(Zeros(info.size), 1 << 20))
    assert path.stat().st_size * MAX_RATIO < 1 << 30
    for consume in (True, False):  # read by a verifier, or skipped (completeness): refused either way
        tracemalloc.start()
        reader = ArchiveReader(path)
        read = 0
        for member in reader.members():
            if consume:
                read += sum(map(len, member.chunks()))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert [p.code for p in reader.problems] == ["archive-bomb"]
        assert read <= RATIO_AFTER + (2 << 20)
        assert peak < 32 << 20, peak


def test_zip_bomb_by_declared_sizes_is_not_read(tmp_path: Path) -> None:
    path = _zip_of(tmp_path / "abc.zip", [("abc/data/zeros", bytes(RATIO_AFTER + (1 << 20)))])
    got, problems, _ = _read_all(path)
    assert ("archive-bomb", "data/zeros") in problems and got.get("data/zeros", b"") == b""


def test_huge_pax_header_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "abc.tar"
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tf:
        info = tarfile.TarInfo("abc/PaxHeader")
        info.type, info.size = tarfile.XHDTYPE, LIMITS["header_bytes"][0] + 512
        tf.addfile(info, io.BytesIO(b"9" * info.size))
    _, problems, _ = _read_all(path)
    assert [c for c, _ in problems] == ["archive-damaged"]


def test_a_bag_at_the_archive_top_is_read_and_reported_once(tmp_path: Path) -> None:
    path = tar_of(tmp_path / "abc.tar", [(name.removeprefix("abc/"), data) for name, data in GOOD])
    got, problems, reader = _read_all(path)
    assert got == {name.removeprefix("abc/"): data for name, data in GOOD} and reader.top == ""
    assert problems == [("archive-outside-top", "bagit.txt")]


def test_file_named_unlike_its_top_folder_is_a_warning(tmp_path: Path) -> None:
    path = tar_of(tmp_path / "other.tar", GOOD)
    _, problems, _ = _read_all(path)
    assert problems == [("archive-name-mismatch", "other.tar")]


def test_read_tag_file(tmp_path: Path) -> None:
    path = tar_of(tmp_path / "abc.tar.gz", GOOD + [("abc/bag-info.txt", b"Payload-Oxum: 1.1\n")], "w:gz")
    assert read_tag_file(path, "bag-info.txt", 100) == b"Payload-Oxum: 1.1\n"
    assert read_tag_file(path, "bag-info.txt", 5) is None
    assert read_tag_file(path, "fetch.txt", 100) is None
    (tmp_path / "junk").write_bytes(b"junk")
    assert read_tag_file(tmp_path / "junk", "bag-info.txt", 100) is None


def _archives(tmp: Path) -> dict[str, bytes]:
    out = {}
    for mode in ("w", "w:gz", "zip"):
        path = tmp / f"abc-{mode.replace(':', '')}"
        _zip_of(path, GOOD) if mode == "zip" else tar_of(path, GOOD, mode)
        out[mode] = path.read_bytes()
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["w", "w:gz", "zip", "random"]), data=st.data())
def test_damaged_archives_never_raise(tmp_path: Path, kind: str, data) -> None:
    if kind == "random":
        raw = data.draw(st.binary(max_size=4096))
        raw = data.draw(st.sampled_from([b"", b"\x1f\x8b", b"PK\x03\x04", b"PK\x05\x06"])) + raw
    else:
        raw = bytearray(_ARCHIVES[kind])
        for _ in range(data.draw(st.integers(0, 4))):
            at = data.draw(st.integers(0, len(raw) - 1))
            raw[at] ^= 1 << data.draw(st.integers(0, 7))
        raw = bytes(raw[: data.draw(st.integers(0, len(raw)))])
    path = tmp_path / "fuzz.tar"
    path.write_bytes(raw)
    _read_all(path)  # never raises
    read_tag_file(path, "bagit.txt", 1000)


_ARCHIVES: dict[str, bytes] = {}


@pytest.fixture(autouse=True, scope="module")
def _fuzz_inputs(tmp_path_factory) -> None:
    _ARCHIVES.update(_archives(tmp_path_factory.mktemp("fuzz")))
    assert os.path.exists(tmp_path_factory.getbasetemp())


def test_a_sparse_member_of_a_plain_tar_is_a_bomb_too(tmp_path: Path) -> None:
    """GNU tar --sparse stores 1 GiB of holes in a few blocks: read as data, that is a bomb."""
    gnu_tar = shutil.which("tar")
    if gnu_tar is None or "GNU" not in subprocess.run([gnu_tar, "--version"], capture_output=True, text=True).stdout:
        pytest.skip("GNU tar is not installed")
    (tmp_path / "abc" / "data").mkdir(parents=True)
    with open(tmp_path / "abc" / "data" / "holes", "wb") as f:
        f.truncate(1 << 30)
    subprocess.run([gnu_tar, "--sparse", "-C", str(tmp_path), "-cf", str(tmp_path / "abc.tar"), "abc"], check=True)
    reader = ArchiveReader(tmp_path / "abc.tar")
    read = sum(len(chunk) for member in reader.members() for chunk in member.chunks())
    assert [p.code for p in reader.problems] == ["archive-bomb"] and read <= RATIO_AFTER + (2 << 20)


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, zipfile.ZIP_DEFLATED])
def test_a_zip_member_declared_small_is_stopped_with_bounded_memory(tmp_path: Path, method: int) -> None:
    """128 MiB of zeros declared as 100 bytes: zipfile would inflate bzip2 and lzma whole; here a chunk at most."""
    from helpers.archives import zip_stream_member
    from helpers.bounds import peak_memory

    path = zip_stream_member(tmp_path / "abc.zip", "abc/data/zeros", method, 128 << 20, declared=100)
    (got, problems, _), peak = peak_memory(_read_all, path)
    assert ("archive-member-oversize", "data/zeros") in problems and got.get("data/zeros", b"") == b""
    assert peak < 16 << 20, peak


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_bzip2_and_lzma_members_are_read_in_steps(tmp_path: Path, method: int) -> None:
    path = _zip_of(tmp_path / "abc.zip", GOOD + [("abc/data/big.bin", os.urandom(3 << 20) * 2)], method)
    got, problems, _ = _read_all(path)
    with zipfile.ZipFile(path) as zf:
        assert got == {n.removeprefix("abc/"): zf.read(n) for n in zf.namelist()} and problems == []


def test_other_methods_and_huge_lzma_dictionaries_are_unsupported_not_read(tmp_path: Path, monkeypatch) -> None:
    import preserve.bag.archive as archive
    from helpers.archives import zip_stream_member
    from helpers.bounds import peak_memory

    path = zip_stream_member(tmp_path / "abc.zip", "abc/data/x", zipfile.ZIP_LZMA, 1 << 20, lzma_dict=0xFFFF_FFFF)
    (got, problems, _), peak = peak_memory(_read_all, path)  # a 4 GiB dictionary for 1 MiB: never allocated
    assert got == {"data/x": bytes(1 << 20)} and problems == [] and peak < 16 << 20, peak
    monkeypatch.setitem(archive.LIMITS, "lzma_dict", (1 << 16, "a test's"))
    got, problems, _ = _read_all(path)
    assert problems == [("archive-unsupported", "data/x")] and got == {"data/x": b""}
    path = _zip_of(tmp_path / "abc.zip", GOOD)
    raw = bytearray(path.read_bytes())
    for sig, at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # the first member's method: 9 (deflate64)
        struct.pack_into("<H", raw, raw.find(sig) + at, 9)
    path.write_bytes(bytes(raw))
    reader = ArchiveReader(path)
    members = {m.name: (b"".join(m.chunks()), m.complete) for m in reader.members() if not m.is_dir}
    assert [(p.code, p.path) for p in reader.problems] == [("archive-unsupported", "abc/bagit.txt")]
    assert members["bagit.txt"] == (b"", False) and members["data/a.txt"] == (b"hello\n", True)  # the rest is read


def test_many_long_names_stop_at_the_names_limit(tmp_path: Path, monkeypatch) -> None:
    """The member count times PATH_MAX is gigabytes of names: the names held are bounded, reading stops."""
    import preserve.bag.archive as archive
    from helpers.archives import tar_gz_of_many
    from helpers.bounds import peak_memory

    monkeypatch.setattr(archive, "MAX_NAMES", 4 << 20)
    long = "abc/data/" + "n" * 4000
    path = tar_gz_of_many(tmp_path / "abc.tar.gz", (f"{long}{i:08d}" for i in range(5000)))  # 20 MB of names
    (got, problems, _), peak = peak_memory(_read_all, path)
    assert [c for c, _ in problems] == ["archive-limit"] and len(got) < 1100
    assert peak < 12 << 20, peak


def test_problems_of_one_code_are_listed_up_to_the_limit(tmp_path: Path, monkeypatch) -> None:
    import preserve.bag.archive as archive
    from helpers.archives import tar_gz_of_many

    monkeypatch.setattr(archive, "MAX_PROBLEMS", 5)
    path = tar_gz_of_many(tmp_path / "abc.tar.gz", ["abc/data/a"] + [f"abc/x/../{i}" for i in range(20)]
                          + ["abc/data/a"] * 3)
    _, problems, _ = _read_all(path)
    assert [c for c, _ in problems] == ["archive-unsafe-name"] * 5 + ["archive-duplicate"] * 3 + ["archive-unsafe-name"]
    reader = ArchiveReader(path)
    list(reader.members())
    assert "15 more members" in reader.problems[-1].message and reader.problems[-1].path == "abc.tar.gz"
    assert [p.code for p in limit_per_code(reader.problems * 2, "x", 4)] == (
        ["archive-unsafe-name"] * 4 + ["archive-duplicate"] * 4 + ["archive-unsafe-name", "archive-duplicate"])
