"""Run many independent tasks (one release each) in worker processes; results in input order.

Describing and packaging a release is Python code that holds the GIL, so threads cannot give
it a second core; processes can. The pool here is deliberately small:

- Workers are **forked** (they start at once and share the parent's loaded modules) unless
  a library whose runtime does not survive ``fork`` is loaded already (Siegfried's Go runtime,
  ``pygfried``: a forked child hangs in it); then they start from a fork server instead.
- A task is an index into a task object the workers hold (inherited by fork, or pickled once
  per worker); only indices and results cross the pipes (one-way pipes: no socket, so it
  works on a machine with no network).
- Each worker has at most :data:`PREFETCH` tasks queued, so work spreads evenly and memory
  does not grow with the number of tasks.
- A worker dies with its parent (Linux ``PR_SET_PDEATHSIG``); on SIGINT or SIGTERM it leaves
  its task through the task's own clean-up (a bag's staging folder is removed) and exits
  without a traceback, at once: it does not wait for threads a library left behind. If the
  parent is interrupted, it passes the signal on and waits for the workers to finish cleaning
  up before it re-raises.
- A task's exception, or its worker's death (killed, out of memory), is handed to the
  caller's ``on_lost`` for that task alone; the tasks queued to a dead worker go to the
  others, and a new worker takes its place.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
from collections import deque
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterator, Literal, NoReturn, Protocol, TypeVar

from preserve._runtime import interrupts
from preserve._runtime.libc import libc

R = TypeVar("R")
#: how workers start: forked from this process, from a fork server, or as fresh interpreters
StartMethod = Literal["fork", "forkserver", "spawn"]

#: tasks queued per worker beyond the one it runs: hides the round trip, keeps order tight
PREFETCH = 2
#: modules whose runtime does not survive fork: with one loaded, workers start from a fork server
FORK_UNSAFE_MODULES = ("pygfried",)
#: seconds the parent waits for interrupted workers to clean up before killing them
CLEANUP_SECONDS = 30.0
_PR_SET_PDEATHSIG = 1


class Task(Protocol[R]):
    """What a pool runs: ``task(i)`` for i in range(count); it should not raise."""

    def __call__(self, index: int) -> R: ...


def start_method(fork_unsafe_calls: bool = True) -> StartMethod:
    """'fork' when it is safe here, else 'forkserver' (or 'spawn' where there is no fork).

    Forking is unsafe only for a task that calls into a runtime already started here
    (``fork_unsafe_calls``: e.g. bagging identifies formats with Siegfried; verifying does not).
    """
    methods = multiprocessing.get_all_start_methods()
    loaded = any(name in sys.modules for name in FORK_UNSAFE_MODULES)
    if "fork" in methods and not (fork_unsafe_calls and loaded):
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _die_with_parent(parent: int | None) -> bool:
    """Ask Linux to SIGTERM this process when its parent dies; False if the parent is gone.

    ``parent`` is the pid of the process that forked this one (None under a fork server,
    whose own death follows the run's).
    """
    try:
        libc().prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)  # type: ignore[union-attr]
    except AttributeError:  # pragma: no cover - not Linux
        pass
    return parent is None or os.getppid() == parent


def _serve(tasks: Connection, replies: Connection, task: Task, parent: int | None) -> NoReturn:
    """A worker's loop: run each index received, send ``(index, ok, result or error)`` back.

    None, the parent gone, SIGINT and SIGTERM all end it quietly: the task's own clean-up has
    run while the exception unwound it. Then the process leaves at once (:func:`_leave`).
    """
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _stop_once)
        interrupts.install(KeyboardInterrupt)  # a stop swallowed by a callback comes again
        for end in _parent_ends:  # inherited by fork: the parent's ends, its siblings' pipes
            end.close()
        if not _die_with_parent(parent):
            return
        while not _stopping:
            index = tasks.recv()
            if index is None:
                return
            try:
                reply: tuple[int, bool, Any] = (index, True, task(index))
            except Exception as exc:  # noqa: BLE001 - a task's error goes to the parent
                reply = (index, False, _portable(exc))
            replies.send(reply)
    except BaseException:  # noqa: BLE001 - KeyboardInterrupt, SIGTERM's exception, a closed pipe
        pass
    finally:
        interrupts.cancel()  # nothing left to interrupt
        _leave()


def _leave() -> NoReturn:
    """End this worker now, without waiting for threads (os._exit, after flushing its output).

    Python's exit joins every thread that is not a daemon; one that a library started and
    left waiting (a thread pool's thread that a signal kept from being recorded for exit, for
    one) would hold a worker for ever once its parent is gone. Nothing is lost by not waiting:
    a task finishes its own threads' work before it returns (a bag's copies are all written or
    removed), and each reply is written to the pipe before the next task is read.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed or broken stream: nothing more to say
            pass
    os._exit(0)


#: set in a worker once it was told to stop: it takes no further task, whatever its task did
_stopping = False
#: this process's ends of its workers' pipes; a forked worker closes its siblings' (else a
#: sibling would keep them open, and a worker would never see its parent's pipes close)
_parent_ends: list[Connection] = []


def _stop_once(signum: int, frame: Any) -> None:
    """A worker's SIGINT/SIGTERM handler: stop the task, then ignore any further signal.

    Ctrl-C reaches a worker twice (from the terminal, to the whole process group, and passed
    on by the parent): the second must not interrupt the clean-up the first started.
    """
    global _stopping
    _stopping = True
    for sig in (signal.SIGINT, signal.SIGTERM):
        # a handler that does nothing, not SIG_IGN: a signal already pending would then make
        # Python raise "Signal N ignored due to race condition" in the middle of the clean-up
        signal.signal(sig, _ignore)
    raise KeyboardInterrupt


