"""Bounds for tests of hostile input: fail a test that hangs, measure the memory a call takes."""
from __future__ import annotations

import threading
from typing import Any, Callable, TypeVar

T = TypeVar("T")


def within(seconds: float, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """fn(*args, **kwargs), failing the test if it takes longer than ``seconds`` (a hang, not a
    speed measure: the bound is generous) or raises."""
    import pytest

    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the test below
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"{getattr(fn, '__name__', fn)} did not finish within {seconds} s")
    if "error" in box:
        raise box["error"]
    return box["result"]


def peak_memory(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, int]:
    """fn's result and the peak of Python memory allocated while it ran (tracemalloc), in bytes."""
    import tracemalloc

    tracemalloc.start()
    try:
        result = fn(*args, **kwargs)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
