"""A map node's spec: its own checks (stable codes), its sub-flow checked as a spec, and the
tolerance it allows, as a count or a share of the items."""
import copy

import pytest

from engine.nodes.map import progress, tolerated
from engine.spec.validate import validate_spec
from engine.states import RunStatus

ACTIVITIES = {"shop.reserve_item", "shop.release_item"}
FLOW = {"nodes": [{"id": "start", "type": "start"}, {"id": "reserve", "type": "task", "activity": "shop.reserve_item"},
                  {"id": "end", "type": "end", "output": "data.reserve"}],
        "edges": [{"id": "e1", "source": "start", "target": "reserve"},
                  {"id": "e2", "source": "reserve", "target": "end"}]}


def spec(**fields):
    node = {"id": "lines", "type": "map", "items": "input.lines", "flow": copy.deepcopy(FLOW), **fields}
    node = {k: v for k, v in node.items() if v is not None}
    return {"schema_version": 1, "nodes": [{"id": "start", "type": "start"}, node, {"id": "end", "type": "end"}],
            "edges": [{"id": "a", "source": "start", "target": "lines"}, {"id": "b", "source": "lines", "target": "end"}]}


def codes(s):
    return sorted((e["code"], e["node_id"], e["path"]) for e in validate_spec(s, activity_exists=ACTIVITIES))


def test_a_map_with_a_valid_sub_flow_is_valid():
    assert codes(spec()) == []
    assert codes(spec(max_concurrency=100, tolerated_failures="10%", on_failure="incident",
                      input={"sku": "item.value.sku", "n": "item.index", "order": "input.order_id"})) == []
    assert codes(spec(tolerated_failures=3)) == [] and codes(spec(tolerated_failures="100%")) == []


@pytest.mark.parametrize("change, expected", [
    ({"items": None}, [("spec.E034", "lines", "/nodes/1")]),
    ({"items": "input.["}, [("spec.E015", "lines", "/nodes/1/items")]),
    ({"items": 3}, [("spec.E001", "lines", "/nodes/1/items")]),
    ({"max_concurrency": 0}, [("spec.E001", "lines", "/nodes/1/max_concurrency")]),
    ({"max_concurrency": 101}, [("spec.E029", "lines", "/nodes/1/max_concurrency")]),
    ({"tolerated_failures": "101%"}, [("spec.E001", "lines", "/nodes/1/tolerated_failures")]),
    ({"tolerated_failures": "ten"}, [("spec.E001", "lines", "/nodes/1/tolerated_failures")]),
    ({"tolerated_failures": -1}, [("spec.E001", "lines", "/nodes/1/tolerated_failures")]),
    ({"flow": None}, [("spec.E001", "lines", "/nodes/1")]),
    ({"input": {"sku": 3}}, [("spec.E001", "lines", "/nodes/1/input/sku")]),
])
def test_the_maps_own_problems(change, expected):
    assert codes(spec(**change)) == expected


def test_the_sub_flows_problems_are_the_maps_and_compensations_inside_are_allowed():
    flow = copy.deepcopy(FLOW)
    flow["edges"].pop()                       # reserve is a dead end, end unreachable: a sub-flow without an end
    errors = validate_spec(spec(flow=flow), activity_exists=ACTIVITIES)
    assert sorted((e["code"], e["path"]) for e in errors) == [("spec.E008", "/nodes/1/flow/nodes/2"),
                                                               ("spec.E009", "/nodes/1/flow/nodes/1")]
    assert all(e["node_id"] == "lines" and e["message"].startswith("in the sub-flow of 'lines': ") for e in errors)
    flow = copy.deepcopy(FLOW)   # an item's steps are undone with its map: a compensation inside is fine
    flow["nodes"][1]["compensation"] = {"activity": "shop.release_item"}
    assert codes(spec(flow=flow)) == []
    flow["nodes"][1]["compensation"] = {"activity": "shop.nope"}
    assert codes(spec(flow=flow)) == [("spec.E014", "lines", "/nodes/1/flow/nodes/1/compensation/activity")]


@pytest.mark.parametrize("value, count, allowed", [
    (0, 50, 0), (3, 50, 3), ("10%", 50, 5), ("10%", 9, 0), ("100%", 7, 7), ("0%", 1000, 0), ("33%", 1000, 330),
])
def test_tolerated_failures_is_a_count_or_a_share_rounded_down(value, count, allowed):
    assert tolerated({"tolerated_failures": value}, count) == allowed


def test_progress_counts_items_by_state():
    runs = {0: ("a", RunStatus.COMPLETED), 1: ("b", RunStatus.RUNNING), 2: ("c", RunStatus.COMPENSATED),
            3: ("d", RunStatus.FAILED), 4: ("e", RunStatus.WAITING), 5: ("f", RunStatus.CANCELLED)}
    assert progress(runs, 10) == {"total": 10, "succeeded": 1, "failed": 2, "stopped": 1, "running": 2, "pending": 4}
