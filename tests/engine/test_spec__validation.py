"""validate_spec: one valid spec using every node type, then one mutation per problem.

Pure: no Django, no database. Activities come from a fake registry (a set).
"""
from __future__ import annotations

import copy
import json
import math
import pathlib
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import SpecInvalid
from engine.nodes import SPEC_JSON_SCHEMA
from engine.spec import MAX_SPEC_BYTES
from engine.spec.schema import spec_size_ok
from engine.spec.validate import ERROR_CODES, assert_valid, validate_spec

ROOT = pathlib.Path(__file__).resolve().parents[2]
ACTIVITIES = {"orders.validate", "payments.charge", "payments.refund", "audit.write", "log.write", "flowdeck.noop"}
DEFINITIONS = {"shipping"}


def _e(edge_id, source, target, branch=None):
    edge = {"id": edge_id, "source": source, "target": target}
    if branch:
        edge["branch"] = branch
    return edge


BASE = {
    "schema_version": 1,
    "settings": {"stuck_after": 600},
    "nodes": [
        {"id": "start", "type": "start", "label": "Start", "position": {"x": 0, "y": 0}},
        {"id": "validate", "type": "task", "activity": "orders.validate", "input": {"order": "input.order"},
         "description": "Checks the order", "stuck_after": 120},
        {"id": "route", "type": "choice", "rules": [
            {"id": "large", "label": "Large order",
             "condition": {"all": [{"field": "input.amount", "op": "gte", "value": 1000},
                                   {"not": {"field": "input.vip", "op": "is_true"}}]}},
            {"id": "blocked", "condition": {"field": "input.country", "op": "in", "value": ["XX", "YY"]}},
        ]},
        {"id": "review", "type": "signal", "signal": "order.approved", "timeout": 3600},
        {"id": "rejected", "type": "fail", "error": "not approved in time", "code": "timeout"},
        {"id": "blocked_fail", "type": "fail", "error": "country blocked"},
        {"id": "fanout", "type": "parallel"},
        {"id": "charge", "type": "task", "activity": "payments.charge", "timeout": 30, "heartbeat_timeout": 10,
         "input": {"amount": "input.amount", "currency": "'EUR'", "meta": {"order": "input.order.id"}},
         "retry": {"max_attempts": 5, "initial_interval": 2, "backoff_coefficient": 3, "max_interval": 120,
                   "jitter": 0.2, "non_retryable_errors": ["CardDeclined"]},
         "compensation": {"activity": "payments.refund", "input": {"charge": "data.charge.id"},
                          "retry": {"max_attempts": 10}}},
        {"id": "notify", "type": "http", "method": "POST",
         "url": "https://hooks.example.com/orders/{{ input.order.id }}?src={{ run.id }}",
         "headers": {"X-Business-Key": "{{ run.business_key }}", "Content-Type": "application/json"},
         "body": {"order": "input.order", "total": "input.amount"}, "expected_statuses": [200, 202],
         "timeout": 10, "retry": {"max_attempts": 2}},
        {"id": "cooldown", "type": "wait", "seconds": 5},
        {"id": "inner", "type": "parallel"},
        {"id": "audit", "type": "task", "activity": "audit.write"},
        {"id": "log", "type": "task", "activity": "log.write", "input": "data.validate"},
        {"id": "inner_join", "type": "join", "fork": "inner"},
        {"id": "joined", "type": "join", "fork": "fanout", "mode": "all"},
        {"id": "ship", "type": "subworkflow", "definition": "shipping", "version": 2,
         "input": {"order": "input.order"}},
        {"id": "pause", "type": "wait", "until": "input.ship_at"},
        {"id": "done", "type": "end", "output": {"charged": "data.charge", "shipped": "data.ship"}},
    ],
    "edges": [
        _e("e_start", "start", "validate"),
        _e("e_validate", "validate", "route"),
        _e("e_large", "route", "review", "large"),
        _e("e_blocked", "route", "blocked_fail", "blocked"),
        _e("e_default", "route", "fanout", "default"),
        _e("e_review", "review", "fanout"),
        _e("e_review_timeout", "review", "rejected", "timeout"),
        _e("e_fan_charge", "fanout", "charge"),
        _e("e_fan_notify", "fanout", "notify"),
        _e("e_fan_cool", "fanout", "cooldown"),
        _e("e_charge", "charge", "joined"),
        _e("e_notify", "notify", "joined"),
        _e("e_cool", "cooldown", "inner"),
        _e("e_inner_audit", "inner", "audit"),
        _e("e_inner_log", "inner", "log"),
        _e("e_audit", "audit", "inner_join"),
        _e("e_log", "log", "inner_join"),
        _e("e_inner_join", "inner_join", "joined"),
        _e("e_joined", "joined", "ship"),
        _e("e_ship", "ship", "pause"),
        _e("e_pause", "pause", "done"),
    ],
}


