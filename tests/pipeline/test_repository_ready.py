"""Repository-ready bags end to end: `preserve bag --profile --serialize`, judged by real tools.

bagit-python and bagit-profile judge each bag after extraction into a temporary folder (preserve's
own verify reads the archive as it is); eark-validator judges the package root folder inside.
"""
from __future__ import annotations

import json
import logging
import subprocess
import sys
from importlib import resources
from pathlib import Path

import bagit
import bagit_profile
import pytest

from helpers.eark import assert_judged_valid, run
from helpers.serialized import extract
from preserve.bag.profiles import load_profile
from preserve.errors import InputError
from preserve.pipeline import BagOptions, bag_collection
from preserve.pipeline.profile import ProfileUnsatisfied
from preserve.verify.checks import verify_bag

CONFIG = ('organisation = "Example Archive"\nrights = "CC-BY-4.0"\nlanguage = "en"\n'
          '[bag-info]\nBag-Group-Identifier = "example-releases"\n'
          '[tag-files."aptrust-info.txt"]\nAccess = "Institution"\n')


def run_cli(*args: str) -> tuple[int, str, str]:
    """`python -m preserve ARGS`: exit code, stdout, stderr."""
    proc = subprocess.run([sys.executable, "-m", "preserve", *args], capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """Two releases with titles (APTrust's Title comes from dc:title), one a folder with an empty folder."""
    src = tmp_path / "src"
    (src / "harbour" / "attachments").mkdir(parents=True)
    (src / "harbour" / "empty").mkdir()
    (src / "harbour" / "statement.txt").write_text("Harbour wall repaired\n\nThe harbour wall was repaired "
                                                    "on 3 May 2019.\n", encoding="utf-8")
    (src / "harbour" / "attachments" / "costs é.csv").write_text("item,cost\nstone,100\n", encoding="utf-8")
    (src / "notice.txt").write_text("Ferry notice\n\nThe ferry runs again from 2 June 2019.\n", encoding="utf-8")
    (src / "preserve.toml").write_text(CONFIG, encoding="utf-8")
    (src / "metadata.csv").write_text("filename,dc.title,dc.type\nharbour,Harbour wall repaired,Text\n"
                                      "notice.txt,Ferry notice,Text\n", encoding="utf-8")
    return src


def profile_json(name: str) -> dict:
    return json.loads(resources.files("preserve.schemas.profiles").joinpath(f"{name}.json").read_text("utf-8"))


def judged_by_bagit_profile(bag: Path, name: str) -> bool:
    """bagit-profile's verdict on a bag folder (it judges serialization by file name: not asked here)."""
    logging.disable(logging.CRITICAL)
    try:
        doc = profile_json(name)
        judge = bagit_profile.Profile(doc["BagIt-Profile-Info"]["BagIt-Profile-Identifier"], profile=doc)
        return judge.validate(bagit.Bag(str(bag)))
    finally:
        logging.disable(logging.NOTSET)


@pytest.mark.parametrize("profile, serialize, suffix", [("aptrust", None, ".tar"), ("btr", "tar.gz", ".tar.gz"),
                                                        ("btr", "zip", ".zip"), (None, "tar", ".tar")])
def test_profiled_serialized_bags_pass_every_judge(source: Path, tmp_path: Path, profile: str | None,
                                                   serialize: str | None, suffix: str) -> None:
    out = tmp_path / "out"
    result = bag_collection(source, out, BagOptions(profile=profile, serialize=serialize, identify="builtin"))
    assert result.exit_code == 0, result.as_dict()
    assert sorted(p.name for p in out.iterdir()) == ["harbour" + suffix, "notice" + suffix]
    for archive in sorted(out.iterdir()):
        report = verify_bag(archive)  # streamed, never unpacked
        assert report.ok, [p.as_dict() for p in report.problems]
        bag = extract(archive, tmp_path / ("x-" + archive.name))
        assert bag.name + suffix == archive.name  # one top folder, named like the file
        bagit.Bag(str(bag)).validate()
        info = (bag / "bag-info.txt").read_text(encoding="utf-8")
        assert "Bag-Group-Identifier: example-releases" in info  # the [bag-info] table
        if profile:
            assert judged_by_bagit_profile(bag, profile)
            assert f"BagIt-Profile-Identifier: {load_profile(profile).identifier}" in info
        if profile == "aptrust":
            assert (bag / "manifest-md5.txt").is_file()  # required by the profile, added to the algorithms
            tags = (bag / "aptrust-info.txt").read_text(encoding="utf-8")
            assert "Access: Institution" in tags and "Storage-Option: Standard" in tags
            assert ("Title: Harbour wall repaired" in tags) == (bag.name == "harbour")
            assert "aptrust-info.txt" in (bag / "tagmanifest-sha256.txt").read_text(encoding="utf-8")


def test_the_package_root_folder_passes_eark_validator(source: Path, tmp_path: Path, validator) -> None:
    out = tmp_path / "out"
    assert bag_collection(source, out, BagOptions(serialize="tar", identify="builtin")).exit_code == 0
    bag = extract(out / "harbour.tar", tmp_path / "x")
    root = bag / "data" / "harbour"  # CSIPSTR1-2: one root folder named by the package; AIP31: inside data/
    assert sorted(p.name for p in (bag / "data").iterdir()) == ["harbour"]
    assert (root / "METS.xml").is_file() and (root / "representations/rep1/data/empty").is_dir()
    assert_judged_valid(run(validator, root), "SIP")


def test_a_rerun_skips_identical_archives_and_force_replaces(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    options = BagOptions(profile="aptrust", identify="builtin")
    assert bag_collection(source, out, options).exit_code == 0
    again = bag_collection(source, out, options)
    assert [o.status for o in again.outcomes] == ["skipped", "skipped"]
    (source / "notice.txt").write_text("Ferry notice\n\nChanged.\n", encoding="utf-8")
    refused = bag_collection(source, out, options)
    assert {o.name: o.status for o in refused.outcomes}["notice.txt"] == "refused"
    forced = bag_collection(source, out, BagOptions(profile="aptrust", identify="builtin", force=True))
    assert {o.name: o.status for o in forced.outcomes}["notice.txt"] == "replaced"
    assert verify_bag(out / "notice.tar").ok
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left


def test_a_profile_the_config_cannot_satisfy_stops_before_any_bag(source: Path, tmp_path: Path) -> None:
    (source / "preserve.toml").write_text('organisation = "Example Archive"\nrights = "CC-BY-4.0"\n', encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(ProfileUnsatisfied, match=r"aptrust-info.txt needs Access .*preserve.toml"):
        bag_collection(source, out, BagOptions(profile="aptrust"))
    assert not out.exists() or not list(out.iterdir())


def test_a_release_without_the_title_a_profile_needs_is_not_bagged(source: Path, tmp_path: Path) -> None:
    (source / "metadata.csv").write_text("filename,dc.type\nharbour,Text\nnotice.txt,Text\n", encoding="utf-8")
    (source / "untitled.bin").write_bytes(bytes(range(256)))  # no title can be drafted from bytes
    out = tmp_path / "out"
    result = bag_collection(source, out, BagOptions(profile="aptrust", identify="builtin"))
    by_name = {o.name: o for o in result.outcomes}
    assert by_name["untitled.bin"].status == "failed"
    assert "needs Title (dc:title)" in by_name["untitled.bin"].message
    assert by_name["harbour"].ok and result.exit_code == 1
    assert not (out / "untitled.tar").exists()


def test_bad_serialization_and_profile_are_one_line_errors(source: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown serialization 'rar'"):
        BagOptions(serialize="rar")  # type: ignore[arg-type]
    code, out, err = run_cli("bag", str(source), "--out", str(tmp_path / "o"), "--serialize", "rar")
    assert code == 2 and "Traceback" not in err
    not_a_profile = tmp_path / "p.json"
    not_a_profile.write_text("[1, 2]", encoding="utf-8")
    code, out, err = run_cli("bag", str(source), "--out", str(tmp_path / "o"), "--profile", str(not_a_profile))
    assert code == 2 and err.strip().count("\n") == 0 and "not a BagIt profile" in err
    code, out, err = run_cli("bag", str(source), "--out", str(tmp_path / "o"), "--profile", "aptrust",
                             "--serialize", "zip")
    assert code == 2 and "accepts tar" in err
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_verify_profile_reports_every_departure_of_an_archive(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert bag_collection(source, out, BagOptions(profile="btr", serialize="tar.gz", identify="builtin")).exit_code == 0
    code, stdout, _ = run_cli("verify", str(out), "--profile", "btr", "--json")
    assert code == 0 and all(bag["ok"] for bag in json.loads(stdout)["bags"])
    code, stdout, _ = run_cli("verify", str(out / "notice.tar.gz"), "--profile", "aptrust", "--json")
    (bag,) = json.loads(stdout)["bags"]
    found = {p["code"] for p in bag["problems"]}
    assert code == 1 and {"profile-identifier-mismatch", "profile-manifest-missing", "profile-tag-missing",
                          "profile-serialization-not-accepted"} <= found
    assert not [p for p in bag["problems"] if not p["code"].startswith("profile-")]  # intact, only off-profile
    code, _, err = run_cli("verify", str(out), "--profile", str(tmp_path / "missing.json"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_profile_file_that_restricts_tag_manifests_is_followed(source: Path, tmp_path: Path) -> None:
    doc = profile_json("btr")
    doc["BagIt-Profile-Info"]["BagIt-Profile-Identifier"] = "https://example.org/profiles/narrow.json"
    doc["Tag-Manifests-Allowed"] = ["sha256"]
    doc["Serialization"] = "required"
    doc["Accept-Serialization"] = ["application/zip"]
    path = tmp_path / "narrow.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out"
    assert bag_collection(source, out, BagOptions(profile=str(path), identify="builtin")).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["harbour.zip", "notice.zip"]  # the one it accepts
    bag = extract(out / "notice.zip", tmp_path / "x")
    assert sorted(p.name for p in bag.glob("tagmanifest-*")) == ["tagmanifest-sha256.txt"]
    assert sorted(p.name for p in bag.glob("manifest-*")) == ["manifest-sha256.txt", "manifest-sha512.txt"]
    assert verify_bag(out / "notice.zip", profile=load_profile(str(path))).ok


def test_the_config_s_tables_are_written_without_a_profile_too(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert bag_collection(source, out, BagOptions(identify="builtin")).exit_code == 0
    bag = out / "notice"
    assert "Bag-Group-Identifier: example-releases" in (bag / "bag-info.txt").read_text(encoding="utf-8")
    assert (bag / "aptrust-info.txt").read_text(encoding="utf-8") == "Access: Institution\n"
    assert "aptrust-info.txt" in (bag / "tagmanifest-sha512.txt").read_text(encoding="utf-8")
    bagit.Bag(str(bag)).validate()


def test_the_summary_tells_bags_only_off_the_profile_from_damaged_ones(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert bag_collection(source, out, BagOptions(serialize="tar", identify="builtin")).exit_code == 0
    code, stdout, _ = run_cli("verify", str(out), "--profile", "aptrust")
    assert code == 1 and "0 intact, 2 damaged (2 only off the profile), 2 bags verified (full)" in stdout
