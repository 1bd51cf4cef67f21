"""Two runs on one output folder, and verify while bags are being written; after them, only bags.

A running `preserve bag` is frozen (SIGSTOP) while it holds the lock and a staging folder
exists, so the second run and the verifier meet it at a known point, then it is resumed.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.paths import tree_digest
from preserve.verify.checks import find_bags, verify_bag
from helpers.runs import assert_only_complete_bags, bags_in, make_source, staging_in, start, wait_for


def preserve(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "preserve", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return make_source(tmp_path_factory.mktemp("conc") / "src", releases=10)


def test_second_run_is_refused_and_verify_skips_staging(source: Path, tmp_path: Path) -> None:
    before = tree_digest(source)
    out = tmp_path / "bags"
    first = start(source, out)
    try:
        assert wait_for(first, lambda: len(bags_in(out)) >= 1 and bool(staging_in(out)))
        os.killpg(first.pid, signal.SIGSTOP)  # the run and its worker processes
        assert staging_in(out), "frozen while a bag is being written"
        # a second run on the same OUT: refused with one clear line, nothing touched
        listing = sorted(os.listdir(out))
        second = preserve("bag", str(source), "--out", str(out), "--quiet")
        assert second.returncode == 2, second.stderr
        assert f"another run (pid {first.pid}) holds the lock on {out}" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1 and "Traceback" not in second.stderr
        assert sorted(os.listdir(out)) == listing
        # verify meanwhile: only complete bags are seen, all intact; staging is never a bag
        found = find_bags([out])
        assert found and not any(p.name.startswith(".") for p in found)
        assert all(verify_bag(p).ok for p in found)
        res = preserve("verify", str(out))
        assert res.returncode == 0, res.stdout + res.stderr
        assert "staging" not in res.stdout and "FAILED" not in res.stdout
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    _, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    assert staging_in(out) == [] and len(bags_in(out)) == 10
    assert_only_complete_bags(out)
    assert sorted(os.listdir(out)) == bags_in(out)  # only bags: the lock was on the folder, no file
    assert tree_digest(source) == before


def test_two_runs_started_together_never_corrupt(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "bags"
    a, b = start(source, out), start(source, out)
    results = [(p.wait(timeout=300), p.stderr.read()) for p in (a, b)]
    for proc in (a, b):
        proc.stdout.close()
        proc.stderr.close()
    codes = sorted(code for code, _ in results)
    # either one was refused by the lock, or the second found every bag already made
    assert codes in ([0, 0], [0, 2]), results
    for code, stderr in results:
        assert "Traceback" not in stderr
        if code == 2:
            assert "another run" in stderr and "holds the lock" in stderr
    assert staging_in(out) == [] and len(bags_in(out)) == 10
    assert_only_complete_bags(out)
    assert sorted(os.listdir(out)) == bags_in(out)