# payments.charge's input schema, as its @activity would declare it: the base spec's mapping fits.
SCHEMAS = {"payments.charge": {"type": "object", "required": ["amount", "currency"],
                               "properties": {"amount": {"type": "number"}, "currency": {"type": "string"},
                                              "meta": {"type": "object"}}}}


def check(spec):
    return validate_spec(spec, activity_exists=ACTIVITIES, definition_exists=DEFINITIONS.__contains__,
                         input_schema=SCHEMAS.get)


def codes(errors):
    return {e["code"] for e in errors}


def node(spec, node_id):
    return next(n for n in spec["nodes"] if n["id"] == node_id)


def edge(spec, edge_id):
    return next(e for e in spec["edges"] if e["id"] == edge_id)


def drop_node(spec, node_id):
    spec["nodes"] = [n for n in spec["nodes"] if n["id"] != node_id]


def drop_edge(spec, edge_id):
    spec["edges"] = [e for e in spec["edges"] if e["id"] != edge_id]


def add_rule(spec, rule_id, target):
    node(spec, "route")["rules"].append({"id": rule_id, "condition": {"field": "input.x", "op": "exists"}})
    spec["edges"].append(_e(f"e_{rule_id}", "route", target, rule_id))


def test_base_spec_is_valid():
    assert check(BASE) == []
    assert_valid(BASE, activity_exists=ACTIVITIES)


def test_hello_example_is_valid():
    document = json.loads((ROOT / "examples/definitions/hello.json").read_text())
    assert document["key"] == "hello" and document["name"]
    spec = document["spec"]
    assert validate_spec(spec, activity_exists={"flowdeck.noop"}) == []
    tasks = [n for n in spec["nodes"] if n["type"] == "task"]
    assert len(tasks) == 4 and {n["activity"] for n in tasks} == {"flowdeck.noop"}
    xs = [n["position"]["x"] for n in spec["nodes"]]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)   # laid out left to right


def test_assert_valid_raises_with_every_error():
    spec = copy.deepcopy(BASE)
    node(spec, "validate")["activity"] = "nope"
    node(spec, "charge")["compensation"]["activity"] = "nope"
    with pytest.raises(SpecInvalid) as raised:
        assert_valid(spec, activity_exists=ACTIVITIES)
    assert {e["code"] for e in raised.value.errors} == {"spec.E013", "spec.E014"}


def _set(path, value):
    """Mutation: set spec[path...] = value; path items are keys, indexes or ("node", id)/("edge", id)."""
    def mutate(spec):
        target = spec
        for part in path[:-1]:
            target = _step(spec, target, part)
        target[path[-1]] = value
    return mutate


def _step(spec, target, part):
    if isinstance(part, tuple):
        return node(spec, part[1]) if part[0] == "node" else edge(spec, part[1])
    return target[part]


def _deep_condition(depth):
    cond = {"field": "input.x", "op": "exists"}
    for _ in range(depth - 1):
        cond = {"not": cond}
    return cond


def _many_rules(spec):
    for i in range(21):
        add_rule(spec, f"r{i}", "blocked_fail")


def _two_starts(spec):
    spec["nodes"].append({"id": "start2", "type": "start"})
    spec["edges"].append(_e("e_start2", "start2", "done"))


def _no_start(spec):
    drop_node(spec, "start")
    drop_edge(spec, "e_start")


def _unreachable(spec):
    spec["nodes"].append({"id": "orphan", "type": "task", "activity": "audit.write"})
    spec["edges"].append(_e("e_orphan", "orphan", "done"))


