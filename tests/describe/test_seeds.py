"""The seed releases: title, date, creators, places, language, type; absent where silent."""
from __future__ import annotations

from pathlib import Path

import pytest

from preserve.intake.config import CollectionConfig
from preserve.describe import describe_release
from preserve.record import PLACEHOLDER_TITLE, plain
from preserve.intake.releases import discover

SEEDS = Path(__file__).parents[2] / "seeds"


@pytest.fixture(scope="module")
def seeds():
    if not SEEDS.is_dir():
        pytest.skip("no seeds folder")
    return [plain(describe_release(r, CollectionConfig())) for r in discover(SEEDS).releases]


def test_titles(seeds):
    assert [s["title"][0] for s in seeds] == [
        "Concern for the fate of Aleppo mounts as Russia promises to intensify military campaign",
        PLACEHOLDER_TITLE,
        "Syrians Condemn Russian Massacre in Idlib",
        "Aleppo on Verge of Extermination: Syrian Civil Society Demand Civilian Protection",
        PLACEHOLDER_TITLE,
    ]


def test_dates(seeds):
    assert [s.get("date") for s in seeds] == [["2016-11-04"], None, ["2015-12-21"], ["XXXX-09-24"], None]


def test_creators(seeds):
    assert seeds[0]["creator"] == ["Rethink Rebuild Society"]
    assert seeds[1]["creator"] == ["Syria Solidarity Campaign"]
    assert seeds[2]["creator"] == [
        "Oxford for Syria", "Peace and Justice for Syria", "Rethink Rebuild Society", "Scotland4Syria",
        "Syria Solidarity UK", "Syrian Association of Yorkshire", "Syrian Welsh Society"]
    assert "creator" not in seeds[3]
    assert seeds[4]["creator"] == ["Syrian Coalition"]


def test_places(seeds):
    assert set(seeds[0]["coverage"]) == {"Aleppo", "Syria"}
    assert set(seeds[1]["coverage"]) == {"Aleppo", "Syria"}
    assert set(seeds[2]["coverage"]) == {"Idlib", "Syria"}
    assert "Aleppo" in seeds[3]["coverage"]
    assert set(seeds[4]["coverage"]) == {"Aleppo", "Syria"}


def test_language_type_format(seeds):
    for s in seeds:
        assert s["language"] == ["en"]
        assert s["type"] == ["Text"]
        assert s["format"][0].startswith("text/plain; charset=")
