"""build_package: layout, validated XML, checksums that agree everywhere, no network."""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from preserve.package import build as package
from preserve.xml import schemas as xsd
from preserve.errors import PreserveError
from preserve.errors import PackageError
from preserve.package.build import PACKAGE_SCHEMAS, build_package
from preserve.package.model import content_path
from helpers.packages import (FOLDER_RELEASE, PRESS_RELEASE, awkward_package, build_sample, make_input,
                              write_release)

M = {"m": "http://www.loc.gov/METS/", "p": "http://www.loc.gov/premis/v3"}
XL = "{http://www.w3.org/1999/xlink}href"
EXPECTED = {"METS.xml", "metadata/descriptive/dc.xml", "metadata/descriptive/dc.json",
            "metadata/preservation/premis.xml", "representations/rep1/METS.xml",
            "documentation/README.txt"} | {f"schemas/{n}" for n in PACKAGE_SCHEMAS}


def manifest(pkg: Path) -> dict[str, str]:
    """sha256 of every file below pkg, like a bag's payload manifest."""
    return {p.relative_to(pkg).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(pkg.rglob("*")) if p.is_file()}


def test_an_incomplete_record_is_said_in_the_readme_and_premis_and_nowhere_else(tmp_path):
    """What the record lacks reaches documentation/README.txt and PREMIS; every other file is the same."""
    missing = ["no rights (set rights in preserve.toml or dc.rights in metadata.csv)"]
    src = write_release(tmp_path / "src", {"press-release.txt": PRESS_RELEASE.encode()})
    (tmp_path / "pkg").mkdir()
    inp = make_input(tmp_path / "pkg", src, ["press-release.txt"])
    complete, lacking = build_package(inp), build_package(replace(inp, incomplete=missing))
    readme = lacking["documentation/README.txt"].decode("utf-8")
    assert "The descriptive record is incomplete for deposit" in readme and f"  {missing[0]}\n" in readme
    assert "incomplete" not in complete["documentation/README.txt"].decode("utf-8")
    assert "<premis:eventOutcome>incomplete</premis:eventOutcome>" in lacking["metadata/preservation/premis.xml"].decode()
    changed = {path for path in complete if complete[path] != lacking[path]}
    assert changed == {"documentation/README.txt", "metadata/preservation/premis.xml", "METS.xml"}  # METS: their sizes


def test_content_path():
    assert content_path("a/b c.txt") == "representations/rep1/data/a/b c.txt"


def test_layout(tmp_path):
    pkg, gen, _ = build_sample(tmp_path)
    assert set(gen) == EXPECTED
    assert set(manifest(pkg)) == EXPECTED | {"representations/rep1/data/press-release.txt"}
    assert (pkg / "representations/rep1/data/press-release.txt").read_bytes() == PRESS_RELEASE.encode()
    for name in PACKAGE_SCHEMAS:
        assert gen[f"schemas/{name}"] == (xsd.xsd_dir() / name).read_bytes()
    assert json.loads(gen["metadata/descriptive/dc.json"])["title"][0]["provenance"] == "first heading"
    readme = gen["documentation/README.txt"].decode()
    assert "urn:preserve:release-1" in readme and "METS.xml" in readme


def sample(tmp_path: Path, kind: str):
    """A package on disk: the folder release, or one whose names and values need escaping."""
    return awkward_package(tmp_path) if kind == "awkward" else build_sample(tmp_path, FOLDER_RELEASE)


def test_xml_is_valid(tmp_path):
    _, gen, _ = build_sample(tmp_path, FOLDER_RELEASE)
    assert xsd.validate(gen["METS.xml"], "mets") == []
    assert xsd.validate(gen["representations/rep1/METS.xml"], "mets") == []
    assert xsd.validate(gen["metadata/preservation/premis.xml"], "premis") == []
    assert xsd.validate(gen["metadata/descriptive/dc.xml"], "dc") == []
    dc = etree.fromstring(gen["metadata/descriptive/dc.xml"])
    assert [e.text for e in dc if e.tag.endswith("}subject")] == ["ceasefire", "civilians"]


