"""Expressions through the API: a run whose mappings and choices hold attack
strings evaluates them as jmespath over JSON and nothing else; the results are
plain JSON or null, no Python object, file or host is reached.
(tests/engine/test_spec__expressions.py covers the evaluator itself.)"""
from __future__ import annotations

import os

import pytest

from tests.support.flows import drain

# Each parses as jmespath (a field lookup, a literal, a function over data) and must yield data.
PARSING_ATTACKS = {
    "cls": "input.__class__",
    "mro": "input.__class__.__mro__",
    "quoted": "input.\"__class__\"",
    "globals": "@.__globals__",
    "run_globals": "run.__init__.__globals__",
    "dict": "input.__dict__",
    "literal": "input | `{\"__class__\": 1}`",
    "stringified": "to_string(input.payload)",
    "keys": "keys(@)",
    "path": "input.\"../../etc/passwd\"",
}


def _spec(marker: str) -> dict:
    return {"schema_version": 1, "nodes": [
        {"id": "start", "type": "start"},
        {"id": "probe", "type": "task", "activity": "flowdeck.noop", "input": PARSING_ATTACKS},
        {"id": "route", "type": "choice", "rules": [
            {"id": "attack", "condition": {"any": [
                {"field": "input.__class__", "op": "exists"},
                {"field": "data.probe.globals", "op": "exists"},
                {"field": "input.payload", "op": "eq", "value": "__import__('os').system('touch " + marker + "')"},
            ]}}]},
        {"id": "yes", "type": "end", "output": {"took": "'attack'"}},
        {"id": "no", "type": "end", "output": {"took": "'default'", "probe": "data.probe", "ctx": "keys(@)"}},
    ], "edges": [
        {"id": "e1", "source": "start", "target": "probe"}, {"id": "e2", "source": "probe", "target": "route"},
        {"id": "e3", "source": "route", "target": "yes", "branch": "attack"},
        {"id": "e4", "source": "route", "target": "no", "branch": "default"},
    ]}


def _plain_json(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                return False
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif not (item is None or isinstance(item, (str, int, float, bool))):
            return False
    return True


@pytest.mark.django_db
def test_a_test_run_with_attack_strings_in_its_mappings_yields_plain_json(client, world, tmp_path):
    marker = str(tmp_path / "pwned")
    payload = "__import__('os').system('touch " + marker + "')"
    created = client.post("/api/definitions/", {"key": "attacks", "name": "attacks"},
                          content_type="application/json")
    assert created.status_code == 201
    started = client.post("/api/definitions/attacks/test-runs/", {"spec": _spec(marker), "input": {
        "payload": "{{7*7}}", "__class__": None}}, content_type="application/json")
    assert started.status_code == 201, started.json()
    run_id = started.json()["run"]["id"]
    drain(run_id)
    run = client.get(f"/api/runs/{run_id}/").json()
    assert run["status"] == "completed", run
    probe = run["output"]["probe"]
    assert _plain_json(run["output"]) and _plain_json(run["data"])
    assert probe == {"cls": None, "mro": None, "quoted": None, "globals": None, "run_globals": None,
                     "dict": None, "literal": {"__class__": 1}, "stringified": "{{7*7}}",
                     "keys": ["input", "data", "run"], "path": None}
    assert run["output"]["took"] == "default"   # no attack condition held: data, not code
    assert run["output"]["ctx"] == ["input", "data", "run"]   # the context holds only JSON

    # The same payload as data, compared for equality: still a string, never executed.
    again = client.post("/api/definitions/attacks/test-runs/", {"spec": _spec(marker), "input": {
        "payload": payload}}, content_type="application/json").json()["run"]["id"]
    drain(again)
    assert client.get(f"/api/runs/{again}/").json()["output"] == {"took": "attack"}
    assert not os.path.exists(marker)


@pytest.mark.django_db
@pytest.mark.parametrize("expression", ["__import__('os').system('id')", "eval('1')", "open('/etc/passwd')",
                                        "input; import os", "{{ 7*7 }}", "lambda: 1"])
def test_expressions_that_are_not_jmespath_are_refused_with_their_location(client, world, expression):
    spec = _spec("/nonexistent")
    spec["nodes"][1]["input"] = {"x": expression}
    response = client.post("/api/definitions/flow/validate/", {"spec": spec}, content_type="application/json")
    assert response.status_code == 200 and response.json()["valid"] is False   # checked: not valid
    errors = response.json()["errors"]
    assert any(e["code"] == "spec.E015" and e["node_id"] == "probe" and e["path"] == "/nodes/1/input/x"
               for e in errors), errors
