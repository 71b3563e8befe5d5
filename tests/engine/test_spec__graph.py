"""Retry delays, the run-time Graph, checksum and diff. Pure."""
from __future__ import annotations

import copy
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.protocol import retry_decide
from engine.spec import Graph, checksum, diff_specs, retry_delay, retry_policy
from engine.spec.schema import RETRY_DEFAULTS
from tests.engine.test_spec__validation import BASE

# --- Retry ----------------------------------------------------------------------------


def test_retry_policy_fills_defaults():
    assert retry_policy({"type": "task"}) == RETRY_DEFAULTS
    assert retry_policy({"retry": {"max_attempts": 7}}) == {**RETRY_DEFAULTS, "max_attempts": 7}
    assert retry_policy({"activity": "refund", "retry": None}) == RETRY_DEFAULTS   # a compensation object


def test_retry_policy_does_not_share_the_default_list():
    retry_policy({})["non_retryable_errors"].append("X")
    assert RETRY_DEFAULTS["non_retryable_errors"] == []


NO_JITTER = {"jitter": 0}
MID = lambda: 0.5   # noqa: E731  rand() == 0.5 means no jitter
LOW = lambda: 0.0   # noqa: E731  the most negative jitter
HIGH = lambda: 1.0  # noqa: E731  the most positive (random() < 1, but the bound must hold)


@pytest.mark.parametrize("policy, attempt, rand, expected", [
    # defaults: 1s, x2, cap 60s, jitter 10%
    ({}, 1, MID, 1.0),
    ({}, 2, MID, 2.0),
    ({}, 3, MID, 4.0),
    ({}, 6, MID, 32.0),
    ({}, 7, MID, 60.0),         # 64 capped at 60
    ({}, 50, MID, 60.0),
    ({}, 10_000, MID, 60.0),    # no overflow
    ({}, 1, LOW, 0.9),          # -10%
    ({}, 1, HIGH, 1.1),         # +10%
    ({}, 3, LOW, 3.6),
    ({}, 7, LOW, 54.0),         # jitter below the cap
    ({}, 7, HIGH, 60.0),        # never above max_interval
    ({"initial_interval": 0.5, "backoff_coefficient": 3, **NO_JITTER}, 3, LOW, 4.5),
    ({"backoff_coefficient": 1, **NO_JITTER}, 9, HIGH, 1.0),   # constant
    ({"initial_interval": 5, "max_interval": 5, **NO_JITTER}, 4, MID, 5.0),
    ({"max_interval": 10, "jitter": 1}, 5, LOW, 0.0),           # full jitter reaches 0, never below
    ({"max_interval": 10, "jitter": 1}, 5, HIGH, 10.0),
])
def test_retry_delay(policy, attempt, rand, expected):
    assert retry_delay(policy, attempt, rand=rand) == pytest.approx(expected)


@given(attempt=st.integers(1, 200), r=st.floats(0, 1, exclude_max=True),
       initial=st.floats(0.001, 100), coefficient=st.floats(1, 10), jitter=st.floats(0, 1))
def test_retry_delay_bounds(attempt, r, initial, coefficient, jitter):
    policy = {"initial_interval": initial, "backoff_coefficient": coefficient, "max_interval": max(initial, 30),
              "jitter": jitter}
    base = min(initial * coefficient ** (attempt - 1), policy["max_interval"])
    delay = retry_delay(policy, attempt, rand=lambda: r)
    assert 0 <= delay <= policy["max_interval"]
    assert base * (1 - jitter) - 1e-9 <= delay <= base * (1 + jitter) + 1e-9


def test_retry_delay_uses_random_by_default():
    delays = {retry_delay({}, 3) for _ in range(50)}
    assert all(3.6 <= d <= 4.4 for d in delays) and len(delays) > 1


def test_retry_delay_rejects_attempt_zero():
    with pytest.raises(ValueError):
        retry_delay({}, 0)


@pytest.mark.parametrize("attempt, error_type, expected", [
    (1, "Timeout", True), (2, "Timeout", True), (3, "Timeout", False), (1, "CardDeclined", False),
])
def test_retry_decide_follows_the_policy(attempt, error_type, expected):
    node = {"retry": {"max_attempts": 3, "non_retryable_errors": ["CardDeclined"]}}
    assert retry_decide(node, attempt=attempt, error_type=error_type).retry is expected


# --- Graph ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph():
    return Graph(BASE)


def test_graph_nodes_and_start(graph):
    assert graph.start_id == "start"
    assert graph.node("charge")["activity"] == "payments.charge"
    assert graph.node_ids[:3] == ["start", "validate", "route"]
    assert graph.settings == {"stuck_after": 600}
    with pytest.raises(KeyError):
        graph.node("nope")


