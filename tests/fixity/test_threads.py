"""The room's threads: the shared pool working through a queue, how a stop or an error ends it, and an
interrupt while the pool starts a thread."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from preserve.fixity.threads import default_jobs, shared_pool, work_through


def test_default_jobs_is_at_least_one() -> None:
    assert default_jobs() >= 1


def test_the_pool_is_shared_and_grows_when_asked_for_more() -> None:
    pool = shared_pool(1)
    assert shared_pool(1) is pool
    bigger = shared_pool(pool._max_workers + 1)
    assert bigger._max_workers >= pool._max_workers + 1 and shared_pool(1) is bigger


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_every_item_is_worked_once_by_pool_threads_while_the_caller_works_too(threads: int) -> None:
    done: list[tuple[int, str]] = []
    lock = threading.Lock()

    def work(item: int) -> bool:
        with lock:
            done.append((item, threading.current_thread().name))
        return True

    here: list[str] = []
    work_through(range(50), work, threads=threads, stop=threading.Event(),
                 meanwhile=lambda: here.append(threading.current_thread().name))
    assert sorted(item for item, _ in done) == list(range(50))
    assert all(name.startswith("fixity") for _, name in done)
    assert here == [threading.current_thread().name]


def test_no_threads_runs_only_meanwhile() -> None:
    ran: list[int] = []
    work_through([], lambda item: True, threads=0, stop=threading.Event(), meanwhile=lambda: ran.append(1))
    assert ran == [1]


def test_a_failed_item_ends_the_work_and_queued_items_are_never_started() -> None:
    stop = threading.Event()
    started: list[int] = []

    def work(item: int) -> bool:
        started.append(item)
        if item == 3:
            stop.set()  # the failing work records why and sets stop itself
            return False
        return True

    work_through(range(1000), work, threads=1, stop=stop)
    assert started == [0, 1, 2, 3]


def test_an_error_in_the_caller_stops_the_workers_before_it_is_raised() -> None:
    """Workers busy until stop is set: the caller's exception sets it, and they are idle on return."""
    stop = threading.Event()
    running = [0]
    lock = threading.Lock()
    all_started = threading.Barrier(3)

    def work(item: int) -> bool:
        with lock:
            running[0] += 1
        try:
            all_started.wait(timeout=30)
            assert stop.wait(timeout=30), "never told to stop"
        finally:
            with lock:
                running[0] -= 1
        return True

    def meanwhile() -> None:
        all_started.wait(timeout=30)  # both workers are inside an item
        raise RuntimeError("caller interrupted")

    with pytest.raises(RuntimeError, match="caller interrupted"):
        work_through(range(10), work, threads=2, stop=stop, meanwhile=meanwhile)
    assert stop.is_set() and running == [0]


# An interrupt that lands while a pool starts a thread: Thread.start is patched so that, the
# moment a file worker has started (before ThreadPoolExecutor records it for the interpreter's
# exit), a Ctrl-C comes ("signal"), or a Ctrl-C swallowed by a weakref callback is raised again
# by preserve._runtime.interrupts' alarm ("alarm"). Unrecorded, that thread waits on its queue forever
# and the process never exits.
_INTERRUPTED_START = """
import os, signal, sys, threading, time, weakref
from pathlib import Path
from preserve._runtime import interrupts
from preserve.fixity import copy_and_hash_many
mode, where = sys.argv[1], Path(sys.argv[2])
interrupts.install(KeyboardInterrupt)
class Thing:
    pass
def callback(ref):
    raise KeyboardInterrupt
real_start = threading.Thread.start
def start(self):
    real_start(self)
    if self.name.startswith("fixity"):
        if mode == "signal":
            os.kill(os.getpid(), signal.SIGINT)
        else:
            thing = Thing()
            ref = weakref.ref(thing, callback)
            del thing
        time.sleep(0.05)
threading.Thread.start = start
pairs = []
for i in range(2):
    (where / f"big{i}").write_bytes(bytes(4 << 20))
    pairs.append((where / f"big{i}", where / f"copy{i}"))
try:
    copy_and_hash_many(pairs, ["sha256"], jobs=2)
    print("ran on")
except KeyboardInterrupt:
    print("interrupted")
"""


@pytest.mark.parametrize("mode", ["signal", "alarm"])
def test_an_interrupt_while_the_pool_starts_a_thread_lets_the_process_exit(tmp_path: Path, mode: str) -> None:
    proc = subprocess.run([sys.executable, "-c", _INTERRUPTED_START, mode, str(tmp_path)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "interrupted", proc.stderr  # and then it exited, quietly
    assert proc.stderr == ""
