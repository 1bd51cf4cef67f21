"""The one table of digest algorithms: hashlib's name, hex length, and the names standards give them.

Every stage takes algorithm facts from here: the bag writer and reader (manifest names and
digest lengths, RFC 8493 §2.1.3 and §2.4), PREMIS (``messageDigestAlgorithm``, the Library of
Congress cryptographic hash function vocabulary), METS (``CHECKSUMTYPE``) and the hashing engine
(:func:`new_hasher`).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from preserve.errors import InputError


@dataclass(frozen=True)
class Algorithm:
    """A digest algorithm preserve can compute."""

    name: str         # hashlib's name, also the manifest-<name>.txt name preserve writes
    hex_length: int   # length of its hex digest
    label: str        # the LoC vocabulary label (PREMIS messageDigestAlgorithm)
    mets: str | None  # METS 1.12 CHECKSUMTYPE enumeration value; None where METS has none


ALGORITHMS: dict[str, Algorithm] = {a.name: a for a in (
    Algorithm("md5", 32, "MD5", "MD5"),
    Algorithm("sha1", 40, "SHA-1", "SHA-1"),
    Algorithm("sha224", 56, "SHA-224", None),
    Algorithm("sha256", 64, "SHA-256", "SHA-256"),
    Algorithm("sha384", 96, "SHA-384", "SHA-384"),
    Algorithm("sha512", 128, "SHA-512", "SHA-512"),
    Algorithm("sha3_224", 56, "SHA3-224", None),
    Algorithm("sha3_256", 64, "SHA3-256", None),
    Algorithm("sha3_384", 96, "SHA3-384", None),
    Algorithm("sha3_512", 128, "SHA3-512", None),
    Algorithm("blake2b", 128, "BLAKE2b-512", None),
    Algorithm("blake2s", 64, "BLAKE2s-256", None),
)}
SUPPORTED_ALGORITHMS: tuple[str, ...] = tuple(ALGORITHMS)
DEFAULT_ALGORITHMS: tuple[str, ...] = ("sha256", "sha512")

# hashlib.new(name) looks the name up each call; the named constructors are faster.
_CONSTRUCTORS: dict[str, Callable[[], hashlib._Hash]] = {}


def new_hasher(name: str) -> hashlib._Hash:
    """A fresh hashlib object for an algorithm named as hashlib names it."""
    ctor = _CONSTRUCTORS.get(name)
    if ctor is None:
        ctor = getattr(hashlib, name, None) or (lambda a=name: hashlib.new(a))
        _CONSTRUCTORS[name] = ctor
    return ctor()


#: hashlib's names that hold an underscore, by how they read without it ('sha3256' -> 'sha3_256')
_UNDERSCORED = {name.replace("_", ""): name for name in ALGORITHMS if "_" in name}


def algorithm_key(name: str) -> str:
    """hashlib's spelling of a name as people and manifests write it ('SHA-256', 'sha3-256').

    Case and hyphens do not matter, and the underscore of hashlib's sha3 names may be left out
    ('SHA3-256', 'sha3256'); an underscore elsewhere is kept ('sha_256' is not sha256).
    """
    key = name.strip().lower().replace("-", "")
    return _UNDERSCORED.get(key, key)


def normalise_algorithm(name: str) -> str:
    """Map 'SHA-256', 'sha256' etc. to hashlib's name; raise InputError if unsupported."""
    key = algorithm_key(name)
    if key not in ALGORITHMS:
        raise InputError(
            f"unknown checksum algorithm {name!r}; choose from {', '.join(SUPPORTED_ALGORITHMS)}"
        )
    return key


def normalise_algorithms(names: Iterable[str]) -> tuple[str, ...]:
    """Deduplicate and validate algorithm names, keeping their order."""
    out: list[str] = []
    for name in names:
        key = normalise_algorithm(name)
        if key not in out:
            out.append(key)
    return tuple(out) or DEFAULT_ALGORITHMS
