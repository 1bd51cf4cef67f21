"""The manifest reader: its fast paths give exactly what its general paths give; names and lengths."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preserve.bag import manifests as bagmanifests
from preserve.bag.manifests import _all_safe, _plain_columns, safe_relpath
from preserve.bag.tagfiles import parse_manifest
from preserve.bag import reader
from preserve.bag.reader import read_bag
from preserve.bag.view import BagView, TooLarge

DIGEST = "ab" * 32
LINE_PIECES = [f"{DIGEST}  data/a", f"{DIGEST}  data/b", f"{DIGEST} *data/c", f"{DIGEST}  data/%25d",
               f"{DIGEST}  data/a", f"{DIGEST.upper()}  data/e", f"{DIGEST}\tdata/f", f"{DIGEST}  ../x",
               f"{DIGEST}  bag-info.txt", "zz  data/g", "", "  ", f"{DIGEST}  data/h\r", "x" * 40, "\ufeff",
               f"{DIGEST}  data/\u00e9", f"{DIGEST}  data//i", f"{DIGEST}  data/./j"]
BYTE_PIECES = [b"\xff\xfe", b"\xef\xbb\xbf", b"\r\n", b"\n"]


def _manifest_bytes(lines: list[str], extra: list[tuple[int, bytes]], end: bool) -> bytes:
    data = "\n".join(lines).encode("utf-8") + (b"\n" if end else b"")
    for at, piece in sorted(extra, reverse=True):
        at = min(at, len(data))
        data = data[:at] + piece + data[at:]
    return data


def _read_both(bag: Path, monkeypatch) -> tuple[tuple, tuple]:
    """(manifests, problems) of the bag read with the whole-file reader and with the line reader."""
    def summary():
        view = read_bag(bag)
        return ([(m.name, m.algorithm, sorted(m.entries.items())) for m in view.manifests],
                [p.as_dict() for p in view.problems])

    whole = summary()
    with monkeypatch.context() as m:
        m.setattr(bagmanifests, "_whole_manifest", lambda view, name: None)
        lines = summary()
    return whole, lines


class MemorySource:
    """A bag's files held as bytes, as a serialized bag's source holds them (preserve.bag.view.BagSource)."""

    def __init__(self, root: Path, limit: int = 1 << 30) -> None:
        self.files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
        self.limit = limit

    def _held(self, name: str) -> bytes:
        if name not in self.files:
            raise FileNotFoundError(2, "not held", name)
        if len(self.files[name]) > self.limit:
            raise TooLarge(f"larger than {self.limit} bytes")
        return self.files[name]

    def read(self, name: str, limit: int) -> bytes:
        data = self._held(name)
        if len(data) > limit:
            raise TooLarge(f"larger than {limit} bytes")
        return data

    def open(self, name: str):
        data = self._held(name)
        return io.BytesIO(data), len(data)

    def digest(self, name: str, algorithm: str) -> None:
        return None


def _read_from_memory(bag: Path, limit: int = 1 << 30) -> tuple:
    """(manifests, problems) of the bag read as read_bag does, its files' bytes from a MemorySource."""
    view = BagView(root=bag, source=MemorySource(bag, limit), serialization="tar")
    reader._list_files(view)
    reader.read_tags(view)
    return ([(m.name, m.algorithm, sorted(m.entries.items())) for m in view.manifests],
            [p.as_dict() for p in view.problems])


@pytest.fixture
def small_limits(monkeypatch):
    """Limits small enough for generated manifests to reach them."""
    monkeypatch.setattr(bagmanifests, "MAX_LINE_BYTES", 90)
    monkeypatch.setattr(bagmanifests, "MAX_LINE_PROBLEMS", 3)
    monkeypatch.setattr(bagmanifests, "MAX_BAD_LINES", 5)
    monkeypatch.setattr(bagmanifests, "BATCH_LINES", 4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.sampled_from(LINE_PIECES), max_size=24),
       extra=st.lists(st.tuples(st.integers(0, 2000), st.sampled_from(BYTE_PIECES)), max_size=2),
       end=st.booleans())
def test_whole_manifest_read_as_line_by_line(tmp_path_factory, monkeypatch, small_limits, lines, extra, end):
    """Bad lines, duplicates, BOMs, CRLF, invalid UTF-8, long lines, batches: the same result.

    (The fixtures only set constants, so sharing them between examples is harmless.)
    """
    bag = tmp_path_factory.mktemp("bag")
    (bag / "data").mkdir()
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    (bag / "manifest-sha256.txt").write_bytes(_manifest_bytes(lines, extra, end))
    whole, by_line = _read_both(bag, monkeypatch)
    assert whole == by_line == _read_from_memory(bag)


