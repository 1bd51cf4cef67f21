"""Lanes for one large file: its algorithms and its copy grouped into threads of about equal cost.

The split pump (:func:`preserve.fixity.pumps.pump_split`) runs one lane per thread, never more
threads than cores, so the slowest algorithm gets a core of its own instead of sharing two
cores with three busy threads.
"""
from __future__ import annotations

import time
from collections.abc import Sequence

from preserve.fixity.algorithms import new_hasher

#: Estimated CPU per byte of writing a copy and of reading the source, in the unit of
#: :func:`algorithm_cost` (ns per byte, page-cache copies).
COPY_COST = 0.7
READ_COST = 0.3

_algorithm_costs: dict[str, float] = {}


def algorithm_cost(name: str) -> float:
    """ns of CPU per byte of one algorithm on this machine, measured once per process.

    Which algorithm is slowest depends on the CPU (sha256 is faster than sha512 on a CPU with
    SHA extensions, slower without), so the lanes are planned from measurements, not assumptions.
    """
    cost = _algorithm_costs.get(name)
    if cost is None:
        block = bytes(1 << 18)
        best = float("inf")
        for _ in range(3):
            h = new_hasher(name)
            started = time.perf_counter()
            h.update(block)
            best = min(best, time.perf_counter() - started)
        cost = _algorithm_costs[name] = max(best, 1e-9) * 1e9 / len(block)
    return cost


def plan_lanes(costs: Sequence[float], lanes: int) -> list[list[int]]:
    """Group consumers (by index) into at most ``lanes`` lanes of about equal total cost.

    Largest first, each to the lightest lane (longest-processing-time rule). Lane 0 is the
    reading thread's own, so it starts with the cost of the read. Empty lanes are dropped,
    except lane 0.
    """
    count = max(1, min(lanes, len(costs)))
    load = [READ_COST] + [0.0] * (count - 1)
    plan: list[list[int]] = [[] for _ in range(count)]
    for i in sorted(range(len(costs)), key=lambda i: -costs[i]):
        lightest = min(range(count), key=load.__getitem__)
        plan[lightest].append(i)
        load[lightest] += costs[i]
    return [plan[0]] + [lane for lane in plan[1:] if lane]