def _second_next(spec):
    spec["edges"].append(_e("e_validate2", "validate", "blocked_fail"))


def _inner_join_names_fanout(spec):
    node(spec, "inner_join")["fork"] = "fanout"


def _branch_reaches_end(spec):
    edge(spec, "e_charge")["target"] = "done"


def _branches_merge(spec):
    edge(spec, "e_notify")["target"] = "charge"


def _join_from_outside(spec):
    add_rule(spec, "skip", "joined")


def _parallel_one_edge(spec):
    spec["nodes"] += [{"id": "solo", "type": "parallel"}, {"id": "solo_join", "type": "join", "fork": "solo"}]
    edge(spec, "e_pause")["target"] = "solo"
    spec["edges"] += [_e("e_solo", "solo", "solo_join"), _e("e_solo_join", "solo_join", "done")]


def _duplicate_pair(spec):
    spec["edges"].append(_e("e_fan_charge2", "fanout", "charge", "again"))


def _duplicate_parallel_branch(spec):
    edge(spec, "e_fan_charge")["branch"] = "x"
    edge(spec, "e_fan_notify")["branch"] = "x"


def _two_timeouts(spec):
    spec["edges"].append(_e("e_review_timeout2", "review", "blocked_fail", "timeout"))


def _wait_neither(spec):
    del node(spec, "cooldown")["seconds"]


def _dead_end(spec):
    drop_edge(spec, "e_ship")


def _start_two_edges(spec):
    spec["edges"].append(_e("e_start_b", "start", "blocked_fail"))


def _loop(drop=(), **fields):
    """The wait "cooldown" made a loop (one edge in, one "next" out, as a loop needs)."""
    def mutate(spec):
        inner = {"id": "check", "type": "task", "activity": "orders.validate", **fields.pop("inner", {})}
        loop = {"id": "cooldown", "type": "loop", "max_iterations": 3,
                "until": {"field": "iteration.index", "op": "gte", "value": 1},
                "flow": {"nodes": [{"id": "start", "type": "start"}, inner, {"id": "end", "type": "end"}],
                         "edges": [{"id": "a", "source": "start", "target": "check"},
                                   {"id": "b", "source": "check", "target": "end"}]}, **fields}
        for key in drop:
            loop.pop(key)
        spec["nodes"][[n["id"] for n in spec["nodes"]].index("cooldown")] = loop
    return mutate


def _map(drop=(), inner=None, **fields):
    """The wait "cooldown" made a map over input.lines (one edge in, one "next" out)."""
    def mutate(spec):
        task = {"id": "check", "type": "task", "activity": "orders.validate", **(inner or {})}
        node = {"id": "cooldown", "type": "map", "items": "input.lines",
                "flow": {"nodes": [{"id": "start", "type": "start"}, task, {"id": "end", "type": "end"}],
                         "edges": [{"id": "a", "source": "start", "target": "check"},
                                   {"id": "b", "source": "check", "target": "end"}]}, **fields}
        for key in drop:
            node.pop(key)
        spec["nodes"][[n["id"] for n in spec["nodes"]].index("cooldown")] = node
    return mutate


def _human(**fields):
    """The wait "cooldown" made a human task (one edge in, one "next" out)."""
    def mutate(spec):
        node = {"id": "cooldown", "type": "human", "title": "Check {{ input.order_id }}",
                "assignee": {"role": "operator"}, **fields}
        spec["nodes"][[n["id"] for n in spec["nodes"]].index("cooldown")] = node
    return mutate