@pytest.mark.parametrize("kind", ["folder", "awkward"])
def test_checksums_agree_everywhere(tmp_path, kind):
    pkg, gen, inp = sample(tmp_path, kind)
    sums = manifest(pkg)
    listed = {}
    for name, base in (("METS.xml", ""), ("representations/rep1/METS.xml", "representations/rep1/")):
        for el in etree.fromstring(gen[name]).iter("{%s}file" % M["m"], "{%s}mdRef" % M["m"]):
            loc = el if el.tag.endswith("mdRef") else el.find("m:FLocat", M)
            path = base + unquote(loc.get(XL))
            assert path not in listed, f"{path} listed twice"
            listed[path] = el.get("CHECKSUM")
    # the root METS and the representation METS (which lists the content) together cover every
    # payload file but the root METS, each once, with the manifest's value
    assert set(listed) == set(sums) - {"METS.xml"}
    for path, digest in listed.items():
        assert sums[path] == digest, path
    premis = etree.fromstring(gen["metadata/preservation/premis.xml"])
    objects = premis.xpath("p:object[p:storage]", namespaces=M)
    assert len(objects) == len(inp.files)
    for cf, obj in zip(inp.files, objects):
        algo = obj.xpath(".//p:fixity[p:messageDigestAlgorithm='SHA-256']/p:messageDigest", namespaces=M)
        assert algo[0].text == sums[content_path(cf.relpath)]


@pytest.mark.parametrize("builder, closing, bogus, where", [
    ("build_premis_xml", b"</premis:premis>", b"<premis:bogus/>", "premis.xml"),
    ("build_rep_mets_xml", b"</mets>", b"<bogus/>", "representations/rep1/METS.xml: line "),
])
def test_invalid_xml_is_refused_saying_where(tmp_path, monkeypatch, builder, closing, bogus, where):
    """The fast validation only decides; problems are reported from the bytes, with lines."""
    real = getattr(package, builder)

    def broken(*args, **kwargs):
        return real(*args, **kwargs).replace(closing, bogus + closing)

    monkeypatch.setattr(package, builder, broken)
    with pytest.raises(PackageError) as info:
        build_sample(tmp_path)
    assert where in str(info.value) and "bogus" in str(info.value)
    assert isinstance(info.value, PreserveError) and info.value.exit_code == 1


def test_bad_input_is_refused(tmp_path):
    src = write_release(tmp_path / "src", {"a.txt": b"text\n"})
    (tmp_path / "pkg").mkdir()
    inp = make_input(tmp_path / "pkg", src, ["a.txt"])
    with pytest.raises(PackageError, match="package type"):
        build_package(replace(inp, package_type="DIPX"))
    with pytest.raises(PackageError, match="sha256"):
        build_package(replace(inp, algorithms=["sha512"]))
    with pytest.raises(PackageError, match="colour"):
        build_package(replace(inp, dc={"colour": ["red"]}))


def test_control_characters_in_dc_values(tmp_path):
    _, gen, _ = build_sample(tmp_path, dc={"title": ["bell\x07 here"], "description": ["line1\nline2"]})
    dc = etree.fromstring(gen["metadata/descriptive/dc.xml"])
    assert [e.text for e in dc] == ["bell\ufffd here", "line1\nline2"]


def test_no_network(tmp_path, no_network):
    """Building and validating a package never touches a socket (schemas reloaded)."""
    xsd._schema.cache_clear()
    xsd.schema_bytes.cache_clear()
    pkg, gen, _ = build_sample(tmp_path, FOLDER_RELEASE, empty_dirs=["e"])
    assert package.validate_package_xml(gen) == []
    from preserve.verify.package import check_mets
    assert check_mets(pkg) == []


def test_release_with_only_empty_folders(tmp_path):
    pkg, gen, _ = build_sample(tmp_path, {}, empty_dirs=["a", "b/c"])
    assert package.validate_package_xml(gen) == []
    assert "b/c" in gen["documentation/README.txt"].decode()


def test_xml_that_is_not_well_formed_is_refused(tmp_path, monkeypatch):
    real = package.build_root_mets_xml
    monkeypatch.setattr(package, "build_root_mets_xml", lambda *a, **k: real(*a, **k)[:-20])
    with pytest.raises(PackageError, match="METS.xml: not well-formed"):
        build_sample(tmp_path)


