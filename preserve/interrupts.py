"""An interrupt that lands where Python cannot raise it is raised again a moment later.

A signal handler's exception (KeyboardInterrupt for Ctrl-C, the CLI's exception for SIGTERM)
is raised at whatever bytecode the main thread runs next. When that is a weakref callback or a
``__del__`` method (a thread object collected, a WeakSet updated), Python cannot propagate it:
it prints "Exception ignored in ..." and a traceback, and the interrupted code runs on as if
no signal had come. :func:`install` makes such an interrupt quiet and raises it again 1 ms
later (SIGALRM), in the code that was running, which then unwinds through its clean-up.
"""
from __future__ import annotations

import signal
import sys
import threading
from typing import Any

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
