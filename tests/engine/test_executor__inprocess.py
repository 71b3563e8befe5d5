"""The step protocol end to end, with the real executor called in-process
(no worker): choices, parallel joins, retries, compensation, the history."""
import pytest

from engine.models import RunEvent, StepRun, WorkflowRun
from engine.services.runs import run_start
from tests.support.flows import (FAST_RETRY, assert_gapless, chain, drain, edge, event_types, make_due, node,
                                 publish, task)

pytestmark = pytest.mark.django_db(transaction=True)


def test_four_steps_complete_in_order_with_a_gapless_history(ledger):
    publish("four", chain(*(task(n, input={"name": f"'{n}'"}) for n in "abcd")))
    run, created = run_start(definition_key="four", input={"order": 1})
    assert created and run.status == "running"
    assert drain(run.id) == 4
    run.refresh_from_db()
    assert run.status == "completed"
    assert [r[0] for r in ledger.calls()] == ["a", "b", "c", "d"]
    assert set(run.data) == {"a", "b", "c", "d"}
    types = event_types(run.id)
    assert types[:2] == ["run.created", "run.started"] and types[-1] == "run.completed"
    assert types.count("step.started") == 4 and types.count("step.succeeded") == 6  # + start and end
    assert_gapless(run.id)


def test_business_key_makes_start_idempotent():
    publish("idem", chain(task("a")))
    first, created1 = run_start(definition_key="idem", business_key="order-1")
    again, created2 = run_start(definition_key="idem", business_key="order-1")
    assert created1 and not created2 and first.id == again.id
    assert WorkflowRun.objects.count() == 1


def test_choice_takes_the_first_matching_rule_else_default(ledger):
    spec = {"schema_version": 1, "nodes": [
        node("start", "start"),
        node("route", "choice", rules=[{"id": "big", "condition": {"field": "input.amount", "op": "gt",
                                                                    "value": 1000}}]),
        task("approve"), task("auto"), node("end", "end")],
        "edges": [edge("start", "route"), edge("route", "approve", "big"), edge("route", "auto", "default"),
                  {"id": "e_approve_end", "source": "approve", "target": "end"},
                  {"id": "e_auto_end", "source": "auto", "target": "end"}]}
    publish("route", spec)
    big, _ = run_start(definition_key="route", input={"amount": 5000})
    small, _ = run_start(definition_key="route", input={"amount": 5})
    drain(big.id), drain(small.id)
    assert set(StepRun.objects.filter(run=big).values_list("node_id", flat=True)) == {"start", "route", "approve", "end"}
    assert set(StepRun.objects.filter(run=small).values_list("node_id", flat=True)) == {"start", "route", "auto", "end"}
    assert WorkflowRun.objects.get(pk=big.id).data == {"approve": {"amount": 5000, "attempt": 1, "node": "approve"}}


def parallel_spec(mode="all"):
    return {"schema_version": 1, "nodes": [
        node("start", "start"), node("fork", "parallel"), task("left"), task("right"),
        node("join", "join", fork="fork", mode=mode), task("after"), node("end", "end")],
        "edges": [edge("start", "fork"), edge("fork", "left"), edge("fork", "right"), edge("left", "join"),
                  edge("right", "join"), edge("join", "after"), edge("after", "end")]}


def test_parallel_join_waits_for_every_branch(ledger):
    publish("par", parallel_spec())
    run, _ = run_start(definition_key="par")
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "completed"
    join = StepRun.objects.get(run=run, node_id="join")
    assert join.arrivals == 2 and join.status == "succeeded"
    assert ledger.names().count("after") == 1
    assert event_types(run.id).count("join.arrived") == 2


def test_retries_with_backoff_then_success_record_every_attempt(ledger):
    publish("flaky", chain(task("f", activity="test.flaky", input={"succeed_on": "`3`"}, retry=FAST_RETRY)))
    run, _ = run_start(definition_key="flaky")
    for _ in range(3):
        drain(run.id)
        make_due(run.id)
    run.refresh_from_db()
    assert run.status == "completed"
    step = StepRun.objects.get(run=run, node_id="f")
    assert step.attempt == 3
    assert [a["status"] for a in step.attempts] == ["failed", "failed", "succeeded"]
    assert step.attempts[0]["error"]["type"] == "Transient"
    retries = RunEvent.objects.filter(run=run, type="step.retry_scheduled").order_by("seq")
    assert [e.payload["delay"] for e in retries] == [0.2, 0.4]  # initial 0.2, coefficient 2, no jitter