def test_whole_manifest_stops_where_the_line_reader_stops(tmp_path, monkeypatch, small_limits):
    """Many bad lines: reading stops at the same line, with the same messages."""
    bag = tmp_path / "bag"
    (bag / "data").mkdir(parents=True)
    lines = [f"{DIGEST}  data/{i}" if i % 3 else "bad line" for i in range(40)]
    (bag / "manifest-sha256.txt").write_text("\n".join(lines) + "\n")
    whole, by_line = _read_both(bag, monkeypatch)
    assert whole == by_line == _read_from_memory(bag)
    assert any(p["code"] == "manifest-problems-truncated" and "stopped at line" in p["message"] for p in whole[1])


def test_whole_manifest_is_left_to_the_line_reader_when_not_plain(tmp_path, monkeypatch):
    bag = tmp_path / "bag"
    (bag / "data").mkdir(parents=True)
    view = BagView(root=bag)
    (bag / "m.txt").write_bytes(b"\xef\xbb\xbfa\r\nb\n")
    assert bagmanifests._whole_manifest(view, "m.txt") == ["a\r", "b"]
    (bag / "m.txt").write_bytes(b"a\n\xff\n")
    assert bagmanifests._whole_manifest(view, "m.txt") is None  # not UTF-8
    (bag / "m.txt").write_bytes(b"a" * bagmanifests.MAX_LINE_BYTES + b"\n")
    assert bagmanifests._whole_manifest(view, "m.txt") is None  # a line too long
    monkeypatch.setattr(bagmanifests, "WHOLE_MANIFEST_BYTES", 3)
    (bag / "m.txt").write_bytes(b"abcd\n")
    assert bagmanifests._whole_manifest(view, "m.txt") is None  # too large to read whole
    assert bagmanifests._whole_manifest(view, "missing.txt") is None
    assert view.problems == []  # the line reader reports, not this


PIECES = ["a" * 64, "B" * 64, "0" * 128, "g" * 64, "ab", "", " ", "  ", "\t", "\r", "*", "%25", "%0a",
          "data/x", "data/y", "é", "\u3000", "\x0b", "x y"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=6).map("".join), min_size=1, max_size=6),
       st.sampled_from(["sha256", "sha512", "sha3_256", "md5", "foo"]))
def test_plain_manifest_lines_parse_as_the_full_parser_does(lines: list[str], algorithm: str) -> None:
    """The fast path gives parse_manifest's entries, or leaves the batch to it."""
    lines = [("a" * 64 + "  " + line) if i % 2 else line for i, line in enumerate(lines)]
    plain = _plain_columns(lines, algorithm)
    if plain is not None:
        fast = list(zip(*plain, range(1, len(lines) + 1)))  # as the manifest reader turns it into entries
        assert (fast, []) == parse_manifest("\n".join(lines), algorithm)


SEGMENTS = ["a", "b.txt", ".", "..", "", "...", "a\\b", "x\x00", "\n", "é", " "]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4).map("/".join), min_size=1, max_size=5))
def test_all_safe_is_safe_relpath_of_every_path(paths):
    assert _all_safe(paths) == all(safe_relpath(p) for p in paths)


def _bag_with(tmp_path: Path, manifests: dict[str, bytes]) -> Path:
    bag = tmp_path / "bag"
    (bag / "data").mkdir(parents=True)
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    for name, data in manifests.items():
        (bag / name).write_bytes(data)
    return bag


def test_manifest_names_give_hashlib_algorithm_names(tmp_path: Path) -> None:
    """A manifest's algorithm is read from its name as fixity spells it ('SHA3-256' -> 'sha3_256')."""
    bag = _bag_with(tmp_path, {"manifest-SHA-256.txt": b"", "manifest-sha3-256.txt": b"",
                               "manifest-md5.txt": b"", "tagmanifest-SHA512.txt": b"", "manifest-foo.txt": b""})
    view = BagView(root=bag)
    view.tag_files = {name: 0 for name in ("manifest-SHA-256.txt", "manifest-sha3-256.txt", "manifest-md5.txt",
                                           "tagmanifest-SHA512.txt", "manifest-foo.txt", "bagit.txt")}
    assert [(m.name, m.algorithm) for m in bagmanifests.read_manifests(view, tag=False)] == [
        ("manifest-SHA-256.txt", "sha256"), ("manifest-foo.txt", "foo"), ("manifest-md5.txt", "md5"),
        ("manifest-sha3-256.txt", "sha3_256")]
    assert [(m.name, m.algorithm) for m in bagmanifests.read_manifests(view, tag=True)] == [
        ("tagmanifest-SHA512.txt", "sha512")]