# (name, mutation, expected code, node_id, edge_id); node_id/edge_id None = not asserted.
INVALID = [
    ("extra top-level key", _set(["viewport"], {}), "E001", None, None),
    ("task without activity", lambda s: node(s, "validate").pop("activity"), "E001", "validate", None),
    ("unknown node type", _set([("node", "audit"), "type"], "sleep"), "E001", "audit", None),
    ("unexpected node field", _set([("node", "audit"), "url"], "x"), "E001", "audit", None),
    ("edge without target", lambda s: edge(s, "e_pause").pop("target"), "E001", None, "e_pause"),
    ("node id pattern", _set([("node", "done"), "id"], "1-done"), "E001", "1-done", None),
    ("id with trailing newline", _set([("edge", "e_pause"), "id"], "e_pause\n"), "E001", None, None),
    ("max_attempts 0", _set([("node", "charge"), "retry", "max_attempts"], 0), "E001", "charge", None),
    ("jitter above 1", _set([("node", "charge"), "retry", "jitter"], 1.5), "E029", "charge", None),
    ("callback on a wait", _set([("node", "pause"), "callback"], {"timeout": 60}), "E030", "pause", None),
    ("loop without max_iterations", _loop(drop=("max_iterations",)), "E031", "cooldown", None),
    ("loop with until and while", _loop(**{"while": {"field": "iteration.index", "op": "lt", "value": 2}}), "E032",
     "cooldown", None),
    ("compensation in a loop's sub-flow", _loop(inner={"compensation": {"activity": "payments.refund"}}), "E033",
     "cooldown", None),
    ("unknown compensation in a map's sub-flow", _map(inner={"compensation": {"activity": "payments.nope"}}),
     "E014", "cooldown", None),
    ("map without items", _map(drop=("items",)), "E034", "cooldown", None),
    ("human form not a schema", _human(form={"type": "object", "properties": {"a": {"type": 5}}}), "E038",
     "cooldown", None),
    ("human form not of an object", _human(form={"type": "string"}), "E038", "cooldown", None),
    ("human assignee with role and user", _human(assignee={"role": "operator", "user": "bo"}), "E039", "cooldown",
     None),
    ("human assignee of an unknown role", _human(assignee={"role": "boss"}), "E039", "cooldown", None),
    ("human due past 365 days", _human(due=366 * 86400), "E029", "cooldown", None),
    ("sla on a choice", _set([("node", "route"), "sla"], {"within": 60}), "E036", "route", None),
    ("sla escalating to a node on the main path", _set([("node", "review"), "sla"], {"within": 60, "escalate": "charge"}),
     "E037", "review", None),
    ("input mapping without a required field", _set([("node", "charge"), "input"], {"amount": "input.amount"}),
     "E035", "charge", None),
    ("input literal of the wrong type", _set([("node", "charge"), "input", "amount"], "'12.50'"), "E035", "charge",
     None),
    ("map max_concurrency over 100", _map(max_concurrency=101), "E029", "cooldown", None),
    ("map tolerated_failures over 100%", _map(tolerated_failures="101%"), "E001", "cooldown", None),
    ("callback timeout past 30 days", _set([("node", "charge"), "callback"], {"timeout": 31 * 86400}), "E029",
     "charge", None),
    ("negative timeout", _set([("node", "charge"), "timeout"], 0), "E001", "charge", None),
    ("status out of range", _set([("node", "notify"), "expected_statuses"], [99]), "E001", "notify", None),
    ("mapping leaf not a string", _set([("node", "charge"), "input", "amount"], 42), "E001", "charge", None),
    ("unknown condition op", _set([("node", "route"), "rules", 1, "condition", "op"], "like"), "E001", "route",
     None),
    ("in needs a list", _set([("node", "route"), "rules", 1, "condition", "value"], "XX"), "E001", "route", None),
    ("gte needs a value", lambda s: node(s, "route")["rules"][0]["condition"]["all"][0].pop("value"), "E001",
     "route", None),
    ("condition two shapes", _set([("node", "route"), "rules", 1, "condition", "not"], {}), "E001", "route", None),
    ("empty all", _set([("node", "route"), "rules", 0, "condition", "all"], []), "E001", "route", None),
    ("null byte in label", _set([("node", "audit"), "label"], "a\x00b"), "E001", None, None),
    ("NaN position", _set([("node", "start"), "position", "x"], math.nan), "E001", None, None),
    ("bad signal name", _set([("node", "review"), "signal"], "has space"), "E001", "review", None),
    ("bad definition key", _set([("node", "ship"), "definition"], "Shipping!"), "E001", "ship", None),
    ("schema_version 2", _set(["schema_version"], 2), "E002", None, None),
    ("duplicate node id", lambda s: s["nodes"].append({"id": "audit", "type": "parallel"}), "E003", "audit", None),
    ("duplicate edge id", _set([("edge", "e_log"), "id"], "e_audit"), "E004", None, "e_audit"),
    ("edge to unknown node", _set([("edge", "e_pause"), "target"], "nowhere"), "E005", None, "e_pause"),
    ("no start", _no_start, "E006", None, None),
    ("two starts", _two_starts, "E007", "start2", None),
    ("unreachable node", _unreachable, "E008", "orphan", None),
    ("dead end", _dead_end, "E009", "ship", None),
    ("cycle", lambda s: add_rule(s, "again", "validate"), "E010", "validate", None),
    ("edge into start", lambda s: add_rule(s, "restart", "start"), "E011", "start", "e_restart"),
    ("edge out of end", lambda s: s["edges"].append(_e("e_after", "done", "pause")), "E012", "done", "e_after"),
    ("edge out of fail", lambda s: s["edges"].append(_e("e_f", "rejected", "done")), "E012", "rejected", "e_f"),
    ("unknown activity", _set([("node", "audit"), "activity"], "audit.nope"), "E013", "audit", None),
    ("unknown compensation activity", _set([("node", "charge"), "compensation", "activity"], "x.y"), "E014",
     "charge", None),
    ("bad mapping expression", _set([("node", "charge"), "input", "amount"], "input.["), "E015", "charge", None),
    ("unknown function", _set([("node", "ship"), "input"], "evil(input)"), "E015", "ship", None),
    ("bad url placeholder", _set([("node", "notify"), "url"], "https://x/{{ input.[ }}"), "E015", "notify", None),
    ("bad condition field", _set([("node", "route"), "rules", 1, "condition", "field"], "a b"), "E015", "route",
     None),
    ("bad wait until", _set([("node", "pause"), "until"], "input.ship_at |"), "E015", "pause", None),
    ("bad end output", _set([("node", "done"), "output"], "`not json"), "E015", "done", None),
    ("choice without default", lambda s: drop_edge(s, "e_default"), "E016", "route", None),
    ("rule without edge", lambda s: drop_edge(s, "e_blocked"), "E017", "route", None),
    ("choice edge unknown branch", _set([("edge", "e_blocked"), "branch"], "nope"), "E017", "route", "e_blocked"),
    ("duplicate rule id", _set([("node", "route"), "rules", 1, "id"], "large"), "E017", "route", None),
    ("rule id default", _set([("node", "route"), "rules", 1, "id"], "default"), "E017", "route", None),
    ("task edge with a branch", _set([("edge", "e_ship"), "branch"], "other"), "E017", "ship", "e_ship"),
    ("parallel with one edge", _parallel_one_edge, "E018", "solo", None),
    ("join names a task", _set([("node", "joined"), "fork"], "charge"), "E019", "joined", None),
    ("parallel with two joins", _inner_join_names_fanout, "E019", "fanout", None),
    ("parallel without join", _inner_join_names_fanout, "E019", "inner", None),
    ("branch reaches end", _branch_reaches_end, "E019", "fanout", None),
    ("branches merge", _branches_merge, "E019", "fanout", None),
    ("join entered from outside", _join_from_outside, "E019", "joined", "e_skip"),
    ("label too long", _set([("node", "audit"), "label"], "x" * 201), "E020", "audit", None),
    ("edge label too long", _set([("edge", "e_log"), "label"], "x" * 201), "E020", None, "e_log"),
    ("too many rules", _many_rules, "E020", "route", None),
    ("expression too long", _set([("node", "audit"), "input"], "input" + ".a" * 500), "E020", "audit", None),
    ("condition too deep", _set([("node", "route"), "rules", 1, "condition"], _deep_condition(11)), "E020",
     "route", None),
    ("task with two next edges", _second_next, "E021", "validate", None),
    ("start with two edges", _start_two_edges, "E021", "start", None),
    ("signal without next", _set([("edge", "e_review"), "branch"], "timeout"), "E021", "review", None),
    ("max_interval below initial", _set([("node", "charge"), "retry", "max_interval"], 1), "E022", "charge", None),
    ("initial above default max", _set([("node", "notify"), "retry"], {"initial_interval": 120}), "E022",
     "notify", None),
    ("compensation retry", _set([("node", "charge"), "compensation", "retry"], {"initial_interval": 90}), "E022",
     "charge", None),
    ("wait with both", _set([("node", "cooldown"), "until"], "input.at"), "E023", "cooldown", None),
    ("wait with neither", _wait_neither, "E023", "cooldown", None),
    ("unknown subworkflow", _set([("node", "ship"), "definition"], "nope"), "E024", "ship", None),
    ("timeout edge without timeout", lambda s: node(s, "review").pop("timeout"), "E025", "review",
     "e_review_timeout"),
    ("unknown method", _set([("node", "notify"), "method"], "FETCH"), "E026", "notify", None),
    ("unclosed placeholder", _set([("node", "notify"), "url"], "https://x/{{ input.id"), "E026", "notify", None),
    ("stray closing braces", _set([("node", "notify"), "url"], "https://x/}}"), "E026", "notify", None),
    ("url without http", _set([("node", "notify"), "url"], "file:///etc/passwd"), "E026", "notify", None),
    ("bad header name", _set([("node", "notify"), "headers"], {"Bad Header": "x"}), "E026", "notify", None),
    ("header line break", _set([("node", "notify"), "headers"], {"X-A": "a\r\nX-B: b"}), "E026", "notify", None),
    ("two edges between one pair", _duplicate_pair, "E027", "fanout", "e_fan_charge2"),
    ("duplicate parallel branch", _duplicate_parallel_branch, "E027", "fanout", "e_fan_notify"),
    ("two timeout edges", _two_timeouts, "E027", "review", "e_review_timeout2"),
    ("exponential expression", _set([("node", "audit"), "input"], {"x": "|".join(["[@,@]"] * 20)}), "E028",
     "audit", None),
    ("exponential placeholder", _set([("node", "notify"), "url"], "https://x/{{ " + "|".join(["[@,@]"] * 63) + " }}"),
     "E028", "notify", None),
    ("exponential condition", _set([("node", "route"), "rules", 1, "condition", "field"],
                                   "length(to_string(" + "|".join(["[@,@,@,@]"] * 8) + "))"), "E028", "route", None),
    ("non-finite literal", _set([("node", "audit"), "input"], {"x": "`1e400`"}), "E029", "audit", None),
    ("NaN literal", _set([("node", "pause"), "until"], "`NaN`"), "E029", "pause", None),
    ("wait of 1e12 s", _set([("node", "cooldown"), "seconds"], 1e12), "E029", "cooldown", None),
]


