"""Several schedulers at once are safe: there is no leader, every sweep re-checks each
item under its run's lock with SKIP LOCKED. Three real scheduler processes (one
SIGKILLed half-way) and a worker race over 30 runs full of timers, lease expiries,
retries and signals that race their timeouts; every item is handled exactly once."""
import ast
import re
import time

import pytest

from engine.errors import EngineError
from engine.models import RunEvent, StepRun, WorkflowRun
from engine.selectors import health_summary, process_list
from engine.services.runs import run_signal, run_start
from tests.support.flows import FAST_RETRY, assert_gapless, chain, edge, node, publish, task, wait_status
from tests.support.stack import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
RUNS = 30


def racing_spec() -> dict:
    """a fails once (a retry) -> a 1 s timer -> slow outlives its 1 s lease and the grace on attempt 1 (the
    scheduler expires it, attempt 2 succeeds) -> a signal with a 2 s timeout -> after | escalate."""
    spec = chain(task("a", activity="test.flaky", input={"succeed_on": "`2`"}, retry=FAST_RETRY),
                 node("pause", "wait", seconds=1),
                 task("slow", activity="test.sleep_once", input={"seconds": "`4`"}, timeout=1, retry=FAST_RETRY),
                 node("approval", "signal", signal="approve", timeout=2),
                 task("after"))
    spec["nodes"] += [task("escalate"), node("end2", "end")]
    spec["edges"] += [edge("approval", "escalate", "timeout"), edge("escalate", "end2")]
    return spec


def _signal_half(run_ids: list, *, timeout: float = 90) -> None:
    """Signal every other run as soon as it waits for approval: a race with its timeout."""
    pending, deadline = set(run_ids[::2]), time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for run_id, status in StepRun.objects.filter(run_id__in=pending, node_id="approval").values_list(
                "run_id", "status"):
            if status == "waiting":
                try:
                    run_signal(run_id=run_id, name="approve", payload={"ok": True}, reason="concurrency test")
                except EngineError:  # the timeout won the race
                    pass
            pending.discard(run_id)
        time.sleep(0.05)


def _logged_counts(proc) -> list[dict]:
    return [ast.literal_eval(m) for m in re.findall(r"scheduler: (\{.*\})", proc.output())]


def test_three_schedulers_handle_each_timer_lease_and_retry_once(stack, ledger, settings):
    settings.FLOWDECK_WORKER_DEAD_AFTER = 2
    publish("racing", racing_spec())
    schedulers = [stack.scheduler(interval=0.2) for _ in range(3)]
    stack.worker(threads=8)
    runs = [run_start(definition_key="racing", input={"i": i})[0].id for i in range(RUNS)]

    wait_for(lambda: StepRun.objects.filter(run_id__in=runs, node_id="slow").count() >= RUNS // 3, timeout=60,
             message="a third of the runs at the slow step")
    schedulers[2].kill()  # one scheduler dies mid-sweep, perhaps holding locks: the others carry on
    _signal_half(runs)
    for run_id in runs:
        wait_status(run_id, "completed", timeout=120, stack=stack)

    timed_out = 0
    for run_id in runs:
        assert_gapless(run_id)
        events = list(RunEvent.objects.filter(run_id=run_id).values_list("type", "node_id", "payload"))
        succeeded = [n for t, n, _ in events if t == "step.succeeded"]
        assert succeeded.count("pause") == 1, events       # each timer fired once
        assert succeeded.count("approval") == 1, events    # signalled or timed out, never both
        assert succeeded.count("after") + succeeded.count("escalate") == 1, events
        expiries = [d.get("attempt") for t, n, d in events if t == "step.timed_out" and n == "slow"]
        assert 1 in expiries and len(expiries) == len(set(expiries)), events  # each lease expired once
        timed_out += len(expiries)
        slow = StepRun.objects.get(run_id=run_id, node_id="slow")
        assert [a["status"] for a in slow.attempts][-1] == "succeeded"
        assert sum(a["status"] == "timed_out" for a in slow.attempts) == len(expiries)
        keys = [c for c in ledger.calls("a") if c[1] == f"{run_id}:a"]
        assert [c[2] for c in keys] == [1, 2], keys        # a re-sent retry never ran twice

    counts = [_logged_counts(s) for s in schedulers]
    assert sum(c["leases"] for per in counts for c in per) <= timed_out  # no expiry counted twice
    assert sum(bool(per) for per in counts) >= 2, stack.logs()            # more than one did real work
    assert WorkflowRun.objects.filter(pk__in=runs, status="completed").count() == RUNS

    # The two survivors beat; the SIGKILLed one is reported dead, not stopped.
    states = {p["pid"]: p["state"] for p in process_list() if p["kind"] == "scheduler"}
    wait_for(lambda: {p["pid"]: p["state"] for p in process_list() if p["kind"] == "scheduler"}
             .get(schedulers[2].popen.pid) == "dead", timeout=10, message="the killed scheduler reported dead")
    assert sorted(states.get(s.popen.pid) for s in schedulers[:2]) == ["alive", "alive"], states
    summary = health_summary()
    assert summary["scheduler"]["alive"] and "scheduler.down" not in [a["code"] for a in summary["alerts"]]
    assert set(summary["schedulers"][0]["info"]) == {"sweep_ms", "lag_seconds", "counts", "interval"}
