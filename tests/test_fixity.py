"""The hashing engine: one read, every algorithm, copies byte-identical, never follows links."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from preserve.errors import InputError
from preserve.fixity import (copy_and_hash, copy_and_hash_many, hash_bytes, normalise_algorithm,
                             normalise_algorithms)


@pytest.mark.parametrize("split", [False, True])
def test_copy_and_hash_matches_hashlib(tmp_path: Path, split: bool) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    src, dest = tmp_path / "src", tmp_path / "dest"
    src.write_bytes(data)
    fx = copy_and_hash(src, dest, ["md5", "sha256", "sha512"], split=split)
    assert dest.read_bytes() == data
    assert fx.size == len(data)
    for alg in ("md5", "sha256", "sha512"):
        assert fx.digests[alg] == hashlib.new(alg, data).hexdigest()


def test_many_in_parallel_keeps_order(tmp_path: Path) -> None:
    pairs = []
    for i in range(20):
        p = tmp_path / f"f{i}"
        p.write_bytes(os.urandom(i * 1000))
        pairs.append((p, None))
    results = copy_and_hash_many(pairs, ["sha256"], jobs=4)
    assert [r.digests["sha256"] for r in results] == [hashlib.sha256(p.read_bytes()).hexdigest() for p, _ in pairs]


def test_never_follows_symlink_or_opens_fifo(tmp_path: Path) -> None:
    (tmp_path / "real").write_text("x")
    os.symlink(tmp_path / "real", tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(OSError):
        copy_and_hash(tmp_path / "link", None, ["sha256"])
    with pytest.raises(OSError):
        copy_and_hash(tmp_path / "fifo", None, ["sha256"])


def test_source_is_opened_read_only(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.write_text("keep me")
    src.chmod(0o444)
    before = os.stat(src)
    copy_and_hash(src, tmp_path / "d", ["sha256"])
    after = os.stat(src)
    assert (before.st_mtime_ns, before.st_mode, before.st_size) == (after.st_mtime_ns, after.st_mode, after.st_size)


def test_algorithm_names() -> None:
    assert normalise_algorithm("SHA-256") == "sha256"
    assert normalise_algorithms(["md5", "MD5", "sha512"]) == ("md5", "sha512")
    with pytest.raises(InputError, match="unknown checksum algorithm 'crc32'"):
        normalise_algorithm("crc32")
    assert hash_bytes(b"abc", ["sha256"]).digests["sha256"] == hashlib.sha256(b"abc").hexdigest()
