"""check_mets: verify's METS checks, read-only, no symlinks followed, no FIFOs opened."""
from __future__ import annotations

import os
import shutil
import stat
import threading
from pathlib import Path

import pytest

from preserve.verify.package import check_mets

from helpers.packages import FOLDER_RELEASE, build_sample

TXT = "representations/rep1/data/release.txt"


def codes(problems):
    return sorted({(code, path) for code, path, _ in problems})


def snapshot(root: Path):
    return {p: (p.lstat().st_mtime_ns, p.lstat().st_size) for p in root.rglob("*")}


@pytest.fixture
def pkg(tmp_path):
    path, _, _ = build_sample(tmp_path, FOLDER_RELEASE, empty_dirs=["empty"])
    return path


def test_clean_package_has_no_problems(pkg):
    before = snapshot(pkg)
    assert check_mets(pkg) == []
    assert snapshot(pkg) == before


def test_changed_content(pkg):
    (pkg / TXT).write_bytes(b"changed")
    assert codes(check_mets(pkg)) == [("mets-checksum-mismatch", "data/" + TXT),
                                      ("mets-size-mismatch", "data/" + TXT)]


def test_same_size_different_bytes(pkg):
    data = bytearray((pkg / TXT).read_bytes())
    data[0] ^= 1
    (pkg / TXT).write_bytes(bytes(data))
    assert codes(check_mets(pkg)) == [("mets-checksum-mismatch", "data/" + TXT)]


def test_missing_and_unlisted(pkg):
    (pkg / TXT).unlink()
    (pkg / "representations/rep1/data/intruder.txt").write_text("x")
    assert codes(check_mets(pkg)) == [("mets-file-missing", "data/" + TXT),
                                      ("mets-file-unlisted", "data/representations/rep1/data/intruder.txt")]


