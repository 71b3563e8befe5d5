"""Hostile expressions and huge values end to end, in-process (the real executor, no worker):
a step whose input cannot be computed fails with ExpressionLimit and the run follows its
failure policy, wherever the expression is evaluated (a worker's claim, an http call, a
start request, the scheduler's sweep); the validator refuses what is provably too costly
or out of range at publish; the largest allowed durations run without overflow."""
import datetime as dt
import logging

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from engine import protocol, scheduler
from engine.models import StepRun, WorkflowRun
from engine.services.runs import run_signal, run_start
from engine.spec.schema import (MAX_ATTEMPT_TIMEOUT, MAX_ATTEMPTS, MAX_BACKOFF_COEFFICIENT, MAX_RETRY_INTERVAL,
                                MAX_STUCK_AFTER, MAX_WAIT_SECONDS)
from engine.store import steps as store
from tests.support.flows import chain, drain, edge, event_types, make_due, node, publish, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)

TEN = ",".join(["@"] * 10)
# 100x its input (E028 lets it through: 100 <= 10000); over a 60 KB input that is 6 MB.
BLOWUP = f"to_string([{TEN}] | [{TEN}])"
BIG_INPUT = {"blob": "x" * 60_000, "items": [{"sku": f"s{i}"} for i in range(10)]}
PROVABLY_COSTLY = "|".join(["[@,@]"] * 20)


def _step(run_id, node_id) -> StepRun:
    return StepRun.objects.get(run_id=run_id, node_id=node_id, kind="node")


def _choice_spec(*before, field: str) -> dict:
    return {"schema_version": 1, "nodes": [
        node("start", "start"), *before,
        node("route", "choice", rules=[{"id": "big", "condition": {"field": field, "op": "exists"}}]),
        node("yes", "end"), node("no", "end")],
        "edges": [edge("start", before[0]["id"] if before else "route"),
                  *([edge(before[0]["id"], "route")] if before else []),
                  edge("route", "yes", "big"), edge("route", "no", "default")]}


def assert_failed_with_limit(run_id, node_id, status="aborted"):
    run = WorkflowRun.objects.get(pk=run_id)
    step = _step(run_id, node_id)
    assert step.status == "failed" and step.error["type"] == "ExpressionLimit", (step.status, step.error)
    assert "stopped" in step.error["message"] or "out of range" in step.error["message"], step.error
    assert run.status == status and run.error["type"] == "ExpressionLimit" and run.error["node_id"] == node_id
    assert not StepRun.objects.filter(run_id=run_id, status__in=["scheduled", "running"]).exists()
    return run, step


def test_a_poisoned_task_input_fails_its_step_once_and_the_run_ends(ledger):
    publish("poisoned", chain(task("a", input={"v": BLOWUP}), task("b")))
    run, _ = run_start(definition_key="poisoned", input=BIG_INPUT)
    assert drain(run.id) == 1
    run, step = assert_failed_with_limit(run.id, "a")
    assert step.error["attempt"] == 1 and "MAX_EXPRESSION_VALUE_BYTES" in step.error["message"]
    assert ledger.names() == []   # the activity never ran
    assert "step.failed" in event_types(run.id) and event_types(run.id)[-1] == "run.aborted"
    # Harmless input, same definition: it runs.
    ok, _ = run_start(definition_key="poisoned", input={"blob": "x"})
    drain(ok.id)
    assert WorkflowRun.objects.get(pk=ok.id).status == "completed"


def test_the_failure_policy_decides_what_follows(ledger):
    publish("incident", chain(task("a", input={"v": BLOWUP}, on_failure="incident")))
    run, _ = run_start(definition_key="incident", input=BIG_INPUT)
    drain(run.id)
    assert_failed_with_limit(run.id, "a", status="failed")   # waits for an operator


@pytest.mark.parametrize("mapping, run_input", [
    ("to_number(input.big)", {"big": "1e999"}),
    ("sum(input.nums)", {"nums": [1e308, 1e308]}),
    ("ceil(input.n)", {"n": 1e300}),
    ("to_number(input.digits)", {"digits": "9" * 5000}),
], ids=["to_number", "sum", "ceil", "digits"])
def test_a_mapping_yielding_a_non_finite_number_fails_the_step(ledger, mapping, run_input):
    publish("numbers", chain(task("a", input={"v": mapping})))
    run, _ = run_start(definition_key="numbers", input=run_input)
    drain(run.id)
    assert_failed_with_limit(run.id, "a")


