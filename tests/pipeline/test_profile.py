"""Planning a profiled bag: algorithms, serialization, tags from preserve.toml, the record or defaults, never invented."""
from __future__ import annotations

import json

import pytest

from preserve.bag.profiles import load_profile, parse_profile
from preserve.errors import InputError
from preserve.intake.config import CollectionConfig, parse_config
from preserve.pipeline.profile import ProfileUnsatisfied, plan_collection, plan_profile, plan_release

APTRUST_TOML = 'organisation = "Org"\n[tag-files."aptrust-info.txt"]\nAccess = "Institution"\n'
BASE = {"BagIt-Profile-Info": {"BagIt-Profile-Identifier": "https://example.org/p.json"}}


def plan(profile, toml: str = "", record: dict | None = None, algorithms=("sha256", "sha512"), serialization=None):
    return plan_profile(profile, algorithms=algorithms, serialization=serialization, config=parse_config(toml),
                        record_values=record or {})


def test_aptrust_plan_adds_md5_tar_identifier_and_aptrust_info() -> None:
    aptrust = load_profile("aptrust")
    made = plan(aptrust, APTRUST_TOML + '[bag-info]\nBag-Group-Identifier = "g"\n',
                {"title": "Ferry  timetable", "description": "Winter"})
    assert made.algorithms == ("sha256", "sha512", "md5") and made.serialization == "tar"
    assert made.bag_info == (("BagIt-Profile-Identifier", aptrust.identifier), ("Bag-Group-Identifier", "g"))
    assert made.tag_files == (("aptrust-info.txt", (("Title", "Ferry timetable"), ("Access", "Institution"),
                                                    ("Description", "Winter"), ("Storage-Option", "Standard"))),)
    assert made.from_record == ()


def test_toml_wins_over_default_and_description_is_left_out_when_absent() -> None:
    made = plan(load_profile("aptrust"), APTRUST_TOML + 'Storage-Option = "Glacier-OR"\n', {"title": "T"})
    assert dict(made.tag_files)["aptrust-info.txt"] == (("Title", "T"), ("Access", "Institution"),
                                                         ("Storage-Option", "Glacier-OR"))


@pytest.mark.parametrize("toml, record, kw, needle", [
    ('organisation = "O"', {"title": "T"}, {},
     'profile aptrust: aptrust-info.txt needs Access (one of Consortia, Institution, Restricted); '
     'add it to preserve.toml under [tag-files."aptrust-info.txt"]'),
    (APTRUST_TOML.replace("Institution", "Public"), {"title": "T"}, {},
     "aptrust-info.txt Access must be one of Consortia, Institution, Restricted, not 'Public' (preserve.toml)"),
    (APTRUST_TOML, {}, {}, "aptrust-info.txt needs Title (dc:title) and the record has none; give dc.title"),
    (APTRUST_TOML, {"title": "T"}, {"serialization": "zip"},
     "profile aptrust does not accept --serialize zip; it accepts tar: choose with --serialize"),
    (APTRUST_TOML, {"title": "T"}, {"algorithms": ("sha256", "sha3_256")},
     "profile aptrust does not allow sha3_256 manifests; it allows md5, sha1, sha256, sha512: choose from them with --algorithm"),
])
def test_unsatisfied_requirements_say_which_and_how(toml: str, record: dict, kw: dict, needle: str) -> None:
    with pytest.raises(ProfileUnsatisfied) as info:
        plan(load_profile("aptrust"), toml, record, **kw)
    assert needle in info.value.message and "\n" not in info.value.message
    assert isinstance(info.value, InputError) and info.value.exit_code == 2


def test_collection_level_needs_only_the_config_and_release_level_the_record() -> None:
    aptrust = load_profile("aptrust")
    collection = plan_collection(aptrust, algorithms=("sha256",), serialization=None, config=parse_config(APTRUST_TOML))
    assert collection.from_record == (("aptrust-info.txt", "Title", "title"), ("aptrust-info.txt", "Description", "description"))
    with pytest.raises(ProfileUnsatisfied, match="Title"):
        plan_release(collection, {"title": "   "})
    assert dict(plan_release(collection, {"title": "T"}).tag_files)["aptrust-info.txt"][0] == ("Title", "T")


def test_btr_needs_source_organization_from_the_organisation_key() -> None:
    btr = load_profile("btr")
    with pytest.raises(ProfileUnsatisfied, match="bag-info.txt needs Source-Organization; set organisation in preserve.toml"):
        plan(btr)
    made = plan(btr, 'organisation = "Org"', serialization="tar.gz")
    assert made.serialization == "tar.gz" and made.bag_info == (("BagIt-Profile-Identifier", btr.identifier),)
    assert made.tag_files == () and plan(btr, 'organisation = "Org"').serialization is None


