"""The bag view: problems noted while reading, and which paths they block."""
from __future__ import annotations

from pathlib import Path

from preserve.bag.view import BagView


def test_blocked_only_by_a_blocking_problem_on_that_path() -> None:
    view = BagView(root=Path("bag"))
    view.add("symlink", "data/a", "is a symbolic link")
    view.add("special-file", "data/b", "is a FIFO")
    view.add("file-unreadable", "data/c", "cannot be examined")
    view.add("manifest-malformed", "data/d", "a problem that does not block", expected="x", actual="y")
    assert [view.blocked(p) for p in ("data/a", "data/b", "data/c", "data/d", "data/e")] == [
        True, True, True, False, False]
    assert view.problems[3].as_dict()["expected"] == "x"
