"""Crash safety of the OCFL deposit: SIGKILL at random moments leaves a valid storage root; the rerun completes.

A subprocess deposits a ~40 MB bag (alternately two versions of it, so kills land both in a new
object's creation and in adding a version to it) and is killed after a random delay. After every
kill ocfl-py validates the storage root and every object alone (and each object sits where 0004
puts it); at the end two reruns complete and the head version checks out as a valid bag.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import bagit
import pytest
from helpers.ocfl import checkout, inventory, make_bag, object_dirs, root_errors

from preserve.deposit.ocfl_root import STAGING
from preserve.verify.checks import verify_bag

KILLS = 8
DEPOSIT = """
import sys
from pathlib import Path
from preserve.deposit.ocfl import OcflTarget
from preserve.deposit.target import BagToDeposit
bag = Path(sys.argv[1])
arrival = OcflTarget(Path(sys.argv[2])).deposit(BagToDeposit(path=bag, name="rel-7", identifier="rel-7"))
print(arrival.status, arrival.identifiers["version"])
"""


@pytest.fixture(scope="module")
def bags(tmp_path_factory) -> tuple[Path, Path]:
    """Two versions of one ~40 MB bag: 16 files of 2.5 MB and small ones; the second changes two of them."""
    rnd = random.Random(22)
    top = tmp_path_factory.mktemp("kill-deposit")
    files = {f"rel-7/part{i:02d}.bin": rnd.randbytes(5 << 19) for i in range(16)}
    files.update({f"rel-7/notes/n{i}.txt": f"note {i}\n".encode() for i in range(20)})
    first = make_bag(top / "a" / "rel-7", files)
    second = make_bag(top / "b" / "rel-7", {**files, "rel-7/part03.bin": rnd.randbytes(5 << 19),
                                            "rel-7/notes/n1.txt": b"changed\n"})
    return first, second


def _start(bag: Path, root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", DEPOSIT, str(bag), str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _duration(bags: tuple[Path, Path], root: Path) -> float:
    """Seconds a whole deposit of the first bag takes here, process start included (kills land within it)."""
    began = time.perf_counter()
    proc = _start(bags[0], root)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return time.perf_counter() - began


def test_sigkill_at_random_moments_leaves_a_valid_storage_root(bags: tuple[Path, Path], tmp_path: Path) -> None:
    root = tmp_path / "store"
    span = _duration(bags, tmp_path / "timing")
    rnd = random.Random(7)
    kills = attempts = 0
    while kills < KILLS and attempts < 3 * KILLS:
        bag = bags[attempts % 2]
        attempts += 1
        proc = _start(bag, root)
        time.sleep(rnd.uniform(0.02, span))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate()
        assert proc.returncode in (0, -signal.SIGKILL), proc.stderr
        if root.exists():  # (killed before the root was made: nothing to judge)
            assert root_errors(root) == [], f"after kill {kills}"
    assert kills >= KILLS // 2, "the deposits ended before they could be killed"
    versions = []
    for bag in bags:  # each rerun completes
        proc = _start(bag, root)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        versions.append(out.split())
    assert versions[0][0] in ("deposited", "unchanged") and versions[1][0] == "deposited"
    assert root_errors(root) == []
    assert not (root / STAGING).exists()
    [obj] = object_dirs(root)
    head = inventory(obj)["head"]
    assert head == versions[1][1]
    out = checkout(obj, head, tmp_path / "checkout" / "rel-7")
    assert verify_bag(out).ok
    bagit.Bag(str(out)).validate()
    assert (out / "data/rel-7/notes/n1.txt").read_bytes() == b"changed\n"
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".store")]  # no staging sibling of the root left


def test_ctrl_c_at_random_moments_leaves_a_valid_root_and_no_staging(bags: tuple[Path, Path], tmp_path: Path) -> None:
    root = tmp_path / "store"
    span = _duration(bags, tmp_path / "timing")
    rnd = random.Random(11)
    stopped = 0
    for attempt in range(12):
        proc = _start(bags[attempt % 2], root)
        time.sleep(rnd.uniform(0.3 * span, span))  # past the interpreter's start, where Ctrl-C is Python's
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            stopped += 1
        _, err = proc.communicate()
        assert proc.returncode in (0, -signal.SIGINT), err  # a bare `python -c` ends by SIGINT again
        if root.exists():
            assert root_errors(root) == []
            assert not (root / STAGING).exists() or os.listdir(root / STAGING) == []
    assert stopped >= 3, "the deposits ended before they could be interrupted"


FALLBACK = """
import os, sys
from pathlib import Path
import preserve.deposit.ocfl_root as R
from preserve.deposit.ocfl import OcflTarget
from preserve.deposit.target import BagToDeposit
step, how = sys.argv[3], sys.argv[4]
R.exchange_paths = lambda a, b: False  # NFS, CIFS: no RENAME_EXCHANGE
real = {"rename": os.rename, "replace": os.replace}
def hit(name, b):
    if how == "exit":
        os._exit(9)
    raise OSError(5, "injected at " + name)
def wrap(kind):
    def f(a, b, **kw):
        real[kind](a, b, **kw)
        name = Path(b).name
        if (step, kind) in (("version", "rename"), ("inventory", "replace"), ("sidecar", "replace")) and \\
                name == {"version": "v2", "inventory": "inventory.json", "sidecar": "inventory.json.sha512"}[step] \\
                and "preserve-deposit-staging" not in str(b):
            hit(name, b)
    return f
os.rename, os.replace = wrap("rename"), wrap("replace")
bag = Path(sys.argv[1])
OcflTarget(Path(sys.argv[2])).deposit(BagToDeposit(path=bag, name="r1", identifier="r1"))
"""


@pytest.mark.parametrize("how", ["exit", "raise"])
@pytest.mark.parametrize("step", ["version", "inventory", "sidecar"])
def test_a_fallback_swap_cut_short_is_recovered_by_the_next_deposit(tmp_path: Path, step: str, how: str) -> None:
    """Where folders cannot be exchanged, a deposit stopped at any rename leaves what the next deposit repairs."""
    from preserve.deposit.ocfl import OcflTarget
    from preserve.deposit.target import BagToDeposit
    root = tmp_path / "store"
    first = make_bag(tmp_path / "a" / "r1", {"r1/x.txt": b"one\n", "r1/y.txt": b"same\n"})
    second = make_bag(tmp_path / "b" / "r1", {"r1/x.txt": b"two\n", "r1/y.txt": b"same\n"})
    OcflTarget(root).deposit(BagToDeposit(path=first, name="r1", identifier="r1"))
    proc = subprocess.run([sys.executable, "-c", FALLBACK, str(second), str(root), step, how],
                          check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0, proc.stderr
    arrival = OcflTarget(root).deposit(BagToDeposit(path=second, name="r1", identifier="r1"))
    assert arrival.identifiers["version"] == "v2"
    assert root_errors(root) == []
    [obj] = object_dirs(root)
    out = checkout(obj, "v2", tmp_path / "checkout" / "r1")
    assert verify_bag(out).ok and (out / "data/r1/x.txt").read_bytes() == b"two\n"
    third = make_bag(tmp_path / "c" / "r1", {"r1/x.txt": b"three\n"})
    assert OcflTarget(root).deposit(BagToDeposit(path=third, name="r1", identifier="r1")).identifiers["version"] == "v3"
    assert root_errors(root) == []
