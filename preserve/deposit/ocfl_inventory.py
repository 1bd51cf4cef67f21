"""OCFL 1.1 inventories as pure functions: the next version's inventory built from a bag's digests, read back, checked.

An inventory (OCFL 1.1 §3.5) names the object (``id``), its digest algorithm (sha512 here,
§3.5.1 "SHOULD be sha512"), its ``head`` version, the ``manifest`` (digest -> content paths,
each file stored once: content addressed, §3.5.2) and every version's ``state`` (digest ->
logical paths, §3.5.3.1), with the optional ``fixity`` block (other algorithms' digests of the
content paths, §3.5.4). Nothing here reads or writes files.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping

INVENTORY = "inventory.json"
SIDECAR = "inventory.json.sha512"
DIGEST = "sha512"
INVENTORY_TYPE = "https://ocfl.io/1.1/spec/#inventory"
OBJECT_DECLARATION = ("0=ocfl_object_1.1", b"ocfl_object_1.1\n")
CONTENT = "content"
MESSAGE = "preserve deposit"
USER = {"name": "preserve"}
#: preserve's algorithm names -> the names OCFL's fixity block uses (§3.5.4 and extension 0001);
#: an algorithm OCFL does not name is left out of the fixity block
FIXITY_NAMES = {"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha512": "sha512", "blake2b": "blake2b-512"}
_VERSION = re.compile(r"v([1-9][0-9]*)\Z")
_HEX = re.compile(r"[0-9a-f]{128}\Z")


class InventoryError(ValueError):
    """An inventory that is not one preserve can extend (the message says why)."""


def version_name(number: int) -> str:
    """v1, v2 ... (§3.3: no zero-padding, the form preserve uses for every object it makes)."""
    return f"v{number}"


def version_number(name: str) -> int:
    """The number in a version name, InventoryError for any other name."""
    match = _VERSION.match(name)
    if not match:
        raise InventoryError(f"{name!r} is not a version name preserve uses (v1, v2 ...)")
    return int(match.group(1))


def parse(data: bytes, identifier: str) -> dict:
    """An inventory read from disk, checked enough to extend it; InventoryError otherwise."""
    try:
        inv = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InventoryError(f"not JSON ({exc})") from None
    if not isinstance(inv, dict):
        raise InventoryError("not a JSON object")
    if inv.get("id") != identifier:
        raise InventoryError(f"its id is {inv.get('id')!r}, not {identifier!r}")
    if inv.get("digestAlgorithm") != DIGEST:
        raise InventoryError(f"its digestAlgorithm is {inv.get('digestAlgorithm')!r}; preserve extends sha512 ones")
    if inv.get("contentDirectory", CONTENT) != CONTENT:
        raise InventoryError("it names another contentDirectory than 'content'")
    versions, manifest, head = inv.get("versions"), inv.get("manifest"), inv.get("head")
    if not isinstance(versions, dict) or not isinstance(manifest, dict) or not isinstance(head, str) \
            or head not in versions:
        raise InventoryError("no head version, versions or manifest")
    for name, version in versions.items():
        state = version.get("state") if isinstance(version, dict) else None
        if not isinstance(state, dict) or not all(isinstance(p, list) and all(isinstance(x, str) for x in p)
                                                  for p in state.values()):
            raise InventoryError(f"version {name} has no state of digests and paths")
    numbers = sorted(version_number(name) for name in versions)
    if numbers != list(range(1, len(numbers) + 1)) or version_number(inv["head"]) != len(numbers):
        raise InventoryError("its versions are not v1..head")
    fixity = inv.get("fixity", {})
    if not isinstance(fixity, dict) or not all(
            isinstance(t, dict) and all(isinstance(p, list) and all(isinstance(x, str) for x in p) for p in t.values())
            for t in fixity.values()):
        raise InventoryError("its fixity block is not algorithm -> digest -> paths")
    for digest, paths in manifest.items():
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            raise InventoryError(f"the manifest entry of {digest[:16]}... is not a list of paths")
    return inv


def head_state(inv: Mapping | None) -> dict[str, str]:
    """The head version's logical path -> sha512 (lower case); empty for no inventory."""
    if not inv:
        return {}
    state = inv["versions"][inv["head"]].get("state") or {}
    return {path: digest.lower() for digest, paths in state.items() for path in paths}


def head_number(inv: Mapping | None) -> int:
    """The head version's number, 0 for no inventory."""
    return version_number(inv["head"]) if inv else 0


def manifest_paths(inv: Mapping | None) -> dict[str, str]:
    """sha512 -> the first content path that holds it (where a version finds existing content)."""
    if not inv:
        return {}
    return {digest.lower(): paths[0] for digest, paths in inv["manifest"].items()}


