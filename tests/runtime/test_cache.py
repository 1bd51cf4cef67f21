"""preserve._runtime.cache: derived data stored per user, read back only when it is sound and current."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from preserve._runtime import cache


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PRESERVE_CACHE_DIR", str(folder))
    return folder


def counting_build(value):
    calls = []

    def build():
        calls.append(1)
        return value

    return build, calls


def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PRESERVE_CACHE_DIR", str(tmp_path / "x"))
    assert cache.cache_dir() == tmp_path / "x"
    monkeypatch.setenv("PRESERVE_CACHE_DIR", "")
    assert cache.cache_dir() is None
    monkeypatch.delenv("PRESERVE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "preserve"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "preserve"


def test_round_trip_builds_once(here):
    build, calls = counting_build((1, ["a", "b"], {"k": 2}))
    first = cache.cached("thing", "k1", build, lambda raw: raw)
    second = cache.cached("thing", "k1", build, lambda raw: raw)
    assert first == second == (1, ["a", "b"], {"k": 2})
    assert len(calls) == 1
    assert [p.name for p in here.iterdir()] == ["thing-k1.marshal"]  # no temporary file left


def test_other_key_is_rebuilt(here):
    build, calls = counting_build([1])
    cache.cached("thing", "k1", build, lambda raw: raw)
    cache.cached("thing", "k2", build, lambda raw: raw)
    assert len(calls) == 2


def test_key_changes_with_inputs():
    assert cache.cache_key(1, "x") == cache.cache_key(1, "x")
    assert cache.cache_key(1, "x") != cache.cache_key(2, "x")


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", b"\xe9\x01\x00\x00"])
def test_damaged_file_is_rebuilt_and_replaced(here, damage):
    build, calls = counting_build({"v": 1})
    here.mkdir()
    (here / "thing-k.marshal").write_bytes(damage)
    assert cache.cached("thing", "k", build, lambda raw: raw if isinstance(raw, dict) else None) == {"v": 1}
    assert len(calls) == 1
    assert cache.load("thing", "k") == {"v": 1}


def test_wrong_shape_is_rebuilt(here):
    cache.store("thing", "k", [1, 2, 3])
    build, calls = counting_build({"v": 1})
    assert cache.cached("thing", "k", build, lambda raw: raw if isinstance(raw, dict) else None) == {"v": 1}
    assert calls == [1]


def test_symlink_is_not_followed(here, tmp_path):
    target = tmp_path / "elsewhere.marshal"
    cache.store("thing", "k", {"planted": True})
    os.replace(here / "thing-k.marshal", target)
    (here / "thing-k.marshal").symlink_to(target)
    assert cache.load("thing", "k") is None


def test_fifo_is_not_opened_for_reading(here):
    here.mkdir()
    os.mkfifo(here / "thing-k.marshal")
    assert cache.load("thing", "k") is None  # returns at once rather than blocking


def test_disabled_cache_builds_every_time(monkeypatch):
    monkeypatch.setenv("PRESERVE_CACHE_DIR", "")
    build, calls = counting_build([1])
    cache.cached("thing", "k", build, lambda raw: raw)
    cache.cached("thing", "k", build, lambda raw: raw)
    assert len(calls) == 2


def test_unwritable_folder_still_returns_the_value(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PRESERVE_CACHE_DIR", str(blocker / "cache"))
    build, calls = counting_build([7])
    assert cache.cached("thing", "k", build, lambda raw: raw) == [7]
    assert cache.store("thing", "k", [7]) is False


def test_builder_output_that_does_not_decode_is_an_error(here):
    with pytest.raises(ValueError, match="does not decode"):
        cache.cached("thing", "k", lambda: [1], lambda raw: None)
