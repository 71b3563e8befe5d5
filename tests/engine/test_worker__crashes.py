"""Crashes, lost messages and restarts: every run still finishes."""
import time

import pytest

from engine.models import RunEvent, StepRun, WorkflowRun
from engine.services.runs import run_signal, run_start
from tests.support.flows import FAST_RETRY, assert_gapless, chain, event_types, node, publish, task, wait_status
from tests.support.stack import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_sigkilled_worker_step_is_retried_after_lease_expiry(stack, ledger):
    publish("crash", chain(task("a"), task("slow", activity="test.sleep_once", input={"seconds": "`60`"},
                                            timeout=3, retry=FAST_RETRY), task("c")))
    worker = stack.worker()
    stack.scheduler()
    run, _ = run_start(definition_key="crash")
    wait_for(lambda: ledger.calls("slow:begin"), timeout=30, message="slow step started")
    worker.kill()  # SIGKILL, mid-activity, parent and children
    stack.worker()
    run = wait_status(run.id, "completed", timeout=40, stack=stack)
    slow = StepRun.objects.get(run=run, node_id="slow")
    assert slow.attempt == 2
    assert slow.attempts[0]["status"] == "timed_out" and slow.attempts[0]["error"]["type"] == "LeaseExpired"
    assert "step.timed_out" in event_types(run.id)
    assert [c[0] for c in ledger.calls()].count("c") == 1
    assert_gapless(run.id)


def test_a_late_result_after_lease_expiry_is_discarded(stack, ledger):
    # The lease (no heartbeat for 1 s) runs out well before the attempt's timeout, past which the
    # attempt would be interrupted (engine/watchdog.py) and have no late result at all.
    publish("late", chain(task("slow", activity="test.sleep_once", input={"seconds": "`4`"}, timeout=30,
                               heartbeat_timeout=1, retry=FAST_RETRY)))
    stack.worker(threads=4)
    stack.scheduler()
    run, _ = run_start(definition_key="late")
    wait_status(run.id, "completed", timeout=30, stack=stack)
    # Attempt 1 finishes later; its result must not change anything.
    wait_for(lambda: len(ledger.calls("slow")) == 2, timeout=15, message="late attempt 1 finished")
    time.sleep(0.5)
    slow = StepRun.objects.get(run=run, node_id="slow")
    assert slow.output == {"attempt": 2} and slow.attempt == 2
    assert event_types(run.id).count("step.succeeded") == 3  # start, slow (once), end


def test_message_dropped_after_commit_is_recovered_by_the_scheduler(stack, ledger, monkeypatch):
    from engine.store import outbox as messages
    dropped = []
    monkeypatch.setattr(messages, "send", lambda *a, **k: dropped.append(a))  # the broker "loses" it
    publish("lost", chain(task("a")))
    stack.worker()
    run, _ = run_start(definition_key="lost")
    assert dropped and dropped[0][0] == "execute_step"
    time.sleep(2.5)
    assert StepRun.objects.get(run=run, node_id="a").status == "scheduled"  # nobody took it
    stack.scheduler()
    wait_status(run.id, "completed", timeout=30, stack=stack)
    assert len(ledger.calls("a")) == 1


def test_wait_timer_and_signal_survive_worker_and_scheduler_restarts(stack, ledger):
    spec = chain(task("a"), node("pause", "wait", seconds=2), node("approval", "signal", signal="approve"),
                 task("after"))
    publish("durable", spec)
    worker, scheduler = stack.worker(), stack.scheduler()
    run, _ = run_start(definition_key="durable")
    wait_for(lambda: StepRun.objects.filter(run=run, node_id="pause", status="waiting").exists(), timeout=20,
             message="timer armed")
    worker.kill(), scheduler.kill()  # everything down while the timer comes due
    time.sleep(3)
    assert StepRun.objects.get(run=run, node_id="pause").status == "waiting"
    worker, scheduler = stack.worker(), stack.scheduler()
    wait_for(lambda: StepRun.objects.filter(run=run, node_id="approval", status="waiting").exists(), timeout=30,
             message="timer fired after restart")
    worker.kill(), scheduler.kill()
    assert WorkflowRun.objects.get(pk=run.id).status == "waiting"
    run_signal(run_id=run.id, name="approve", payload={"by": "ops"})
    stack.worker(), stack.scheduler()
    run = wait_status(run.id, "completed", timeout=30, stack=stack)
    assert run.data["approval"] == {"by": "ops"}
    assert ledger.names() == ["a", "after"]
    assert_gapless(run.id)


def test_signal_timeout_takes_the_timeout_branch(stack, ledger):
    spec = chain(node("approval", "signal", signal="approve", timeout=1))
    spec["nodes"].append(task("escalate"))
    spec["nodes"].append(node("end2", "end"))
    spec["edges"] += [{"id": "e_t", "source": "approval", "target": "escalate", "branch": "timeout"},
                      {"id": "e_e", "source": "escalate", "target": "end2"}]
    publish("timeout", spec)
    stack.worker(), stack.scheduler()
    run, _ = run_start(definition_key="timeout")
    run = wait_status(run.id, "completed", timeout=30, stack=stack)
    assert ledger.names() == ["escalate"]
    assert run.data["approval"] == {"timed_out": True}


def test_a_stuck_run_is_flagged_with_its_reason_by_the_scheduler_process(stack, ledger):
    publish("stuck", chain(task("a"), node("approval", "signal", signal="approve", stuck_after=1)))
    stack.worker(), stack.scheduler()
    run, _ = run_start(definition_key="stuck")

    def flagged():
        current = WorkflowRun.objects.get(pk=run.id)
        return current if current.stuck else None
    current = wait_for(flagged, timeout=30, message="run flagged stuck")
    assert current.status == "waiting"
    assert current.stuck_reason.startswith("approval: awaiting signal approve for")
    assert RunEvent.objects.filter(run=run, type="run.stuck").count() == 1
    assert ledger.names() == ["a"]
