"""Operator services: each records who, why and what, and refuses what does not apply."""
import pytest
from django.contrib.auth import get_user_model

from engine import events
from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import RunEvent, StepRun, WorkflowRun
from engine.services import runs
from engine.services.definitions import draft_save, version_publish
from tests.support.flows import assert_gapless, chain, drain, event_types, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ops():
    return get_user_model().objects.create_user("olivia", password="x")


def failing_run(key="fails", **start):
    publish(key, chain(task("a"), task("b", activity="test.boom", retry={"max_attempts": 1}), task("c")))
    run, _ = runs.run_start(definition_key=key, **start)
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "failed"
    return run


def test_retry_a_failed_step_after_editing_data(ops, ledger):
    run = failing_run()
    runs.run_edit_data(run_id=run.id, data={**run.data, "fixed": True}, user=ops, reason="ticket 42")
    edited = RunEvent.objects.get(run=run, type="operator.data_edited")
    assert edited.actor == "olivia" and edited.reason == "ticket 42" and edited.payload["after"]["fixed"] is True
    assert "fixed" not in edited.payload["before"]
    runs.step_retry(run_id=run.id, node_id="b", user=ops, reason="downstream fixed")
    assert WorkflowRun.objects.get(pk=run.id).status == "running"
    retry = RunEvent.objects.get(run=run, type="operator.retry")
    assert (retry.actor, retry.reason, retry.node_id) == ("olivia", "downstream fixed", "b")
    drain(run.id)
    assert StepRun.objects.get(run=run, node_id="b").attempt == 2
    assert_gapless(run.id)


def test_skip_a_failed_step_with_an_output_and_go_on(ops, ledger):
    run = failing_run()
    runs.step_skip(run_id=run.id, node_id="b", output={"manual": True}, user=ops, reason="done by hand")
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "completed" and run.data["b"] == {"manual": True}
    assert StepRun.objects.get(run=run, node_id="b").status == "skipped"
    assert ledger.names() == ["a", "b", "c"]
    assert RunEvent.objects.get(run=run, type="operator.skip").actor == "olivia"


def test_skip_output_is_validated_against_the_output_schema(ops):
    publish("noopskip", chain(task("n", activity="flowdeck.noop")))  # noop's output schema: an object
    run, _ = runs.run_start(definition_key="noopskip")  # not drained: n stays scheduled
    with pytest.raises(InvalidInput, match="output schema") as info:
        runs.step_skip(run_id=run.id, node_id="n", output=[1, 2], user=ops)
    assert info.value.errors[0]["message"] == "[1, 2] is not of type 'object'"
    assert StepRun.objects.get(run=run, node_id="n").status == "scheduled"
    runs.step_skip(run_id=run.id, node_id="n", output={"ok": 1}, user=ops)
    assert WorkflowRun.objects.get(pk=run.id).status == "completed"


def test_actions_that_do_not_apply_are_conflicts(ops, ledger):
    publish("ok", chain(task("a")))
    run, _ = runs.run_start(definition_key="ok")
    drain(run.id)
    with pytest.raises(Conflict):
        runs.run_cancel(run_id=run.id, user=ops)
    with pytest.raises(Conflict):
        runs.step_retry(run_id=run.id, node_id="a", user=ops)
    with pytest.raises(Conflict):
        runs.run_signal(run_id=run.id, name="approve", user=ops)
    with pytest.raises(Conflict):
        runs.run_retry_from_failed(run_id=run.id, user=ops)
    with pytest.raises(Conflict):
        runs.run_edit_data(run_id=run.id, data={}, user=ops)
    with pytest.raises(NotFound):
        runs.step_retry(run_id=run.id, node_id="nope", user=ops)
    with pytest.raises(InvalidInput):
        runs.run_start(definition_key="ok", input=["not", "an", "object"])
    with pytest.raises(NotFound):
        runs.run_start(definition_key="missing")


