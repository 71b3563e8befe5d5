"""SLA timers in the spec (docs/spec.md, "SLA timers"): where an ``sla`` may be, what its ``escalate``
may name (E036, E037), its range (E029) and shape (E001); escalation nodes are exempt from the
reachability and dead-end rules only when an SLA names them.

Pure: no Django, no database."""
from __future__ import annotations

import copy

import pytest

from engine.spec.validate import validate_spec

ACTIVITIES = {"orders.review", "ops.page"}
YEAR = 365 * 86400


def _n(node_id, kind, **fields):
    return {"id": node_id, "type": kind, **fields}


def _e(source, target, branch=None):
    return {"id": f"e_{source}_{target}", "source": source, "target": target, **({"branch": branch} if branch else {})}


# start -> check (task) -> approval (signal) -> route (choice) -> done | pause (wait) -> done; page: escalation.
BASE = {
    "schema_version": 1,
    "settings": {"stuck_after": 600},
    "nodes": [
        _n("start", "start"),
        _n("check", "task", activity="orders.review"),
        _n("approval", "signal", signal="order.approved"),
        _n("route", "choice", rules=[{"id": "later", "condition": {"field": "input.later", "op": "is_true"}}]),
        _n("pause", "wait", seconds=5),
        _n("done", "end"),
        _n("page", "task", activity="ops.page"),
    ],
    "edges": [_e("start", "check"), _e("check", "approval"), _e("approval", "route"),
              _e("route", "pause", "later"), _e("route", "done", "default"), _e("pause", "done")],
}


def check(spec):
    return validate_spec(spec, activity_exists=ACTIVITIES)


def node(spec, node_id):
    return next(n for n in spec["nodes"] if n["id"] == node_id)


def with_sla(node_id, sla):
    def mutate(spec):
        node(spec, node_id)["sla"] = sla
    return mutate


def run_sla(sla):
    def mutate(spec):
        spec["settings"]["sla"] = sla
    return mutate


def both(*mutations):
    def mutate(spec):
        for m in mutations:
            m(spec)
    return mutate


def _drop_page(spec):
    spec["nodes"] = [n for n in spec["nodes"] if n["id"] != "page"]


def _page_edge(*edge):
    def mutate(spec):
        spec["edges"].append(_e(*edge))
    return mutate


def spec_with(mutate):
    spec = copy.deepcopy(BASE)
    mutate(spec)
    return spec


VALID = [
    ("node SLA, no escalation", both(_drop_page, with_sla("approval", {"within": 3600}))),
    ("node SLA escalating", with_sla("approval", {"within": 3600, "escalate": "page"})),
    ("run SLA escalating", run_sla({"within": 86400, "escalate": "page"})),
    ("run SLA alone", both(_drop_page, run_sla({"within": 0.5}))),
    ("two SLAs, one escalation", both(with_sla("check", {"within": 30, "escalate": "page"}),
                                      run_sla({"within": 60, "escalate": "page"}))),
    ("every type that waits", both(*(with_sla(n, {"within": 10}) for n in ("check", "approval", "pause")),
                                   run_sla({"within": 5, "escalate": "page"}))),
    ("at the maximum", both(with_sla("pause", {"within": YEAR, "escalate": "page"}))),
    ("an http escalation", both(_drop_page, lambda s: s["nodes"].append(
        _n("hook", "http", method="POST", url="https://ops.example.com/page")),
        with_sla("approval", {"within": 60, "escalate": "hook"}))),
]


@pytest.mark.parametrize("name, mutate", VALID, ids=[v[0] for v in VALID])
def test_valid_slas(name, mutate):
    assert check(spec_with(mutate)) == []