def test_an_http_template_past_a_limit_fails_without_a_retry(ledger):
    url = "http://127.0.0.1:9/{{ " + BLOWUP + " }}"
    publish("http_blowup", chain(node("call", "http", method="GET", url=url, retry={"max_attempts": 5})))
    run, _ = run_start(definition_key="http_blowup", input=BIG_INPUT)
    drain(run.id)
    run, step = assert_failed_with_limit(run.id, "call")
    assert step.attempt == 1 and len(step.attempts) == 1


def test_an_end_output_past_a_limit_fails_the_end_step(ledger):
    spec = chain(task("a"))
    spec["nodes"][-1]["output"] = {"v": BLOWUP}
    publish("end_blowup", spec)
    run, _ = run_start(definition_key="end_blowup", input=BIG_INPUT)
    drain(run.id)
    assert _step(run.id, "end").error["type"] == "ExpressionLimit"
    assert WorkflowRun.objects.get(pk=run.id).status in ("aborted", "failed")


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(make_user("hostile_designer", "operator", "designer"))
    return client


def _publish_via_api(api, key, spec):
    assert api.post("/api/definitions/", {"key": key, "name": key, "spec": spec}, format="json").status_code == 201
    return api.post(f"/api/definitions/{key}/versions/1/publish/")


def _codes(response):
    return {e["code"] for e in response.json()["errors"]}


def test_publish_refuses_a_provably_costly_choice(api):
    response = _publish_via_api(api, "costly", _choice_spec(field=f"length(to_string({PROVABLY_COSTLY}))"))
    assert response.status_code == 400 and _codes(response) == {"spec.E028"}, response.json()
    error = response.json()["errors"][0]
    assert error["node_id"] == "route" and error["path"].endswith("/condition/field")


def test_a_choice_right_after_start_that_blows_up_on_its_data_fails_the_run_not_the_request(api):
    # Accepted at publish (100x), but 100 copies of a 60 KB input do not fit: the start request
    # answers 201 with the run aborted, the choice's step carrying ExpressionLimit. Never a 500.
    assert _publish_via_api(api, "route", _choice_spec(field=BLOWUP)).status_code == 200
    response = api.post("/api/runs/", {"definition": "route", "input": BIG_INPUT}, format="json")
    assert response.status_code == 201, response.content[:500]
    assert response.json()["status"] == "aborted"
    assert_failed_with_limit(response.json()["id"], "route")
    # The same definition with small input takes its branch.
    small = api.post("/api/runs/", {"definition": "route", "input": {"blob": "x"}}, format="json").json()
    assert small["status"] == "completed" and {s["node_id"] for s in small["steps"]} >= {"route", "yes"}


def test_a_choice_after_a_wait_fails_the_run_in_the_scheduler_sweep(caplog):
    publish("later", _choice_spec(node("pause", "wait", seconds=1), field=BLOWUP))
    run, _ = run_start(definition_key="later", input=BIG_INPUT)
    other, _ = run_start(definition_key="later", input={"blob": "x"})
    assert _step(run.id, "pause").status == "waiting"
    make_due(run.id), make_due(other.id)
    with caplog.at_level(logging.ERROR, logger="engine.scheduler"):
        fired = scheduler.fire_timers(timezone.now() + dt.timedelta(seconds=1))
    assert fired == 2 and not [r for r in caplog.records if r.name == "engine.scheduler"], caplog.text
    assert_failed_with_limit(run.id, "route")
    assert WorkflowRun.objects.get(pk=other.id).status == "completed"
    assert scheduler.fire_timers(timezone.now() + dt.timedelta(seconds=1)) == 0   # nothing left to fire


def test_a_wait_until_past_a_limit_or_too_far_ahead_fails_its_step():
    publish("until", chain(node("pause", "wait", until="input.at")))
    far, _ = run_start(definition_key="until", input={"at": "2999-01-01T00:00:00Z"})
    step = _step(far.id, "pause")
    assert step.status == "failed" and step.error["type"] == "InvalidWaitUntil" and "365 days" in step.error["message"]
    edge_of_time, _ = run_start(definition_key="until", input={"at": "9999-12-31T23:59:59-23:59"})
    assert _step(edge_of_time.id, "pause").error["type"] == "InvalidWaitUntil"
    publish("until_blowup", chain(node("pause", "wait", until=BLOWUP)))
    blown, _ = run_start(definition_key="until_blowup", input=BIG_INPUT)
    assert_failed_with_limit(blown.id, "pause")