@pytest.mark.parametrize("whole", [True, False])
def test_digest_lengths_come_from_the_algorithm_table(tmp_path: Path, monkeypatch, whole: bool) -> None:
    """A digest of the wrong length for its manifest's algorithm is malformed; an unknown algorithm
    takes any length; upper-case hex is kept in lower case."""
    if not whole:
        monkeypatch.setattr(bagmanifests, "_whole_manifest", lambda view, name: None)
    bag = _bag_with(tmp_path, {
        "manifest-md5.txt": f"{'a' * 32}  data/a\n{'b' * 64}  data/b\n".encode(),
        "manifest-sha3_256.txt": f"{'C' * 64}  data/a\n{'c' * 32}  data/b\n".encode(),
        "manifest-foo.txt": b"abc  data/a\n",
    })
    view = read_bag(bag)
    assert {m.name: m.entries for m in view.manifests} == {
        "manifest-foo.txt": {"data/a": "abc"}, "manifest-md5.txt": {"data/a": "a" * 32},
        "manifest-sha3_256.txt": {"data/a": "c" * 64}}
    malformed = sorted(p.path for p in view.problems if p.code == "manifest-malformed")
    assert malformed == ["manifest-md5.txt:2", "manifest-sha3_256.txt:2"]


def test_bad_lines_are_reported_with_their_numbers(tmp_path: Path, monkeypatch) -> None:
    """Long lines, invalid UTF-8, unsafe and duplicate paths: each reported at its line, never kept."""
    monkeypatch.setattr(bagmanifests, "MAX_LINE_BYTES", 90)
    lines = [f"{DIGEST}  data/ok".encode(), b"x" * 200, f"{DIGEST}  data/\xff".encode("latin-1"),
             f"{DIGEST}  data/../up".encode(), f"{DIGEST}  tag.txt".encode(), f"{DIGEST}  data/ok".encode()]
    bag = _bag_with(tmp_path, {"manifest-sha256.txt": b"\n".join(lines) + b"\n"})
    view = read_bag(bag)
    assert view.manifests[0].entries == {"data/ok": DIGEST}
    found = sorted((p.path, p.code, p.message) for p in view.problems)
    assert found == [
        ("manifest-sha256.txt:2", "manifest-malformed", "line longer than 90 bytes"),
        ("manifest-sha256.txt:3", "manifest-malformed", "line is not valid UTF-8"),
        ("manifest-sha256.txt:4", "manifest-unsafe-path", "path escapes the bag or is not portable: 'data/../up'"),
        ("manifest-sha256.txt:5", "manifest-unsafe-path", "payload path outside data/: 'tag.txt'"),
        ("manifest-sha256.txt:6", "manifest-duplicate", "path listed twice (also line 1): 'data/ok'"),
    ]


@pytest.mark.parametrize("whole", [True, False])
def test_manifests_read_through_the_source_give_the_folders_problems(tmp_path: Path, monkeypatch, whole) -> None:
    """Read from held bytes (a serialized bag's source) or the folder, whole or line by line: the same
    entries and problems; UTF-16 too, read whole or reported malformed."""
    if not whole:
        monkeypatch.setattr(bagmanifests, "_whole_manifest", lambda view, name: None)
    bag = _bag_with(tmp_path, {"manifest-sha256.txt": f"{DIGEST}  data/a\n{DIGEST}  data/a\n".encode("utf-16")})
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-16\n")
    folder = read_bag(bag)
    summary = ([(m.name, m.algorithm, sorted(m.entries.items())) for m in folder.manifests],
               [p.as_dict() for p in folder.problems])
    assert summary == _read_from_memory(bag)
    codes = [(p["code"], p["path"]) for p in summary[1]]
    if whole:
        assert codes == [("manifest-duplicate", "manifest-sha256.txt:2")]
    else:
        assert codes == [("manifest-malformed", "manifest-sha256.txt")]


def test_a_manifest_the_source_cannot_hold_is_too_large(tmp_path: Path) -> None:
    """A source over its capture limit: tagfile-too-large, nothing read (as a folder manifest over its cap)."""
    bag = _bag_with(tmp_path, {"manifest-sha256.txt": f"{DIGEST}  data/a\n".encode()})
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    manifests, problems = _read_from_memory(bag, limit=60)
    assert manifests == [("manifest-sha256.txt", "sha256", [])]
    assert [(p["code"], p["path"], p["message"]) for p in problems] == [
        ("tagfile-too-large", "manifest-sha256.txt", "not read: larger than 60 bytes")]


def test_a_large_folder_manifest_is_streamed_never_read_whole(tmp_path: Path, monkeypatch) -> None:
    """Past WHOLE_MANIFEST_BYTES a folder manifest is read line by line, each read bounded by MAX_LINE_BYTES."""
    monkeypatch.setattr(bagmanifests, "WHOLE_MANIFEST_BYTES", 1000)
    bag = _bag_with(tmp_path, {"manifest-sha256.txt": "".join(f"{DIGEST}  data/{i}\n" for i in range(100)).encode()})
    reads: list[int] = []
    original = bagmanifests._lines_of

    def counting(f, view, name):
        real_readline = f.readline
        f = type("Spy", (), {"readline": lambda self, n=-1: reads.append(n) or real_readline(n)})()
        return original(f, view, name)

    monkeypatch.setattr(bagmanifests, "_lines_of", counting)
    view = read_bag(bag)
    assert len(view.manifests[0].entries) == 100 and view.problems == []
    assert len(reads) == 101 and max(reads) == bagmanifests.MAX_LINE_BYTES + 1
