"""A record that starts from the run and step as the worker's own claim left them
(``tx.held_tx``): one round trip when nothing changed them, a locked read again
when something did."""
import pytest
from django.db import DatabaseError, connection

from engine import executor
from engine.models import RunEvent, StepRun, WorkflowRun
from engine.services.runs import run_cancel, run_start
from engine.store import db, sql, steps
from engine.store.tx import run_tx
from tests.support.flows import assert_gapless, chain, edge, event_types, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def counted(monkeypatch):
    """How often the hot path talks to PostgreSQL (round trips) and locks a step by reading it."""
    counts = {"round_trips": 0, "locked_reads": 0}
    real_send, real_lock = db._send, sql.run_and_step_lock

    def send(*args, **kwargs):
        counts["round_trips"] += 1
        return real_send(*args, **kwargs)

    def lock(*args, **kwargs):
        counts["locked_reads"] += 1
        return real_lock(*args, **kwargs)
    monkeypatch.setattr(db, "_send", send)
    monkeypatch.setattr(sql, "run_and_step_lock", lock)
    return counts


def _claim(key: str, spec=None) -> steps.Claim:
    publish(key, spec or chain(task("a"), task("b")))
    run, _ = run_start(definition_key=key)
    claim = steps.step_claim(step_id=StepRun.objects.get(run=run, node_id="a").id, worker="w1")
    assert isinstance(claim, steps.Claim) and claim.held is not None
    return claim


def test_a_record_on_an_unchanged_run_is_one_round_trip_with_no_read(ledger, counted):
    claim = _claim("held1")
    counted.update(round_trips=0, locked_reads=0)
    assert steps.step_record_success(claim=claim, output={"ok": 1}) is True
    assert counted == {"round_trips": 1, "locked_reads": 0}
    a = StepRun.objects.get(pk=claim.step_id)
    assert (a.status, a.output, a.attempts[-1]["status"]) == ("succeeded", {"ok": 1}, "succeeded")
    b = StepRun.objects.get(run_id=claim.run_id, node_id="b")
    assert b.status == "scheduled" and b.id > a.id
    assert event_types(claim.run_id)[-3:] == ["step.started", "step.succeeded", "step.scheduled"]
    assert_gapless(claim.run_id)


def test_a_whole_chain_after_its_claim_never_reads_its_run_again(ledger, counted):
    publish("held4", chain(*(task(n) for n in "abcd")))
    run, _ = run_start(definition_key="held4")
    counted.update(round_trips=0, locked_reads=0)
    assert executor.step_execute(step_id=StepRun.objects.get(run=run, node_id="a").id, inline=True) == "succeeded"
    # The claim from the message reads the run; every record starts from what the one before
    # committed: one round trip each, the last one (which finishes the run) included.
    assert counted == {"locked_reads": 1, "round_trips": 2 + 4}
    assert WorkflowRun.objects.get(pk=run.id).status == "completed"
    assert [c[0] for c in ledger.calls()] == ["a", "b", "c", "d"]
    # Step ids drawn ahead still follow the order the steps were created in.
    scheduled = list(RunEvent.objects.filter(run=run, type="step.scheduled").order_by("seq")
                     .values_list("payload__step_id", flat=True))
    assert scheduled == sorted(scheduled)
    assert list(StepRun.objects.filter(run=run).order_by("id").values_list("node_id", flat=True)) == \
        ["start", "a", "b", "c", "d", "end"]
    assert_gapless(run.id)


def test_a_run_changed_since_the_claim_is_read_again_under_its_lock(ledger, counted):
    claim = _claim("held2")
    with run_tx(claim.run_id) as tx:  # what the scheduler does to a run it finds stuck
        tx.run.stuck, tx.run.stuck_reason, tx.run.stuck_since = True, "test", tx.now
        tx.touch("stuck", "stuck_reason", "stuck_since")
        tx.event("run.stuck", reason="test")
    counted.update(round_trips=0, locked_reads=0)
    assert steps.step_record_success(claim=claim, output={"ok": 2}) is True
    assert counted["locked_reads"] == 1
    run = WorkflowRun.objects.get(pk=claim.run_id)
    assert run.stuck is False  # the record saw the flag (read again) and cleared it: progress
    assert event_types(run.id)[-4:] == ["step.started", "run.stuck", "step.succeeded", "step.scheduled"]
    assert StepRun.objects.filter(run=run, node_id="b").count() == 1
    assert_gapless(run.id)


def test_a_result_for_a_run_cancelled_since_the_claim_is_discarded(ledger):
    claim = _claim("held3")
    run_cancel(run_id=claim.run_id, reason="customer called")
    before = event_types(claim.run_id)
    assert steps.step_record_success(claim=claim, output={"late": True}) is False
    assert event_types(claim.run_id) == before  # nothing written, not even in part
    a = StepRun.objects.get(pk=claim.step_id)
    assert a.status == "cancelled" and a.output is None
    assert not StepRun.objects.filter(run_id=claim.run_id, node_id="b").exists()
    assert_gapless(claim.run_id)


def test_a_held_run_is_tried_once(ledger, counted):
    claim = _claim("held5")
    assert steps.step_record_success(claim=claim, output={}) is True
    counted.update(round_trips=0, locked_reads=0)
    # The same result again (a retried record): the snapshot is spent, so the run is read
    # under its lock and the attempt is no longer running.
    assert steps.step_record_success(claim=claim, output={}) is False
    assert counted["locked_reads"] == 1
    assert StepRun.objects.filter(run_id=claim.run_id, node_id="b").count() == 1


def test_the_guard_locks_an_unchanged_run_and_refuses_a_changed_one(ledger):
    claim = _claim("held6")
    run = claim.held.run
    newest = StepRun.objects.order_by("-id").values_list("id", flat=True).first()
    with connection.cursor() as cur:
        cur.execute(sql.RUN_EXPECT, [run.id, run.next_seq, run.updated_at])
        assert cur.fetchone()[0] > newest
        with pytest.raises(DatabaseError) as refused:
            cur.execute(sql.RUN_EXPECT, [run.id, run.next_seq - 1, run.updated_at])
    assert db.is_stale(refused.value)


def test_finishing_a_run_with_a_step_still_open_is_redone_under_a_locked_read(ledger, counted):
    """A first-of join: the left branch ends the run while the right one is still scheduled.
    The record expected no open step, finds one at COMMIT, and is redone: the open step is
    cancelled, every event once."""
    publish("held7", {"schema_version": 1, "nodes": [
        node("start", "start"), node("fork", "parallel"), task("left"), task("right"),
        node("join", "join", fork="fork", mode="first"), node("end", "end")],
        "edges": [edge("start", "fork"), edge("fork", "left"), edge("fork", "right"), edge("left", "join"),
                  edge("right", "join"), edge("join", "end")]})
    run, _ = run_start(definition_key="held7")
    claim = steps.step_claim(step_id=StepRun.objects.get(run=run, node_id="left").id, worker="w1")
    counted.update(round_trips=0, locked_reads=0)
    assert steps.step_record_success(claim=claim, output={"side": "left"}) is True
    assert counted["locked_reads"] == 1
    assert WorkflowRun.objects.get(pk=run.id).status == "completed"
    assert StepRun.objects.get(run=run, node_id="right").status == "cancelled"
    types = event_types(run.id)
    assert types.count("step.cancelled") == 1 and types.count("run.completed") == 1
    assert types.count("step.succeeded") == len(set(RunEvent.objects.filter(run=run, type="step.succeeded")
                                                    .values_list("node_id", flat=True)))
    assert_gapless(run.id)