def test_symlinked_file_is_not_followed(pkg, tmp_path):
    real = tmp_path / "elsewhere.txt"
    real.write_bytes((pkg / TXT).read_bytes())
    (pkg / TXT).unlink()
    (pkg / TXT).symlink_to(real)
    assert ("mets-file-missing", "data/" + TXT) in codes(check_mets(pkg))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_not_opened(pkg):
    (pkg / TXT).unlink()
    os.mkfifo(pkg / TXT)
    found: list[tuple[str, str]] = []
    checker = threading.Thread(target=lambda: found.extend(codes(check_mets(pkg))), daemon=True)
    checker.start()
    checker.join(timeout=60)
    if checker.is_alive():  # blocked opening the FIFO: a writer lets it go before the test fails
        os.close(os.open(pkg / TXT, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("check_mets blocked opening a FIFO")
    assert ("mets-file-missing", "data/" + TXT) in found


def test_missing_mets(pkg):
    (pkg / "METS.xml").unlink()
    assert codes(check_mets(pkg)) == [("mets-missing", "data/METS.xml")]


def test_mets_with_doctype_is_rejected(pkg):
    text = (pkg / "METS.xml").read_bytes()
    (pkg / "METS.xml").write_bytes(text.replace(b"?>", b'?>\n<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1))
    problems = check_mets(pkg)
    assert problems == [("mets-malformed", "data/METS.xml", "DOCTYPE/entity declarations are not allowed")]


def test_not_well_formed(pkg):
    (pkg / "METS.xml").write_bytes(b"<mets")
    assert codes(check_mets(pkg)) == [("mets-malformed", "data/METS.xml")]


def test_schema_invalid_mets_and_escaping_href(pkg):
    text = (pkg / "METS.xml").read_text(encoding="utf-8")
    text = text.replace('xlink:href="documentation/README.txt"', 'xlink:href="../../outside.txt"')
    text = text.replace('TYPE="PHYSICAL"', 'TYPE="PHYSICAL" BOGUS="1"')
    (pkg / "METS.xml").write_text(text, encoding="utf-8")
    found = codes(check_mets(pkg))
    assert ("mets-invalid", "data/METS.xml") in found
    assert ("mets-bad-href", "data/METS.xml") in found


def test_representation_mets_checked(pkg):
    rep = pkg / "representations/rep1/METS.xml"
    text = rep.read_text(encoding="utf-8").replace('SIZE="', 'SIZE="9', 1)
    rep.write_text(text, encoding="utf-8")
    found = codes(check_mets(pkg))
    assert ("mets-checksum-mismatch", "data/representations/rep1/METS.xml") in found
    assert any(code == "mets-size-mismatch" and path.startswith("data/representations/rep1/data/")
               for code, path in found)


def test_invalid_dc_record(pkg):
    dc = pkg / "metadata/descriptive/dc.xml"
    dc.write_bytes(dc.read_bytes().replace(b"dc:title", b"dc:titel"))
    found = codes(check_mets(pkg))
    assert ("dc-invalid", "data/metadata/descriptive/dc.xml") in found
    assert ("mets-checksum-mismatch", "data/metadata/descriptive/dc.xml") in found


def test_prefix(pkg):
    (pkg / TXT).unlink()
    assert check_mets(pkg, prefix="")[0][1] == TXT


def test_awkward_names_round_trip(tmp_path):
    names = {"a#b?.txt": b"1", "sp ace/\u00fc n\u00efcode.txt": b"2", "100%.txt": b"3",
             "semi;colon&amp.txt": b"4", "[brackets] (x).txt": b"5"}
    pkg, _, _ = build_sample(tmp_path, names)
    assert check_mets(pkg) == []
    (pkg / "representations/rep1/data/a#b?.txt").write_bytes(b"9")
    assert codes(check_mets(pkg)) == [("mets-checksum-mismatch", "data/representations/rep1/data/a#b?.txt")]


def test_symlinked_folder_hides_every_file_in_it(pkg, tmp_path):
    """Each listed file's parents are checked (lstat once per folder, cached only when real)."""
    import shutil

    folder = pkg / "representations/rep1/data"
    listed = sorted(str(p.relative_to(pkg)) for p in folder.rglob("*") if p.is_file())
    moved = tmp_path / "moved"
    shutil.move(str(folder), moved)
    folder.symlink_to(moved)
    found = codes(check_mets(pkg))
    assert len(listed) >= 2
    for rel in listed:
        assert ("mets-file-missing", "data/" + rel) in found


def test_symlinked_subfolder_below_a_real_one(pkg, tmp_path):
    import shutil

    sub = next(p for p in (pkg / "representations/rep1/data").iterdir() if p.is_dir() and any(p.iterdir()))
    files = sorted(str(p.relative_to(pkg)) for p in sub.rglob("*") if p.is_file())
    moved = tmp_path / "moved-sub"
    shutil.move(str(sub), moved)
    sub.symlink_to(moved)
    found = codes(check_mets(pkg))
    assert ("mets-file-missing", "data/" + TXT) not in found  # its real sibling is fine
    for rel in files:
        assert ("mets-file-missing", "data/" + rel) in found


# --------------------------------------------------------------- the listing a verify run passes in
def listing(pkg: Path, prefix: str = "data/") -> dict[str, int]:
    """What verify's walk of the bag gives check_mets: prefix + path -> size of each regular file."""
    found = {}
    for dirpath, _, filenames in os.walk(pkg):  # symlinked folders are not descended
        for name in filenames:
            st = os.lstat(os.path.join(dirpath, name))
            if stat.S_ISREG(st.st_mode):
                found[prefix + Path(dirpath, name).relative_to(pkg).as_posix()] = st.st_size
    return found


def _symlink_folder(pkg: Path, rel: str, elsewhere: Path) -> None:
    shutil.move(str(pkg / rel), elsewhere)
    (pkg / rel).symlink_to(elsewhere)


DAMAGE = {
    "clean": lambda pkg, tmp: None,
    "changed": lambda pkg, tmp: (pkg / TXT).write_bytes(b"changed"),
    "missing-and-unlisted": lambda pkg, tmp: ((pkg / TXT).unlink(),
                                              (pkg / "representations/rep1/data/intruder.txt").write_text("x")),
    "symlinked-file": lambda pkg, tmp: ((pkg / TXT).unlink(), (pkg / TXT).symlink_to("/etc/hostname")),
    "fifo": lambda pkg, tmp: ((pkg / TXT).unlink(), os.mkfifo(pkg / TXT)),
    "symlinked-folder": lambda pkg, tmp: _symlink_folder(pkg, "representations/rep1/data", tmp / "moved"),
    "rep-mets-size": lambda pkg, tmp: (pkg / "representations/rep1/METS.xml").write_text(
        (pkg / "representations/rep1/METS.xml").read_text(encoding="utf-8").replace('SIZE="', 'SIZE="9', 1),
        encoding="utf-8"),
}


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_listing_from_the_walk_gives_the_same_problems(kind, tmp_path):
    pkg, _, _ = build_sample(tmp_path, FOLDER_RELEASE, empty_dirs=["empty"])
    DAMAGE[kind](pkg, tmp_path)
    alone = check_mets(pkg)
    assert check_mets(pkg, files=listing(pkg)) == alone
    assert (alone == []) == (kind == "clean")


def test_a_name_missing_from_the_listing_is_looked_up(pkg):
    """A listing that lacks a name (another Unicode normalisation, say) falls back to lstat."""
    files = listing(pkg)
    del files["data/" + TXT]
    assert check_mets(pkg, files=files) == []


def test_records_in_a_symlinked_folder_are_never_parsed(pkg, tmp_path):
    """A PREMIS/DC record reached through a symlinked folder is missing, not read from outside."""
    _symlink_folder(pkg, "metadata", tmp_path / "outside")
    for record in (tmp_path / "outside").rglob("*.xml"):
        record.write_bytes(b"<not-well-formed")
    for files in (None, listing(pkg)):
        found = codes(check_mets(pkg, files=files))
        assert ("mets-file-missing", "data/metadata/preservation/premis.xml") in found
        assert not [code for code, _ in found if code.startswith(("premis-", "dc-"))]


def test_representation_mets_in_a_symlinked_folder_is_never_parsed(pkg, tmp_path):
    _symlink_folder(pkg, "representations/rep1", tmp_path / "outside")
    (tmp_path / "outside" / "METS.xml").write_bytes(b"<not-well-formed")
    for files in (None, listing(pkg)):
        found = codes(check_mets(pkg, files=files))
        assert ("mets-missing", "data/representations/rep1/METS.xml") in found
        assert ("mets-malformed", "data/representations/rep1/METS.xml") not in found


# --- PREMIS: passed by a streaming validation when certainly valid, else by the tree path ------------
PREMIS = "metadata/preservation/premis.xml"


def _rewrite_premis(pkg: Path, change) -> None:
    """Change premis.xml and put its new SIZE and CHECKSUM in METS.xml (only the record is damaged)."""
    import hashlib

    path = pkg / PREMIS
    old = path.read_bytes()
    new = change(old)
    path.write_bytes(new)
    mets = (pkg / "METS.xml").read_bytes()
    mets = mets.replace(hashlib.sha256(old).hexdigest().encode(), hashlib.sha256(new).hexdigest().encode())
    mets = mets.replace(f'SIZE="{len(old)}"'.encode(), f'SIZE="{len(new)}"'.encode())
    (pkg / "METS.xml").write_bytes(mets)


def _streamed_calls(monkeypatch) -> list[bool]:
    from preserve.verify import package as mets_check
    from preserve.xml import schemas as xsd

    monkeypatch.setattr(xsd, "STREAM_MIN_BYTES", 0)  # stream the sample PREMIS, small as it is
    calls: list[bool] = []
    real = mets_check.certainly_valid

    def spy(data: bytes, kind) -> bool:
        result = real(data, kind)
        if kind == "premis":
            calls.append(result)
        return result

    monkeypatch.setattr(mets_check, "certainly_valid", spy)
    return calls


def test_valid_premis_is_passed_without_a_tree(pkg, monkeypatch):
    calls = _streamed_calls(monkeypatch)
    assert check_mets(pkg) == []
    assert calls == [True]


@pytest.mark.parametrize("change, expected", [
    (lambda d: d.replace(b"<premis:eventType>", b"<premis:eventTypo>", 1).replace(
        b"</premis:eventType>", b"</premis:eventTypo>", 1), "premis-invalid"),
    (lambda d: d.replace(b"<premis:object ", b'<premis:object xmlID="x" ', 2), "premis-invalid"),  # ID twice
    (lambda d: d[:-40], "premis-malformed"),
    (lambda d: d.replace(b"?>", b"?><!DOCTYPE premis:premis>", 1), "premis-malformed"),
])
def test_damaged_premis_is_reported_by_the_tree_path(pkg, monkeypatch, change, expected):
    _rewrite_premis(pkg, change)
    calls = _streamed_calls(monkeypatch)
    found = check_mets(pkg)
    assert calls == [False]
    assert [code for code, _, _ in found] and {code for code, _, _ in found} == {expected}
    if expected == "premis-invalid":
        assert all(message.startswith("line ") for _, _, message in found)  # the tree path's line numbers


def test_premis_with_one_xml_id_is_valid_by_the_tree_path(pkg, monkeypatch):
    _rewrite_premis(pkg, lambda d: d.replace(b"<premis:object ", b'<premis:object xmlID="x" ', 1))
    calls = _streamed_calls(monkeypatch)
    assert check_mets(pkg) == []
    assert calls == [False]  # an xmlID needs the tree's check of uniqueness


def test_streamed_records_name_every_id_attribute_of_their_schema():
    """Streaming validation cannot check xs:ID uniqueness (nor xs:ENTITY, xs:NOTATION values).

    So the name of every xs:ID or xs:IDREF(S) attribute of a streamed record's schema must
    contain a byte string listed in xsd.STREAMABLE (a document holding one takes the tree path),
    and the schema may use no ENTITY or NOTATION.
    """
    from lxml import etree

    from preserve.xml.schemas import CANONICAL, SCHEMA_FILES, STREAMABLE, schema_bytes

    xs = "http://www.w3.org/2001/XMLSchema"
    for kind, id_names in STREAMABLE.items():
        todo, seen = list(SCHEMA_FILES[kind]), set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            doc = etree.fromstring(schema_bytes(name))
            for ref in doc.iter(f"{{{xs}}}import", f"{{{xs}}}include"):
                todo.append(CANONICAL[ref.get("schemaLocation")])
            for el in doc.iter():
                for attr in ("type", "base", "itemType", "memberTypes"):
                    for qname in (el.get(attr) or "").split():
                        prefix, _, local = qname.rpartition(":")
                        if el.nsmap.get(prefix or None) != xs:
                            continue
                        assert local not in ("ENTITY", "ENTITIES", "NOTATION"), (name, el.sourceline)
                        if local in ("ID", "IDREF", "IDREFS"):
                            assert el.tag == f"{{{xs}}}attribute" and attr == "type", (name, el.sourceline)
                            found = el.get("name").encode()  # found in data by a substring search:
                            assert any(n in found for n in id_names), (name, el.sourceline, found)


# --- METS completeness: every file, each FLocat, every mdRef and mptr, root and representation alike -----
REP_METS = "representations/rep1/METS.xml"
TXT_HREF = b'xlink:href="data/release.txt"'


def _rewrite(pkg: Path, rel: str, change) -> None:
    """Change one METS-listed document and give the root METS its new SIZE and CHECKSUM (only it changed)."""
    import hashlib

    path = pkg / rel
    old = path.read_bytes()
    new = change(old)
    assert new != old
    path.write_bytes(new)
    mets = (pkg / "METS.xml").read_bytes()
    mets = mets.replace(hashlib.sha256(old).hexdigest().encode(), hashlib.sha256(new).hexdigest().encode())
    mets = mets.replace(f'SIZE="{len(old)}"'.encode(), f'SIZE="{len(new)}"'.encode())
    (pkg / "METS.xml").write_bytes(mets)


def _flocat_of_txt(extra: bytes):
    """Add FLocat(s) (bytes of XML) after the one of release.txt in the representation METS."""
    def change(data: bytes) -> bytes:
        start = data.index(TXT_HREF)
        end = data.index(b"/>", start) + 2
        return data[:end] + extra + data[end:]
    return change


def test_every_flocat_of_a_file_is_checked(pkg):
    _rewrite(pkg, REP_METS, _flocat_of_txt(b'<FLocat LOCTYPE="URL" xlink:type="simple" xlink:href="data/copy.txt"/>'))
    assert codes(check_mets(pkg)) == [("mets-file-missing", "data/representations/rep1/data/copy.txt")]
    (pkg / "representations/rep1/data/copy.txt").write_bytes(b"not the same bytes")
    assert ("mets-checksum-mismatch", "data/representations/rep1/data/copy.txt") in codes(check_mets(pkg))
    (pkg / "representations/rep1/data/copy.txt").write_bytes((pkg / TXT).read_bytes())
    assert check_mets(pkg) == []


def test_a_file_without_flocat_is_reported(pkg):
    def drop(data: bytes) -> bytes:
        start = data.rindex(b"<FLocat", 0, data.index(TXT_HREF))
        return data[:start] + data[data.index(b"/>", start) + 2:]
    _rewrite(pkg, REP_METS, drop)
    found = check_mets(pkg)
    assert codes(found) == [("mets-file-no-location", "data/" + REP_METS),
                            ("mets-file-unlisted", "data/" + TXT)]
    assert "CSIP76" in found[0][2] and found[0][2].startswith("line ")


def test_an_mptr_in_a_representation_mets_is_followed(pkg):
    """METS 1.12 mptr: a representation METS that points to another METS has it checked too."""
    nested = pkg / "representations/rep1/nested.xml"
    nested.write_bytes(b"<mets")
    _rewrite(pkg, REP_METS, _mptr_to(b"nested.xml"))
    assert codes(check_mets(pkg)) == [("mets-malformed", "data/representations/rep1/nested.xml")]
    nested.unlink()
    assert codes(check_mets(pkg)) == [("mets-missing", "data/representations/rep1/nested.xml")]


def _mptr_to(href: bytes):
    """Add a division with an mptr to href inside the root division of a structMap."""
    import re

    return lambda d: re.sub(rb"</div>(\s*)</structMap>", b'<div LABEL="n"><mptr LOCTYPE="URL" xlink:type="simple" '
                            b'xlink:href="' + href + rb'"/></div></div>\1</structMap>', d, count=1)


def test_an_mptr_escaping_the_package_is_a_bad_href(pkg):
    _rewrite(pkg, REP_METS, _mptr_to(b"../../../x.xml"))
    assert codes(check_mets(pkg)) == [("mets-bad-href", "data/" + REP_METS)]


def test_a_url_elsewhere_is_noted_never_fetched(pkg):
    _rewrite(pkg, REP_METS, _flocat_of_txt(
        b'<FLocat LOCTYPE="URL" xlink:type="simple" xlink:href="https://example.org/mirror/release.txt"/>'))
    found = check_mets(pkg)
    assert codes(found) == [("mets-href-external", "data/" + REP_METS)]
    assert "example.org" in found[0][2]


def _foreign(pkg: Path, change) -> None:
    """Make the representation METS claim no E-ARK profile (a plain METS 1.12 document), then change it."""
    import re

    _rewrite(pkg, REP_METS, lambda d: change(re.sub(rb' PROFILE="[^"]*"', b"", re.sub(rb' csip:[A-Z]+="[^"]*"', b"", d))))


def test_plain_mets_rules_for_a_mets_that_claims_no_profile(pkg):
    import re

    _foreign(pkg, lambda d: d)
    assert check_mets(pkg) == []
    _foreign(pkg, lambda d: re.sub(rb' CHECKSUM="[^"]*" CHECKSUMTYPE="[^"]*"', b"", d))
    assert codes(check_mets(pkg)) == [("mets-checksum-absent", "data/" + REP_METS)]  # optional in METS 1.12


def test_a_file_without_location_in_a_plain_mets_is_a_warning(pkg):
    from preserve.problems import severity_of

    def drop(data: bytes) -> bytes:
        start = data.rindex(b"<FLocat", 0, data.index(TXT_HREF))
        return data[:start] + data[data.index(b"/>", start) + 2:]
    _foreign(pkg, drop)
    found = codes(check_mets(pkg))
    assert ("mets-file-unlocated", "data/" + REP_METS) in found
    assert severity_of("mets-file-unlocated") == "warning"


def test_csip_mets_without_checksum_is_an_error(pkg):
    import re

    _rewrite(pkg, REP_METS, lambda d: re.sub(rb' CHECKSUM="[^"]*" CHECKSUMTYPE="[^"]*"', b"", d, count=1))
    [(code, _, message)] = check_mets(pkg)
    assert code == "mets-checksum-missing" and "CSIP71" in message


def test_premis_object_mdtype_is_checked_as_premis(pkg):
    mets = (pkg / "METS.xml").read_bytes().replace(b'MDTYPE="PREMIS"', b'MDTYPE="PREMIS:OBJECT"')
    (pkg / "METS.xml").write_bytes(mets)
    _rewrite(pkg, PREMIS, lambda d: d.replace(b"<premis:eventType>", b"<premis:eventTypo>", 1).replace(
        b"</premis:eventType>", b"</premis:eventTypo>", 1))
    assert ("premis-invalid", "data/" + PREMIS) in codes(check_mets(pkg))


def test_an_identifier_location_is_noted_not_looked_for(pkg):
    _rewrite(pkg, REP_METS, _flocat_of_txt(b'<FLocat LOCTYPE="HANDLE" xlink:type="simple" xlink:href="1234/5678"/>'))
    assert codes(check_mets(pkg)) == [("mets-href-external", "data/" + REP_METS)]


def test_a_long_chain_of_mptrs_stops_with_one_line(pkg):
    """Each METS pointing to the next: followed MAX_MPTR_DEPTH deep, then reported, never a crash."""
    from preserve.verify.package import MAX_MPTR_DEPTH

    chain = pkg / "representations/rep1/chain"
    chain.mkdir()
    for i in range(MAX_MPTR_DEPTH + 5):
        (chain / f"{i}.xml").write_bytes(
            b'<mets xmlns="http://www.loc.gov/METS/" xmlns:xlink="http://www.w3.org/1999/xlink"><structMap><div>'
            + f'<mptr LOCTYPE="URL" xlink:href="{i + 1}.xml"/>'.encode() + b"</div></structMap></mets>")
    _rewrite(pkg, REP_METS, _mptr_to(b"chain/0.xml"))
    found = codes(check_mets(pkg))
    # the root and the representation METS are the first two documents of the chain
    assert [c for c in found if c[0] == "mets-bad-href"] == [
        ("mets-bad-href", f"data/representations/rep1/chain/{MAX_MPTR_DEPTH - 2}.xml")]
    assert all(code in ("mets-bad-href", "mets-file-unlisted") for code, _ in found), found
