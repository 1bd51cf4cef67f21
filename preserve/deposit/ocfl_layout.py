"""The OCFL storage root's layout: extension 0004-hashed-n-tuple-storage-layout, read, checked and written.

Fedora 6 lays out its OCFL storage root with this community extension and its default
parameters (sha256, tupleSize 3, numberOfTuples 3, shortObjectRoot false): an object's path is
the digest of its id cut into tuples, then the whole digest, e.g. ``object-01`` ->
``3c0/ff4/240/3c0ff4240c1e116dba14c7627f2319b58aa3d77606d0d90dfc6161608ac987d4``. The root names
its layout in ``ocfl_layout.json`` (OCFL 1.1 §4 "OCFL Storage Root": its layout file) and keeps
the parameters in ``extensions/0004-hashed-n-tuple-storage-layout/config.json``. Pure functions
except :func:`read_layout` (reads the two files, boundedly).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from preserve.errors import InputError

NAME = "0004-hashed-n-tuple-storage-layout"
DESCRIPTION = ("Hashed N-tuple Storage Layout: the object's path is its id's digest cut into tuples, "
               "then the whole digest (OCFL community extension 0004)")
#: the layout declaration and the extension's parameters
LAYOUT_FILE = "ocfl_layout.json"
CONFIG_FILE = f"extensions/{NAME}/config.json"
#: the digest algorithms the extension allows ("digestAlgorithm": any from OCFL's table or 0001)
_DIGESTS = {"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha512": "sha512", "blake2b-512": "blake2b"}
#: a layout or config file larger than this is not one (read boundedly)
MAX_CONFIG_BYTES = 64 << 10


@dataclass(frozen=True)
class HashedNTuple:
    """The 0004 layout's parameters (defaults: the extension's, which Fedora 6 uses)."""

    digest_algorithm: str = "sha256"
    tuple_size: int = 3
    number_of_tuples: int = 3
    short_object_root: bool = False

    def __post_init__(self) -> None:
        # 0004 "Parameters": the constraints the extension states on each
        if self.digest_algorithm not in _DIGESTS:
            raise ValueError(f"digestAlgorithm {self.digest_algorithm!r} is not one 0004 allows")
        size = len(hashlib.new(_DIGESTS[self.digest_algorithm]).hexdigest())
        if not 0 <= self.tuple_size <= 32 or not 0 <= self.number_of_tuples <= 32:
            raise ValueError("tupleSize and numberOfTuples must be 0..32")
        if (self.tuple_size == 0) != (self.number_of_tuples == 0):
            raise ValueError("tupleSize and numberOfTuples must both be 0 or both be positive")
        used = self.tuple_size * self.number_of_tuples
        if used > size or (self.short_object_root and used >= size):
            raise ValueError(f"{self.number_of_tuples} tuples of {self.tuple_size} do not fit a "
                             f"{self.digest_algorithm} digest of {size} characters")

    def object_path(self, identifier: str) -> str:
        """The object's path relative to the storage root (0004 "Procedure")."""
        digest = hashlib.new(_DIGESTS[self.digest_algorithm], identifier.encode("utf-8")).hexdigest()
        cut = self.tuple_size * self.number_of_tuples
        tuples = [digest[i * self.tuple_size:(i + 1) * self.tuple_size] for i in range(self.number_of_tuples)]
        last = digest[cut:] if self.short_object_root else digest
        return "/".join([*tuples, last])

    def config(self) -> dict:
        """The extension's config.json content."""
        return {"extensionName": NAME, "digestAlgorithm": self.digest_algorithm, "tupleSize": self.tuple_size,
                "numberOfTuples": self.number_of_tuples, "shortObjectRoot": self.short_object_root}


def layout_json() -> bytes:
    """ocfl_layout.json naming this layout (OCFL 1.1, the storage root's layout file: "extension", "description")."""
    return (json.dumps({"extension": NAME, "description": DESCRIPTION}, indent=2) + "\n").encode()


def config_json(layout: HashedNTuple) -> bytes:
    """The extension's config.json for these parameters."""
    return (json.dumps(layout.config(), indent=2) + "\n").encode()


def parse_config(data: bytes) -> HashedNTuple:
    """The parameters in a config.json (missing ones take the defaults); ValueError if invalid."""
    doc = json.loads(data.decode("utf-8"))
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")  # noqa: TRY004 - bad content, not a caller's type
    if doc.get("extensionName", NAME) != NAME:
        raise ValueError(f"extensionName is {doc.get('extensionName')!r}, not {NAME}")
    kinds = {"digestAlgorithm": str, "tupleSize": int, "numberOfTuples": int, "shortObjectRoot": bool}
    for key, kind in kinds.items():
        value = doc.get(key)
        if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            raise ValueError(f"{key} must be a {kind.__name__}")
    default = HashedNTuple()
    return HashedNTuple(doc.get("digestAlgorithm", default.digest_algorithm), doc.get("tupleSize", default.tuple_size),
                        doc.get("numberOfTuples", default.number_of_tuples),
                        doc.get("shortObjectRoot", default.short_object_root))


def _read_small(path: Path) -> bytes:
    """A regular file's bytes, at most MAX_CONFIG_BYTES (never through a symlink)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        data = os.read(fd, MAX_CONFIG_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise ValueError(f"larger than {MAX_CONFIG_BYTES} bytes")
    return data


def read_layout(root: Path, where: str) -> HashedNTuple:
    """The layout of an existing storage root; InputError (one line) for any other or a broken one.

    ``where`` names the target in messages. A root without ocfl_layout.json has no declared
    layout (OCFL 1.1 makes the file optional), so preserve cannot know where objects go.
    """
    try:
        declared = json.loads(_read_small(root / LAYOUT_FILE).decode("utf-8"))
    except FileNotFoundError:
        raise InputError(f"{where}: the storage root declares no layout ({LAYOUT_FILE} is missing); "
                         f"preserve deposits only into roots laid out with {NAME}") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{where}: cannot read {LAYOUT_FILE} ({exc}); repair it or choose another root") from None
    name = declared.get("extension") if isinstance(declared, dict) else None
    if name != NAME:
        raise InputError(f"{where}: the storage root uses the layout {name!r}, not {NAME}; "
                         "preserve cannot deposit into it; choose another root") from None
    try:
        return parse_config(_read_small(root / CONFIG_FILE))
    except FileNotFoundError:
        return HashedNTuple()  # every 0004 parameter has a default; no config.json: the defaults
    except (OSError, ValueError) as exc:
        raise InputError(f"{where}: {CONFIG_FILE} is not a valid {NAME} config ({exc}); "
                         "repair it or choose another root") from None