@pytest.mark.parametrize("name, mutate, code, node_id, edge_id", INVALID, ids=[case[0] for case in INVALID])
def test_invalid_spec_reports_code(name, mutate, code, node_id, edge_id):
    spec = copy.deepcopy(BASE)
    mutate(spec)
    errors = check(spec)
    matching = [e for e in errors if e["code"] == f"spec.{code}"]
    assert matching, f"expected spec.{code}, got {errors}"
    if node_id is not None:
        assert node_id in {e["node_id"] for e in matching}, matching
    if edge_id is not None:
        assert edge_id in {e["edge_id"] for e in matching}, matching
    for error in errors:
        assert set(error) == {"code", "message", "node_id", "edge_id", "path"}
        assert error["code"] in ERROR_CODES and error["message"]
        assert error["path"] is None or error["path"] == "" or error["path"].startswith("/")


def test_every_code_is_exercised_and_documented():
    exercised = {f"spec.{case[2]}" for case in INVALID}
    assert exercised == set(ERROR_CODES)
    docs = (ROOT / "docs/spec.md").read_text()
    for code in ERROR_CODES:
        assert code.removeprefix("spec.") in docs, code


# Every duration, timeout, interval and count with its maximum: the maximum passes, past it is E029.
RANGES = [
    ([("node", "cooldown"), "seconds"], 365 * 86400),
    ([("node", "review"), "timeout"], 365 * 86400),
    ([("node", "charge"), "timeout"], 86400),
    ([("node", "charge"), "heartbeat_timeout"], 86400),
    ([("node", "notify"), "timeout"], 86400),
    ([("node", "charge"), "retry", "max_attempts"], 1000),
    ([("node", "charge"), "retry", "max_interval"], 86400),
    ([("node", "charge"), "retry", "backoff_coefficient"], 100),
    ([("node", "charge"), "retry", "jitter"], 1),
    ([("node", "charge"), "compensation", "retry", "max_attempts"], 1000),
    ([("node", "validate"), "stuck_after"], 365 * 86400),
    (["settings", "stuck_after"], 365 * 86400),
    ([("node", "ship"), "version"], 2 ** 31 - 1),
    ([("node", "notify"), "expected_statuses", 0], 599),
]


