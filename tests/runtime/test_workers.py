"""The worker-process pool: order, failures, dead workers, interruption, start method."""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from preserve._runtime import workers
from preserve._runtime.workers import run_tasks, start_method

from helpers.tasks import Faulty, LeavesAThread, Marker, Square


@pytest.fixture(params=["fork", "forkserver"])
def method(request, monkeypatch) -> str:
    monkeypatch.setattr(workers, "start_method", lambda unsafe=True: request.param)
    return request.param


def collect(task, count: int, jobs: int, lost=lambda i, error: -1) -> list[tuple[int, object]]:
    return list(run_tasks(task, count, jobs, on_lost=lost))


def test_results_arrive_in_index_order(method: str) -> None:
    assert collect(Square(40), 40, 3) == [(i, i * i) for i in range(40)]
    assert not multiprocessing.active_children()


def test_a_raising_task_and_a_dead_worker_fail_only_their_own_tasks(method: str) -> None:
    got = dict(collect(Faulty(), 12, 2, lost=lambda i, error: error))
    assert sorted(got) == list(range(12))
    assert isinstance(got[3], ValueError) and str(got[3]) == "bad input 3"  # the task's own error
    assert isinstance(got[5], RuntimeError) and "ended unexpectedly (signal 9)" in str(got[5])
    others = [got[i] for i in range(12) if i not in (3, 5)]
    assert all(isinstance(pid, int) and pid != os.getpid() for pid in others)  # ran in workers
    assert not multiprocessing.active_children()


def test_a_thread_left_behind_by_a_task_does_not_hold_its_worker_at_exit(method: str, monkeypatch) -> None:
    """Python's exit waits for every such thread: a worker would wait for ever, and its parent
    would have to kill it (an orphaned one, nobody would). A worker leaves with os._exit instead,
    so each ends by itself, with exit code 0."""
    exit_codes: list[int | None] = []
    shut_down = workers._shut_down

    def shut_down_and_note_exit_codes(pool: list) -> None:
        shut_down(pool)
        exit_codes.extend(worker.process.exitcode for worker in pool)

    monkeypatch.setattr(workers, "_shut_down", shut_down_and_note_exit_codes)
    assert collect(LeavesAThread(), 4, 2) == [(i, i) for i in range(4)]
    assert exit_codes == [0, 0]  # none killed (-9) after waiting for its threads
    assert not multiprocessing.active_children()


def test_more_workers_than_tasks_and_no_tasks(method: str) -> None:
    assert collect(Square(2), 2, 8) == [(0, 0), (1, 1)]
    assert collect(Square(0), 0, 2) == []


def test_an_interrupted_parent_stops_its_workers_and_reraises(tmp_path: Path, method: str) -> None:
    with pytest.raises(KeyboardInterrupt):
        for index, _ in run_tasks(Marker(tmp_path), 50, 2, on_lost=lambda i, error: -1):
            if index == 1:
                raise KeyboardInterrupt
    assert not multiprocessing.active_children()
    started = len(list(tmp_path.glob("*.start")))
    assert 2 <= started < 50  # the queue was abandoned, not drained
    time.sleep(0.5)
    assert len(list(tmp_path.glob("*.start"))) == started  # nothing runs on afterwards


def test_closing_early_ends_the_workers(tmp_path: Path, method: str) -> None:
    results = run_tasks(Marker(tmp_path), 50, 2, on_lost=lambda i, error: -1)
    assert next(results) == (0, 0)
    results.close()
    assert not multiprocessing.active_children()


def test_fork_is_avoided_once_a_go_runtime_is_loaded_by_tasks_that_call_it(monkeypatch) -> None:
    monkeypatch.delitem(sys.modules, "pygfried", raising=False)
    assert start_method() == "fork"
    monkeypatch.setitem(sys.modules, "pygfried", object())
    assert start_method() == "forkserver"
    assert start_method(fork_unsafe_calls=False) == "fork"


SWALLOWING_RUN = """
import signal, sys, time
sys.path.insert(0, sys.argv[1])
from preserve._runtime.workers import run_tasks

def on_sigterm(signum, frame):  # as the CLI does: SIGTERM becomes an exception, clean-up runs
    raise KeyboardInterrupt

signal.signal(signal.SIGTERM, on_sigterm)

class Swallow:
    '''A task that swallows the interruption (as a careless library might) and carries on.'''
    def __call__(self, index):
        try:
            time.sleep(0.3)
        except KeyboardInterrupt:
            pass
        return index

for index, _ in run_tasks(Swallow(), 200, 2, on_lost=lambda i, e: -1):
    print(index, flush=True)
"""


def test_workers_of_a_killed_parent_end_even_if_a_task_swallows_the_signal(tmp_path: Path) -> None:
    """SIGKILL on the parent: each worker is told (parent-death signal), takes no further task,
    and sees its pipes close (no sibling holds them open), so none is left behind."""
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", SWALLOWING_RUN, str(Path(__file__).parents[2])],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout.readline().strip() == "0"  # the workers are busy
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("worker processes outlived their killed parent")
    proc.stdout.close()
