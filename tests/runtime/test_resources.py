"""A full disk, a read-only output, a file-size limit: a clear error and nothing partial.

CI runs as root, so chmod cannot make a folder read-only: the failures are injected instead
(os.write / os.open / os.mkdir raising ENOSPC or EROFS at the Nth call, in-process) or made
real with RLIMIT_FSIZE in a subprocess (writes past the limit fail with EFBIG).
"""
from __future__ import annotations

import errno
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

import preserve.bag.writer
from preserve.pipeline import BagOptions, bag_collection
from preserve.errors import InputError
from preserve.verify.checks import verify_bag
from helpers.runs import bags_in, staging_in


#: failures are injected into this process, so it bags here (no worker processes)
HERE = BagOptions(jobs=1)


def _fail_after(real, n: int, err: int, only=lambda *a: True):
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        if only(*args):
            calls["n"] += 1
            if calls["n"] >= n:
                raise OSError(err, os.strerror(err))
        return real(*args, **kwargs)

    wrapper.calls = calls
    return wrapper


def _assert_nothing_partial(out: Path, ok_names: list[str]) -> None:
    assert staging_in(out) == []
    assert bags_in(out) == sorted(ok_names)
    for name in ok_names:
        assert verify_bag(out / name).ok


@pytest.mark.parametrize("nth", [1, 5, 40])
def test_disk_full_midway_fails_cleanly(collection: Path, tmp_path: Path, tree_digest, monkeypatch, nth: int) -> None:
    before = tree_digest(collection)
    out = tmp_path / "bags"
    monkeypatch.setattr(os, "write", _fail_after(os.write, nth, errno.ENOSPC))
    result = bag_collection(collection, out, HERE)
    monkeypatch.undo()
    failed = [o for o in result.outcomes if o.status == "failed"]
    assert failed and result.exit_code == 1
    for o in failed:
        assert "No space left on device" in o.message and str(o.path) in o.message and "\n" not in o.message
    _assert_nothing_partial(out, [o.release_id for o in result.outcomes if o.ok])
    assert tree_digest(collection) == before
    again = bag_collection(collection, out, HERE)  # space freed: the next run completes
    assert again.exit_code == 0 and staging_in(out) == []
    assert all(verify_bag(out / o.release_id).ok for o in again.outcomes)


def test_fsync_failure_leaves_nothing(collection: Path, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "bags"
    monkeypatch.setattr(os, "fsync", _fail_after(os.fsync, 3, errno.EIO))
    result = bag_collection(collection, out, HERE)
    monkeypatch.undo()
    assert result.exit_code == 1
    _assert_nothing_partial(out, [o.release_id for o in result.outcomes if o.ok])


def test_read_only_output_from_the_start(collection: Path, tmp_path: Path, tree_digest, monkeypatch) -> None:
    out = tmp_path / "bags"
    out.mkdir()
    before = tree_digest(collection)
    inside = lambda path, *a: str(path).startswith(str(out))  # noqa: E731
    monkeypatch.setattr(os, "open", _fail_after(os.open, 1, errno.EROFS, inside))
    monkeypatch.setattr(os, "mkdir", _fail_after(os.mkdir, 1, errno.EROFS, inside))
    with pytest.raises(InputError, match="Read-only file system.*writable --out"):
        bag_collection(collection, out, HERE)
    monkeypatch.undo()
    assert list(out.iterdir()) == []
    assert tree_digest(collection) == before


def test_output_turns_read_only_midway(collection: Path, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "bags"

    def inside(path, flags=0, *a) -> bool:  # opening for writing inside OUT (reads still work)
        return str(path).startswith(str(out)) and bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
    monkeypatch.setattr(os, "open", _fail_after(os.open, 12, errno.EROFS, inside))
    result = bag_collection(collection, out, HERE)
    monkeypatch.undo()
    failed = [o for o in result.outcomes if not o.ok]
    assert failed and result.exit_code == 1
    assert all("Read-only file system" in o.message and "writable --out" in o.message for o in failed)
    _assert_nothing_partial(out, [o.release_id for o in result.outcomes if o.ok])


def test_rename_failure_keeps_old_bag(collection: Path, tmp_path: Path, monkeypatch) -> None:
    """--force replacement that fails at the swap: the old bag stays whole at its path."""
    out = tmp_path / "bags"
    assert bag_collection(collection, out, HERE).exit_code == 0
    (collection / "alpha.txt").write_text("Alpha release, second edition\n\nIssued 4 March 2017.\n")
    old = (out / "alpha" / "bag-info.txt").read_bytes()
    monkeypatch.setattr(preserve.bag.writer, "exchange_paths", lambda a, b: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    result = bag_collection(collection, out, BagOptions(force=True, jobs=1))
    monkeypatch.undo()
    assert {o.release_id: o.status for o in result.outcomes}["alpha"] == "failed"
    assert (out / "alpha" / "bag-info.txt").read_bytes() == old and verify_bag(out / "alpha").ok
    assert staging_in(out) == []


def test_killed_during_fallback_replacement_restores_old_bag(tmp_path: Path) -> None:
    """A retired (moved-aside) bag whose replacement never arrived is put back, not deleted."""
    from preserve.bag.writer import BagBuilder, remove_stale_staging
    dest = tmp_path / "one"
    with BagBuilder(dest, ("sha256",), fsync=False) as b:
        b.add_bytes("x.txt", b"x")
        b.finish([])
    retired = tmp_path / ".one.preserve-retired-0123abcd"
    os.rename(dest, retired)  # what a kill between the two renames leaves
    stale = tmp_path / ".one.preserve-staging-1-deadbeef"
    stale.mkdir()
    assert remove_stale_staging(tmp_path) == [stale]
    assert verify_bag(dest).ok and not retired.exists()


def _fsize_limit(limit: int):
    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return set_limit


def test_file_size_limit_in_a_subprocess(tmp_path: Path, tree_digest) -> None:
    # binary releases only (described in metadata.csv): no language model is unpacked to a temp file
    src = tmp_path / "src"
    src.mkdir()
    (src / "preserve.toml").write_text('rights = "Public domain (CC0 1.0)"\n', encoding="utf-8")
    sizes = {"small1.bin": 50 << 10, "large2.bin": 512 << 10, "small3.bin": 60 << 10, "large4.bin": 400 << 10}
    for name, size in sizes.items():
        (src / name).write_bytes(os.urandom(size))
    (src / "metadata.csv").write_text("filename,dc.language,dc.type,dc.title\n" + "".join(
        f"{name},zxx,Dataset,Data file {name}\n" for name in sizes), encoding="utf-8")
    before = tree_digest(src)
    out = tmp_path / "bags"
    res = subprocess.run([sys.executable, "-m", "preserve", "bag", str(src), "--out", str(out), "--quiet"],
                         capture_output=True, text=True, timeout=300, preexec_fn=_fsize_limit(300 << 10))
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 2 and all("not bagged" in line and "File too large" in line for line in lines), res.stderr
    assert staging_in(out) == []
    assert bags_in(out) == ["small1", "small3"]
    assert all(verify_bag(out / name).ok for name in bags_in(out))
    assert tree_digest(src) == before
    res = subprocess.run([sys.executable, "-m", "preserve", "bag", str(src), "--out", str(out), "--quiet"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert len(bags_in(out)) == 4 and staging_in(out) == []
