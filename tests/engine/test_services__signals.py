"""Signals sent before their node is reached are kept (bounded per run) and taken when it is,
oldest first; a repeated signal id is ignored; a name no signal node takes is refused."""
import pytest
from django.contrib.auth import get_user_model

from engine.errors import Conflict, InvalidInput
from engine.models import RunEvent, RunSignal, StepRun, WorkflowRun
from engine.selectors.operate import run_available_actions
from engine.services import runs
from engine.store.steps import step_fire_timer
from tests.support.flows import assert_gapless, chain, drain, event_types, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ops():
    return get_user_model().objects.create_user("olivia", password="x")


def _started(key, *nodes):
    publish(key, chain(*nodes))
    run, _ = runs.run_start(definition_key=key)
    return run


def _status(run) -> str:
    return WorkflowRun.objects.get(pk=run.id).status


def test_a_signal_sent_before_its_node_is_kept_then_taken_when_the_node_is_reached(ops, ledger):
    run = _started("early", task("charge"), node("paid", "signal", signal="payment.confirmed"), task("ship"))
    runs.run_signal(run_id=run.id, name="payment.confirmed", payload={"ref": "p-1"}, user=ops, reason="webhook")
    assert RunSignal.objects.get(run=run).consumed_at is None   # kept: charge has not run yet
    assert event_types(run.id)[-1] == "signal.buffered"
    drain(run.id)
    assert _status(run) == "completed"
    paid = StepRun.objects.get(run=run, node_id="paid")
    assert paid.status == "succeeded" and paid.output == {"ref": "p-1"}
    kept = RunSignal.objects.get(run=run)
    assert kept.consumed_at is not None and kept.node_id == "paid"
    types = event_types(run.id)
    assert types.index("signal.buffered") < types.index("signal.consumed") < types.index("run.completed")
    consumed = RunEvent.objects.get(run=run, type="signal.consumed")
    assert consumed.node_id == "paid" and consumed.payload["received_at"] == kept.received_at.isoformat()
    assert_gapless(run.id)


def test_kept_signals_are_taken_in_arrival_order(ops, ledger):
    run = _started("two", task("a"), node("first", "signal", signal="scan"), node("second", "signal", signal="scan"))
    for n in (1, 2):
        runs.run_signal(run_id=run.id, name="scan", payload={"n": n}, user=ops, reason="carrier")
    drain(run.id)
    assert _status(run) == "completed"
    outputs = {s.node_id: s.output for s in StepRun.objects.filter(run=run, node_id__in=["first", "second"])}
    assert outputs == {"first": {"n": 1}, "second": {"n": 2}}


def test_a_waiting_step_gets_the_signal_at_once(ops, ledger):
    run = _started("now", node("gate", "signal", signal="go"))
    runs.run_signal(run_id=run.id, name="go", payload={"ok": True}, signal_id="m-1", user=ops, reason="ok")
    assert _status(run) == "completed"
    row = RunSignal.objects.get(run=run)
    assert row.consumed_at == row.received_at and row.node_id == "gate"


def test_a_repeated_signal_id_is_ignored_whether_kept_or_delivered(ops, ledger):
    run = _started("dupes", task("a"), node("gate", "signal", signal="go"), node("again", "signal", signal="go"))
    runs.run_signal(run_id=run.id, name="go", payload={"n": 1}, signal_id="evt-7", user=ops, reason="hook")
    before = event_types(run.id)
    runs.run_signal(run_id=run.id, name="go", payload={"n": 2}, signal_id="evt-7", user=ops, reason="hook retry")
    assert event_types(run.id) == before and RunSignal.objects.filter(run=run).count() == 1
    drain(run.id)
    assert _status(run) == "waiting"   # "again" waits: the duplicate was not kept for it
    assert StepRun.objects.get(run=run, node_id="again").status == "waiting"


def test_a_signal_no_node_takes_is_refused_and_says_which_it_would(ops, ledger):
    run = _started("names", task("a"), node("gate", "signal", signal="approve"))
    with pytest.raises(Conflict, match="it will reach: approve"):
        runs.run_signal(run_id=run.id, name="reject", user=ops, reason="typo")
    assert not RunSignal.objects.filter(run=run).exists()


def test_signals_to_an_ended_run_are_refused_as_before(ops, ledger):
    run = _started("ended", task("a"), node("gate", "signal", signal="go"))
    runs.run_cancel(run_id=run.id, user=ops, reason="customer left")
    with pytest.raises(Conflict, match="the run is cancelled"):
        runs.run_signal(run_id=run.id, name="go", user=ops, reason="late")


def test_a_run_keeps_at_most_the_limit_of_signals(ops, ledger, settings):
    settings.FLOWDECK_MAX_KEPT_SIGNALS = 3
    run = _started("bounded", task("a"), node("gate", "signal", signal="tick"))
    for n in range(3):
        runs.run_signal(run_id=run.id, name="tick", payload={"n": n}, user=ops, reason="poll")
    with pytest.raises(Conflict, match="already keeps 3 signals"):
        runs.run_signal(run_id=run.id, name="tick", payload={"n": 3}, user=ops, reason="poll")
    drain(run.id)   # the gate takes the oldest; two are still kept (shown in the history, never consumed)
    assert _status(run) == "completed"
    assert StepRun.objects.get(run=run, node_id="gate").output == {"n": 0}
    assert RunSignal.objects.filter(run=run, consumed_at__isnull=True).count() == 2


def test_a_bad_signal_id_is_a_400(ops, ledger):
    run = _started("badid", node("gate", "signal", signal="go"))
    with pytest.raises(InvalidInput, match="signal_id"):
        runs.run_signal(run_id=run.id, name="go", signal_id="x" * 201, user=ops, reason="r")


def test_the_console_offers_a_signal_for_a_node_not_reached_yet(ops, ledger):
    run = _started("offer", task("a"), node("gate", "signal", signal="go"))
    entries = [e for e in run_available_actions(run=WorkflowRun.objects.get(pk=run.id)) if e["action"] == "signal"]
    assert entries == [{**entries[0], "node_id": "gate", "signal": "go", "allowed": True}]


def test_a_signal_step_run_again_takes_a_kept_signal(ops, ledger):
    """A signal step that timed out (no timeout edge: it fails, incident) and is retried takes a
    signal kept meanwhile for its twin further on... only its own name: here the retried one."""
    run = _started("retake", node("gate", "signal", signal="go", timeout=0.01, on_failure="incident"),
                   task("b"), node("later", "signal", signal="go"))
    gate = StepRun.objects.get(run=run, node_id="gate")
    StepRun.objects.filter(pk=gate.pk).update(next_attempt_at=gate.scheduled_at)
    assert step_fire_timer(step_id=gate.id)
    assert _status(run) == "failed"
    with pytest.raises(Conflict, match="the run is failed"):
        runs.run_signal(run_id=run.id, name="go", user=ops, reason="while failed")
    runs.step_retry(run_id=run.id, node_id="gate", user=ops, reason="try again")
    runs.run_signal(run_id=run.id, name="go", payload={"n": 1}, user=ops, reason="now")
    runs.run_signal(run_id=run.id, name="go", payload={"n": 2}, user=ops, reason="for later")
    drain(run.id)
    assert _status(run) == "completed"
    assert StepRun.objects.get(run=run, node_id="later").output == {"n": 2}
