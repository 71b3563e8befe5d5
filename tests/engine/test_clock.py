"""One clock (engine/store/clock.py): due times, leases and heartbeats are written and compared
on the database's clock. A scheduler or a worker whose clock is 30 s off, ahead or behind,
changes nothing: runs with retries, a timer and an expired lease all complete, each attempt
at its time, each side effect once."""
import datetime as dt
import sys

import pytest
from django.db import connection
from django.utils import timezone

from engine.models import RunEvent, StepRun
from engine.services.runs import run_start
from engine.store import clock, steps
from engine.store.tx import run_tx
from tests.support import skew
from tests.support.flows import FAST_RETRY, assert_gapless, chain, node, publish, task, wait_status
from tests.support.stack import Proc

pytestmark = pytest.mark.django_db(transaction=True)
TOLERANCE = dt.timedelta(milliseconds=500)


def _db_now():
    with connection.cursor() as cur:
        cur.execute("SELECT clock_timestamp()")
        return cur.fetchone()[0]


def test_a_transactions_now_is_the_databases_whatever_this_process_says(ledger, monkeypatch):
    publish("clocked", chain(task("flaky", activity="test.flaky", input={"succeed_on": "`2`"}, retry=FAST_RETRY)))
    run, _ = run_start(definition_key="clocked")
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(seconds=30))  # this process is 30 s ahead
    clock.forget()
    with run_tx(run.id) as tx:
        assert abs(tx.now - _db_now()) < TOLERANCE
    step = StepRun.objects.get(run=run, node_id="flaky")
    assert steps.step_claim(step_id=step.id, worker="w") != "no such step"
    claimed = StepRun.objects.get(pk=step.id)
    assert abs(claimed.started_at - _db_now()) < TOLERANCE
    assert abs((claimed.lease_expires_at - claimed.started_at).total_seconds() - 300) < 1  # the default timeout


def _spec():  # "slow" sleeps in one C call past its lease and grace: the scheduler expires it
    return chain(task("a"),
                 task("flaky", activity="test.flaky", input={"succeed_on": "`3`"}, retry=FAST_RETRY),
                 node("pause", "wait", seconds=1),
                 task("slow", activity="test.sleep_once", input={"seconds": "`8`"}, timeout=2, retry=FAST_RETRY),
                 task("after"))


def _events(run_id):
    return list(RunEvent.objects.filter(run_id=run_id).order_by("seq"))


@pytest.mark.worker
@pytest.mark.parametrize("scheduler_skew,worker_skew", [(30, -30), (-30, 30)], ids=["scheduler_ahead", "worker_ahead"])
def test_runs_complete_on_time_with_a_process_clock_30s_off(stack, ledger, scheduler_skew, worker_skew):
    publish("skewed", _spec())
    env = {"FLOWDECK_BEAT_INTERVAL": "1"}
    stack.worker(threads=4, env=env)                                  # on time
    stack.worker(threads=4, env={**env, **skew.env(worker_skew)})     # 30 s off
    stack.procs.append(Proc("scheduler", [sys.executable, "manage.py", "engine_scheduler", "--interval", "0.2"],
                            {**stack.env, **skew.env(scheduler_skew)}))
    runs = [run_start(definition_key="skewed", business_key=f"order-{n}")[0] for n in range(6)]
    for run in runs:
        wait_status(run.id, "completed", timeout=120, stack=stack)
    for run in runs:
        assert_gapless(run.id)
        events = _events(run.id)
        # One clock: whoever wrote them, a run's event times never go back.
        for before, after in zip(events, events[1:]):
            assert after.created_at >= before.created_at - TOLERANCE, (before, after)
        steps_ = {s.node_id: s for s in StepRun.objects.filter(run=run)}
        assert [a["status"] for a in steps_["flaky"].attempts] == ["failed", "failed", "succeeded"]
        assert [(a["status"], (a["error"] or {}).get("type")) for a in steps_["slow"].attempts] == \
            [("timed_out", "LeaseExpired"), ("succeeded", None)]
        # Each retry was claimed when due, not before; the lease expired when it ran out, not before.
        due = {e.payload["attempt"] + 1: dt.datetime.fromisoformat(e.payload["next_attempt_at"])
               for e in events if e.type == "step.retry_scheduled" and e.node_id == "flaky"}
        started = {e.payload["attempt"]: e.created_at for e in events if e.type == "step.started"
                   and e.node_id == "flaky"}
        assert set(due) == {2, 3} and all(started[n] >= due[n] - steps.DUE_TOLERANCE for n in due), (due, started)
        expired = [e for e in events if e.type == "step.timed_out" and e.node_id == "slow"]
        assert len(expired) == 1
        lease = dt.datetime.fromisoformat(expired[0].payload["error"]["lease_expired_at"])
        assert expired[0].created_at >= lease
        fired = next(e for e in events if e.type == "step.succeeded" and e.node_id == "pause")
        waiting = next(e for e in events if e.type == "step.waiting" and e.node_id == "pause")
        assert fired.created_at >= dt.datetime.fromisoformat(waiting.payload["until"]) - steps.DUE_TOLERANCE
    # Side effects once: the steps that never failed ran once per run.
    for name in ("a", "after"):
        assert sorted(c[1] for c in ledger.calls(name)) == sorted(f"{r.id}:{name}" for r in runs), name
