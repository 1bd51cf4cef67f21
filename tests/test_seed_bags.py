"""The seed collection end to end, through the real pipeline, with the network blocked.

What issues 2 and 4 promise for the seeds: five bags, each valid for bagit-python and BagIt
1.0, verified by preserve; METS, PREMIS and DC valid against the official XSDs offline; METS
checksums equal to the manifests'; eark-validator content (SIP14 aside for SIPs); seeds untouched.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import bagit
import pytest
from lxml import etree

from helpers.paths import network_blocked
from preserve.bag import tagfiles
from preserve.xml import schemas as xsd
from preserve.pipeline import BagOptions, bag_collection
from preserve.verify.checks import verify_bag
from helpers.eark import assert_judged_valid, run

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED_SEEDS = REPO.parent / "shared" / "seeds"
NS = {"mets": "http://www.loc.gov/METS/", "xlink": "http://www.w3.org/1999/xlink"}
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


@pytest.fixture(scope="module", params=["SIP", "AIP"])
def seed_bags(request, tmp_path_factory) -> tuple[str, Path]:
    """Bag the project's seeds/ with every socket refused, as a user without network would."""
    before = _digests(SEEDS)
    out = tmp_path_factory.mktemp(f"seeds-{request.param}") / "bags"

    with network_blocked():
        result = bag_collection(SEEDS, out, BagOptions(package_type=request.param))
    assert result.exit_code == 0, result.as_dict()
    assert _digests(SEEDS) == before
    return request.param, out


def test_seeds_are_the_shared_collection_byte_for_byte() -> None:
    releases = {n: d for n, d in _digests(SEEDS).items() if n.endswith(".txt")}
    assert len(releases) == 5
    if SHARED_SEEDS.is_dir():
        assert releases == _digests(SHARED_SEEDS)


def test_five_bags_valid_for_bagit_python_and_preserve(seed_bags) -> None:
    _, out = seed_bags
    bags = sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert len(bags) == 5
    for bag in bags:
        assert (bag / "bagit.txt").read_text() == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
        checked = bagit.Bag(str(bag))
        checked.validate()
        assert checked.version_info == (1, 0)
        assert verify_bag(bag).ok


def test_xml_valid_offline_and_checksums_agree(seed_bags) -> None:
    _, out = seed_bags
    for bag in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        root = "data/" + bag.name + "/"  # the package root folder (E-ARK CSIPSTR1-2, AIP31)
        data = bag / root
        for path, kind in [("METS.xml", "mets"), ("representations/rep1/METS.xml", "mets"),
                           ("metadata/preservation/premis.xml", "premis"), ("metadata/descriptive/dc.xml", "dc")]:
            assert xsd.validate((data / path).read_bytes(), kind) == [], (bag.name, path)
        manifest = {p: d for d, p, _ in tagfiles.parse_manifest((bag / "manifest-sha256.txt").read_text(), "sha256")[0]}
        listed = set()
        for base in ("", "representations/rep1/"):  # the root METS, then the one it points to
            mets = etree.parse(str(data / base / "METS.xml"))
            refs = mets.xpath("//mets:file | //mets:mdRef", namespaces=NS)
            assert refs
            for ref in refs:
                href = base + (ref.find("mets:FLocat", NS) if ref.tag.endswith("file") else ref).get(XLINK_HREF)
                assert ref.get("CHECKSUMTYPE") == "SHA-256"
                assert manifest[root + href] == ref.get("CHECKSUM"), (bag.name, href)
                assert int(ref.get("SIZE")) == (data / href).stat().st_size
                listed.add(root + href)
        content = {p for p in manifest if p.startswith(root + "representations/rep1/data/")}
        assert content <= listed


def test_eark_validator_judges_the_bags(seed_bags, validator) -> None:
    package_type, out = seed_bags
    for bag in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        assert_judged_valid(run(validator, bag / "data" / bag.name), package_type)
