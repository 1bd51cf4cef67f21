"""preserve._runtime.interrupts: an interrupt swallowed by a callback is raised again, quietly."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from preserve._runtime import interrupts

REPO = Path(__file__).resolve().parents[2]

# A weakref callback raises what a signal handler would raise there; the main flow then runs a
# busy loop (bytecodes, as a task does) for up to the given seconds and says how it ended.
SCRIPT = """
import sys, time, weakref
from preserve._runtime import interrupts
mode, kind = sys.argv[1], {"KeyboardInterrupt": KeyboardInterrupt, "ValueError": ValueError}[sys.argv[2]]
seconds = float(sys.argv[3])
if mode != "plain":
    interrupts.install()
class Thing:
    pass
def callback(ref):
    raise kind("from a callback")
thing = Thing()
ref = weakref.ref(thing, callback)
try:
    del thing
    if mode == "cancel":
        interrupts.cancel()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass
    print("ran on")
except KeyboardInterrupt:
    print("interrupted")
"""

#: the busy loop's length where the interrupt must not come (it would come within milliseconds)
QUIET_SECONDS = 1
#: the busy loop's length where it must: far longer than the interrupt could take to come
LOUD_SECONDS = 60


def run(mode: str, kind: str = "KeyboardInterrupt", seconds: float = QUIET_SECONDS) -> tuple[str, str]:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, mode, kind, str(seconds)], cwd=REPO,
                          capture_output=True, text=True, timeout=seconds + 60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip(), proc.stderr


def test_without_it_python_prints_the_interrupt_and_runs_on() -> None:
    """The failure this module exists for: the interrupt is printed as a traceback and lost."""
    out, err = run("plain")
    assert out == "ran on"
    assert "Exception ignored" in err and "KeyboardInterrupt" in err


def test_a_swallowed_interrupt_is_raised_again_in_the_interrupted_code_quietly() -> None:
    out, err = run("install", seconds=LOUD_SECONDS)
    assert out == "interrupted"  # in the loop: it would have run on to its end and said "ran on"
    assert err == ""


def test_cancel_forgets_it() -> None:
    out, err = run("cancel")
    assert out == "ran on"
    assert err == ""


@pytest.mark.parametrize("mode", ["plain", "install"])
def test_other_unraisable_errors_are_reported_as_before(mode: str) -> None:
    out, err = run(mode, "ValueError")
    assert out == "ran on"
    assert "Exception ignored" in err and "ValueError: from a callback" in err


def test_deferred_holds_a_signal_back_until_its_block_ends() -> None:
    seen: list[str] = []
    old = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append("handled"))
    try:
        with interrupts.deferred():
            signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)
            time.sleep(0.01)  # bytecodes run: the handler would run here were the signal not held
            seen.append("block ends")
        seen.append("after")
        os.kill(os.getpid(), signal.SIGTERM)  # and the handler is back in force after the block
        time.sleep(0.01)
    finally:
        signal.signal(signal.SIGTERM, old)
    assert seen == ["block ends", "handled", "after", "handled"]
    assert not set(signal.pthread_sigmask(signal.SIG_BLOCK, [])) & set(interrupts.DEFERRED_SIGNALS)


def test_deferred_holds_back_a_signal_that_another_thread_received() -> None:
    """The kernel may hand a signal to any thread that does not block it (Siegfried's Go runtime
    has several); Python then runs its handler in the main thread, in the middle of the block."""
    seen: list[str] = []
    old = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append("handled"))
    other_may_end = threading.Event()
    other = threading.Thread(target=other_may_end.wait)
    other.start()
    try:
        with interrupts.deferred():
            signal.pthread_kill(other.ident, signal.SIGTERM)
            time.sleep(0.01)
            seen.append("block ends")
        time.sleep(0.01)
    finally:
        other_may_end.set()
        other.join()
        signal.signal(signal.SIGTERM, old)
    assert seen == ["block ends", "handled"]
    assert signal.getsignal(signal.SIGTERM) is old


def test_threads_started_in_a_deferred_block_leave_the_signals_to_the_main_thread() -> None:
    masks: list[set] = []

    def record() -> None:
        masks.append(set(signal.pthread_sigmask(signal.SIG_BLOCK, [])))

    with interrupts.deferred():
        inside = threading.Thread(target=record)
        inside.start()
    outside = threading.Thread(target=record)
    outside.start()
    inside.join()
    outside.join()
    assert set(interrupts.DEFERRED_SIGNALS) <= masks[0]
    assert not set(interrupts.DEFERRED_SIGNALS) & masks[1]


def test_an_interrupt_while_deferred_swaps_the_handlers_leaves_them_as_they_were(monkeypatch) -> None:
    """A real handler may run (and raise) between two swaps, before the block is entered: every
    handler already swapped must still be put back, or later signals would only be noted."""
    before = {sig: signal.getsignal(sig) for sig in interrupts.DEFERRED_SIGNALS}
    real = signal.signal
    swaps: list[int] = []

    def interrupted_after_the_second(sig, handler):
        previous = real(sig, handler)
        swaps.append(sig)
        if len(swaps) == 2:
            raise KeyboardInterrupt  # as SIGINT's handler would, run just after this call
        return previous

    monkeypatch.setattr(signal, "signal", interrupted_after_the_second)
    with pytest.raises(KeyboardInterrupt):
        with interrupts.deferred():
            pytest.fail("the block must not run")
    monkeypatch.undo()
    assert {sig: signal.getsignal(sig) for sig in interrupts.DEFERRED_SIGNALS} == before
    assert not set(signal.pthread_sigmask(signal.SIG_BLOCK, [])) & set(interrupts.DEFERRED_SIGNALS)
