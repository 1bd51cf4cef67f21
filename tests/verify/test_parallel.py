"""verify_many / verify_paths: bags verified in worker processes give the serial reports, in order.

Workers are forked from the test process, so a function patched here is patched in them too.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from preserve.verify import checks as verify
from preserve.verify.checks import BagReport, find_bags, verify_bag, verify_many, verify_paths
from helpers.faults import METS_FAULTS, PLAIN_FAULTS, make_mets_bag, make_plain_bag, rehash
from preserve.problems import severity_of

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked (Linux)")

#: faults that need a monkeypatch (simulated permission errors) are left to test_tamper
NEEDS_PATCH = ("unreadable-payload", "unreadable-tagfile")
METS_KINDS = ("mets-checksum-disagrees", "mets-content-unlisted", "premis-not-well-formed")


@pytest.fixture(scope="module")
def shelf(tmp_path_factory) -> Path:
    """A folder of bags: pristine ones, one per catalogued fault, and damaged E-ARK packages."""
    root = tmp_path_factory.mktemp("shelf")
    plain = make_plain_bag(root / "plain")
    mets = make_mets_bag(root / "mets" / "rel")
    shelf = root / "shelf"
    shutil.copytree(plain, shelf / "000-pristine", symlinks=True)
    shutil.copytree(mets, shelf / "001-pristine-mets", symlinks=True)
    for kind, (fault, _) in PLAIN_FAULTS.items():
        if kind not in NEEDS_PATCH:
            shutil.copytree(plain, shelf / kind, symlinks=True)
            fault(shelf / kind, None)
    for kind in METS_KINDS:
        shutil.copytree(mets, shelf / kind, symlinks=True)
        METS_FAULTS[kind][0](shelf / kind)
        rehash(shelf / kind)
    return shelf


def _dicts(reports: list[BagReport]) -> list[dict]:
    return [r.as_dict() for r in reports]


@pytest.mark.parametrize("level", ["full", "fast", "completeness"])
def test_workers_give_the_serial_reports_in_order(shelf: Path, level: str) -> None:
    bags = find_bags([shelf])
    serial = [verify_bag(b, level=level) for b in bags]
    parallel = list(verify_many(bags, level=level, jobs=3))
    assert _dicts(parallel) == _dicts(serial)
    assert [r.path for r in parallel] == bags
    if level == "full":  # every fault found; the pristine bags and warning-only faults verify ok
        warning_only = {kind for kind, (_, codes) in PLAIN_FAULTS.items()
                        if kind not in NEEDS_PATCH and all(severity_of(code) != "error" for code, _ in codes)}
        assert {r.path.name for r in parallel if r.ok} == {"000-pristine", "001-pristine-mets"} | warning_only
    assert not multiprocessing.active_children()


def test_verify_paths_uses_worker_processes(shelf: Path, monkeypatch) -> None:
    monkeypatch.setattr(verify, "verify_bag", lambda bag, **kw: BagReport(path=bag, version=str(os.getpid())))
    reports = verify_paths([shelf], jobs=2)
    assert [r.path for r in reports] == find_bags([shelf])
    pids = {r.version for r in reports}
    assert len(pids) == 2 and str(os.getpid()) not in pids
    assert {r.version for r in verify_paths([shelf], jobs=1)} == {str(os.getpid())}


def test_progress_advances_once_per_bag(shelf: Path) -> None:
    calls: list[tuple[int, int]] = []
    reports = list(verify_many(find_bags([shelf]), jobs=2, progress=lambda f, b: calls.append((f, b))))
    assert len(calls) == len(reports)
    assert sorted(calls) == sorted((r.files, r.bytes) for r in reports)


def test_error_in_a_worker_is_raised_and_workers_end(shelf: Path, monkeypatch) -> None:
    def broken(bag: Path, **kwargs) -> BagReport:
        if bag.name == "missing":
            raise ValueError(f"cannot verify {bag.name}")
        return BagReport(path=bag)

    monkeypatch.setattr(verify, "verify_bag", broken)
    with pytest.raises(ValueError, match="cannot verify missing"):
        verify_paths([shelf], jobs=2)
    assert not multiprocessing.active_children()


def test_a_worker_that_dies_is_an_error_not_a_hang(shelf: Path, monkeypatch) -> None:
    monkeypatch.setattr(verify, "verify_bag", lambda bag, **kw: os._exit(3))
    with pytest.raises(RuntimeError, match="exit code 3"):
        verify_paths([shelf], jobs=2)
    assert not multiprocessing.active_children()


def test_stopping_early_ends_the_workers(shelf: Path) -> None:
    reports = verify_many(find_bags([shelf]), jobs=2)
    first = next(reports)
    assert first.path.name == "000-pristine" and first.ok
    assert multiprocessing.active_children()
    reports.close()
    assert not multiprocessing.active_children()


CTRL_C_SCRIPT = """
import sys, time
from pathlib import Path
from preserve.verify import checks as verify

real = verify.verify_bag
def slow(bag, **kwargs):
    time.sleep(0.5)
    return real(bag, **kwargs)

verify.verify_bag = slow
try:
    for report in verify.verify_many(verify.find_bags([Path(sys.argv[1])]), jobs=2):
        print(report.path.name, flush=True)
except KeyboardInterrupt:
    print("interrupted", file=sys.stderr)
    sys.exit(130)
"""


def test_ctrl_c_ends_every_process_without_a_traceback(shelf: Path) -> None:
    """Ctrl-C reaches the whole process group: the parent ends its workers, nobody prints a traceback."""
    proc = subprocess.Popen([sys.executable, "-c", CTRL_C_SCRIPT, str(shelf)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout.readline().strip() == "000-pristine"  # workers are busy now
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.strip() == "interrupted"
    deadline = time.monotonic() + 5
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _group_alive(proc.pid)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_workers_need_no_socket(shelf: Path, no_network) -> None:
    """Reports come back over plain pipes: verifying works on a machine with no network at all."""
    reports = verify_paths([shelf], level="completeness", jobs=2)
    assert [r.path for r in reports] == find_bags([shelf])
