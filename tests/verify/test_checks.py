"""Verification: every problem in one run, each named; levels; other tools' bags."""
from __future__ import annotations

from pathlib import Path

import bagit
import pytest

from helpers.paths import in_bag
from preserve.pipeline import bag_collection, payload_path
from preserve.errors import InputError
from preserve.verify.checks import find_bags, verify_bag
from helpers.faults import add_curator_sheet


@pytest.fixture
def bags(collection: Path, tmp_path: Path) -> Path:
    add_curator_sheet(collection, ["alpha.txt", "beta.txt", "gamma"])
    out = tmp_path / "bags"
    result = bag_collection(collection, out)
    assert result.exit_code == 0, result.as_dict()
    return out


def test_reports_all_damage_in_one_run(bags: Path) -> None:
    bag = bags / "gamma"
    main = in_bag(bag, "main.txt")
    data = bytearray(main.read_bytes())
    data[0] ^= 0x01
    main.write_bytes(bytes(data))
    attachment = in_bag(bag, "attachments/100% sure.txt")
    attachment.write_bytes(attachment.read_bytes() + b"!")
    in_bag(bag, "attachments").joinpath("extra.txt").write_text("extra")
    alpha = bags / "alpha"
    in_bag(alpha, "alpha.txt").unlink()

    report = verify_bag(bag)
    found = {(p.code, p.path) for p in report.problems}
    assert ("payload-checksum-mismatch", "data/" + payload_path("gamma", "main.txt")) in found
    assert ("payload-checksum-mismatch", "data/" + payload_path("gamma", "attachments/100% sure.txt")) in found
    assert ("payload-unlisted", "data/" + payload_path("gamma", "attachments/extra.txt")) in found
    assert ("payload-oxum-mismatch", "bag-info.txt") in found
    missing = verify_bag(alpha)
    assert ("payload-missing", "data/" + payload_path("alpha", "alpha.txt")) in {(p.code, p.path) for p in missing.problems}
    assert verify_bag(bags / "beta").ok


def test_levels(bags: Path) -> None:
    bag = bags / "alpha"
    target = in_bag(bag, "alpha.txt")
    target.write_bytes(target.read_bytes()[:-1] + b"X")  # same size, different bytes
    assert verify_bag(bag, level="fast").ok
    assert verify_bag(bag, level="completeness").ok
    assert not verify_bag(bag).ok
    target.write_bytes(target.read_bytes() + b"more")
    assert {p.code for p in verify_bag(bag, level="fast").problems} == {"payload-oxum-mismatch"}


def test_file_missing_from_one_of_two_manifests(bags: Path) -> None:
    bag = bags / "beta"
    lines = (bag / "manifest-sha512.txt").read_text().splitlines(keepends=True)
    (bag / "manifest-sha512.txt").write_text("".join(lines[1:]))
    codes = {p.code for p in verify_bag(bag).problems}
    assert "manifest-entry-missing" in codes
    assert "tagfile-checksum-mismatch" in codes


def test_verify_never_writes(bags: Path, tree_digest) -> None:
    before = tree_digest(bags)
    for bag in find_bags([bags]):
        verify_bag(bag)
    assert tree_digest(bags) == before


def test_verifies_bagit_python_0_97_bags(tmp_path: Path) -> None:
    src = tmp_path / "made-by-bagit-python"
    src.mkdir()
    (src / "file.txt").write_text("content")
    bagit.make_bag(str(src), checksums=["sha256", "sha512"])
    report = verify_bag(src)
    assert report.ok and report.version == "0.97"
    assert report.problems == []  # not even a warning


def test_find_bags_skips_staging_and_files(bags: Path) -> None:
    (bags / ".alpha.preserve-staging-1-abc").mkdir()
    (bags / "notes.txt").write_text("x")
    assert [b.name for b in find_bags([bags])] == ["alpha", "beta", "gamma"]
    with pytest.raises(InputError):
        find_bags([bags / "nope"])