def test_graph_edges(graph):
    assert [e["id"] for e in graph.outgoing("route")] == ["e_large", "e_blocked", "e_default"]
    assert all(e["branch"] == "next" for e in graph.outgoing("fanout"))   # default filled in
    assert [e["source"] for e in graph.incoming("fanout")] == ["route", "review"]
    assert graph.incoming("start") == [] and graph.outgoing("done") == []


@pytest.mark.parametrize("node_id, branch, expected", [
    ("start", "next", ["validate"]),
    ("route", "large", ["review"]),
    ("route", "default", ["fanout"]),
    ("route", "next", []),
    ("review", "next", ["fanout"]),
    ("review", "timeout", ["rejected"]),
    ("fanout", "next", ["charge", "notify", "cooldown"]),
    ("done", "next", []),
])
def test_next_nodes(graph, node_id, branch, expected):
    assert graph.next_nodes(node_id, branch) == expected


def test_next_nodes_default_branch(graph):
    assert graph.next_nodes("joined") == ["ship"]


def test_fork_join(graph):
    assert graph.fork_branch_count("joined") == 3
    assert graph.fork_branch_count("inner_join") == 2
    assert graph.join_of("fanout") == "joined" and graph.fork_of("inner_join") == "inner"
    with pytest.raises(KeyError):
        graph.fork_branch_count("charge")


def test_compensable(graph):
    assert graph.compensable("charge")
    assert not graph.compensable("notify") and not graph.compensable("start")


def test_graph_is_isolated_from_the_spec():
    spec = copy.deepcopy(BASE)
    graph = Graph(spec)
    spec["nodes"][1]["activity"] = "changed"
    spec["edges"].clear()
    assert graph.node("validate")["activity"] == "orders.validate"
    assert graph.next_nodes("start") == ["validate"]


# --- Checksum ---------------------------------------------------------------------------


def test_checksum_is_stable_and_canonical():
    value = checksum(BASE)
    assert len(value) == 64 and int(value, 16) >= 0
    assert checksum(copy.deepcopy(BASE)) == value
    reordered = {key: BASE[key] for key in reversed(list(BASE))}
    reordered["nodes"] = [{k: n[k] for k in reversed(list(n))} for n in BASE["nodes"]]
    assert checksum(reordered) == value


def test_checksum_known_value():
    # sorted keys, no spaces, UTF-8 (not \u escapes)
    expected = hashlib.sha256('{"a":[1,"é"],"b":null}'.encode()).hexdigest()
    assert checksum({"b": None, "a": [1, "é"]}) == expected


def test_checksum_changes_with_content():
    changed = copy.deepcopy(BASE)
    changed["nodes"][1]["label"] = "x"
    assert checksum(changed) != checksum(BASE)
    assert checksum({"a": 1}) != checksum({"a": 1.0}) != checksum({"a": True})


# --- Diff --------------------------------------------------------------------------------


def test_diff_identical():
    assert diff_specs(BASE, copy.deepcopy(BASE)) == {
        "nodes": {"added": [], "removed": [], "changed": [], "moved": []},
        "edges": {"added": [], "removed": [], "changed": [], "moved": []},
        "settings_changed": False,
    }


def test_diff_reports_added_removed_changed_moved():
    new = copy.deepcopy(BASE)
    new["nodes"] = [n for n in new["nodes"] if n["id"] != "log"]
    new["nodes"].append({"id": "extra", "type": "task", "activity": "x"})
    nodes = {n["id"]: n for n in new["nodes"]}
    nodes["start"]["position"] = {"x": 10, "y": 0}                  # moved only
    nodes["validate"]["position"] = {"x": 5, "y": 5}                # moved (had no position)
    nodes["charge"]["timeout"] = 99                                  # changed
    nodes["notify"]["position"] = {"x": 1, "y": 1}
    nodes["notify"]["method"] = "PUT"                                # changed and moved: not "moved"
    new["edges"] = [e for e in new["edges"] if e["id"] != "e_log"]
    new["edges"].append({"id": "e_new", "source": "extra", "target": "done"})
    next(e for e in new["edges"] if e["id"] == "e_ship")["label"] = "then"
    new["settings"] = {"stuck_after": 60}
    assert diff_specs(BASE, new) == {
        "nodes": {"added": ["extra"], "removed": ["log"], "changed": ["start", "validate", "charge", "notify"],
                  "moved": ["start", "validate"]},
        "edges": {"added": ["e_new"], "removed": ["e_log"], "changed": ["e_ship"], "moved": []},
        "settings_changed": True,
    }


def test_diff_tolerates_invalid_specs():
    assert diff_specs(None, {"nodes": [{"id": "a"}, {"id": "a", "x": 1}, "junk"], "edges": 5}) == {
        "nodes": {"added": ["a"], "removed": [], "changed": [], "moved": []},
        "edges": {"added": [], "removed": [], "changed": [], "moved": []},
        "settings_changed": False,
    }
