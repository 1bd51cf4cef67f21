"""Crash safety: `preserve bag` killed (SIGKILL) or stopped (SIGTERM, SIGINT) at several points.

After every kill: each non-hidden entry of OUT is a complete bag (preserve's verifier and
bagit-python both pass it), the sources are byte-identical, and the next run removes the
staging left behind and completes. SIGTERM / SIGINT stop cleanly: exit 143 / 130, one line on
stderr, no staging folder left.
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

from conftest import tree_digest
from preserve.bag.writer import is_staging_name
from preserve.bag.lock import LOCK_NAME
from preserve.verify.checks import verify_bag

RIGHTS = 'rights = "Public domain (CC0 1.0)"\nlanguage = "en"\n'
PARA = "The committee met on Tuesday to discuss the harbour works and the budget for the coming year. "
POLL = 0.002
RELEASES = 16


def make_source(src: Path, releases: int = RELEASES, big: int = 1 << 20, seed: int = 6) -> Path:
    """A SOURCE whose metadata is valid: text releases, binary ones (described in metadata.csv),
    and folder releases holding a main text and several binary files."""
    rnd = random.Random(seed)
    src.mkdir(parents=True)
    (src / "preserve.toml").write_text(RIGHTS, encoding="utf-8")
    rows = ["filename,dc.language,dc.type"]
    for i in range(releases):
        head = f"Release number {i}\n\nIssued 3 March 2017 by Example Org.\n\n"
        if i % 6 == 0:
            folder = src / f"folder{i:02d}"
            (folder / "sub").mkdir(parents=True)
            (folder / "main.txt").write_text(head + PARA * 5, encoding="utf-8")
            for j in range(3):
                (folder / "sub" / f"data{j}.bin").write_bytes(rnd.randbytes(big))
        elif i % 4 == 1:
            (src / f"blob{i:02d}.bin").write_bytes(rnd.randbytes(2 * big))
            rows.append(f"blob{i:02d}.bin,zxx,Dataset")
        else:
            (src / f"release{i:02d}.txt").write_text(head + PARA * 5, encoding="utf-8")
    (src / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return src


def start(src: Path, out: Path, *extra: str) -> subprocess.Popen:
    """A background run in its own process group (it and its worker processes: see freeze)."""
    return subprocess.Popen([sys.executable, "-m", "preserve", "bag", str(src), "--out", str(out), "--quiet", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def run(src: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "preserve", "bag", str(src), "--out", str(out), "--quiet", *extra],
                          capture_output=True, text=True, timeout=300)


def bags_in(out: Path) -> list[str]:
    if not out.exists():
        return []
    return sorted(n for n in os.listdir(out) if not n.startswith("."))


def staging_in(out: Path) -> list[str]:
    if not out.exists():
        return []
    return sorted(n for n in os.listdir(out) if is_staging_name(n))


def wait_for(proc: subprocess.Popen, condition, timeout: float = 120) -> bool:
    """Poll until condition() holds (True) or the process ends first (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if condition():
            return True
        time.sleep(POLL)
    raise AssertionError("timed out waiting for the run to reach the kill point")


def assert_only_complete_bags(out: Path, checked: set[str] | None = None) -> None:
    """Every non-hidden entry is a bag that verifies (a bag once checked is not rehashed)."""
    checked = set() if checked is None else checked
    for name in bags_in(out):
        if name in checked:
            continue
        report = verify_bag(out / name)
        assert report.ok, (name, [str(p) for p in report.problems])
        checked.add(name)
    for name in os.listdir(out):
        assert not name.startswith(".") or name == LOCK_NAME or is_staging_name(name), name


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return make_source(tmp_path_factory.mktemp("kill") / "src")


def test_sigkill_at_several_points_then_rerun_completes(source: Path, tmp_path: Path) -> None:
    before = tree_digest(source)
    out = tmp_path / "bags"
    # (bags more than the previous run left, whether a staging folder must exist at the kill)
    points = [(0, True), (3, False), (4, True)]
    kills = 0
    checked: set[str] = set()
    for more, wants_staging in points:
        have = len(bags_in(out))
        proc = start(source, out)
        reached = wait_for(proc, lambda: len(bags_in(out)) >= have + more
                           and (not wants_staging or bool(staging_in(out))))
        if reached:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=120)
        assert proc.returncode in (-signal.SIGKILL, 0), (more, proc.returncode)
        assert_only_complete_bags(out, checked)
        assert tree_digest(source) == before
    assert kills >= 2, "the runs ended before most kill points were reached"
    res = run(source, out)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert staging_in(out) == []
    assert len(bags_in(out)) == RELEASES
    assert_only_complete_bags(out, checked)
    for name in bags_in(out):
        bagit.Bag(str(out / name)).validate()  # none of these names holds a '%'
    assert tree_digest(source) == before


@pytest.mark.parametrize("signum, code, word", [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")])
def test_sigterm_and_sigint_stop_cleanly(source: Path, tmp_path: Path, signum: int, code: int, word: str) -> None:
    before = tree_digest(source)
    out = tmp_path / "bags"
    proc = start(source, out)
    assert wait_for(proc, lambda: len(bags_in(out)) >= 1 and bool(staging_in(out)))
    sent = time.monotonic()
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    took = time.monotonic() - sent
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and word in lines[0], stderr
    assert staging_in(out) == [], "a stopped run must remove its staging folder"
    assert took < 10, f"took {took:.1f}s to stop"
    assert_only_complete_bags(out)
    for name in bags_in(out):
        bagit.Bag(str(out / name)).validate()
    assert tree_digest(source) == before


def test_ctrl_c_reaches_the_run_and_its_workers_and_all_stop_cleanly(source: Path, tmp_path: Path) -> None:
    """A terminal's Ctrl-C signals the whole process group: the run and every worker process."""
    out = tmp_path / "bags"
    proc = start(source, out)
    assert wait_for(proc, lambda: len(bags_in(out)) >= 1 and bool(staging_in(out)))
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("preserve: interrupted"), stderr
    assert staging_in(out) == []
    assert_only_complete_bags(out)


def test_workers_die_with_a_killed_run_and_clean_up(source: Path, tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the worker processes notice their parent's death, remove their
    staging folders and release the output lock, so the next run starts at once."""
    from preserve.bag.lock import locked

    out = tmp_path / "bags"
    proc = start(source, out)
    assert wait_for(proc, lambda: len(bags_in(out)) >= 1 and bool(staging_in(out)))
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)  # the pipes close when the last worker has gone
    with locked(out):  # no survivor holds the lock
        pass
    assert staging_in(out) == []
    assert_only_complete_bags(out)