# ------------------------------------------------------------------ other tools' bags
def _write_bag(root: Path, files: dict[str, bytes], *, version: str = "1.0", algorithms=("sha256",),
               tag_algorithms=("sha256",), info: str = "", extra_tags: dict[str, bytes] | None = None,
               newline: str = "\n") -> Path:
    """A bag written by hand, the way another tool would (no preserve code involved)."""
    import hashlib

    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "bagit.txt").write_bytes(f"BagIt-Version: {version}{newline}Tag-File-Character-Encoding: UTF-8{newline}".encode())
    oxum = f"Payload-Oxum: {sum(len(d) for d in files.values())}.{len(files)}"
    (root / "bag-info.txt").write_bytes((info + oxum + newline).replace("\n", newline).encode())
    for alg in algorithms:
        (root / f"manifest-{alg}.txt").write_bytes("".join(
            f"{hashlib.new(alg, d).hexdigest()}  {r}{newline}" for r, d in sorted(files.items())).encode())
    for rel, data in (extra_tags or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    tags = sorted(p for p in root.rglob("*") if p.is_file() and not p.relative_to(root).parts[0] == "data"
                  and not p.name.startswith("tagmanifest-"))
    for alg in tag_algorithms:
        (root / f"tagmanifest-{alg}.txt").write_bytes("".join(
            f"{hashlib.new(alg, p.read_bytes()).hexdigest()}  {p.relative_to(root).as_posix()}{newline}"
            for p in tags).encode())
    return root


def test_bagit_python_md5_only_and_damage(tmp_path: Path) -> None:
    src = tmp_path / "md5-bag"
    (src / "sub").mkdir(parents=True)
    (src / "file.txt").write_text("content")
    (src / "sub" / "other.bin").write_bytes(b"\x00\x01")
    bagit.make_bag(str(src), checksums=["md5"])
    report = verify_bag(src)
    assert report.ok and report.version == "0.97", report.problems
    # bagit-python 1.9 merges manifests and stops at Payload-Oxum; we give the per-file detail
    (src / "data" / "file.txt").write_text("changed!")
    found = {(p.code, p.path) for p in verify_bag(src).problems}
    assert ("payload-checksum-mismatch", "data/file.txt") in found
    assert ("payload-oxum-mismatch", "bag-info.txt") in found


def test_bagit_python_file_missing_from_one_manifest(tmp_path: Path) -> None:
    src = tmp_path / "two"
    src.mkdir()
    (src / "a.txt").write_text("a")
    (src / "b.txt").write_text("b")
    bag = bagit.make_bag(str(src), checksums=["sha256", "sha512"])
    manifest = src / "manifest-sha512.txt"
    manifest.write_text("".join(l + "\n" for l in manifest.read_text().splitlines() if "a.txt" not in l))
    bag.save(manifests=False)  # bagit-python rewrites its tag manifests: the bag looks consistent
    assert bagit.Bag(str(src)).is_valid()  # ... and bagit-python calls it valid
    found = {(p.code, p.path) for p in verify_bag(src).problems}
    assert found == {("manifest-entry-missing", "data/a.txt")}


def test_dart_like_1_0_bag(tmp_path: Path) -> None:
    info = ("Source-Organization: Example University\nBagging-Date: 2024-05-01\nBag-Count: 1 of 1\n"
            "Bag-Group-Identifier: coll-7\nInternal-Sender-Description: A long description that\n"
            "  continues on an indented line\n")
    bag = _write_bag(tmp_path / "dart", {"data/images/photo 1.jpg": b"\xff\xd8jpeg", "data/readme.txt": b"hi\n"},
                     algorithms=("sha256", "sha512"), tag_algorithms=("sha256", "sha512"), info=info,
                     extra_tags={"aptrust-info.txt": b"Title: Photos\nAccess: Institution\n",
                                 "custom-tags/notes.txt": b"Notes: none\n"})
    report = verify_bag(bag)
    assert report.ok and report.version == "1.0", report.problems
    (bag / "custom-tags" / "notes.txt").write_text("Notes: changed\n")
    assert {(p.code, p.path) for p in verify_bag(bag).problems} == {("tagfile-checksum-mismatch", "custom-tags/notes.txt")}


def test_archivematica_like_aip_with_its_mets_named_by_uuid(tmp_path: Path) -> None:
    uuid = "2b3c1f7e-0000-4a5b-8c9d-1234567890ab"
    files = {
        f"data/METS.{uuid}.xml": b'<?xml version="1.0"?><mets:mets xmlns:mets="http://www.loc.gov/METS/">'
                                 b'<mets:structMap><mets:div/></mets:structMap></mets:mets>\n',
        f"data/objects/report-{uuid}.pdf": b"%PDF-1.4 fake",
        "data/objects/metadata/transfers/t-1/metadata.csv": b"filename,dc.title\nobjects/report.pdf,Report\n",
        "data/logs/fileFormatIdentification.log": b"ok\n",
        "data/thumbnails/x.jpg": b"\xff\xd8",
    }
    bag = _write_bag(tmp_path / f"aip-{uuid}", files, version="0.97", tag_algorithms=("md5",),
                     info="Bagging-Date: 2024-01-01\nBag-Software-Agent: Archivematica\n")
    report = verify_bag(bag)
    assert report.ok, report.problems


def test_old_bag_without_tag_manifest_is_not_damage(tmp_path: Path) -> None:
    old = _write_bag(tmp_path / "old", {"data/a.txt": b"a"}, version="0.97", tag_algorithms=())
    assert verify_bag(old).ok
    new = _write_bag(tmp_path / "new", {"data/a.txt": b"a"}, version="1.0", tag_algorithms=())
    assert {p.code for p in verify_bag(new).problems} == {"tagmanifest-missing"}


def test_crlf_tag_files_and_bom(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path / "crlf", {"data/a b.txt": b"x"}, newline="\r\n", info="Contact-Name: X\n")
    assert verify_bag(bag).ok, verify_bag(bag).problems


def test_percent_encoded_paths(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path / "pct", {"data/100% sure.txt": b"x"})
    # RFC 8493 encodes % as %25: the decoded name matches the file (only the tag manifest is stale)
    (bag / "manifest-sha256.txt").write_text((bag / "manifest-sha256.txt").read_text().replace("100%", "100%25"))
    found = {p.code for p in verify_bag(bag).problems}
    assert found == {"tagfile-checksum-mismatch"}


def test_unreadable_files_are_reported_not_raised(bags: Path, monkeypatch) -> None:
    import errno
    import os

    bag = bags / "gamma"
    target = in_bag(bag, "main.txt")
    real = os.open

    def fake(path, flags, *args, **kwargs):
        if os.fspath(path) in (os.fspath(target), os.fspath(bag / "manifest-sha512.txt")):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake)
    found = {(p.code, p.path) for p in verify_bag(bag).problems}
    assert ("file-unreadable", "data/" + payload_path("gamma", "main.txt")) in found
    assert ("tagfile-unreadable", "manifest-sha512.txt") in found