def test_invalid_dc_is_refused(tmp_path, monkeypatch):
    real = package.build_dc_xml
    monkeypatch.setattr(package, "build_dc_xml", lambda dc: real(dc).replace(b"dc:title", b"dc:bogus"))
    with pytest.raises(PackageError, match="dc.xml: line 3"):
        build_sample(tmp_path)


def streamed(data: bytes, kind: str = "premis") -> bool:
    """xsd.certainly_valid as for a document of any size (it streams only large ones)."""
    saved = xsd.STREAM_MIN_BYTES
    xsd.STREAM_MIN_BYTES = 0
    try:
        return xsd.certainly_valid(data, kind)  # type: ignore[arg-type]
    finally:
        xsd.STREAM_MIN_BYTES = saved


def test_only_a_large_premis_is_validated_while_it_streams():
    """Under STREAM_MIN_BYTES a tree is as cheap, so streaming leaves the document to it; a
    large one (here padded with a comment) is passed by streaming, building no tree."""
    data = build_sample_gen()["metadata/preservation/premis.xml"]
    assert len(data) < xsd.STREAM_MIN_BYTES and xsd.certainly_valid(data, "premis") is False
    start = data.index(b">", data.index(b"<premis:premis")) + 1
    padded = data[:start] + b"<!--" + b"x" * xsd.STREAM_MIN_BYTES + b"-->" + data[start:]
    assert xsd.certainly_valid(padded, "premis") is True
    assert package._all_valid(dict(build_sample_gen(), **{"metadata/preservation/premis.xml": padded}))


def test_each_document_is_parsed_and_validated_once(tmp_path, monkeypatch):
    """The fast path validates the four XML files once each, from the bytes written: the METS
    and DC as trees (less their indentation), the PREMIS while it streams (when it is large:
    here every size streams)."""
    monkeypatch.setattr(xsd, "STREAM_MIN_BYTES", 0)
    seen = []
    real, real_streams = package.is_valid, package.certainly_valid

    def spy(tree, kind):
        seen.append((etree.tostring(tree.getroottree(), xml_declaration=True, encoding="UTF-8"), kind))
        return real(tree, kind)

    def streams_spy(data, kind):  # noqa: ANN001
        seen.append((data, kind))
        return real_streams(data, kind)

    monkeypatch.setattr(package, "is_valid", spy)
    monkeypatch.setattr(package, "certainly_valid", streams_spy)
    _, gen, _ = build_sample(tmp_path, FOLDER_RELEASE)
    assert [kind for _, kind in seen] == ["mets", "mets", "premis", "dc"]
    written = [gen["METS.xml"], gen["representations/rep1/METS.xml"],
               gen["metadata/preservation/premis.xml"], gen["metadata/descriptive/dc.xml"]]
    assert seen.pop(2)[0] is written.pop(2)  # the PREMIS: its bytes as written
    no_blanks = etree.XMLParser(remove_blank_text=True)
    for (validated, _), data in zip(seen, written):  # the bytes written, less their indentation
        assert etree.tostring(etree.fromstring(validated)) == etree.tostring(etree.fromstring(data, no_blanks))


PREMIS_MUTATIONS = [
    (b"", b""),
    (b"</premis:premis>", b"<premis:bogus/></premis:premis>"),
    (b"<premis:compositionLevel>0<", b"<premis:compositionLevel>x<"),
    (b"<premis:compositionLevel>0<", b"<premis:compositionLevel>   <"),
    (b"<premis:size>", b"<premis:size>-"),
    (b"<premis:size>", b"<premis:size>+"),
    (b"<premis:size>", b"<premis:size>9999999999999999999999"),
    (b'<premis:object xsi:type="premis:file">', b"<premis:object>"),
    (b'<premis:object xsi:type="premis:file">', b'<premis:object xsi:type="premis:bogus">'),
    (b'<premis:object xsi:type="premis:file">', b'<premis:object xsi:type="premis:representation">'),
    (b"<premis:eventType>", b"<premis:eventType>&amp;"),
    (b"<premis:eventDateTime>", b"<premis:eventDateTime>not a date"),
    (b"<premis:originalName>", b'<premis:originalName xmlID="a">'),
    (b"<premis:formatDesignation>", b"<premis:formatDesignation>\n  text"),
    (b"<premis:formatNote>", b"<premis:formatNote><premis:formatNote/>"),
    (b"<premis:agentType>", b"<premis:agentType><!-- c -->"),
    (b"<premis:agent>", b"<premis:agent><?pi x?>"),
    (b"</premis:agent>", b"<premis:agentExtension><x/></premis:agentExtension></premis:agent>"),
    (b'version="3.0"', b'version="3.0" bogus="1"'),
    (b'version="3.0"', b""),
    (b"<premis:linkingAgentRole>", b"<premis:linkingAgentRole>\x01"),
]


