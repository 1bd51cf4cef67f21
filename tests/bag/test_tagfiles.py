"""Pure tag-file formats: manifests, percent-encoding, bag-info."""
from __future__ import annotations

from hypothesis import given, strategies as st

from preserve.bag import tagfiles


def test_percent_encoding_of_rfc8493_characters() -> None:
    assert tagfiles.encode_path("data/100%\nx\ry") == "data/100%25%0Ax%0Dy"
    assert tagfiles.decode_path("data/100%25%0ax%0Dy") == "data/100%\nx\ry"


@given(st.text(min_size=1).filter(lambda s: "\x00" not in s))
def test_percent_encoding_round_trips(path: str) -> None:
    encoded = tagfiles.encode_path(path)
    assert "\n" not in encoded and "\r" not in encoded
    assert tagfiles.decode_path(encoded) == path


@given(st.dictionaries(st.text(min_size=1, max_size=40).filter(lambda s: s.strip() == s and "\x00" not in s),
                       st.from_regex(r"[0-9a-f]{64}", fullmatch=True), max_size=20))
def test_manifest_round_trips(entries: dict[str, str]) -> None:
    text = tagfiles.manifest_text((f"data/{p}", d) for p, d in entries.items())
    parsed, problems = tagfiles.parse_manifest(text, "sha256")
    assert problems == []
    assert {p: d for d, p, _ in parsed} == {f"data/{p}": d for p, d in entries.items()}


def test_manifest_problems_are_reported_not_raised() -> None:
    text = "zz  data/a\n" + "a" * 64 + "  data/b\n" + "a" * 64 + "  data/b\nnonsense\n"
    parsed, problems = tagfiles.parse_manifest(text, "sha256")
    assert [p for _, p, _ in parsed] == ["data/b"]
    assert [p.line for p in problems] == [1, 3, 4]
    assert "listed twice" in problems[1].message
    assert [p.kind for p in problems] == ["malformed", "duplicate", "malformed"]


def test_bag_info_round_trip_with_continuation() -> None:
    text = tagfiles.bag_info_text([("Contact-Name", "A"), ("Organization-Address", "1 Road\nTown")])
    fields, problems = tagfiles.parse_tag_lines(text)
    assert problems == []
    assert fields == [("Contact-Name", "A"), ("Organization-Address", "1 Road Town")]


def test_bagit_declaration() -> None:
    assert tagfiles.bagit_txt() == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def test_digest_lengths_are_the_algorithm_tables() -> None:
    assert tagfiles.digest_length("md5") == 32 and tagfiles.digest_length("sha3_384") == 96
    assert tagfiles.digest_length("SHA-256") is None  # hashlib's names only: manifests map theirs first
    assert tagfiles.digest_length("foo") is None and tagfiles.digest_length(None) is None
    text = "a" * 96 + "  data/a\n" + "a" * 64 + "  data/b\n"
    parsed, problems = tagfiles.parse_manifest(text, "sha384")
    assert [p for _, p, _ in parsed] == ["data/a"] and [p.line for p in problems] == [2]
    assert len(tagfiles.parse_manifest(text, None)[0]) == 2  # no algorithm: any length
