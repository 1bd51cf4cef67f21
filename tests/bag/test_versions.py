"""Each BagIt version read as its text says: RFC 8493 (1.0) and the 0.93-0.97 drafts.

Every bag is built here, byte by byte, in the version and encoding the case needs.
"""
from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import pytest

from preserve.bag.reader import read_bag
from preserve.verify.checks import verify_bag

HELLO = b"hello\n"


def make_bag(root: Path, version: str = "1.0", files: dict[str, bytes] | None = None, *,
             encoding: str = "UTF-8", info: str | None = None, info_name: str = "bag-info.txt",
             algorithm: str = "sha256", lines: list[str] | None = None, tag_manifest: bool = True,
             extra_tags: dict[str, bytes] | None = None, declaration: bytes | None = None) -> Path:
    """A bag: payload files, a manifest (its lines given or computed), tag files in `encoding`."""
    files = {"data/hello.txt": HELLO} if files is None else files
    codec = "utf-8" if encoding == "UTF-8" else encoding
    root.mkdir(parents=True)
    (root / "data").mkdir()
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    if lines is None:
        lines = [f"{hashlib.new(algorithm, data).hexdigest()}  {path}" for path, data in files.items()]
    (root / "bagit.txt").write_bytes(declaration if declaration is not None else
                                     f"BagIt-Version: {version}\nTag-File-Character-Encoding: {encoding}\n".encode())
    (root / f"manifest-{algorithm}.txt").write_text("".join(line + "\n" for line in lines), encoding=codec)
    if info is None:
        info = f"Payload-Oxum: {sum(map(len, files.values()))}.{len(files)}\n"
    (root / info_name).write_text(info, encoding=codec)
    for name, data in (extra_tags or {}).items():
        (root / name).write_bytes(data)
    if tag_manifest:
        tags = sorted(p.name for p in root.iterdir() if p.is_file())
        text = "".join(f"{hashlib.new(algorithm, (root / t).read_bytes()).hexdigest()}  {t}\n" for t in tags)
        (root / f"tagmanifest-{algorithm}.txt").write_text(text, encoding=codec)
    return root


def found(bag: Path) -> set[tuple[str, str, str]]:
    return {(p.code, p.path, p.severity) for p in verify_bag(bag).problems}


def test_bags_of_every_version_verify_clean(tmp_path: Path) -> None:
    for version in ("0.93", "0.94", "0.95", "0.96", "0.97", "1.0"):
        name = "package-info.txt" if version < "0.96" else "bag-info.txt"
        assert found(make_bag(tmp_path / version, version, info_name=name)) == set(), version


# --- bagit.txt (§2.1.1) ---------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["0.97", "1.0"])
def test_a_bom_in_bagit_txt_is_an_error(tmp_path: Path, version: str) -> None:
    declaration = f"\ufeffBagIt-Version: {version}\nTag-File-Character-Encoding: UTF-8\n".encode()
    report = verify_bag(make_bag(tmp_path / "b", version, declaration=declaration))
    assert not report.ok
    assert [(p.code, p.path) for p in report.problems] == [("bagit-malformed", "bagit.txt")]
    assert "byte-order mark" in report.problems[0].message


def test_whitespace_before_the_colon_of_bagit_txt(tmp_path: Path) -> None:
    old = make_bag(tmp_path / "old", declaration=b"BagIt-Version : 0.97\nTag-File-Character-Encoding : UTF-8\n")
    new = make_bag(tmp_path / "new", declaration=b"BagIt-Version : 1.0\nTag-File-Character-Encoding : UTF-8\n")
    assert found(old) == set()
    assert ("bagit-malformed", "bagit.txt", "error") in found(new)


# --- tag-file encodings (§2.1.1: SHOULD be UTF-8, MAY be any IANA-registered encoding) ------------

@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-16", "windows-1252"])
def test_tag_files_in_the_declared_encoding_are_decoded(tmp_path: Path, encoding: str) -> None:
    files = {"data/caf\u00e9.txt": HELLO}
    info = "Contact-Name: Ren\u00e9\nPayload-Oxum: 6.1\n"
    bag = make_bag(tmp_path / "b", "0.97", files, encoding=encoding, info=info)
    assert found(bag) == set()
    view = read_bag(bag)
    assert ("Contact-Name", "Ren\u00e9") in view.info
    assert list(view.manifests[0].entries) == ["data/caf\u00e9.txt"]


def test_an_encoding_python_does_not_know_is_one_clear_error(tmp_path: Path) -> None:
    for name in ("KLINGON-7", "base64"):  # base64 is a codec, but not a text encoding
        bag = make_bag(tmp_path / name, encoding="UTF-8",
                       declaration=f"BagIt-Version: 1.0\nTag-File-Character-Encoding: {name}\n".encode())
        assert found(bag) == {("bagit-encoding-unsupported", "bagit.txt", "error")}