@pytest.mark.parametrize("old, new", PREMIS_MUTATIONS)
def test_streamed_check_agrees_with_the_tree_check(old, new):
    """The PREMIS check while streaming says what validating its tree says (or leaves it to it)."""
    gen = build_sample_gen()
    data = gen["metadata/preservation/premis.xml"].replace(old, new, 1)
    tree = package._parse(data)
    verdict = tree is not None and xsd.is_valid(tree, "premis")
    passed = streamed(data)
    assert verdict or not passed  # streaming never passes what the tree check refuses
    if verdict and b"xmlID" not in data and b"XmlID" not in data:
        assert passed  # and it decides every valid document that names no ID attribute
    assert package._all_valid(dict(gen, **{"metadata/preservation/premis.xml": data})) == verdict
    assert (package.validate_package_xml(dict(gen, **{"metadata/preservation/premis.xml": data})) == []) == verdict


def test_streamed_check_needs_our_root_and_no_ids():
    """A PREMIS that does not begin with our root element, or names an ID attribute, goes to the tree."""
    gen = build_sample_gen()
    data = gen["metadata/preservation/premis.xml"]
    assert streamed(data) is True
    as_object = data.replace(b"<premis:premis ", b"<premis:object ", 1).replace(
        b"</premis:premis>", b"</premis:object>")
    assert streamed(as_object) is False
    for name in (b"xmlID", b"XmlID"):
        named = data.replace(b"<premis:originalName>", b"<premis:originalName>" + name + b" ", 1)
        assert streamed(named) is False
    assert streamed(gen["METS.xml"], "mets") is False


_GEN: dict = {}


def build_sample_gen() -> dict:
    """One valid package's generated files (built once per test session)."""
    if not _GEN:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            _GEN.update(build_sample(Path(tmp), FOLDER_RELEASE)[1])
    return dict(_GEN)


@pytest.mark.parametrize("old, new, valid", [
    (b"<premis:compositionLevel>0<", b"<premis:compositionLevel>   <", False),
    (b"<premis:compositionLevel>0<", b"<premis:compositionLevel>zero<", False),
    (b"<premis:compositionLevel>0<", b"<premis:compositionLevel>\n  <!-- c -->\n  <", False),
    (b"<premis:size>", b"<premis:size>  \n  ", True),  # xs:long collapses whitespace
    (b"<premis:size>", b"<premis:size>\n  <!-- c -->  x", False),
    (b"<premis:objectIdentifierType>local<", b"<premis:objectIdentifierType>\n  <", True),
    (b"<premis:formatDesignation>", b"<premis:formatDesignation>\n  text", False),
])
def test_fast_check_agrees_on_values_and_blanks(tmp_path, monkeypatch, old, new, valid):
    """Dropping the indentation for the fast check keeps a leaf's own blanks: the same verdict."""
    real = package.build_premis_xml
    monkeypatch.setattr(package, "build_premis_xml", lambda *a: real(*a).replace(old, new, 1))
    if valid:
        gen = build_sample(tmp_path, FOLDER_RELEASE)[1]
        assert new in gen["metadata/preservation/premis.xml"]
        assert package.validate_package_xml(gen) == []
    else:
        with pytest.raises(PackageError, match="premis.xml: line"):
            build_sample(tmp_path, FOLDER_RELEASE)


