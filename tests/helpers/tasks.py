"""Picklable tasks for worker pools: a forkserver worker imports them by module name, so they live here."""
from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Square:
    """Picklable task: i*i, with a delay that makes later indices finish first."""

    count: int

    def __call__(self, index: int) -> int:
        time.sleep(0.002 * (self.count - index))
        return index * index


@dataclass
class Faulty:
    """Raises on index 3, dies (SIGKILL) on index 5, else returns the worker's pid."""

    def __call__(self, index: int) -> int:
        if index == 3:
            raise ValueError("bad input 3")
        if index == 5:
            os.kill(os.getpid(), signal.SIGKILL)
        return os.getpid()


@dataclass
class Marker:
    """Writes a marker file per index, slowly (for interruption)."""

    folder: Path

    def __call__(self, index: int) -> int:
        (self.folder / f"{index}.start").write_text("")
        time.sleep(0.2)
        return index


@dataclass
class LeavesAThread:
    """Returns its index and leaves a thread behind that never ends (as a careless library might)."""

    def __call__(self, index: int) -> int:
        threading.Thread(target=threading.Event().wait, name=f"left-behind-{index}").start()
        return index