def test_verify_paths_and_bad_level(bags: Path) -> None:
    from preserve.verify.checks import verify_paths

    reports = verify_paths([bags], level="completeness")
    assert [r.path.name for r in reports] == ["alpha", "beta", "gamma"] and all(r.ok for r in reports)
    with pytest.raises(InputError):
        verify_bag(bags / "alpha", level="thorough")


def test_payload_read_once_and_mets_check_uses_the_digests(bags: Path, monkeypatch) -> None:
    """Full verify hashes each payload file once; the METS CHECKSUM check reuses the digests."""
    from preserve.verify import package as mets_check

    def no_second_read(*args, **kwargs):
        raise AssertionError("METS check read a payload file again")

    monkeypatch.setattr(mets_check, "copy_and_hash", no_second_read)
    assert verify_bag(bags / "gamma").ok
    # a METS checksum that disagrees with the file is still found, from the known digest
    target = in_bag(bags / "gamma", "main.txt")
    data = bytearray(target.read_bytes())
    data[0] ^= 0x01
    target.write_bytes(bytes(data))
    found = {(p.code, p.path) for p in verify_bag(bags / "gamma").problems}
    assert ("payload-checksum-mismatch", "data/" + payload_path("gamma", "main.txt")) in found
    assert ("mets-checksum-mismatch", "data/" + payload_path("gamma", "main.txt")) in found


def test_mets_check_alone_still_reads_files(bags: Path) -> None:
    """Without digests from a verify run (KNOWN_DIGESTS empty), check_mets hashes by itself."""
    from preserve.verify.package import check_mets

    target = in_bag(bags / "beta", "beta.txt")
    target.write_bytes(target.read_bytes() + b"!")
    codes = {code for code, _, _ in check_mets(bags / "beta" / "data" / "beta")}
    assert {"mets-size-mismatch", "mets-checksum-mismatch"} <= codes


