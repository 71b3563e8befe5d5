"""Resuming a failed run reopens what its failure closed (docs/engine.md, "Resuming a failed run")."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from engine.errors import Conflict
from engine.models import RunEvent, StepRun, WorkflowRun
from engine.services import runs
from engine.services.actions import run_act
from engine.store import sql, steps
from tests.support.flows import assert_gapless, drain, edge, event_types, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)
ONE = {"max_attempts": 1}


@pytest.fixture
def ops():
    return get_user_model().objects.create_user("olivia", password="x")


def forked(left, right, *, mode="all", after=None):
    """start -> fork -> (left | right) -> join -> after -> end"""
    after = after or task("after")
    return {"schema_version": 1, "nodes": [
        node("start", "start"), node("fork", "parallel"), left, right, node("join", "join", fork="fork", mode=mode),
        after, node("end", "end")],
        "edges": [edge("start", "fork"), edge("fork", left["id"]), edge("fork", right["id"]),
                  edge(left["id"], "join"), edge(right["id"], "join"), edge("join", after["id"]),
                  edge(after["id"], "end")]}


def status(run) -> str:
    return WorkflowRun.objects.get(pk=run.id).status


def step(run, node_id, kind="node") -> StepRun:
    return StepRun.objects.get(run_id=run.id, node_id=node_id, kind=kind)


def act(run, action, **kw):
    return run_act(run_id=run.id, action=action, reason=kw.pop("reason", "ops ticket 7"), **kw)


def test_retry_from_failed_revives_the_join_the_failure_cancelled(ledger):
    # The reported strand: one branch succeeded, the other failed; the join was cancelled with the run.
    publish("strand", forked(task("fraud"), task("reserve", activity="test.flaky", input={"succeed_on": "`2`"},
                                                 retry=ONE)))
    run, _ = runs.run_start(definition_key="strand")
    drain(run.id)
    assert status(run) == "failed" and step(run, "join").status == "cancelled"
    act(run, "retry")
    drain(run.id)
    assert status(run) == "completed"
    assert step(run, "join").arrivals == 2 and step(run, "reserve").attempt == 2
    assert ledger.names().count("after") == 1
    assert "step.reopened" in event_types(run.id)
    assert_gapless(run.id)


def test_a_branch_that_finishes_while_the_run_is_failed_is_not_lost(ledger):
    publish("straggle", forked(task("fraud"), task("reserve", activity="test.boom", retry=ONE)))
    run, _ = runs.run_start(definition_key="straggle")
    fraud = step(run, "fraud")
    claim = steps.step_claim(step_id=fraud.id, worker="test:1:main")  # fraud is in flight...
    drain(run.id)                                                       # ...when reserve fails
    assert status(run) == "failed" and step(run, "fraud").status == "running"
    assert steps.step_record_success(claim=claim, output={"ok": True}) is True
    fraud = step(run, "fraud")
    assert fraud.status == "succeeded" and fraud.successors_pending and status(run) == "failed"
    assert not StepRun.objects.filter(run_id=run.id, node_id="join").exists()  # fraud's arrival waits for a resume
    act(run, "skip", node_id="reserve", output={"reserved": "by hand"})
    drain(run.id)
    assert status(run) == "completed" and step(run, "join").arrivals == 2
    assert not step(run, "fraud").successors_pending
    assert_gapless(run.id)


def test_waits_and_signals_get_their_own_time_back(ledger):
    spec = forked(node("approval", "signal", signal="go", timeout=3600),
                  task("reserve", activity="test.flaky", input={"succeed_on": "`2`"}, retry=ONE))
    publish("sig", spec)
    run, _ = runs.run_start(definition_key="sig")
    due = step(run, "approval").next_attempt_at
    drain(run.id)
    assert status(run) == "failed" and step(run, "approval").status == "cancelled"
    with pytest.raises(Conflict, match="the run is failed; send signal applies to a run that is pending"):
        act(run, "signal", signal="go")
    act(run, "retry_step", node_id="reserve")
    drain(run.id)
    approval = step(run, "approval")
    assert approval.status == "waiting" and approval.next_attempt_at == due  # the original timeout
    assert status(run) == "waiting"
    act(run, "signal", signal="go", payload={"ok": True})
    drain(run.id)
    assert status(run) == "completed"
    assert_gapless(run.id)


def test_retry_step_in_a_run_failed_at_two_steps_is_refused_until_one_is_skipped(ledger):
    publish("two", forked(task("left", activity="test.boom", retry=ONE), task("right", activity="test.boom",
                                                                              retry=ONE)))
    run, _ = runs.run_start(definition_key="two")
    left = step(run, "left")
    claim = steps.step_claim(step_id=left.id, worker="test:1:main")
    drain(run.id)  # right fails: the run fails; left is still in flight
    steps.step_record_failure(claim=claim, error={"type": "Boom", "message": "late"})
    assert step(run, "left").status == "failed" and status(run) == "failed"
    with pytest.raises(Conflict, match="failed too"):
        act(run, "retry_step", node_id="right")
    act(run, "skip", node_id="left", output={})
    assert status(run) == "failed"  # still failed at right
    assert WorkflowRun.objects.get(pk=run.id).error["node_id"] == "right"
    act(run, "skip", node_id="right", output={})
    drain(run.id)
    assert status(run) == "completed" and step(run, "join").arrivals == 2
    assert_gapless(run.id)


def test_retry_of_a_failed_signal_waits_again_instead_of_executing_it(ledger):
    publish("sigfail", {"schema_version": 1, "nodes": [node("start", "start"), node("s", "signal", signal="go",
                                                                                      timeout=3600, on_failure="incident"),
                                                         node("end", "end")],
                        "edges": [edge("start", "s"), edge("s", "end")]})
    run, _ = runs.run_start(definition_key="sigfail")
    StepRun.objects.filter(run_id=run.id).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    steps.step_fire_timer(step_id=step(run, "s").id)
    assert status(run) == "failed" and step(run, "s").error["type"] == "SignalTimeout"
    act(run, "retry_step", node_id="s")
    s = step(run, "s")
    assert s.status == "waiting" and s.next_attempt_at > timezone.now() and status(run) == "waiting"
    act(run, "signal", signal="go")
    assert status(run) == "completed"


def test_a_child_run_outlives_its_parents_incident_and_is_cancelled_when_the_parent_ends(ledger):
    publish("child", {"schema_version": 1, "nodes": [node("start", "start"), node("s", "signal", signal="child.go"),
                                                      node("end", "end")],
                      "edges": [edge("start", "s"), edge("s", "end")]})
    publish("parent", forked(node("sub", "subworkflow", definition="child"),
                             task("reserve", activity="test.flaky", input={"succeed_on": "`2`"}, retry=ONE)))
    run, _ = runs.run_start(definition_key="parent")
    drain(run.id)
    child = step(run, "sub").child_run
    assert status(run) == "failed" and step(run, "sub").status == "cancelled"
    assert status(child) == "waiting" and sql.orphan_children(run.id) == [child.id]
    act(run, "retry")
    drain(run.id)
    assert step(run, "sub").status == "waiting" and sql.orphan_children(run.id) == []
    act(child, "signal", signal="child.go")
    assert status(child) == "completed"
    assert runs.run_resume_parent(child_run_id=child.id) is True
    drain(run.id)
    assert status(run) == "completed"


def test_cancelling_a_failed_parent_cancels_the_child_it_kept(ledger):
    publish("child2", {"schema_version": 1, "nodes": [node("start", "start"), node("s", "signal", signal="x"),
                                                       node("end", "end")],
                       "edges": [edge("start", "s"), edge("s", "end")]})
    publish("parent2", forked(node("sub", "subworkflow", definition="child2"),
                              task("reserve", activity="test.boom", retry=ONE)))
    run, _ = runs.run_start(definition_key="parent2")
    drain(run.id)
    child = step(run, "sub").child_run
    assert status(run) == "failed" and status(child) == "waiting"
    act(run, "cancel")
    assert status(run) == "cancelled"
    runs.run_cancel_child(run_id=child.id)  # what the cancel_child message sent with the commit does
    assert status(child) == "cancelled"


def test_force_retry_abandons_an_attempt_whose_lease_expired(ledger):
    publish("force", {"schema_version": 1, "nodes": [node("start", "start"), task("ship"), node("end", "end")],
                      "edges": [edge("start", "ship"), edge("ship", "end")]})
    run, _ = runs.run_start(definition_key="force")
    ship = step(run, "ship")
    claim = steps.step_claim(step_id=ship.id, worker="gone-host:4242:Thread-1")
    with pytest.raises(Conflict, match="within its lease"):
        act(run, "force_retry", node_id="ship")
    StepRun.objects.filter(pk=ship.id).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=5))
    act(run, "force_retry", node_id="ship", reason="worker box died")
    ship = step(run, "ship")
    assert ship.status == "scheduled" and ship.attempts[-1]["status"] == "abandoned"
    assert ship.error["type"] == "AttemptAbandoned"
    assert steps.step_record_success(claim=claim, output={"late": True}) is False  # the old attempt's result
    drain(run.id)
    run = WorkflowRun.objects.get(pk=run.id)
    assert run.status == "completed" and run.data["ship"]["attempt"] == 2
    assert len(ledger.effects()) == 1
    forced = RunEvent.objects.get(run=run, type="operator.force_retry")
    assert forced.actor == "system" and forced.reason == "worker box died" and forced.payload["lease_expired"]
    assert_gapless(run.id)


def test_operator_events_carry_the_user_and_what_follows_is_the_systems(ops, ledger):
    publish("who", {"schema_version": 1, "nodes": [node("start", "start"), task("a", activity="test.boom",
                                                                               retry=ONE),
                                                    node("end", "end")],
                    "edges": [edge("start", "a"), edge("a", "end")]})
    run, _ = runs.run_start(definition_key="who", user=ops, reason="customer call")
    drain(run.id)
    act(run, "retry", user=ops)
    actors = dict(RunEvent.objects.filter(run=run).values_list("type", "actor"))
    assert actors["run.created"] == "olivia" and actors["operator.retry"] == "olivia"
    assert actors["step.scheduled"] == "system" and actors["run.started"] == "system"
    assert actors["run.running"] == "system"


# Found by the operator model (tests/support/operator_model.py); each failed before its fix.

def test_skipping_the_failed_step_counts_its_arrival_at_the_join_the_failure_closed(ledger):
    spec = forked(task("a", activity="test.boom", retry=ONE, on_failure="incident"), task("b"))
    spec["edges"].append(edge("fork", "join"))  # a third, empty branch: it arrives at once
    publish("skipjoin", spec)
    run, _ = runs.run_start(definition_key="skipjoin")
    drain(run.id)
    assert status(run) == "failed"
    act(run, "skip", node_id="a", output={})
    drain(run.id)
    assert status(run) == "completed" and step(run, "join").arrivals == 3
    assert_gapless(run.id)


def test_a_first_of_join_reached_by_an_empty_branch_opens_nothing_after_the_end(ledger):
    spec = forked(task("a"), task("b"), mode="first")
    spec["edges"].insert(1, edge("fork", "join"))  # the empty branch is activated first
    publish("emptyfirst", spec)
    run, _ = runs.run_start(definition_key="emptyfirst")
    drain(run.id)
    assert status(run) == "completed"
    assert not StepRun.objects.filter(run_id=run.id, status__in=["scheduled", "running", "waiting"]).exists()
    assert event_types(run.id)[-1] == "run.completed"


def test_a_step_claimed_inline_and_cancelled_in_the_same_transaction_is_not_run(ledger):
    from engine.executor import step_execute
    publish("inlinecancel", {"schema_version": 1, "nodes": [
        node("start", "start"), task("t0"), node("fork", "parallel"), task("a"),
        node("join", "join", fork="fork", mode="first"), node("end", "end")],
        "edges": [edge("start", "t0"), edge("t0", "fork"), edge("fork", "a"), edge("fork", "join"),
                  edge("a", "join"), edge("join", "end")]})
    run, _ = runs.run_start(definition_key="inlinecancel")
    step_execute(step_id=step(run, "t0").id, inline=True)  # what the execute_step actor does
    assert status(run) == "completed" and step(run, "a").status == "cancelled"
    assert "a" not in ledger.names()  # its side effect never happened
    assert event_types(run.id)[-1] == "run.completed"


def test_the_scheduler_cancels_a_child_whose_cancel_message_was_lost(ledger, monkeypatch):
    from engine.scheduler import cancel_orphans
    from engine.store import outbox
    publish("kid", {"schema_version": 1, "nodes": [node("start", "start"), node("s", "signal", signal="go"),
                                                    node("end", "end")], "edges": [edge("start", "s"), edge("s", "end")]})
    publish("mum", {"schema_version": 1, "nodes": [node("start", "start"), node("sub", "subworkflow", definition="kid"),
                                                    node("end", "end")], "edges": [edge("start", "sub"), edge("sub", "end")]})
    run, _ = runs.run_start(definition_key="mum")
    child = step(run, "sub").child_run
    sent = outbox.send
    monkeypatch.setattr(outbox, "send", lambda name, *a, **k: None if name == "cancel_child" else sent(name, *a, **k))
    act(run, "cancel")
    assert status(run) == "cancelled" and status(child) == "waiting"
    assert cancel_orphans() == 1
    assert status(child) == "cancelled" and cancel_orphans() == 0


def test_a_skip_that_resumes_into_the_end_is_recorded_before_it(ledger):
    publish("skipend", forked(task("a", activity="test.boom", retry=ONE, on_failure="incident"), task("b"),
                              mode="first"))
    run, _ = runs.run_start(definition_key="skipend")
    claim = steps.step_claim(step_id=step(run, "b").id, worker="test:1:main")  # b in flight...
    drain(run.id)                                                              # ...when a fails
    assert steps.step_record_success(claim=claim, output={}) is True           # b done while failed
    act(run, "skip", node_id="a", output={})
    drain(run.id)
    assert status(run) == "completed" and event_types(run.id)[-1] == "run.completed"
    assert step(run, "a").status == "skipped"
    assert_gapless(run.id)
