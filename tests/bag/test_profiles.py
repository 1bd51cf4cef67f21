"""BagIt profiles load from both JSON forms into one model; anything else is one InputError line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.bag.profiles import BUILTIN_PROFILES, SERIALIZATION_TYPES, Profile, load_profile, parse_profile
from preserve.errors import InputError

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "profiles"
APTRUST_ID = "https://raw.githubusercontent.com/APTrust/preservation-services/master/profiles/aptrust-v2.3.json"
BTR_ID = "https://github.com/dpscollaborative/btr_bagit_profile/releases/download/1.0/btr-bagit-profile.json"


def shared(name: str) -> Path:
    path = SHARED / name
    if not path.is_file():
        pytest.skip("../shared/profiles is absent")
    return path


def test_builtins_keep_the_official_identifiers_and_rules() -> None:
    aptrust, btr = load_profile("aptrust"), load_profile("APTrust".lower())
    assert BUILTIN_PROFILES == ("aptrust", "btr")
    assert aptrust.identifier == APTRUST_ID and load_profile("btr").identifier == BTR_ID
    assert aptrust.manifests_required == ("md5",) and aptrust.serialization == "required"
    assert aptrust.serializations() == ("tar",) and aptrust.tar_dir_must_match_name and not aptrust.allow_fetch
    assert {r.name: (r.required, r.default) for r in aptrust.tags_of("aptrust-info.txt")} == {
        "Title": (True, None), "Access": (True, None), "Description": (False, None), "Storage-Option": (True, "Standard")}
    assert "Institution" in next(r for r in aptrust.tags if r.name == "Access").values
    btr = load_profile("btr")
    assert btr.serializations() == ("tar", "tar.gz", "zip") and btr.manifests_required == ()
    assert {r.name for r in btr.tags if r.required} == {"Source-Organization", "Bagging-Date", "Payload-Oxum"}
    assert next(r for r in btr.tags if r.name == "Contact-Email").recommended


@pytest.mark.parametrize("dart, builtin", [("aptrust-v2.3.dart.json", "aptrust"), ("btr-v1.0.dart.json", "btr"),
                                           ("btr-bagit-profile.json", "btr")])
def test_published_profiles_in_either_form_say_what_the_builtins_say(dart: str, builtin: str) -> None:
    other, ours = load_profile(shared(dart)), load_profile(builtin)
    for name in ("identifier", "manifests_required", "manifests_allowed", "tag_manifests_allowed", "allow_fetch",
                 "serialization", "accept_serialization", "accept_bagit_version", "tar_dir_must_match_name"):
        assert getattr(other, name) == getattr(ours, name), name
    rules = lambda p: {(r.file, r.name, r.required, r.values, r.default) for r in p.tags if r.file != "bagit.txt"}
    assert rules(other) == rules(ours)


def test_dart_user_value_is_never_a_default() -> None:
    profile = load_profile(shared("aptrust-v2.3.dart.json"))
    access = next(r for r in profile.tags if r.name == "Access")
    source = next(r for r in profile.tags if r.name == "Source-Organization")
    assert access.default is None and source.default is None  # their userValue: Institution, Test University


def test_serialization_table_names_each_type_once() -> None:
    mimes = [m for types in SERIALIZATION_TYPES.values() for m in types]
    assert len(mimes) == len(set(mimes)) and set(SERIALIZATION_TYPES) == {"tar", "tar.gz", "zip"}
    only_x_tar = parse_profile(json.dumps({"BagIt-Profile-Info": {"BagIt-Profile-Identifier": "u"},
                                           "Accept-Serialization": ["application/x-tar"]}), "p")
    assert only_x_tar.serializations() == ("tar",)
    assert parse_profile(json.dumps({"BagIt-Profile-Info": {"BagIt-Profile-Identifier": "u"},
                                     "Serialization": "forbidden"}), "p").serializations() == ()


BASE = {"BagIt-Profile-Info": {"BagIt-Profile-Identifier": "https://example.org/p.json"}}


@pytest.mark.parametrize("text, needle", [
    (b"\xff\xfe{", "not UTF-8"),
    (b"{\"BagIt-Profile-Info\": ", "not valid JSON"),
    (b"[1, 2]", "neither 'BagIt-Profile-Info'"),
    (b"{\"name\": \"x\"}", "neither 'BagIt-Profile-Info'"),
    (b"[" * 100_000, "not valid JSON"),
    (json.dumps({"BagIt-Profile-Info": []}).encode(), "'BagIt-Profile-Info' must be an object"),
    (json.dumps({"BagIt-Profile-Info": {}}).encode(), "no BagIt-Profile-Info's 'BagIt-Profile-Identifier'"),
    (json.dumps({**BASE, "Manifests-Required": "md5"}).encode(), "'Manifests-Required' must be a list of strings"),
    (json.dumps({**BASE, "Allow-Fetch.txt": "no"}).encode(), "'Allow-Fetch.txt' must be true or false"),
    (json.dumps({**BASE, "Serialization": "maybe"}).encode(), "'Serialization' must be"),
    (json.dumps({**BASE, "Bag-Info": {"X": True}}).encode(), "Bag-Info 'X' must be an object"),
    (json.dumps({**BASE, "Bag-Info": {"X": {"values": [1]}}}).encode(), "'values' must be a list of strings"),
    (json.dumps({**BASE, "Manifests-Required": ["md5"], "Manifests-Allowed": ["sha256"]}).encode(),
     "requires manifest algorithm md5 but does not allow it"),
    (json.dumps({**BASE, "Tags": [{"tagFile": "../x.txt", "tagName": "A"}]}).encode(), "not a path inside the bag"),
    (json.dumps({"bagItProfileInfo": {"bagItProfileIdentifier": "u"}, "tags": [{"tagFile": "a.txt"}]}).encode(),
     "has no tagName"),
    (json.dumps({"bagItProfileInfo": {"bagItProfileIdentifier": 3}}).encode(), "must be a string"),
    # a tag name, default or allowed value that would add lines to a tag file (RFC 8493 §2.2.2)
    (json.dumps({"bagItProfileInfo": {"bagItProfileIdentifier": "u"}, "tags": [
        {"tagFile": "x-info.txt", "tagName": "A\nPayload-Oxum", "required": True, "defaultValue": "x"}]}).encode(),
     r"tags\[0\] names tag 'A\\nPayload-Oxum', not a tag name \(RFC 8493 §2.2.2"),
    (json.dumps({**BASE, "Tags": [{"tagFile": "x.txt", "tagName": "A:B"}]}).encode(), "names tag 'A:B', not a tag name"),
    (json.dumps({**BASE, "Tags": [{"tagFile": "x.txt", "tagName": "A\u2028B"}]}).encode(), "not a tag name"),
    (json.dumps({**BASE, "Tags": [{"tagFile": "x.txt", "tagName": "A", "defaultValue": "a\nB: evil"}]}).encode(),
     "Tags\\[0\\] 'defaultValue' 'a\\\\nB: evil' holds a line break or control character"),
    (json.dumps({**BASE, "Tags": [{"tagFile": "x.txt", "tagName": "A", "values": ["a", "b\x07"]}]}).encode(),
     "'values' 'b\\\\x07' holds a line break"),
    (json.dumps({**BASE, "Tags": [{"tagFile": "x\u0085.txt", "tagName": "A"}]}).encode(), "not a file of tags"),
    (json.dumps({**BASE, "Tags": [{"tagFile": "manifest-md5.txt", "tagName": "A"}]}).encode(), "not a file of tags"),
    (json.dumps({**BASE, "Bag-Info": {"A\nB": {"required": True}}}).encode(), "Bag-Info 'A\\\\nB' is not a tag name"),
    (json.dumps({**BASE, "Bag-Info": {"A\tB": {}}}).encode(), "is not a tag name"),
    (json.dumps({**BASE, "Bag-Info": {"Foo": {"default": "v\nPayload-Oxum: 1.1"}}}).encode(),
     "Bag-Info 'Foo' 'default' .* holds a line break"),
    (json.dumps({**BASE, "Bag-Info": {"Foo": {"values": ["a\rb"]}}}).encode(), "holds a line break"),
])
def test_not_a_profile_is_one_line_naming_the_file(tmp_path: Path, text: bytes, needle: str) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(text)
    with pytest.raises(InputError, match=needle) as info:
        load_profile(path)
    assert info.value.message.startswith(f"{path}: ") and "\n" not in info.value.message


def test_missing_folder_and_huge_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such profile; give a profile JSON file or a built-in profile"):
        load_profile(tmp_path / "nope.json")
    with pytest.raises(InputError, match="is a folder"):
        load_profile(tmp_path)
    (tmp_path / "big.json").write_bytes(b" " * ((1 << 20) + 1))
    with pytest.raises(InputError, match="more than"):
        load_profile(tmp_path / "big.json")


def test_bagit_form_reads_spec_14_keys_and_extensions() -> None:
    profile = parse_profile(json.dumps({**BASE,
        "Bag-Info": {"Source-Organization": {"required": True, "values": ["A", "B"], "repeatable": False,
                                             "description": "who", "recommended": False}},
        "Manifests-Required": ["SHA-256"], "Tag-Files-Required": ["extra/notes.txt"],
        "Tag-Files-Allowed": ["extra/*"], "Payload-Files-Required": ["data/README"], "Payload-Files-Allowed": ["data/*"],
        "Fetch.txt-Required": True, "Data-Empty": False, "Accept-BagIt-Profile-Identifier": ["https://old"],
        "Tags": [{"tagFile": "extra/notes.txt", "tagName": "Note", "required": True, "defaultValue": "n"}]}), "p")
    assert profile.manifests_required == ("sha256",) and profile.fetch_required
    assert profile.tag_files_allowed == ("extra/*",) and profile.tag_file_allowed("bag-info.txt")
    assert not profile.tag_file_allowed("other.txt") and profile.payload_files_required == ("data/README",)
    rule = profile.tags_of("bag-info.txt")[0]
    assert (rule.required, rule.values, rule.repeatable, rule.description) == (True, ("A", "B"), False, "who")
    assert profile.tags_of("extra/notes.txt")[0].default == "n" and profile.accept_identifiers == ("https://old",)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)
KEYS = st.sampled_from(["BagIt-Profile-Identifier", "Bag-Info", "Manifests-Required", "Manifests-Allowed", "Tags",
                        "Serialization", "Accept-Serialization", "Tag-Files-Required", "Tag-Files-Allowed",
                        "Allow-Fetch.txt", "tags", "tagFile", "tagName", "values", "required", "serialization",
                        "bagItProfileIdentifier", "acceptSerialization", "manifestsRequired", "defaultValue"])
SHAPED = st.recursive(JSON, lambda inner: st.dictionaries(KEYS, inner, max_size=6) | st.lists(inner, max_size=3),
                      max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(st.one_of(JSON, st.fixed_dictionaries({"BagIt-Profile-Info": SHAPED}, optional={"Bag-Info": SHAPED}),
                 st.dictionaries(st.sampled_from(["BagIt-Profile-Info", "bagItProfileInfo"]), SHAPED, min_size=1)
                 .flatmap(lambda d: st.dictionaries(KEYS, SHAPED, max_size=6).map(lambda extra: {**extra, **d}))))
def test_any_json_is_a_profile_or_one_input_error(value: object) -> None:
    try:
        profile = parse_profile(json.dumps(value), "fuzz.json")
    except InputError as exc:
        assert exc.message.startswith("fuzz.json: ") and "\n" not in exc.message
    else:
        assert isinstance(profile, Profile) and profile.identifier
        hash(profile)
