"""The 0004-hashed-n-tuple-storage-layout: the extension's own example, its parameters, the root's files.

Also checked against ocfl-py taught the layout independently (tests/helpers/ocfl.py).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.deposit.ocfl_layout import (CONFIG_FILE, LAYOUT_FILE, NAME, HashedNTuple, config_json, layout_json,
                                          parse_config, read_layout)
from preserve.errors import InputError


def test_the_extensions_example_object_01() -> None:
    # 0004's example: id "object-01", sha256, tupleSize 3, numberOfTuples 3, shortObjectRoot false
    assert HashedNTuple().object_path("object-01") == (
        "3c0/ff4/240/3c0ff4240c1e116dba14c7627f2319b58aa3d77606d0d90dfc6161608ac987d4")


def test_short_object_root_and_other_parameters() -> None:
    digest = hashlib.sha256(b"object-01").hexdigest()
    assert HashedNTuple(tuple_size=2, number_of_tuples=2, short_object_root=True).object_path("object-01") == (
        f"{digest[:2]}/{digest[2:4]}/{digest[4:]}")
    assert HashedNTuple(digest_algorithm="md5", tuple_size=0, number_of_tuples=0).object_path("x") == (
        hashlib.md5(b"x").hexdigest())


@pytest.mark.parametrize("kwargs", [dict(digest_algorithm="sha384"), dict(tuple_size=0),
                                    dict(tuple_size=32, number_of_tuples=3),
                                    dict(tuple_size=32, number_of_tuples=2, short_object_root=True)])
def test_parameters_the_extension_forbids(kwargs) -> None:
    with pytest.raises(ValueError):
        HashedNTuple(**kwargs)


def test_config_round_trips_and_names_the_extension() -> None:
    layout = HashedNTuple(tuple_size=2, number_of_tuples=4)
    doc = json.loads(config_json(layout))
    assert doc["extensionName"] == NAME
    assert parse_config(config_json(layout)) == layout
    assert json.loads(layout_json())["extension"] == NAME
    assert parse_config(b'{"extensionName": "0004-hashed-n-tuple-storage-layout"}') == HashedNTuple()


@pytest.mark.parametrize("text", [b"[]", b'{"extensionName": "0002-flat-direct-storage-layout"}',
                                  b'{"tupleSize": "3"}', b'{"shortObjectRoot": 1}', b'{"tupleSize": true}'])
def test_bad_configs_are_refused(text: bytes) -> None:
    with pytest.raises(ValueError):
        parse_config(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_parse_config_never_fails_otherwise(data: bytes) -> None:
    try:
        parse_config(data)
    except ValueError:  # json, unicode and parameter errors are all ValueError
        pass


def test_read_layout_of_roots(tmp_path: Path) -> None:
    (tmp_path / "extensions" / NAME).mkdir(parents=True)
    (tmp_path / LAYOUT_FILE).write_bytes(layout_json())
    assert read_layout(tmp_path, "ocfl:x") == HashedNTuple()  # no config: the defaults
    (tmp_path / CONFIG_FILE).write_bytes(config_json(HashedNTuple(tuple_size=2)))
    assert read_layout(tmp_path, "ocfl:x") == HashedNTuple(tuple_size=2)
    (tmp_path / CONFIG_FILE).write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="not a valid"):
        read_layout(tmp_path, "ocfl:x")
    (tmp_path / LAYOUT_FILE).write_text(json.dumps({"extension": "0002-flat-direct-storage-layout",
                                                    "description": "flat"}), encoding="utf-8")
    with pytest.raises(InputError, match="0002-flat-direct-storage-layout"):
        read_layout(tmp_path, "ocfl:x")
    (tmp_path / LAYOUT_FILE).unlink()
    with pytest.raises(InputError, match="declares no layout"):
        read_layout(tmp_path, "ocfl:x")


def test_ocfl_py_taught_0004_puts_objects_where_preserve_does() -> None:
    from helpers.ocfl import Layout0004

    for ident in ("object-01", "..hor/rib:le-$id", "rel-2026-001", "ünïcödé"):
        assert Layout0004().identifier_to_path(ident) == HashedNTuple().object_path(ident)