def test_self_check_parser_stays_hardened(tmp_path):
    """The parser of the fast check loads no DTD, expands no entity and reads no file."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    doc = (f'<!DOCTYPE x [<!ENTITY e "boom"><!ENTITY f SYSTEM "{secret.as_uri()}">]>'
           "<x><y>&e;</y><z>&f;</z></x>").encode()
    root = package._parse(doc)
    text = etree.tostring(root)
    assert b"boom" not in text and b"SECRET" not in text
    assert package._parse(b"<x><y></x>") is None


def test_dc_json_is_the_stdlib_encoding(tmp_path):
    """dc.json: what json.dumps(indent=2, ensure_ascii=False) writes, plus a newline."""
    record = {"release": "r\u00e9", "name": None, "elements": {"title": [
        {"value": "T & <x>\r\x07\u2028 \U0001F600\"\\", "provenance": "text line 1"}]},
        "notes": [], "encoding": "utf-8", "main_document": "a.txt",
        "files": [{"path": "a.txt", "format": "text/plain", "size": 3}], "empty": {}}
    src = write_release(tmp_path / "src", {"a.txt": b"text\n"})
    (tmp_path / "pkg").mkdir()
    gen = build_package(replace(make_input(tmp_path / "pkg", src, ["a.txt"]), dc_json=record))
    assert gen["metadata/descriptive/dc.json"] == (
        json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


JSON_SCALARS = st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70) | st.text()
JSON_VALUES = st.recursive(JSON_SCALARS, lambda kids: st.lists(kids, max_size=4)
                           | st.dictionaries(st.text(), kids, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_json_bytes_equal_the_stdlib(value):
    try:
        expected = (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates cannot be written as UTF-8 either way
        with pytest.raises((UnicodeEncodeError, TypeError)):
            package.json_bytes(value)
        return
    assert package.json_bytes(value) == expected


def test_json_bytes_falls_back_to_the_stdlib():
    """What orjson writes otherwise (non-string keys, big integers, subclasses) the stdlib writes."""
    import enum

    class Colour(str, enum.Enum):
        RED = "red"

    class Counts(dict):
        pass

    for value in ({1: "a", "b": [2 ** 80]}, {"x": (1, 2)}, {"c": Colour.RED}, Counts(a=1)):
        assert package.json_bytes(value) == (json.dumps(value, ensure_ascii=False, indent=2)
                                             + "\n").encode("utf-8")
    for unserialisable in ({"when": datetime(2020, 1, 1)}, {"f": PackageError}):
        with pytest.raises(TypeError):  # as json.dumps: no silent conversion
            package.json_bytes(unserialisable)


def test_schema_facts_are_the_shipped_files():
    for name in package.PACKAGE_SCHEMAS:
        data, size, digest = package._schema_facts(name)
        assert data == xsd.schema_bytes(name) and size == len(data)
        assert digest == hashlib.sha256(data).hexdigest()


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_streamed_check_agrees_on_any_leaf_value(data):
    """Any value in any leaf of the PREMIS: the streamed and the tree check give one verdict."""
    import re

    premis = build_sample_gen()["metadata/preservation/premis.xml"]
    leaves = list(re.finditer(rb"<(premis:\w+)>([^<]*)</\1>", premis))
    leaf = data.draw(st.sampled_from(leaves))
    tokens = st.sampled_from(list("09az-:.T Z+\t\n") + ["&amp;", "<x/>", "<premis:size>1</premis:size>",
                                                        "\u00e9", "2026-01-01T00:00:00Z", "local"])
    value = "".join(data.draw(st.lists(tokens, max_size=6)))
    mutated = premis[:leaf.start(2)] + value.encode("utf-8") + premis[leaf.end(2):]
    tree = package._parse(mutated)
    verdict = tree is not None and xsd.is_valid(tree, "premis")
    assert verdict or not streamed(mutated)


def test_fast_check_from_many_threads():
    """Streamed and tree checks running at once in several threads keep their own verdicts."""
    from concurrent.futures import ThreadPoolExecutor

    good = build_sample_gen()
    bad = dict(good, **{"metadata/preservation/premis.xml": good["metadata/preservation/premis.xml"].replace(
        b"<premis:compositionLevel>0<", b"<premis:compositionLevel>x<", 1)})
    cases = [good, bad] * 8
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(package._all_valid, cases)) == [True, False] * 8