def test_bytes_invalid_in_the_declared_encoding_are_reported(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "b", "0.97", encoding="UTF-16", info="Payload-Oxum: 6.1\n")
    (bag / "bag-info.txt").write_bytes(b"\xff\xfeP\x00\x00\xd8")  # a lone surrogate
    assert ("tagfile-encoding", "bag-info.txt", "error") in found(bag)


# --- bag-info.txt (§2.2.2) -------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["Bagging-Date", "Bag-Size", "Bag-Count", "Bag-Group-Identifier"])
def test_a_repeated_should_not_label_is_a_warning(tmp_path: Path, label: str) -> None:
    bag = make_bag(tmp_path / "b", info=f"{label}: 1\n{label}: 2\nPayload-Oxum: 6.1\n")
    report = verify_bag(bag)
    assert report.ok
    [problem] = report.problems
    assert (problem.code, problem.severity) == ("baginfo-repeated", "warning")
    assert label in problem.message and "§2.2.2: SHOULD NOT" in problem.message


def test_a_repeated_payload_oxum_is_an_error(tmp_path: Path) -> None:
    report = verify_bag(make_bag(tmp_path / "b", info="Payload-Oxum: 6.1\nPayload-Oxum: 6.1\n"))
    assert not report.ok
    assert any(p.code == "baginfo-malformed" and "MUST NOT" in p.message for p in report.problems)


def test_whitespace_before_the_colon_is_accepted_before_1_0_only(tmp_path: Path) -> None:
    info = "Contact-Name : Ren\u00e9\nPayload-Oxum   :   6.1\n"
    old = make_bag(tmp_path / "old", "0.97", info=info)
    assert found(old) == set()
    assert ("Payload-Oxum", "6.1") in read_bag(old).info
    new = make_bag(tmp_path / "new", "1.0", info=info)
    assert {c for c, _, s in found(new) if s == "error"} == {"baginfo-malformed"}


@pytest.mark.parametrize("version", ["0.93", "0.95"])
def test_package_info_is_read_and_its_oxum_checked(tmp_path: Path, version: str) -> None:
    bag = make_bag(tmp_path / "b", version, info="Packing-Date: 2008-01-15\nPayload-Oxum: 99.1\n",
                   info_name="package-info.txt")
    # every file proven by its digest, package-info.txt by the tag manifest: the count was wrong (RFC 8493 §3)
    assert ("payload-oxum-miscounted", "package-info.txt", "warning") in found(bag)
    fast = {(p.code, p.severity) for p in verify_bag(bag, level="fast").problems}
    assert ("payload-oxum-mismatch", "error") in fast  # without digests nothing proves the payload whole
    assert ("Packing-Date", "2008-01-15") in read_bag(bag).info


# --- manifests (§2.1.3) ----------------------------------------------------------------------------

def test_dot_slash_paths_are_the_files_they_name(tmp_path: Path) -> None:
    digest = hashlib.sha256(HELLO).hexdigest()
    bag = make_bag(tmp_path / "b", "0.97", lines=[f"{digest}  ./data/hello.txt"])
    report = verify_bag(bag)
    assert report.ok
    assert {(p.code, p.severity) for p in report.problems} == {("manifest-path-noncanonical", "warning")}
    assert list(read_bag(bag).manifests[0].entries) == ["data/hello.txt"]


@pytest.mark.parametrize("path", ["./../hello.txt", "./data/../../x", "/./data/hello.txt", "./"])
def test_a_dot_slash_path_still_never_escapes(tmp_path: Path, path: str) -> None:
    bag = make_bag(tmp_path / "b", "0.97", lines=[f"{hashlib.sha256(HELLO).hexdigest()}  {path}"])
    report = verify_bag(bag)
    assert not report.ok
    assert "manifest-unsafe-path" in {p.code for p in report.problems}


def test_one_path_twice_with_one_digest_is_a_warning_before_1_0(tmp_path: Path) -> None:
    line = f"{hashlib.sha256(HELLO).hexdigest()}  data/hello.txt"
    old = make_bag(tmp_path / "old", "0.97", lines=[line, line])
    assert found(old) == {("manifest-duplicate-same-digest", "manifest-sha256.txt:2", "warning")}
    new = make_bag(tmp_path / "new", "1.0", lines=[line, line])
    assert ("manifest-duplicate", "manifest-sha256.txt:2", "error") in found(new)
    other = make_bag(tmp_path / "other", "0.97", lines=[line, "0" * 64 + "  data/hello.txt"])
    assert ("manifest-duplicate", "manifest-sha256.txt:2", "error") in found(other)