# (name, mutation, code, node_id of the error, path)
INVALID = [
    ("sla on start", with_sla("start", {"within": 5}), "E036", "start", "/nodes/0/sla"),
    ("sla on a choice", with_sla("route", {"within": 5}), "E036", "route", "/nodes/3/sla"),
    ("sla on an end", with_sla("done", {"within": 5}), "E036", "done", "/nodes/5/sla"),
    ("escalate to an unknown node", with_sla("approval", {"within": 5, "escalate": "nobody"}), "E037", "approval",
     "/nodes/2/sla/escalate"),
    ("escalate to a wait", both(with_sla("approval", {"within": 5, "escalate": "pause"})), "E037", "approval",
     "/nodes/2/sla/escalate"),
    ("escalate to an end", run_sla({"within": 5, "escalate": "done"}), "E037", None, "/settings/sla/escalate"),
    ("escalate to a task on the main path", with_sla("approval", {"within": 5, "escalate": "check"}), "E037",
     "approval", "/nodes/2/sla/escalate"),
    ("escalation with an outgoing edge", both(with_sla("approval", {"within": 5, "escalate": "page"}),
                                              _page_edge("page", "done")), "E037", "approval", "/nodes/2/sla/escalate"),
    ("escalation with an incoming edge", both(run_sla({"within": 5, "escalate": "page"}),
                                              lambda s: node(s, "route")["rules"].append(
                                                  {"id": "page_it", "condition": {"field": "input.x", "op": "exists"}}),
                                              _page_edge("route", "page", "page_it")), "E037", None,
     "/settings/sla/escalate"),
    ("within past a year", with_sla("approval", {"within": YEAR + 1}), "E029", "approval", "/nodes/2/sla/within"),
    ("run within past a year", run_sla({"within": 1e12}), "E029", None, "/settings/sla/within"),
    ("within 0", with_sla("approval", {"within": 0}), "E001", "approval", "/nodes/2/sla/within"),
    ("unknown field", with_sla("approval", {"within": 5, "page": "oncall"}), "E001", "approval", "/nodes/2/sla"),
    ("unknown run field", run_sla({"within": 5, "notify": True}), "E001", None, "/settings/sla"),
    ("no within", with_sla("approval", {"escalate": "page"}), "E001", "approval", "/nodes/2/sla"),
    ("escalate not an id", with_sla("approval", {"within": 5, "escalate": "two words"}), "E001", "approval",
     "/nodes/2/sla/escalate"),
]


@pytest.mark.parametrize("name, mutate, code, node_id, path", INVALID, ids=[v[0] for v in INVALID])
def test_invalid_slas(name, mutate, code, node_id, path):
    errors = check(spec_with(mutate))
    matching = [e for e in errors if e["code"] == f"spec.{code}" and e["path"] == path]
    assert matching, errors
    assert matching[0]["node_id"] == node_id


def test_an_edgeless_node_no_sla_names_is_still_unreachable_and_a_dead_end():
    errors = check(copy.deepcopy(BASE))   # page: no SLA escalates to it
    assert {(e["code"], e["node_id"]) for e in errors} == {("spec.E008", "page"), ("spec.E009", "page")}


def test_a_named_escalation_is_neither_unreachable_nor_a_dead_end_but_other_problems_stay():
    spec = spec_with(with_sla("approval", {"within": 5, "escalate": "page"}))
    node(spec, "page")["activity"] = "ops.unknown"
    assert [(e["code"], e["node_id"]) for e in check(spec)] == [("spec.E013", "page")]


def test_sla_on_a_wrong_node_with_another_unknown_field_is_a_shape_error():
    spec = spec_with(both(_drop_page, with_sla("route", {"within": 5})))
    node(spec, "route")["colour"] = "red"
    assert [e["code"] for e in check(spec)] == ["spec.E001"]


def test_sub_flows_have_their_own_escalations():
    inner = {"nodes": [_n("start", "start"), _n("poll", "task", activity="orders.review",
                                                 sla={"within": 5, "escalate": "page_inner"}),
                       _n("page_inner", "task", activity="ops.page"), _n("end", "end")],
             "edges": [_e("start", "poll"), _e("poll", "end")]}
    spec = spec_with(lambda s: s["nodes"].__setitem__(4, _n("pause", "loop", max_iterations=3, flow=inner, until={
        "field": "iteration.index", "op": "gte", "value": 1}, sla={"within": 60, "escalate": "page"})))
    assert check(spec) == []
    inner["nodes"][1]["sla"]["escalate"] = "page"   # the outer graph's node: not in the sub-flow's
    errors = check(spec)
    assert {(e["code"], e["node_id"]) for e in errors} == {("spec.E037", "pause"), ("spec.E008", "pause"),
                                                           ("spec.E009", "pause")}
    assert all("page_inner" in e["message"] for e in errors if e["code"] != "spec.E037")   # now named by none
