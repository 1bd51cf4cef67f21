"""Lane planning: consumers of one large file grouped into threads of about equal cost."""
from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from preserve.fixity.lanes import COPY_COST, READ_COST, algorithm_cost, plan_lanes


@given(costs=st.lists(st.floats(0.01, 20), min_size=1, max_size=8), lanes=st.integers(1, 6))
@example(costs=[0.0625, 0.0625], lanes=2)  # the read alone outweighs both: they share the other lane
def test_lanes_share_every_consumer_out_evenly(costs: list[float], lanes: int) -> None:
    plan = plan_lanes(costs, lanes)
    assert sorted(i for lane in plan for i in lane) == list(range(len(costs)))
    assert 1 <= len(plan) <= lanes and all(plan[1:])
    loads = [sum(costs[i] for i in lane) for lane in plan]
    loads[0] += READ_COST
    # greedy to the lightest lane: no lane exceeds the even share by more than one consumer,
    # unless it is the reading lane holding the read alone (then no plan does better)
    bound = max(READ_COST, (sum(costs) + READ_COST) / len(plan) + max(costs))
    assert max(loads) <= bound + 1e-9


def test_the_slowest_algorithm_gets_a_thread_of_its_own() -> None:
    """sha512 (3 units) against sha256 (1) + copy on 2 cores: the reading thread takes sha256
    and the copy, one other thread sha512, instead of three threads on two cores."""
    costs = [1.0, 3.0, COPY_COST]  # sha256, sha512, copy
    assert plan_lanes(costs, 2) == [[0, 2], [1]]
    assert plan_lanes(costs, 1) == [[1, 0, 2]]
    assert plan_lanes(costs, 8) == [[2], [1], [0]]


def test_algorithm_costs_are_measured_once_and_positive() -> None:
    first = algorithm_cost("sha512")
    assert first > 0 and algorithm_cost("sha512") == first