@pytest.mark.parametrize("path, maximum", RANGES, ids=["/".join(str(p[1] if isinstance(p, tuple) else p)
                                                               for p in case[0]) for case in RANGES])
def test_ranges_have_a_maximum_reported_as_e029(path, maximum):
    at_max = copy.deepcopy(BASE)
    _set(path, maximum)(at_max)
    assert check(at_max) == [], path
    for past in (maximum + 1, maximum * 2, 1e12, 1e308):
        spec = copy.deepcopy(BASE)
        _set(path, past)(spec)
        errors = check(spec)
        assert [e["code"] for e in errors] == ["spec.E029"], (past, errors)
        assert str(maximum) in errors[0]["message"] and errors[0]["path"].endswith(f"/{path[-1]}"), errors


def test_initial_interval_has_a_maximum():
    spec = copy.deepcopy(BASE)
    node(spec, "charge")["retry"].update(initial_interval=86400, max_interval=86400)
    assert check(spec) == []
    node(spec, "charge")["retry"]["initial_interval"] = 86401
    assert "spec.E029" in codes(check(spec))


def test_errors_are_all_reported_at_once():
    spec = copy.deepcopy(BASE)
    node(spec, "audit")["activity"] = "nope"
    node(spec, "notify")["method"] = "FETCH"
    drop_edge(spec, "e_default")
    node(spec, "cooldown")["until"] = "x"
    assert {"spec.E013", "spec.E026", "spec.E016", "spec.E023"} <= codes(check(spec))


