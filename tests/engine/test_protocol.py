"""The step protocol's pure decisions, as tables."""
import pytest

from engine import protocol
from engine.protocol import StepState
from engine.nodes.join import join_ready
from engine.spec import Graph
from tests.engine.test_executor__inprocess import parallel_spec
from tests.support.flows import chain, edge, node, task

CHOICE = {"schema_version": 1, "nodes": [
    node("start", "start"),
    node("route", "choice", rules=[
        {"id": "vip", "condition": {"field": "input.tier", "op": "eq", "value": "gold"}},
        {"id": "big", "condition": {"any": [{"field": "input.amount", "op": "gte", "value": 1000},
                                            {"field": "input.force", "op": "is_true"}]}}]),
    task("a"), task("b"), task("c"), node("end", "end")],
    "edges": [edge("start", "route"), edge("route", "a", "vip"), edge("route", "b", "big"),
              edge("route", "c", "default"), edge("a", "end"), edge("b", "end"), edge("c", "end")]}


@pytest.mark.parametrize("input,expected", [
    ({"tier": "gold", "amount": 5}, ["a"]),
    ({"tier": "gold", "amount": 5000}, ["a"]),          # rules are ordered: first match wins
    ({"tier": "silver", "amount": 1000}, ["b"]),
    ({"amount": 999, "force": True}, ["b"]),
    ({"amount": 999}, ["c"]),
    ({"amount": "lots"}, ["c"]),                        # a type mismatch is false, never an error
    ({}, ["c"]),
])
def test_choice_routes(input, expected):
    graph = Graph(CHOICE)
    assert protocol.next_nodes(graph, "route", context={"input": input, "data": {}}) == expected


@pytest.mark.parametrize("node_id,output,expected", [
    ("start", None, ["fork"]),
    ("fork", None, ["left", "right"]),
    ("left", {}, ["join"]),
    ("join", None, ["after"]),
    ("end", None, []),
])
def test_next_nodes_of_a_parallel_flow(node_id, output, expected):
    assert protocol.next_nodes(Graph(parallel_spec()), node_id, output=output, context={}) == expected


@pytest.mark.parametrize("mode,arrivals,ready", [
    ("all", 0, False), ("all", 1, False), ("all", 2, True),
    ("first", 0, False), ("first", 1, True), ("first", 2, True),
])
def test_join_ready(mode, arrivals, ready):
    assert join_ready(Graph(parallel_spec(mode)), "join", arrivals) is ready


RETRY = {"max_attempts": 3, "initial_interval": 1, "backoff_coefficient": 2, "max_interval": 3, "jitter": 0,
         "non_retryable_errors": ["CardDeclined"]}


@pytest.mark.parametrize("attempt,error_type,retry,delay", [
    (1, "Timeout", True, 1.0),
    (2, "Timeout", True, 2.0),
    (3, "Timeout", False, 0.0),           # attempts used up
    (1, "CardDeclined", False, 0.0),      # listed as non-retryable
    (1, "HttpClientError", False, 0.0),   # a 4xx never gets better by retrying
    (1, "LeaseExpired", True, 1.0),       # a dead worker is worth a retry
])
def test_retry_decide(attempt, error_type, retry, delay):
    decision = protocol.retry_decide({"retry": RETRY}, attempt=attempt, error_type=error_type, rand=lambda: 0.5)
    assert (decision.retry, decision.delay) == (retry, delay)


def test_retry_delay_is_capped():
    policy = {"retry": {**RETRY, "max_attempts": 10}}
    delays = [protocol.retry_decide(policy, attempt=n, error_type="X", rand=lambda: 0.5).delay for n in range(1, 6)]
    assert delays == [1.0, 2.0, 3.0, 3.0, 3.0]


SAGA = chain(task("charge", compensation={"activity": "test.compensate"}), task("note"),
             task("reserve", compensation={"activity": "test.compensate"}), task("ship"))


@pytest.mark.parametrize("steps,expected", [
    ([], None),
    ([StepState("charge", "node", "succeeded", 1)], "charge"),
    ([StepState("charge", "node", "succeeded", 1), StepState("reserve", "node", "succeeded", 3)], "reserve"),
    ([StepState("charge", "node", "succeeded", 5), StepState("reserve", "node", "succeeded", 3)], "charge"),
    ([StepState("charge", "node", "succeeded", 1), StepState("reserve", "node", "succeeded", 3),
      StepState("reserve", "compensation", "succeeded", 4)], "charge"),       # at most once each
    ([StepState("charge", "node", "succeeded", 1), StepState("charge", "compensation", "failed", 2)], None),
    ([StepState("note", "node", "succeeded", 2)], None),                      # nothing to undo
    ([StepState("charge", "node", "skipped", 1)], None),                      # skipped never happened
    ([StepState("charge", "node", "failed", None)], None),
])
def test_compensation_next(steps, expected):
    assert protocol.compensation_next(Graph(SAGA), steps) == expected


@pytest.mark.parametrize("statuses,expected", [
    (["succeeded", "scheduled"], "running"),
    (["succeeded", "running", "waiting"], "running"),
    (["succeeded", "waiting"], "waiting"),
    (["succeeded", "failed"], None),
    ([], None),
])
def test_run_status_for(statuses, expected):
    steps = [StepState(f"n{i}", "node", s) for i, s in enumerate(statuses)]
    assert protocol.run_status_for(steps) == expected
