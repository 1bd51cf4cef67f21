"""The proof of an OCFL deposit: every file of the new head version read back from disk and re-hashed.

Each content file the head version's state names is read once (the one verification read of a
deposit) and hashed with sha512, compared with the inventory's digest and with the bag's own
digests from its verification (sha512, or another algorithm the bag gives where it gave no
sha512). It runs on the version as built, before it is put in place, so a version that does
not prove intact never becomes visible; the files are the very ones (same inodes) the storage
root holds after the rename.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from preserve.deposit import ocfl_inventory as inventory
from preserve.fixity import copy_and_hash_many, open_regular

CHUNK = 1 << 20


class ProofError(Exception):
    """The version did not prove intact (the message says which file and how)."""


def prove_version(bases: Sequence[Path], inv: Mapping, bag_digests: Mapping[str, Mapping[str, str]], *,
                  jobs: int | None = None) -> None:
    """Re-hash every content file of inv's head version; ProofError at the first difference.

    ``bases``: folders to look for content paths in, in order (the object being built, then
    the object in place, whose older content the new version may reuse).
    """
    state = inventory.head_state(inv)
    where = inventory.manifest_paths(inv)
    given = {path: {a.lower(): h.lower() for a, h in d.items()} for path, d in bag_digests.items()}
    # other algorithms only for files the bag gave no sha512 for (their sha512 came from the copy)
    others = sorted({a for d in given.values() if "sha512" not in d for a in d
                     if a in inventory.FIXITY_NAMES and a != "sha512"})
    digests = sorted(set(state.values()))
    try:
        files = [_find(bases, where[d]) for d in digests]
        results = copy_and_hash_many([(f, None) for f in files], ("sha512", *others), jobs=jobs)
    except (OSError, KeyError) as exc:
        raise ProofError(f"cannot read its content back ({exc})") from None
    found = dict(zip(digests, results))
    for path, digest in sorted(state.items()):
        fx = found[digest]
        if fx.digests["sha512"] != digest:
            raise ProofError(f"{path} reads back with another sha512 than the inventory and the bag's "
                             "verification state (was the bag changed since?)")
        for algorithm, expected in given.get(path, {}).items():
            got = fx.digests.get(algorithm)
            if got is not None and got != expected:
                raise ProofError(f"{path} reads back with another {algorithm} than the bag's")
    if given:  # the version is the bag as verified: no file more, no file less (RFC 8493 §3: a valid bag)
        missing = sorted(set(given) - set(state))
        if missing:
            raise ProofError(f"{missing[0]} of the bag is missing from the version")
        extra = sorted(set(state) - set(given))
        if extra:
            raise ProofError(f"{extra[0]} is in the version but not among the bag's verified files "
                             "(was the bag changed since it was verified?)")


def _find(bases: Sequence[Path], content_path: str) -> Path:
    for base in bases:
        candidate = base / content_path
        if os.path.lexists(candidate):
            return candidate
    raise FileNotFoundError(f"{content_path} is in none of the object's folders")


def read_bounded(path: Path, limit: int) -> bytes:
    """A regular file's bytes (safe open: no symlink, no FIFO), OSError when larger than limit."""
    fd, st = open_regular(path)
    try:
        if st.st_size > limit:
            raise OSError(f"{path.name} is larger than {limit} bytes")
        chunks, total = [], 0
        while chunk := os.read(fd, CHUNK):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise OSError(f"{path.name} is larger than {limit} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)