def _ignore(signum: int, frame: Any) -> None:
    """A stopping worker's handler for any further SIGINT/SIGTERM."""


def _portable(exc: Exception) -> Exception:
    """The error itself if it survives pickling, else a RuntimeError that says what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")


class _Worker:
    """One worker process, its two one-way pipes (no socket: fine with no network) and the
    indices it holds, in the order it runs them."""

    def __init__(self, ctx: Any, task: Task) -> None:
        tasks_in, self.tasks = ctx.Pipe(duplex=False)
        self.conn, replies_out = ctx.Pipe(duplex=False)
        parent = os.getpid() if ctx.get_start_method() == "fork" else None
        self.process = ctx.Process(target=_serve, args=(tasks_in, replies_out, task, parent), daemon=True)
        self.process.start()
        tasks_in.close()
        replies_out.close()
        _parent_ends.extend((self.tasks, self.conn))
        self.held: deque[int] = deque()

    def give(self, index: int) -> None:
        self.tasks.send(index)  # raises OSError if the worker is gone: then it holds nothing new
        self.held.append(index)

    def stop(self) -> None:
        try:
            self.tasks.send(None)
        except OSError:
            pass

    def close(self) -> None:
        for end in (self.conn, self.tasks):
            end.close()
            if end in _parent_ends:
                _parent_ends.remove(end)


def run_tasks(task: Task[R], count: int, jobs: int, on_lost: Callable[[int, BaseException], R], *,
              fork_unsafe_calls: bool = True) -> Iterator[tuple[int, R]]:
    """Run ``task(i)`` for every i < count on ``jobs`` worker processes; yield ``(i, result)``.

    Results come in index order, each as soon as every one before it is in. A task that
    raised, or whose worker died, gets ``on_lost(i, error)`` as its result (which may raise
    instead). Closing the generator early, or an exception in the caller, ends the workers.
    """
    ctx = multiprocessing.get_context(start_method(fork_unsafe_calls))
    pending = deque(range(count))
    workers = [_Worker(ctx, task) for _ in range(max(1, min(jobs, count)))]
    starts = len(workers) + count  # every start beyond this would be a worker dying at birth
    done: dict[int, R] = {}
    emitted = 0
    try:
        while emitted < count:
            for k, worker in enumerate(workers):
                if not worker.held and not worker.process.is_alive() and pending and starts > 0:
                    worker.close()
                    workers[k], starts = _Worker(ctx, task), starts - 1  # died while idle
                _refill(workers[k], pending)
            if pending and not any(w.held for w in workers):  # no worker can take a task
                while pending:
                    index = pending.popleft()
                    done[index] = on_lost(index, RuntimeError("no worker process could be started"))
            for worker in _ready(workers):
                try:
                    index, ok, value = worker.conn.recv()
                except (EOFError, OSError):
                    _replace(workers, worker, ctx, task, done, pending, on_lost)
                    starts -= 1
                    continue
                worker.held.remove(index)
                done[index] = value if ok else on_lost(index, value)
            while emitted in done:
                yield emitted, done.pop(emitted)
                emitted += 1
    except BaseException as exc:
        _interrupt(workers, exc)
        raise
    finally:
        _shut_down(workers)


def _ready(workers: list[_Worker]) -> list[_Worker]:
    """Workers with a reply (or a closed pipe); wakes every half second so signals get through."""
    by_conn = {w.conn: w for w in workers if w.held}
    return [by_conn[c] for c in wait(list(by_conn), timeout=0.5)]  # type: ignore[index]


def _refill(worker: _Worker, pending: deque[int]) -> None:
    """Queue tasks to a worker, up to PREFETCH beyond the one it runs."""
    while pending and len(worker.held) <= PREFETCH and worker.process.is_alive():
        index = pending.popleft()
        try:
            worker.give(index)
        except OSError:  # it has just died: the task stays for another worker
            pending.appendleft(index)
            return


def _replace(workers: list[_Worker], dead: _Worker, ctx: Any, task: Task, done: dict,
             pending: deque[int], on_lost: Callable[[int, BaseException], Any]) -> None:
    """A worker's pipe closed: fail the task it was running, requeue the rest, start another."""
    dead.process.join(5)
    code = dead.process.exitcode
    why = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    running = dead.held.popleft()  # a worker runs its tasks in the order it was given them
    pending.extendleft(reversed(dead.held))
    dead.close()
    done[running] = on_lost(running, RuntimeError(f"its worker process ended unexpectedly ({why})"))
    workers[workers.index(dead)] = _Worker(ctx, task)


def _interrupt(workers: list[_Worker], exc: BaseException) -> None:
    """Pass the parent's interruption on to the workers, so they clean up and leave
    (SIGINT for Ctrl-C, else SIGTERM: the caller stopped early or is terminated)."""
    sig = signal.SIGINT if isinstance(exc, KeyboardInterrupt) else signal.SIGTERM
    for worker in workers:
        if worker.process.is_alive() and worker.process.pid:
            try:
                os.kill(worker.process.pid, sig)
            except OSError:
                pass


def _shut_down(workers: list[_Worker]) -> None:
    """Tell the workers to stop, wait for them (their clean-up included), kill stragglers."""
    for worker in workers:
        worker.stop()
    for worker in workers:
        worker.process.join(CLEANUP_SECONDS)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.close()
