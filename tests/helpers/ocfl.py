"""OCFL judges for the deposit tests: ocfl-py's validators (root and object by object), checkout, bags to deposit.

ocfl-py does not know the 0004-hashed-n-tuple-storage-layout; :class:`Layout0004` teaches it
(an implementation independent of preserve's, from the extension's text), so its storage-root
validation can run. Its storage-root validation passes a root holding a corrupt object, so
:func:`root_errors` also validates every object one by one and checks each object's path.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from preserve.bag.writer import BagBuilder
from preserve.deposit.target import BagToDeposit

ocfl = pytest.importorskip("ocfl", reason="ocfl-py is not installed (pip install ocfl-py)")
from ocfl.layout import Layout
from ocfl.layout_registry import add_layout
from ocfl.storage_root import StorageRoot
from ocfl.validator import Validator

NAME_0004 = "0004-hashed-n-tuple-storage-layout"


class Layout0004(Layout):
    """0004-hashed-n-tuple-storage-layout for ocfl-py: digest of the id, tuples, then the digest."""

    def __init__(self) -> None:
        self.NAME = NAME_0004
        self.DESCRIPTION = "Hashed N-tuple Storage Layout"
        self.digest_algorithm, self.tuple_size, self.number_of_tuples, self.short = "sha256", 3, 3, False
        self.PARAMS = {"digestAlgorithm": self._set("digest_algorithm", "sha256"),
                       "tupleSize": self._set("tuple_size", 3), "numberOfTuples": self._set("number_of_tuples", 3),
                       "shortObjectRoot": self._set("short", False)}

    def _set(self, attr: str, default):
        def setter(value) -> None:
            setattr(self, attr, default if value is None else value)
        return setter

    def identifier_to_path(self, identifier: str) -> str:
        digest = hashlib.new(self.digest_algorithm, identifier.encode("utf-8")).hexdigest()
        n, k = self.tuple_size, self.number_of_tuples
        tuples = [digest[i * n:(i + 1) * n] for i in range(k)]
        return "/".join([*tuples, digest[n * k:] if self.short else digest])


add_layout(NAME_0004, Layout0004)


def object_errors(path: Path) -> list[str]:
    """ocfl-py's errors for one object (empty: valid)."""
    validator = Validator(check_digests=True, log_warnings=False)
    if validator.validate_object(str(path)):
        return []
    return [str(validator.log)]


def object_dirs(root: Path) -> list[Path]:
    """Every folder of the root (extensions aside) that declares an OCFL object."""
    found = []
    for dirpath, dirs, files in os.walk(root):
        if Path(dirpath) == root and "extensions" in dirs:
            dirs.remove("extensions")
        if "0=ocfl_object_1.1" in files:
            found.append(Path(dirpath))
            dirs.clear()
    return sorted(found)


def root_errors(root: Path) -> list[str]:
    """ocfl-py's storage-root validation, every object validated alone, each object where 0004 puts it."""
    store = StorageRoot(root=str(root))
    errors = [] if store.validate(validate_objects=True, check_digests=True) else [f"root: {store.log}"]
    layout = Layout0004()
    for obj in object_dirs(root):
        errors += [f"{obj}: {e}" for e in object_errors(obj)]
        ident = json.loads((obj / "inventory.json").read_text(encoding="utf-8"))["id"]
        if obj.relative_to(root).as_posix() != layout.identifier_to_path(ident):
            errors.append(f"{obj}: not where 0004 puts {ident!r}")
    return errors


def inventory(obj: Path) -> dict:
    """An object's root inventory."""
    return json.loads((obj / "inventory.json").read_text(encoding="utf-8"))


def checkout(obj: Path, version: str | None, dest: Path) -> Path:
    """Copy a version's logical state (the head when None) to dest, as any OCFL client would."""
    inv = inventory(obj)
    state = inv["versions"][version or inv["head"]]["state"]
    for digest, paths in state.items():
        source = obj / inv["manifest"][digest][0]
        for logical in paths:
            (dest / logical).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest / logical)
    return dest


def make_bag(dest: Path, files: dict[str, bytes], algorithms=("sha256", "sha512"), **kwargs) -> Path:
    """A bag at dest (a folder, or an archive with ``serialize=``) holding these payload files."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with BagBuilder(dest, algorithms, **kwargs) as bag:
        for rel, data in files.items():
            bag.add_bytes(rel, data)
        bag.finish([("External-Identifier", dest.name.split(".")[0])])
    return dest


def to_deposit(path: Path, identifier: str | None = None, digests: dict | None = None) -> BagToDeposit:
    """A BagToDeposit for a bag path (a folder or a .tar / .tar.gz / .zip)."""
    name = path.name.split(".")[0]
    serialization = None
    for ext in ("tar.gz", "tar", "zip"):
        if path.name.endswith("." + ext):
            serialization = ext
            break
    return BagToDeposit(path=path, name=name, identifier=identifier or name, serialization=serialization,
                        digests=digests or {})


def bag_digests(bag: Path) -> dict[str, dict[str, str]]:
    """Every file's digests as a verification gives them: the manifests' and tag manifests' entries."""
    out: dict[str, dict[str, str]] = {}
    for manifest in sorted(bag.glob("*manifest-*.txt")):
        algorithm = manifest.stem.split("-", 1)[1]
        for line in manifest.read_text(encoding="utf-8").splitlines():
            digest, _, path = line.partition(" ")
            out.setdefault(path.strip(), {})[algorithm] = digest
    for manifest in sorted(bag.glob("tagmanifest-*.txt")):  # listed nowhere: verification hashes them itself
        data = manifest.read_bytes()
        out.setdefault(manifest.name, {}).update({a: hashlib.new(a, data).hexdigest() for a in ("sha256", "sha512")})
    return out
