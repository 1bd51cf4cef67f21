"""Interrupts that act where they should: a swallowed one is raised again; a block can hold them off.

A signal handler's exception (KeyboardInterrupt for Ctrl-C, the CLI's exception for SIGTERM)
is raised at whatever bytecode the main thread runs next. When that is a weakref callback or a
``__del__`` method (a thread object collected, a WeakSet updated), Python cannot propagate it:
it prints "Exception ignored in ..." and a traceback, and the interrupted code runs on as if
no signal had come. :func:`install` makes such an interrupt quiet and raises it again 1 ms
later (SIGALRM), in the code that was running, which then unwinds through its clean-up.

:func:`deferred` holds Ctrl-C, SIGTERM and that SIGALRM back over a few lines that must not be
cut in two: a bag's rename into place, a thread pool starting a thread and recording it.
"""
from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterator

#: how soon a swallowed interrupt is raised again
RETRY_SECONDS = 0.001

_kinds: tuple[type[BaseException], ...] = ()
_pending: BaseException | None = None
_previous_hook = sys.unraisablehook


def install(*kinds: type[BaseException]) -> None:
    """Raise these interrupts again when a callback swallows them (main thread only)."""
    global _kinds, _previous_hook
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return
    _kinds = kinds or (KeyboardInterrupt,)
    if sys.unraisablehook is not _hook:
        _previous_hook = sys.unraisablehook
        sys.unraisablehook = _hook


def cancel() -> None:
    """Forget an interrupt waiting to be raised again (the code it was for has ended)."""
    global _pending
    _pending = None
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        signal.setitimer(signal.ITIMER_REAL, 0)


def _hook(unraisable: Any) -> None:
    """sys.unraisablehook: an installed interrupt is kept for later; anything else as before."""
    global _pending
    exc = unraisable.exc_value
    if isinstance(exc, _kinds) and threading.current_thread() is threading.main_thread():
        _pending = exc
        signal.signal(signal.SIGALRM, _raise_pending)
        signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
        return
    _previous_hook(unraisable)


def _raise_pending(signum: int, frame: Any) -> None:
    """SIGALRM: raise the kept interrupt (if it lands in a callback again, it comes back here)."""
    global _pending
    exc, _pending = _pending, None
    if exc is not None:
        raise exc


#: the signals :func:`deferred` holds back: Ctrl-C, SIGTERM, and the SIGALRM that raises a
#: swallowed one again
DEFERRED_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGALRM") if hasattr(signal, name))


@contextmanager
def deferred() -> Iterator[None]:
    """Hold the interrupting signals back in this block; one that came meanwhile comes after it.

    For code that an exception must not cut in two: a bag's rename into place and what records
    it; ThreadPoolExecutor.submit, which starts a thread, then records it so that the
    interpreter's exit can stop it (a Ctrl-C raised in between leaves a thread nobody stops, and
    the process waits for it at exit forever).

    Python runs a signal's handler in the main thread whichever thread the signal reached, so
    the block swaps each handler for one that only notes the signal, and sends the signal again
    once the real handler is back. Threads started in the block keep these signals blocked for
    good, so that the kernel hands them to the main thread. In any other thread no handler can
    raise: the block does nothing there.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        held.append(signum)

    handlers: dict[int, Any] = {}  # each handler is noted before it is swapped: all go back
    mask = None
    try:
        try:
            for sig in DEFERRED_SIGNALS:
                previous = signal.getsignal(sig)
                handlers[sig] = previous if previous is not None else signal.SIG_DFL  # None: set outside Python
                signal.signal(sig, hold)
        except ValueError:  # pragma: no cover - signals cannot be set here (a subinterpreter): none was
            handlers.clear()
        if hasattr(signal, "pthread_sigmask"):
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, DEFERRED_SIGNALS)
        yield
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # one that came to this thread: held now
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(held):
            signal.raise_signal(sig)