def test_schema_error_paths_point_into_nodes_and_edges():
    spec = copy.deepcopy(BASE)
    node(spec, "charge")["retry"]["max_attempts"] = 0
    edge(spec, "e_log")["extra"] = 1
    errors = check(spec)
    assert {(e["node_id"], e["path"]) for e in errors if e["node_id"]} == {("charge", "/nodes/7/retry/max_attempts")}
    assert [(e["edge_id"], e["path"]) for e in errors if e["edge_id"]] == [("e_log", "/edges/16")]


def test_subworkflow_not_checked_without_callback():
    spec = copy.deepcopy(BASE)
    node(spec, "ship")["definition"] = "unknown-flow"
    assert validate_spec(spec, activity_exists=ACTIVITIES) == []


def test_default_activity_registry_is_used():
    # The real registry (engine.activities) has none of the fake names.
    errors = validate_spec(BASE)
    assert {e["node_id"] for e in errors if e["code"] == "spec.E013"} == {"validate", "charge", "audit", "log"}


def test_bad_graph_shapes_skip_graph_checks():
    assert codes(validate_spec({"schema_version": 1, "nodes": {}, "edges": "x"})) == {"spec.E001"}
    errors = validate_spec({"schema_version": 1, "nodes": [None, 5, {"id": 3}], "edges": [[], {"id": "e"}]})
    assert codes(errors) <= {"spec.E001", "spec.E006"} and "spec.E001" in codes(errors)


