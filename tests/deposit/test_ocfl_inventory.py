"""OCFL inventories as pure functions: versions added, content deduplicated, hostile inventories refused."""
from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preserve.deposit import ocfl_inventory as inv_mod
from preserve.deposit.ocfl_inventory import InventoryError

A, B = hashlib.sha512(b"a").hexdigest(), hashlib.sha512(b"b").hexdigest()
CREATED = "2026-12-05T01:00:00Z"


def _v1() -> dict:
    return inv_mod.next_inventory(None, "rel-1", {"bagit.txt": A, "data/x.txt": B}, {"v1/content/bagit.txt": A,
                                  "v1/content/data/x.txt": B}, {"v1/content/data/x.txt": {"sha256": "ab" * 32}},
                                  CREATED)


def test_first_version() -> None:
    inv = _v1()
    assert inv["head"] == "v1" and inv["digestAlgorithm"] == "sha512"
    assert inv["type"] == "https://ocfl.io/1.1/spec/#inventory"
    assert inv["manifest"] == {A: ["v1/content/bagit.txt"], B: ["v1/content/data/x.txt"]}
    assert inv["versions"]["v1"]["state"] == {A: ["bagit.txt"], B: ["data/x.txt"]}
    assert inv["versions"]["v1"]["user"] == {"name": "preserve"}
    assert inv["fixity"] == {"sha256": {"ab" * 32: ["v1/content/data/x.txt"]}}
    assert inv_mod.parse(inv_mod.encode(inv), "rel-1") == inv


def test_next_version_keeps_history_and_reuses_content() -> None:
    v1 = _v1()
    v2 = inv_mod.next_inventory(v1, "rel-1", {"bagit.txt": A, "data/x.txt": A}, {}, {}, CREATED)
    assert v2["head"] == "v2" and set(v2["versions"]) == {"v1", "v2"}
    assert v2["manifest"] == v1["manifest"]
    assert inv_mod.head_state(v2) == {"bagit.txt": A, "data/x.txt": A}
    assert inv_mod.head_state(v1) == {"bagit.txt": A, "data/x.txt": B}  # the previous one is untouched
    assert inv_mod.known_fixity(v2) == {B: {"sha256": "ab" * 32}}


def test_same_as_head_by_sha512_or_by_fixity() -> None:
    v1 = _v1()
    files = {"bagit.txt", "data/x.txt"}
    assert inv_mod.same_as_head({"bagit.txt": {"sha512": A}, "data/x.txt": {"sha512": B}}, files, v1) is True
    assert inv_mod.same_as_head({"bagit.txt": {"sha512": A}, "data/x.txt": {"sha256": "ab" * 32}}, files, v1) is True
    assert inv_mod.same_as_head({"bagit.txt": {"sha512": A}, "data/x.txt": {"sha256": "cd" * 32}}, files, v1) is None
    assert inv_mod.same_as_head({"bagit.txt": {"sha512": A}, "data/x.txt": {"sha512": A}}, files, v1) is False
    assert inv_mod.same_as_head({"bagit.txt": {"sha512": A}}, files | {"new"}, v1) is False
    assert inv_mod.same_as_head({"bagit.txt": {"sha512": A}}, {"bagit.txt"}, v1, complete=False) is None


def test_sidecar() -> None:
    data = inv_mod.encode(_v1())
    digest, side = inv_mod.sidecar(data)
    assert digest == hashlib.sha512(data).hexdigest()
    assert inv_mod.sidecar_digest(side) == digest
    for bad in (b"", b"xyz inventory.json", digest.encode() + b" other.json", b"\xff\xfe"):
        with pytest.raises(InventoryError):
            inv_mod.sidecar_digest(bad)


@pytest.mark.parametrize("change", [
    lambda i: i.update(id="other"), lambda i: i.update(digestAlgorithm="sha256"),
    lambda i: i.update(contentDirectory="stuff"), lambda i: i.update(head="v3"),
    lambda i: i["versions"].update(v7=i["versions"]["v1"]), lambda i: i.update(manifest={A: "v1/content/x"}),
    lambda i: i.update(versions=[]), lambda i: i.update(head=[]), lambda i: i.update(head={}),
    lambda i: i["versions"]["v1"].update(state=[]), lambda i: i["versions"]["v1"].update(state={A: "x"}),
    lambda i: i["versions"].update(v1=None), lambda i: i.update(fixity=[]),
    lambda i: i.update(fixity={"md5": {"ab": "v1/content/x"}})])
def test_inventories_preserve_will_not_extend(change) -> None:
    inv = _v1()
    change(inv)
    with pytest.raises(InventoryError):
        inv_mod.parse(json.dumps(inv).encode(), "rel-1")


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=20).map(lambda doc: json.dumps(doc).encode())))
def test_parse_refuses_anything_else_with_one_error(data: bytes) -> None:
    try:
        inv_mod.parse(data, "rel-1")
    except InventoryError:
        pass


def test_version_names() -> None:
    assert inv_mod.version_name(12) == "v12" and inv_mod.version_number("v12") == 12
    for bad in ("v0", "v01", "x1", "v", "v1 "):
        with pytest.raises(InventoryError):
            inv_mod.version_number(bad)