@pytest.mark.parametrize("field, value", [
    (("pause", "seconds"), 1e12), (("gate", "timeout"), 1e12), (("a", "timeout"), 1e12),
    (("a", "heartbeat_timeout"), 1e12), (("a", "retry", "initial_interval"), 1e12),
    (("a", "retry", "max_interval"), 1e12), (("a", "retry", "max_attempts"), 10 ** 12),
    (("a", "retry", "backoff_coefficient"), 1e12), (("a", "stuck_after"), 1e12),
], ids=lambda v: "/".join(v) if isinstance(v, tuple) else None)
def test_publish_refuses_huge_durations_and_counts(api, field, value):
    spec = _long_spec()
    target = next(n for n in spec["nodes"] if n["id"] == field[0])
    for key in field[1:-1]:
        target = target.setdefault(key, {})
    target[field[-1]] = value
    response = _publish_via_api(api, "huge", spec)
    # (an initial_interval over the maximum is over max_interval too: E022 as well)
    assert response.status_code == 400 and "spec.E029" in _codes(response) <= {"spec.E029", "spec.E022"}, \
        response.json()
    assert any("maximum" in e["message"] for e in response.json()["errors"])


def _long_spec() -> dict:
    """Every duration, interval and count at its maximum."""
    retry = {"max_attempts": MAX_ATTEMPTS, "initial_interval": MAX_RETRY_INTERVAL, "max_interval": MAX_RETRY_INTERVAL,
             "backoff_coefficient": MAX_BACKOFF_COEFFICIENT, "jitter": 1}
    spec = chain(task("a", activity="test.flaky", input={"succeed_on": "`2`"}, timeout=MAX_ATTEMPT_TIMEOUT,
                      heartbeat_timeout=MAX_ATTEMPT_TIMEOUT, retry=retry, stuck_after=MAX_STUCK_AFTER),
                 node("pause", "wait", seconds=MAX_WAIT_SECONDS),
                 node("gate", "signal", signal="go", timeout=MAX_WAIT_SECONDS))
    spec["settings"] = {"stuck_after": MAX_STUCK_AFTER}
    return spec


def test_the_largest_allowed_values_run_without_overflow(ledger):
    publish("longest", _long_spec())
    run, _ = run_start(definition_key="longest")
    drain(run.id)   # attempt 1 fails: its retry is due in up to 24 h
    a = _step(run.id, "a")
    assert a.status == "scheduled" and a.next_attempt_at - timezone.now() <= dt.timedelta(seconds=MAX_RETRY_INTERVAL)
    assert a.lease_expires_at is None and a.attempts[0]["status"] == "failed"
    make_due(run.id)
    drain(run.id)   # attempt 2 succeeds; the wait is armed 365 days out
    pause = _step(run.id, "pause")
    assert pause.status == "waiting"
    assert pause.next_attempt_at - timezone.now() > dt.timedelta(seconds=MAX_WAIT_SECONDS - 60)
    scheduler.scheduler_tick()   # stuck thresholds of 365 days, leases of 24 h: nothing overflows
    make_due(run.id)
    assert store.step_fire_timer(step_id=pause.id)
    gate = _step(run.id, "gate")
    assert gate.status == "waiting" and gate.next_attempt_at - timezone.now() > dt.timedelta(days=364)
    run_signal(run_id=run.id, name="go", payload={"ok": True}, reason="test")
    assert WorkflowRun.objects.get(pk=run.id).status == "completed"
    # The retry decision at the last attempts, with the largest coefficient.
    node_spec = _long_spec()["nodes"][1]
    for attempt in (MAX_ATTEMPTS - 2, MAX_ATTEMPTS - 1):
        decision = protocol.retry_decide(node_spec, attempt=attempt, error_type="Transient")
        assert decision.retry and 0 <= decision.delay <= MAX_RETRY_INTERVAL
        assert timezone.now() + dt.timedelta(seconds=decision.delay)
    assert not protocol.retry_decide(node_spec, attempt=MAX_ATTEMPTS, error_type="Transient").retry