def _deep_list(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def _deep_dict(depth):
    value = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("value", [
    None, [], "x", 5, 1.5, True, "\x00", "x" * 2_000_000, _deep_list(10_000), "{\"nodes\": []}", b"{}",
], ids=["null", "list", "string", "int", "float", "bool", "null byte", "huge string", "deep list", "json text",
        "bytes"])
def test_non_object_input_is_e001(value):
    assert [e["code"] for e in validate_spec(value)] == ["spec.E001"]


@pytest.mark.parametrize("mutate, code", [
    (_set([("node", "charge"), "input"], _deep_dict(10_000)), "spec.E020"),
    (_set([("node", "charge"), "description"], "x" * (MAX_SPEC_BYTES + 1)), "spec.E020"),
    (_set([("node", "charge"), "input", "k\x00"], "input"), "spec.E001"),
    (_set([("node", "charge"), "description"], "\ud800"), "spec.E001"),
    (_set([("node", "charge"), "timeout"], 10 ** 30), "spec.E001"),
    (_set([("node", "charge"), "timeout"], math.inf), "spec.E001"),
    (_set([("node", "charge"), "input"], {1: "input"}), "spec.E001"),
    (_set([("node", "charge"), "input"], {"a": object()}), "spec.E001"),
    (_set([("node", "charge"), "input"], ("input",)), "spec.E001"),
], ids=["deep dict", "over 1 MiB", "null byte key", "lone surrogate", "huge int", "infinity", "int key",
        "python object", "tuple"])
def test_hostile_values_inside_an_object(mutate, code):
    spec = copy.deepcopy(BASE)
    mutate(spec)
    assert code in codes(check(spec))


def test_ten_thousand_nodes_is_e020_quickly():
    spec = {"schema_version": 1,
            "nodes": [{"id": f"n{i}", "type": "task", "activity": "x"} for i in range(10_000)],
            "edges": [_e(f"e{i}", f"n{i}", f"n{i + 1}") for i in range(9_999)]}
    began = time.perf_counter()
    errors = validate_spec(spec)
    assert time.perf_counter() - began < 1.0
    assert [(e["code"], e["path"]) for e in errors] == [("spec.E020", "/nodes"), ("spec.E020", "/edges")]


def test_largest_allowed_spec_is_checked_quickly():
    nodes = [{"id": "start", "type": "start"}] + [
        {"id": f"n{i}", "type": "task", "activity": "x", "input": {"v": f"data.n{i - 1}.v || input.v"}}
        for i in range(1, 499)
    ] + [{"id": "end", "type": "end"}]
    ids = [n["id"] for n in nodes]
    spec = {"schema_version": 1, "nodes": nodes,
            "edges": [_e(f"e{i}", a, b) for i, (a, b) in enumerate(zip(ids, ids[1:]))]}
    began = time.perf_counter()
    assert validate_spec(spec, activity_exists={"x"}) == []
    assert time.perf_counter() - began < 3.0


def test_error_count_is_capped():
    spec = {"schema_version": 1, "nodes": [{"id": f"n{i}", "type": "task", "bogus": 1} for i in range(500)],
            "edges": [{"id": f"e{i}"} for i in range(2000)]}
    errors = validate_spec(spec)
    assert 1000 < len(errors) <= 1001 and "too many problems" in errors[-1]["message"]


def test_spec_size_ok():
    assert spec_size_ok(0) and spec_size_ok(MAX_SPEC_BYTES)
    assert not spec_size_ok(MAX_SPEC_BYTES + 1)


def test_json_schema_is_valid_draft_2020_12():
    from jsonschema import Draft202012Validator
    Draft202012Validator.check_schema(SPEC_JSON_SCHEMA)


def test_validation_does_not_mutate_input():
    spec = copy.deepcopy(BASE)
    check(spec)
    assert spec == BASE


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


def _crashed(errors):
    return [e for e in errors if "could not be fully checked" in e["message"]]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json)
def test_fuzz_any_json_never_raises(value):
    errors = validate_spec(value)
    assert isinstance(errors, list) and not _crashed(errors)


_KEYS = ["id", "type", "source", "target", "branch", "fork", "rules", "condition", "input", "retry", "url",
         "headers", "method", "until", "seconds", "timeout", "activity", "compensation", "mode", "all", "field"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_mutated_base_never_raises(data):
    spec = copy.deepcopy(BASE)
    for _ in range(data.draw(st.integers(1, 4))):
        items = spec[data.draw(st.sampled_from(["nodes", "edges"]))]
        item = items[data.draw(st.integers(0, len(items) - 1))]
        key = data.draw(st.sampled_from(_KEYS))
        if data.draw(st.booleans()):
            item[key] = data.draw(_json)
        else:
            item.pop(key, None)
    assert not _crashed(check(spec))


def test_spec_package_is_pure():
    # No Django (imports in a fresh interpreter) and no eval/exec anywhere in engine/spec.
    import re
    import subprocess
    import sys
    code = "import sys, engine.spec; sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
    for source in (ROOT / "engine/spec").glob("*.py"):
        assert not re.search(r"(?<![\w.])(eval|exec|compile|__import__)\(", source.read_text()), source
