"""The ``preserve`` command's entry point: only ``os`` and ``sys`` before the CLI is imported.

``preserve bag`` re-executes itself once with GOMEMLIMIT set (see
:func:`restart_with_go_memory_limit`); doing that before the CLI and its libraries are
imported keeps the cost of the second start to the bare interpreter's.
"""
from __future__ import annotations

import os
import sys

#: the Go heap's soft limit: some room above Siegfried's live heap (its signatures), far less
#: than the twice-the-live-heap an unlimited Go runtime grows to
GO_MEMORY_LIMIT = "90MiB"


def restart_with_go_memory_limit() -> None:
    """Re-execute ``preserve bag`` once with GOMEMLIMIT set, unless the user set it.

    Siegfried (format identification) runs on the Go runtime, which reads GOMEMLIMIT only from
    the environment the process started with; without a limit its heap grows to twice its live
    size between collections. Same process id, arguments, streams and exit code.
    """
    if os.environ.get("GOMEMLIMIT") or sys.argv[1:2] != ["bag"] or not sys.executable:
        return
    os.environ["GOMEMLIMIT"] = GO_MEMORY_LIMIT
    entry = sys.argv[0]  # the console script, or .../preserve/__main__.py for `python -m preserve`
    again = ["-m", "preserve"] if os.path.basename(entry) == "__main__.py" or not os.path.isfile(entry) else [entry]
    try:
        os.execv(sys.executable, [sys.executable, *again, *sys.argv[1:]])
    except OSError:
        pass  # run without the limit rather than not at all


def main() -> None:
    """Run the command line (after the restart, when one is due)."""
    restart_with_go_memory_limit()
    from preserve.cli import main as run

    run()