def test_the_md5sum_binary_marker_is_read_past_with_a_warning(tmp_path: Path) -> None:
    lines = [f"{hashlib.md5(HELLO).hexdigest()} *data/hello.txt"]
    report = verify_bag(make_bag(tmp_path / "b", "0.97", algorithm="md5", lines=lines))
    assert report.ok
    assert {(p.code, p.path, p.severity) for p in report.problems} == {
        ("manifest-binary-marker", "manifest-md5.txt", "warning")}


def test_names_that_collide_on_other_file_systems_are_a_warning(tmp_path: Path) -> None:
    digest = hashlib.sha256(HELLO).hexdigest()
    nfc, nfd = unicodedata.normalize("NFC", "data/N\u00fa\u00f1ez"), unicodedata.normalize("NFD", "data/N\u00fa\u00f1ez")
    for name, twin in (("data/hello.txt", "data/HELLO.txt"), (nfc, nfd)):
        bag = make_bag(tmp_path / str(len(list(tmp_path.iterdir()))), "0.97", {name: HELLO},
                       lines=[f"{digest}  {name}", f"{digest}  {twin}"], info="Payload-Oxum: 6.1\n")
        assert found(bag) == {("manifest-names-collide", twin, "warning")}
    # a different digest: the twin is another file, and it is missing
    bag = make_bag(tmp_path / "diff", "0.97", {"data/hello.txt": HELLO},
                   lines=[f"{digest}  data/hello.txt", "0" * 64 + "  data/HELLO.txt"])
    assert ("payload-missing", "data/HELLO.txt", "error") in found(bag)


def test_a_missing_system_file_is_a_warning(tmp_path: Path) -> None:
    empty = hashlib.sha256(b"").hexdigest()
    bag = make_bag(tmp_path / "b", "0.97", {"data/Thumbs.db": b""}, info="Payload-Oxum: 0.2\n",
                   lines=[f"{empty}  data/.DS_Store", f"{empty}  data/Thumbs.db"])
    assert found(bag) == {("payload-system-file-missing", "data/.DS_Store", "warning")}
    # the Payload-Oxum must still add up: one more byte declared than the empty file explains
    wrong = make_bag(tmp_path / "wrong", "0.97", {"data/Thumbs.db": b""}, info="Payload-Oxum: 1.2\n",
                     lines=[f"{empty}  data/.DS_Store", f"{empty}  data/Thumbs.db"])
    assert ("payload-oxum-mismatch", "bag-info.txt", "error") in found(wrong)


# --- tag manifests (§2.2.1) ------------------------------------------------------------------------

def test_an_unlisted_tag_file_is_a_warning_in_1_0_and_allowed_before(tmp_path: Path) -> None:
    for version, expected in (("1.0", {("tagfile-unlisted", "notes.txt", "warning")}), ("0.97", set())):
        bag = make_bag(tmp_path / version, version)
        (bag / "notes.txt").write_text("x")
        assert found(bag) == expected, version


def test_a_payload_manifest_missing_from_the_tag_manifest_is_an_error_in_1_0(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "b", "1.0")
    tm = bag / "tagmanifest-sha256.txt"
    tm.write_text("".join(line + "\n" for line in tm.read_text().splitlines() if "manifest-" not in line))
    assert ("tagmanifest-incomplete", "manifest-sha256.txt", "error") in found(bag)


# --- fetch.txt (§2.2.3, §3) ------------------------------------------------------------------------

def test_a_bag_whose_fetched_files_are_all_present_is_complete(tmp_path: Path) -> None:
    fetch = b"http://example.invalid/hello.txt 6 data/hello.txt\n"
    report = verify_bag(make_bag(tmp_path / "b", "0.97", extra_tags={"fetch.txt": fetch}))
    assert report.ok
    assert {(p.code, p.severity) for p in report.problems} == {("fetch-complete", "warning")}


def test_a_fetched_file_that_is_absent_makes_the_bag_incomplete(tmp_path: Path) -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    fetch = b"http://example.invalid/x - data/x\n"
    bag = make_bag(tmp_path / "b", "1.0", extra_tags={"fetch.txt": fetch},
                   lines=[f"{hashlib.sha256(HELLO).hexdigest()}  data/hello.txt", f"{digest}  data/x"])
    problems = found(bag)
    assert {("fetch-unsupported", "fetch.txt", "error"), ("payload-missing", "data/x", "error")} <= problems


@pytest.mark.parametrize("path", ["../../../README.md", "/etc/passwd", "bagit.txt"])
def test_a_fetch_path_outside_the_payload_is_an_error(tmp_path: Path, path: str) -> None:
    fetch = f"http://example.invalid/x - {path}\n".encode()
    assert ("fetch-malformed", "fetch.txt:1", "error") in found(
        make_bag(tmp_path / "b", "0.97", extra_tags={"fetch.txt": fetch}))