@pytest.mark.parametrize("change, needle", [
    ({"Bag-Info": {"Contact-Phone": {"required": True}}}, "bag-info.txt needs Contact-Phone; add it to preserve.toml under [bag-info]"),
    ({"Bag-Info": {"Bag-Size": {"required": True, "values": ["1 MB"]}}},
     "limits Bag-Size to 1 MB; preserve computes Bag-Size from the bag"),
    ({"Tags": [{"tagFile": "meta/x.txt", "tagName": "A", "defaultValue": "a"}]},
     "wants tags in meta/x.txt; preserve writes tag files only at the top of the bag"),
    ({"Accept-BagIt-Version": ["0.97"]}, "preserve writes BagIt 1.0"),
    ({"Manifests-Required": ["whirlpool"]}, "requires a whirlpool manifest, which preserve cannot compute"),
    ({"Serialization": "forbidden"}, "forbids serialized bags; leave out --serialize"),
    ({"Serialization": "required", "Accept-Serialization": ["application/x-7z-compressed"]},
     "requires a serialization preserve cannot write"),
    ({"Tag-Files-Required": ["dpn-tags.txt"]}, 'requires tag file dpn-tags.txt; give its tags in preserve.toml under [tag-files."dpn-tags.txt"]'),
    ({"Fetch.txt-Required": True}, "requires fetch.txt"),
    ({"Data-Empty": True}, "requires an empty data/ folder"),
])
def test_requirements_nothing_supplies_are_refused(change: dict, needle: str) -> None:
    profile = parse_profile(json.dumps({**BASE, **change}), "custom.json")
    serialization = "zip" if change.get("Serialization") == "forbidden" else None
    with pytest.raises(ProfileUnsatisfied, match=needle.replace("[", r"\[").replace(".", r"\.")):
        plan(profile, serialization=serialization)


def test_values_come_only_from_toml_record_or_profile_default() -> None:
    profile = parse_profile(json.dumps({**BASE, "Bag-Info": {"Contact-Phone": {"required": True},
                                                             "Bag-Count": {"default": "1 of 1"}},
                                        "Tags": [{"tagFile": "x-info.txt", "tagName": "Level", "required": True,
                                                  "defaultValue": "2", "values": ["1", "2"]},
                                                 {"tagFile": "x-info.txt", "tagName": "Rights", "userValue": "mine"}]}),
                            "custom.json")
    made = plan(profile, '[bag-info]\nContact-Phone = "+1 555"\n')
    assert made.bag_info == (("BagIt-Profile-Identifier", "https://example.org/p.json"), ("Contact-Phone", "+1 555"),
                             ("Bag-Count", "1 of 1"))
    assert made.tag_files == (("x-info.txt", (("Level", "2"),)),)  # Rights: no value anywhere, not required


def test_unknown_serialization_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown serialization 'rar'; choose tar, tar.gz, zip"):
        plan(load_profile("btr"), 'organisation = "O"', serialization="rar")


def test_config_without_tables_plans_with_plain_collection_config() -> None:
    made = plan_collection(load_profile("btr"), algorithms=("md5",), serialization=None,
                           config=CollectionConfig(organisation="O"))
    assert made.algorithms == ("md5",) and made.tag_manifest_algorithms == ("md5",)


def test_a_bag_info_default_the_profile_itself_forbids_is_refused() -> None:
    """A default outside the profile's own allowed values would make a bag verify --profile rejects."""
    profile = parse_profile(json.dumps({**BASE, "Bag-Info": {"Foo": {"required": True, "default": "zz",
                                                                     "values": ["a", "b"]}}}), "custom.json")
    with pytest.raises(ProfileUnsatisfied) as info:
        plan(profile)
    assert "bag-info.txt Foo must be one of a, b, not 'zz' (the profile's default)" in info.value.message
    assert plan(profile, '[bag-info]\nFoo = "a"\n').bag_info[-1] == ("Foo", "a")


@pytest.mark.parametrize("rule, wanted", [({"required": True}, True), ({"recommended": True}, True),
                                          ({}, False)])
def test_bag_size_named_by_a_profile_is_left_to_the_bag_writer(rule: dict, wanted: bool) -> None:
    profile = parse_profile(json.dumps({**BASE, "Bag-Info": {"Bag-Size": {**rule, "default": "1 TB"}}}), "c.json")
    made = plan(profile)
    assert made.bag_size is wanted
    assert all(label != "Bag-Size" for label, _ in made.bag_info)  # never the profile's made-up default
    assert plan(load_profile("btr"), 'organisation = "O"').bag_size is False


def test_a_profiled_bag_gets_a_computed_bag_size(tmp_path) -> None:
    """preserve bag --profile with a profile requiring Bag-Size writes it, and verify --profile passes."""
    from preserve.bag.reader import read_bag
    from preserve.pipeline import BagOptions, bag_collection
    from preserve.verify.profile import check_profile

    src = tmp_path / "src"
    src.mkdir()
    (src / "notice.txt").write_text("Ferry notice\n\nThe ferry runs again.\n", encoding="utf-8")
    path = tmp_path / "size.json"
    path.write_text(json.dumps({**BASE, "Bag-Info": {"Bag-Size": {"required": True}}}), encoding="utf-8")
    out = tmp_path / "out"
    assert bag_collection(src, out, BagOptions(profile=str(path), identify="builtin")).exit_code == 0
    bag = next(b for b in out.iterdir() if b.is_dir())
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    size = next(line for line in info.splitlines() if line.startswith("Bag-Size: "))
    assert size.endswith((" bytes", " KB", " MB"))
    assert [p.code for p in check_profile(read_bag(bag), load_profile(path)) if p.severity == "error"] == []
