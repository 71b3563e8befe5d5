"""A loop node's spec: its own checks (stable codes) and its sub-flow checked as a spec, each
problem reported on the loop node at its path inside ``flow``."""
import copy

import pytest

from engine.graphs import subflow_spec
from engine.spec import Graph
from engine.spec.validate import validate_spec

ACTIVITIES = {"shop.carrier_status", "shop.refund"}
FLOW = {"nodes": [{"id": "start", "type": "start"}, {"id": "check", "type": "task", "activity": "shop.carrier_status"},
                  {"id": "end", "type": "end", "output": "data.check"}],
        "edges": [{"id": "e1", "source": "start", "target": "check"}, {"id": "e2", "source": "check", "target": "end"}]}


def spec(**loop):
    node = {"id": "poll", "type": "loop", "max_iterations": 5,
            "until": {"field": "iteration.output.picked_up", "op": "is_true"}, "flow": copy.deepcopy(FLOW), **loop}
    node = {k: v for k, v in node.items() if v is not None}
    return {"schema_version": 1, "nodes": [{"id": "start", "type": "start"}, node, {"id": "end", "type": "end"}],
            "edges": [{"id": "a", "source": "start", "target": "poll"}, {"id": "b", "source": "poll", "target": "end"}]}


def codes(s):
    return sorted((e["code"], e["node_id"], e["path"]) for e in validate_spec(s, activity_exists=ACTIVITIES))


def test_a_loop_with_a_valid_sub_flow_is_valid():
    assert codes(spec()) == []
    assert codes(spec(until=None, **{"while": {"field": "iteration.index", "op": "lt", "value": 3}}, delay=300)) == []


@pytest.mark.parametrize("change, expected", [
    ({"max_iterations": None}, [("spec.E031", "poll", "/nodes/1")]),
    ({"until": None}, [("spec.E032", "poll", "/nodes/1")]),
    ({"while": {"field": "iteration.index", "op": "lt", "value": 3}}, [("spec.E032", "poll", "/nodes/1")]),
    ({"max_iterations": 1001}, [("spec.E029", "poll", "/nodes/1/max_iterations")]),
    ({"max_iterations": 0}, [("spec.E001", "poll", "/nodes/1/max_iterations")]),
    ({"delay": -1}, [("spec.E001", "poll", "/nodes/1/delay")]),
    ({"flow": None}, [("spec.E001", "poll", "/nodes/1")]),
    ({"flow": {"nodes": []}}, [("spec.E001", "poll", "/nodes/1/flow")]),
    ({"until": {"field": "iteration.[", "op": "is_true"}}, [("spec.E015", "poll", "/nodes/1/until/field")]),
])
def test_the_loops_own_problems(change, expected):
    assert codes(spec(**change)) == expected


def test_the_sub_flows_problems_are_the_loops_at_their_path_inside_flow():
    flow = copy.deepcopy(FLOW)
    flow["nodes"][1]["activity"] = "shop.nope"
    flow["edges"].pop()                                    # check is now a dead end, end unreachable
    errors = validate_spec(spec(flow=flow), activity_exists=ACTIVITIES)
    assert sorted((e["code"], e["path"]) for e in errors) == [
        ("spec.E008", "/nodes/1/flow/nodes/2"), ("spec.E009", "/nodes/1/flow/nodes/1"),
        ("spec.E013", "/nodes/1/flow/nodes/1/activity")]
    assert all(e["node_id"] == "poll" and e["message"].startswith("in the sub-flow of 'poll': ") for e in errors)


def test_a_sub_flow_without_a_start_and_a_compensation_inside_a_loop_are_refused():
    flow = copy.deepcopy(FLOW)
    flow["nodes"][1]["compensation"] = {"activity": "shop.refund"}
    assert codes(spec(flow=flow)) == [("spec.E033", "poll", "/nodes/1/flow")]
    flow = {"nodes": [{"id": "end", "type": "end"}], "edges": []}
    assert ("spec.E006", "poll", "/nodes") in [(c, n, p.replace("/nodes/1/flow", "")) for c, n, p in codes(spec(flow=flow))]


def test_loops_nest_and_each_sub_flow_is_walked_as_its_own_graph():
    inner = spec()["nodes"][1]
    outer_flow = {"nodes": [{"id": "start", "type": "start"}, {**inner, "id": "inner"}, {"id": "end", "type": "end"}],
                  "edges": [{"id": "a", "source": "start", "target": "inner"}, {"id": "b", "source": "inner", "target": "end"}]}
    s = spec(flow=outer_flow)
    assert codes(s) == []
    s["nodes"][1]["flow"]["nodes"][1]["flow"]["nodes"][1]["activity"] = "shop.nope"
    assert codes(s) == [("spec.E013", "poll", "/nodes/1/flow/nodes/1/flow/nodes/1/activity")]
    graph = Graph(subflow_spec(spec(flow=outer_flow), "poll/inner"))
    assert graph.start_id == "start" and graph.next_nodes("start") == ["check"]
    with pytest.raises(KeyError):
        subflow_spec(s, "poll/missing")