def saga_spec(fail_type="CardDeclined", non_retryable=("CardDeclined",)):
    retry = {**FAST_RETRY, "non_retryable_errors": list(non_retryable)}
    return chain(
        task("charge", compensation={"activity": "test.compensate"}),
        task("reserve", compensation={"activity": "test.compensate"}),
        task("ship", activity="test.boom", input={"type": f"'{fail_type}'"}, retry=retry))


def test_non_retryable_error_compensates_in_reverse_completion_order(ledger):
    publish("saga", saga_spec())
    run, _ = run_start(definition_key="saga")
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "compensated"
    assert ledger.names() == ["charge", "reserve", "ship", "undo:reserve", "undo:charge"]
    ship = StepRun.objects.get(run=run, node_id="ship")
    assert ship.attempt == 1 and ship.status == "failed"
    types = event_types(run.id)
    assert types.index("compensation.started") < types.index("run.compensated")
    assert_gapless(run.id)


def test_without_compensations_a_failed_run_waits_for_an_operator(ledger):
    publish("nocomp", chain(task("a"), task("b", activity="test.boom", retry={"max_attempts": 1})))
    run, _ = run_start(definition_key="nocomp")
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "failed" and run.error["node_id"] == "b" and run.error["type"] == "Boom"


def test_a_duplicate_message_for_a_finished_step_changes_nothing(ledger):
    from engine.executor import step_execute
    publish("dup", chain(task("a")))
    run, _ = run_start(definition_key="dup")
    drain(run.id)
    step = StepRun.objects.get(run=run, node_id="a")
    before = event_types(run.id)
    assert step_execute(step_id=step.id) == "skipped: step is succeeded"
    assert event_types(run.id) == before
    assert len(ledger.calls("a")) == 1


def test_a_straggler_failing_while_compensating_does_not_block_compensation(ledger):
    """One branch fails for good while its sibling's attempt is still running;
    that attempt then fails too. Its retry could never be claimed (the run is
    compensating), so the failure is final and compensation finishes."""
    import time

    from engine.executor import step_execute
    from engine.store import steps
    spec = {"schema_version": 1, "nodes": [
        node("start", "start"), task("charge", compensation={"activity": "test.compensate"}), node("fork", "parallel"),
        task("left", activity="test.boom", input={"type": "'Boom'"}, retry={"max_attempts": 1}),
        task("right", retry=FAST_RETRY), node("join", "join", fork="fork"), node("end", "end")],
        "edges": [edge("start", "charge"), edge("charge", "fork"), edge("fork", "left"), edge("fork", "right"),
                  edge("left", "join"), edge("right", "join"), edge("join", "end")]}
    publish("straggle", spec)
    run, _ = run_start(definition_key="straggle")
    step_execute(step_id=StepRun.objects.get(run=run, node_id="charge").id)
    claim = steps.step_claim(step_id=StepRun.objects.get(run=run, node_id="right").id, worker="w:1:T")
    step_execute(step_id=StepRun.objects.get(run=run, node_id="left").id)
    assert WorkflowRun.objects.get(pk=run.id).status == "compensating"
    step_execute(step_id=StepRun.objects.get(run=run, node_id="charge", kind="compensation").id)
    assert WorkflowRun.objects.get(pk=run.id).status == "compensating"  # waits for the straggler
    steps.step_record_failure(claim=claim, error={"type": "Transient", "message": "connection reset"})
    time.sleep(0.3)
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "compensated" and run.error["node_id"] == "left"
    assert StepRun.objects.get(run=run, node_id="right").status == "failed"
    assert not StepRun.objects.filter(run=run, status__in=["scheduled", "running", "waiting"]).exists()