def test_cancel_a_waiting_run(ops):
    publish("waits", chain(node("s", "signal", signal="go")))
    run, _ = runs.run_start(definition_key="waits")
    assert WorkflowRun.objects.get(pk=run.id).status == "waiting"
    runs.run_cancel(run_id=run.id, user=ops, reason="customer left")
    run.refresh_from_db()
    assert run.status == "cancelled" and StepRun.objects.get(run=run, node_id="s").status == "cancelled"
    assert event_types(run.id)[-3:] == ["operator.cancel", "step.cancelled", "run.cancelled"]


def test_signal_with_the_wrong_name_says_what_it_waits_for(ops):
    publish("sig", chain(node("s", "signal", signal="approve")))
    run, _ = runs.run_start(definition_key="sig")
    with pytest.raises(Conflict, match="it waits for: approve"):
        runs.run_signal(run_id=run.id, name="reject", user=ops)


def test_compensate_a_failed_run_by_hand(ops, ledger):
    publish("manual2", chain(task("charge", compensation={"activity": "test.compensate"}),
                             node("gate", "signal", signal="go")))
    run2, _ = runs.run_start(definition_key="manual2")
    drain(run2.id)
    assert WorkflowRun.objects.get(pk=run2.id).status == "waiting"
    runs.run_compensate(run_id=run2.id, user=ops, reason="order withdrawn")
    drain(run2.id)
    run2.refresh_from_db()
    assert run2.status == "compensated"
    assert StepRun.objects.get(run=run2, node_id="gate").status == "cancelled"
    assert ledger.names() == ["charge", "undo:charge"]
    assert RunEvent.objects.get(run=run2, type="operator.compensate").reason == "order withdrawn"


def test_a_run_stays_on_its_version_when_a_new_one_is_published(ledger):
    version1 = publish("pinned", chain(task("a"), node("gate", "signal", signal="go"), task("b")))
    run, _ = runs.run_start(definition_key="pinned")
    drain(run.id)
    definition = version1.definition
    draft = draft_save(definition=definition, spec=chain(task("x")))
    version_publish(definition=definition, number=draft.number)
    runs.run_signal(run_id=run.id, name="go")
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "completed" and run.version_id == version1.id
    assert ledger.names() == ["a", "b"]
    new_run, _ = runs.run_start(definition_key="pinned")
    drain(new_run.id)
    assert new_run.version.number == 2 and ledger.names() == ["a", "b", "x"]


def test_events_are_published_after_commit_in_seq_order(ledger):
    seen = []
    events.subscribe(seen.extend)
    try:
        publish("pub", chain(task("a")))
        run, _ = runs.run_start(definition_key="pub")
        drain(run.id)
    finally:
        events.unsubscribe(seen.extend)
    mine = [e for e in seen if e["run_id"] == str(run.id)]
    assert [e["seq"] for e in mine] == list(range(1, len(mine) + 1))
    assert [e["type"] for e in mine] == event_types(run.id)


def test_run_events_cannot_be_changed_or_deleted():
    from django.db import DatabaseError, transaction
    publish("ro", chain(task("a")))
    run, _ = runs.run_start(definition_key="ro")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RunEvent.objects.filter(run=run).update(type="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RunEvent.objects.filter(run=run).delete()


def test_subworkflow_runs_a_child_and_takes_its_output(ledger):
    publish("child", chain(task("inner")))
    publish("parent", chain(node("sub", "subworkflow", definition="child", input={"from": "'parent'"}), task("outer")))
    run, _ = runs.run_start(definition_key="parent")
    child = WorkflowRun.objects.get(parent_run=run)
    drain(child.id)
    assert WorkflowRun.objects.get(pk=child.id).status == "completed"
    runs.run_resume_parent(child_run_id=child.id)  # the resume_parent message, in-process
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "completed" and run.data["sub"]["inner"]["from"] == "parent"
    assert ledger.names() == ["inner", "outer"]
