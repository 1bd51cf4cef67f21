"""The library works without the CLI, through names exported at the top of the package."""
from __future__ import annotations

from pathlib import Path

import pytest

import preserve


def test_bag_and_verify_through_the_package_api(collection: Path, tmp_path: Path) -> None:
    options = preserve.BagOptions(algorithms=("sha512",))
    result = preserve.bag_collection(collection, tmp_path / "bags", options)
    assert result.exit_code == 0
    release = next(r for r in preserve.discover(collection).releases if r.id == "alpha")
    config = preserve.load_config(collection)
    assert preserve.bag_release(release, tmp_path / "bags", config=config, options=options).status == "skipped"
    # other algorithms make another bag: refused without force, never silently replaced
    assert preserve.bag_release(release, tmp_path / "bags", config=config).status == "refused"
    report = preserve.verify_bag(tmp_path / "bags" / "alpha")
    assert report.ok and report.version == "1.0"
    record = preserve.describe_release(release, preserve.load_config(collection))
    assert record.first("identifier") == "urn:preserve:alpha"


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError):
        preserve.no_such_thing  # noqa: B018
