"""The shape of the package: stages as folders, no import cycle, no stage reaching into a later one.

Read from the source with ``ast`` (nothing is imported), so a violation names the module and
the import that causes it.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "preserve"

#: the pipeline in the order data flows through it
STAGES = ("intake", "describe", "validate", "package", "bag", "verify", "deposit")
#: rooms every stage may use, which use no stage themselves
SHARED = ("errors", "record", "problems", "formats", "fixity", "xml", "_runtime")
#: what wires the stages together: may import any of them
WIRING = ("__init__", "__main__", "cli", "launch", "pipeline")
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> list[tuple[str, int, bool]]:
    """(imported preserve module, line, at module level) for every import in a module."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("preserve"):
            targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                       for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{name}:{node.lineno}: relative import; preserve uses absolute imports")
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names if a.name.startswith("preserve")]
        for target in targets:
            while target not in MODULES and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in MODULES and target != name:
                found.append((target, node.lineno, id(node) in top))
    return found


def room(name: str) -> str:
    """The top-level room of a module: 'preserve.bag.reader' -> 'bag'; 'preserve' -> '__init__'."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle in a directed graph as a list of nodes, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_every_module_is_in_a_known_room() -> None:
    rooms = {room(name) for name in MODULES}
    assert rooms <= set(STAGES) | set(SHARED) | set(WIRING), sorted(rooms - set(STAGES) - set(SHARED) - set(WIRING))
    assert set(STAGES) <= rooms


@pytest.mark.parametrize("module_level_only", [True, False], ids=["module-level", "with-deferred"])
def test_no_import_cycle(module_level_only: bool) -> None:
    graph = {name: {t for t, _, top in imports_of(name) if top or not module_level_only} for name in MODULES}
    # a package's __init__ is imported with each of its modules: it may not import them back at import time
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_stage_reaches_into_a_later_one_and_shared_rooms_use_no_stage() -> None:
    order = {stage: i for i, stage in enumerate(STAGES)}
    wrong = []
    for name in MODULES:
        here = room(name)
        for target, line, _ in imports_of(name):
            there = room(target)
            if here in WIRING or there in SHARED or there == here or there == "__init__":
                continue
            if here in SHARED or there in WIRING or order[there] > order[here]:
                wrong.append(f"{name}:{line} imports {target}")
    assert wrong == []


def test_modules_are_short_or_say_why() -> None:
    long = []
    for name, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").count("\n")
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if lines > MAX_LINES and "Size:" not in docstring:
            long.append(f"{name}: {lines} lines and no 'Size:' paragraph in its docstring")
    assert long == []


def test_every_module_says_what_it_does() -> None:
    missing = [name for name, path in MODULES.items()
               if path.stat().st_size and not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))]
    assert missing == []