def known_fixity(inv: Mapping | None) -> dict[str, dict[str, str]]:
    """sha512 -> {OCFL fixity algorithm: hex} the inventory records for that content."""
    out: dict[str, dict[str, str]] = {}
    if not inv:
        return out
    by_path = {path: digest.lower() for digest, paths in inv["manifest"].items() for path in paths}
    for algorithm, table in (inv.get("fixity") or {}).items():
        for hexdigest, paths in table.items():
            for path in paths:
                if path in by_path:
                    out.setdefault(by_path[path], {})[algorithm] = hexdigest.lower()
    return out


def digest_of(path: str, digests: Mapping[str, str], head: Mapping[str, str],
              fixity: Mapping[str, Mapping[str, str]]) -> str | None:
    """The sha512 of a bag file when known: given, or the head's when another digest matches its fixity.

    ``head``: :func:`head_state`; ``fixity``: :func:`known_fixity` of the same inventory.
    """
    if "sha512" in digests:
        return digests["sha512"]
    digest = head.get(path)
    if digest is None:
        return None
    recorded = fixity.get(digest, {})
    common = [a for a in digests if FIXITY_NAMES.get(a) in recorded]
    if common and all(recorded[FIXITY_NAMES[a]] == digests[a] for a in common):
        return digest
    return None


def same_as_head(known: Mapping[str, Mapping[str, str]], listed: set[str], inv: Mapping, *,
                 complete: bool = True) -> bool | None:
    """True when the bag holds the head version's paths and digests, False when not, None when unknown.

    ``known``: the bag's digests by path; ``listed``: its files (``complete``: every file of
    the bag, as a folder gives them; else only those with digests, as an archive's may be).
    """
    head = head_state(inv)
    fixity = known_fixity(inv)
    unknown = not complete and listed != set(head)
    if (complete and listed != set(head)) or not listed <= set(head):
        return False if listed else None
    for path in listed:
        digest = digest_of(path, known.get(path, {}), head, fixity)
        if digest is None:
            if "sha512" in known.get(path, {}):
                return False
            unknown = True
        elif digest != head[path]:
            return False
    return None if unknown else True


def next_inventory(previous: Mapping | None, identifier: str, state: Mapping[str, str],
                   new_content: Mapping[str, str], fixity: Mapping[str, Mapping[str, str]], created: str) -> dict:
    """The inventory with one more version.

    ``state``: the new version's logical path -> sha512; ``new_content``: content path (under
    the new version) -> sha512 for the files this version stores; ``fixity``: content path ->
    {OCFL algorithm: hex} of those files. Earlier versions, manifest and fixity are kept.
    """
    number = head_number(previous) + 1
    name = version_name(number)
    manifest: dict[str, list[str]] = {d: list(p) for d, p in (previous or {}).get("manifest", {}).items()}
    for path, digest in sorted(new_content.items()):
        manifest.setdefault(digest, []).append(path)
    table: dict[str, dict[str, list[str]]] = {a: {d: list(p) for d, p in t.items()}
                                              for a, t in ((previous or {}).get("fixity") or {}).items()}
    for path, digests in sorted(fixity.items()):
        for algorithm, hexdigest in digests.items():
            table.setdefault(algorithm, {}).setdefault(hexdigest.lower(), []).append(path)
    by_digest: dict[str, list[str]] = {}
    for path, digest in sorted(state.items()):
        by_digest.setdefault(digest, []).append(path)
    versions = dict((previous or {}).get("versions", {}))
    versions[name] = {"created": created, "message": MESSAGE, "user": dict(USER), "state": by_digest}
    inv = {"id": identifier, "type": INVENTORY_TYPE, "digestAlgorithm": DIGEST, "head": name,
           "contentDirectory": CONTENT, "manifest": manifest, "versions": versions}
    if table:
        inv["fixity"] = table
    return inv


def encode(inv: Mapping) -> bytes:
    """The inventory's bytes as written (UTF-8 JSON, §3.5: "MUST be ... JSON")."""
    return (json.dumps(inv, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sidecar(data: bytes) -> tuple[str, bytes]:
    """The inventory's sha512 and its sidecar file (§3.6: "digest, whitespace, inventory.json")."""
    digest = hashlib.sha512(data).hexdigest()
    return digest, f"{digest} {INVENTORY}\n".encode()


def sidecar_digest(data: bytes) -> str:
    """The digest a sidecar file states; InventoryError when it states none."""
    first = data.decode("ascii", "replace").split()
    if len(first) != 2 or first[1] != INVENTORY or not _HEX.match(first[0].lower()):
        raise InventoryError(f"{SIDECAR} does not hold one sha512 digest of {INVENTORY}")
    return first[0].lower()
