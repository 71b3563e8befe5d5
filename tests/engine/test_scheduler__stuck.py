"""The scheduler flags runs that stopped moving, and says why in plain words."""
import datetime as dt

import pytest
from django.utils import timezone

from engine.models import RunEvent, StepRun, WorkflowRun
from engine.scheduler import scheduler_tick
from engine.services.runs import run_signal, run_start
from tests.support.flows import FAST_RETRY, chain, drain, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


def age(run, seconds):
    WorkflowRun.objects.filter(pk=run.id).update(last_progress_at=timezone.now() - dt.timedelta(seconds=seconds))


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
    StepRun.objects.filter(pk=step.id).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    counts = scheduler_tick()
    assert counts["leases"] == 1
    step.refresh_from_db()
    assert step.status == "scheduled" and step.attempts[0]["status"] == "timed_out"
    assert "ghost:1:T" in step.attempts[0]["error"]["message"]
    drain(run.id)
    assert WorkflowRun.objects.get(pk=run.id).status == "completed"
