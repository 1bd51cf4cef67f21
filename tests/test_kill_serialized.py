"""Crash safety of serialized bags: a process writing an archive killed (SIGKILL) at random moments.

After every kill the final path holds nothing, the complete old archive, or the complete new
one (byte for byte what an uninterrupted run writes), and remove_stale_staging leaves nothing
stray. Ctrl-C (SIGINT) stops the write and removes its staging file itself.
"""
from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import bagit
import pytest

from preserve.bag.serialize import archive_name, serialize_bag
from preserve.bag.writer import is_staging_name, remove_stale_staging

from helpers.serialized import extract

SCRIPT = ("import sys\n"
          "from preserve.bag.serialize import serialize_bag\n"
          "print('ready', flush=True)\n"
          "serialize_bag(sys.argv[1], sys.argv[2], replace=True)\n")
#: payload per format: enough that a write takes a while, little enough that the test stays short
SIZES = {"tar": 48 << 20, "tar.gz": 6 << 20, "zip": 6 << 20}
KILLS = 10


def make_bag(folder: Path, size: int, seed: int) -> Path:
    """A valid bag folder: one large file, some small ones, an empty folder."""
    rnd = random.Random(seed)
    data = folder / "data"
    (data / "sub").mkdir(parents=True)
    (data / "empty").mkdir()
    files = {"data/big.bin": rnd.randbytes(size)}
    for i in range(40):
        files[f"data/sub/small{i:02d}.txt"] = f"small file {i} of bag {seed}\n".encode() * (i + 1)
    for rel, content in files.items():
        (folder / rel).write_bytes(content)
    manifest = "".join(f"{hashlib.sha256(c).hexdigest()}  {rel}\n" for rel, c in sorted(files.items()))
    (folder / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    (folder / "manifest-sha256.txt").write_text(manifest)
    return folder


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def start(folder: Path, dest: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(folder), str(dest)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    return proc


def staging_files(out: Path) -> list[str]:
    return [n for n in os.listdir(out) if is_staging_name(n)]


@pytest.mark.parametrize("fmt", ["tar", "tar.gz", "zip"])
def test_sigkill_at_random_moments_leaves_old_or_new_archive_or_nothing(tmp_path: Path, fmt: str) -> None:
    old_bag = make_bag(tmp_path / "old", SIZES[fmt], 1)
    new_bag = make_bag(tmp_path / "new", SIZES[fmt], 2)
    refs = tmp_path / "refs"
    refs.mkdir()
    old = digest(serialize_bag(old_bag, refs / archive_name("old", fmt), top="b"))  # type: ignore[arg-type]
    new = digest(serialize_bag(new_bag, refs / archive_name("new", fmt), top="b"))  # type: ignore[arg-type]
    out = tmp_path / "out"
    out.mkdir()
    dest = out / archive_name("b", fmt)  # type: ignore[arg-type]

    began = time.monotonic()  # how long one uninterrupted write takes, from 'ready'
    start(new_bag, dest).communicate(timeout=60)
    whole = time.monotonic() - began
    assert digest(dest) == new
    bagit.Bag(str(extract(dest, tmp_path / "x"))).validate()  # what a run writes is a valid bag
    dest.unlink()

    rnd = random.Random(fmt)
    outcomes = []
    for i in range(KILLS):
        if i % 3 == 2:
            serialize_bag(old_bag, dest, top="b", replace=True)  # a complete archive the run replaces
        proc = start(new_bag, dest)
        if i % 2:  # once the staging file is there, then a little later
            deadline = time.monotonic() + 30
            while not staging_files(out) and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(rnd.uniform(0, whole / 2))
        else:
            time.sleep(rnd.uniform(0, whole))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        assert proc.returncode in (-signal.SIGKILL, 0)
        final = digest(dest) if dest.exists() else None
        assert final in (None, old, new), "something partial at the final path"
        outcomes.append((final == new, bool(staging_files(out))))
        remove_stale_staging(out)
        assert os.listdir(out) in ([], [dest.name])
        if dest.exists():
            dest.unlink()
    assert any(stray for _, stray in outcomes), "no kill landed while the archive was being written"


def test_ctrl_c_removes_the_staging_file_itself(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "bag", 6 << 20, 3)
    out = tmp_path / "out"
    out.mkdir()
    dest = out / "b.tar.gz"
    proc = start(bag, dest)
    deadline = time.monotonic() + 30
    while not staging_files(out) and time.monotonic() < deadline:
        time.sleep(0.001)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    if proc.returncode == 0:
        pytest.skip("the write ended before the signal came")
    assert "KeyboardInterrupt" in stderr
    assert os.listdir(out) == []
