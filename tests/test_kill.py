"""Crash safety: `preserve bag` killed (SIGKILL) or stopped (SIGTERM, SIGINT) at several points.

After every kill: each non-hidden entry of OUT is a complete bag (preserve's verifier and
bagit-python both pass it), the sources are byte-identical, and the next run removes the
staging left behind and completes. SIGTERM / SIGINT stop cleanly: exit 143 / 130, one line on
stderr, no staging folder left.
"""
from __future__ import annotations

import os
import signal
from pathlib import Path

import bagit
import pytest

from helpers.runs import (RELEASES, assert_only_complete_bags, bags_in, make_source, run, staging_in, start,
                          wait_for)
from helpers.paths import tree_digest

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
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=10)  # a run must stop promptly: TimeoutExpired fails the test
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and word in lines[0], stderr
    assert staging_in(out) == [], "a stopped run must remove its staging folder"
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


@pytest.mark.parametrize("serialize, suffix", [("tar", ".tar"), ("zip", ".zip")])
def test_sigkill_of_a_serializing_run_leaves_whole_archives_only(source: Path, tmp_path: Path, serialize: str,
                                                                 suffix: str) -> None:
    """`preserve bag --serialize` killed while building or writing archives: nothing partial at a final path."""
    from helpers.serialized import extract

    before = tree_digest(source)
    out = tmp_path / "bags"
    kills = 0
    checked: set[str] = set()
    for more in (0, 2):
        have = len(bags_in(out))
        proc = start(source, out, "--serialize", serialize)
        if wait_for(proc, lambda: len(bags_in(out)) >= have + more and bool(staging_in(out))):
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=120)
        assert all(name.endswith(suffix) for name in bags_in(out)), bags_in(out)
        assert_only_complete_bags(out, checked)  # each archive verified as it is, streamed
    assert kills >= 1, "the runs ended before the kill points were reached"
    res = run(source, out, "--serialize", serialize)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert staging_in(out) == [] and len(bags_in(out)) == RELEASES
    assert_only_complete_bags(out, checked)
    for i, name in enumerate(bags_in(out)):
        bagit.Bag(str(extract(out / name, tmp_path / f"x{i}"))).validate()
    assert tree_digest(source) == before
