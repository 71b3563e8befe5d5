"""The scheduler flags runs that stopped moving, and says why in plain words."""
import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from engine.models import RunEvent, StepRun, WorkflowRun
from engine.scheduler import scheduler_tick
from engine.services.runs import run_signal, run_start
from tests.support.flows import FAST_RETRY, chain, drain, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


def age(run, seconds):
    """As if time passed: the last progress is ``seconds`` ago, and the next check as much nearer."""
    last = WorkflowRun.objects.get(pk=run.id).last_progress_at
    shift = timezone.now() - dt.timedelta(seconds=seconds) - last
    WorkflowRun.objects.filter(pk=run.id).update(last_progress_at=F("last_progress_at") + shift,
                                                 stuck_check_at=F("stuck_check_at") + shift)


def test_a_run_awaiting_a_signal_is_flagged_with_its_reason():
    publish("sig", chain(node("approval", "signal", signal="approve", stuck_after=60)))
    run, _ = run_start(definition_key="sig")
    age(run, 30)
    scheduler_tick()
    assert not WorkflowRun.objects.get(pk=run.id).stuck  # the node allows 60 s
    age(run, 90)
    scheduler_tick()
    run.refresh_from_db()
    assert run.stuck and "approval: awaiting signal approve for" in run.stuck_reason
    assert "(no timeout)" in run.stuck_reason
    assert RunEvent.objects.filter(run=run, type="run.stuck").count() == 1
    scheduler_tick()  # flagged once, not on every sweep
    assert RunEvent.objects.filter(run=run, type="run.stuck").count() == 1
    run_signal(run_id=run.id, name="approve")
    run.refresh_from_db()
    assert not run.stuck and run.stuck_reason == ""  # progress clears the flag


def test_a_message_no_worker_took_is_the_reason(settings):
    settings.FLOWDECK_REQUEUE_AFTER = 3600  # keep the scheduler from re-sending during this test
    publish("nobody", {**chain(task("a")), "settings": {"stuck_after": 10}})
    run, _ = run_start(definition_key="nobody")
    StepRun.objects.filter(run=run).update(scheduled_at=timezone.now() - dt.timedelta(seconds=125))
    age(run, 125)
    scheduler_tick()
    run.refresh_from_db()
    assert run.stuck and run.stuck_reason == "a: message not taken by any worker for 2m05s"


def test_waiting_for_a_retry_is_the_reason(ledger):
    publish("retrying", chain(task("f", activity="test.flaky", input={"succeed_on": "`9`"},
                                    retry={**FAST_RETRY, "initial_interval": 3600, "max_interval": 3600})))
    run, _ = run_start(definition_key="retrying")
    drain(run.id)
    age(run, 700)
    scheduler_tick()
    run.refresh_from_db()
    assert run.stuck and "f: waiting for retry at" in run.stuck_reason and "after 1 attempt(s)" in run.stuck_reason


def test_an_expired_lease_is_recorded_then_retried(ledger):
    from engine.store.steps import step_claim
    publish("lease", chain(task("a", retry=FAST_RETRY)))
    run, _ = run_start(definition_key="lease")
    step = StepRun.objects.get(run=run, node_id="a")
    claim = step_claim(step_id=step.id, worker="ghost:1:T")
    assert claim.attempt == 1
    StepRun.objects.filter(pk=step.id).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=5))  # past the grace
    counts = scheduler_tick()
    assert counts["leases"] == 1
    step.refresh_from_db()
    assert step.status == "scheduled" and step.attempts[0]["status"] == "timed_out"
    assert "ghost:1:T" in step.attempts[0]["error"]["message"]
    drain(run.id)
    assert WorkflowRun.objects.get(pk=run.id).status == "completed"


def _quiet_runs(key: str, count: int):
    """Runs awaiting a signal whose node allows 60 s, on a version where another node allows
    10 s: 10 s after their last progress they are due a look, but not stuck before 60 s."""
    publish(key, chain(node("approval", "signal", signal="approve", stuck_after=60),
                       node("later", "signal", signal="ship", stuck_after=10)))
    return [run_start(definition_key=key)[0] for _ in range(count)]


def test_a_run_not_stuck_yet_is_looked_at_once_until_its_own_threshold(monkeypatch):
    from engine import scheduler, stuck
    looked = []
    real = stuck.diagnose
    monkeypatch.setattr(stuck, "diagnose", lambda run, graph, now: looked.append(run.id) or real(run, graph, now=now))
    (run,) = _quiet_runs("quiet", 1)
    age(run, 30)
    scheduler.scheduler_tick()
    scheduler.scheduler_tick()
    assert looked == [run.id]  # the second sweep did not lock it again
    run.refresh_from_db()
    assert not run.stuck and run.stuck_check_at == run.last_progress_at + dt.timedelta(seconds=60)
    age(run, 61)
    scheduler.scheduler_tick()
    run.refresh_from_db()
    assert run.stuck and looked == [run.id, run.id]


def test_a_stuck_run_behind_a_batch_of_quiet_ones_is_still_flagged(monkeypatch):
    from engine import scheduler
    monkeypatch.setattr(scheduler, "BATCH", 2)
    quiet = _quiet_runs("crowd", 4)
    for run in quiet:
        age(run, 30)
    publish("lost", chain(node("wait_forever", "signal", signal="never")))
    lost, _ = run_start(definition_key="lost")
    age(lost, 700)  # past the 600 s default, but its check comes after the quiet runs' (10 s floor)
    WorkflowRun.objects.filter(pk=lost.id).update(stuck_check_at=timezone.now())
    for _ in range(3):
        scheduler.scheduler_tick()
    assert WorkflowRun.objects.get(pk=lost.id).stuck
    assert not WorkflowRun.objects.filter(pk__in=[r.id for r in quiet], stuck=True).exists()