def test_bad_lines_after_the_first_batch_keep_their_line_numbers(tmp_path: Path) -> None:
    """Manifests are parsed in batches of 4096 lines; each bad line is reported at its own number."""
    files = {f"data/f{i}.txt": b"x" for i in range(5000)}
    bag = _write_bag(tmp_path / "long", files)
    with open(bag / "manifest-sha256.txt", "a", encoding="utf-8") as f:
        f.write("not-a-digest  data/f1.txt\n" + "0" * 64 + "  data/../x\n")
    found = {(p.code, p.path) for p in verify_bag(bag, level="completeness").problems}
    assert {("manifest-malformed", "manifest-sha256.txt:5001"),
            ("manifest-unsafe-path", "manifest-sha256.txt:5002")} <= found


def test_fixity_problems_come_grouped_by_algorithms_in_manifest_order(tmp_path: Path) -> None:
    """Files are hashed in groups needing the same algorithms, each file once; the problems come
    group by group (in the order their first file appears in the manifests), each group's by path."""
    import hashlib

    files = {f"data/{name}.txt": name.encode() for name in ("a", "b", "c", "d")}
    bag = _write_bag(tmp_path / "groups", files, algorithms=("sha256",), tag_algorithms=())
    (bag / "manifest-md5.txt").write_text(f"{hashlib.md5(b'd').hexdigest()}  data/d.txt\n"
                                          f"{hashlib.md5(b'b').hexdigest()}  data/b.txt\n")
    for name in ("a", "b", "c", "d"):
        (bag / f"data/{name}.txt").write_bytes(name.upper().encode())
    digests: dict[str, dict[str, str]] = {}
    from preserve.bag.reader import read_bag
    from preserve.verify.bag import check_fixity

    found = [(p.code, p.path, p.message) for p in check_fixity(read_bag(bag), jobs=1, digests=digests)]
    assert found == [
        ("payload-checksum-mismatch", "data/b.txt", "md5 digest differs from manifest-md5.txt"),
        ("payload-checksum-mismatch", "data/b.txt", "sha256 digest differs from manifest-sha256.txt"),
        ("payload-checksum-mismatch", "data/d.txt", "md5 digest differs from manifest-md5.txt"),
        ("payload-checksum-mismatch", "data/d.txt", "sha256 digest differs from manifest-sha256.txt"),
        ("payload-checksum-mismatch", "data/a.txt", "sha256 digest differs from manifest-sha256.txt"),
        ("payload-checksum-mismatch", "data/c.txt", "sha256 digest differs from manifest-sha256.txt"),
    ]
    assert set(digests["data/b.txt"]) == {"md5", "sha256"} and set(digests["data/a.txt"]) == {"sha256"}
    assert digests["data/a.txt"]["sha256"] == hashlib.sha256(b"A").hexdigest()


def test_a_bag_named_data_in_a_folder_of_bags_is_one_of_its_bags(tmp_path: Path) -> None:
    from preserve.verify.checks import find_bags

    for name in ("data", "other"):
        (tmp_path / name / "data").mkdir(parents=True)
        (tmp_path / name / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    assert find_bags([tmp_path]) == [tmp_path / "data", tmp_path / "other"]
    lost = tmp_path / "lost"
    (lost / "data").mkdir(parents=True)  # a bag whose bagit.txt is gone is still a bag to verify
    assert find_bags([lost]) == [lost]


def test_a_stray_file_in_data_does_not_hide_the_package(bags: Path) -> None:
    """The package root data/<id>/ is still found and checked beside a file dropped into data/."""
    bag = bags / "gamma"
    (bag / "data" / ".DS_Store").write_bytes(b"\0")
    target = in_bag(bag, "main.txt")
    target.write_bytes(target.read_bytes() + b"!")
    found = {(p.code, p.path) for p in verify_bag(bag).problems}
    assert ("payload-unlisted", "data/.DS_Store") in found
    assert ("mets-size-mismatch", "data/" + payload_path("gamma", "main.txt")) in found  # METS checked
    assert not any(code == "mets-missing" for code, _ in found)


def test_a_damaged_archive_given_directly_is_reported_not_refused(tmp_path: Path) -> None:
    from preserve.verify.checks import find_bags

    for name, data in (("short.tar", b"\0" * 100), ("empty.zip", b""), ("noise.tar.gz", b"not gzip at all")):
        path = tmp_path / name
        path.write_bytes(data)
        assert find_bags([path]) == [path]
        report = verify_bag(path)
        assert not report.ok and {p.code for p in report.problems} == {"archive-damaged"}, report.problems
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="not a folder or a serialized bag"):
        find_bags([tmp_path / "notes.txt"])
