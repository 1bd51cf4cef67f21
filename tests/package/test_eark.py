"""External judge: eark-validator 1.1.3 (own venv, offline) on packages built by build_package.

The venv is made by tests/eark/setup_venv.sh (.ci/run calls it). Without it the tests skip
locally and fail under CI. SIP packages may only fail rule SIP14 (it contradicts CSIP16 and the
METS schema, see docs/package.md); AIP packages must have no Error at all.
"""
from __future__ import annotations


import pytest

from helpers.eark import SEEDS, assert_judged_valid, errors, run
from helpers.packages import FOLDER_RELEASE, build_sample

@pytest.mark.parametrize("package_type", ["SIP", "AIP"])
@pytest.mark.parametrize("kind", ["text", "folder"])
def test_generated_releases(tmp_path, validator, package_type, kind):
    files = FOLDER_RELEASE if kind == "folder" else None
    pkg, _, _ = build_sample(tmp_path, files, package_type=package_type,
                             empty_dirs=["empty"] if kind == "folder" else ())
    report = run(validator, pkg)
    assert_judged_valid(report, package_type)
    if package_type == "SIP":
        assert {rule for rule, _ in errors(report)} == {"SIP14"}  # the known defect, nothing else


def test_judge_sees_errors(tmp_path, validator):
    """The runner really reports problems: a package without its METS is not valid."""
    pkg, _, _ = build_sample(tmp_path, package_type="AIP")
    (pkg / "METS.xml").unlink()
    report = run(validator, pkg)
    assert report["structure"]["status"] != "WellFormed" or errors(report)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds not beside the repository")
@pytest.mark.parametrize("package_type", ["SIP", "AIP"])
def test_seed_releases(tmp_path, validator, package_type):
    seeds = sorted(p for p in SEEDS.iterdir() if p.is_file() and not p.name.startswith("."))
    assert seeds
    for seed in seeds:
        pkg, _, _ = build_sample(tmp_path, {seed.name: seed.read_bytes()}, name=seed.stem,
                                 package_type=package_type, release_id=seed.stem.replace("_", "-"))
        assert_judged_valid(run(validator, pkg), package_type)
