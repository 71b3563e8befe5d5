"""Attempt time limits that free the thread (engine/watchdog.py, flowdeck/timelimits.py): on
real worker processes, activities that ignore their timeout cost their attempts, not the
worker's threads."""
import pytest

from engine.models import EngineProcess, StepRun, WorkflowRun
from engine.services.runs import run_start
from tests.support.flows import assert_gapless, chain, publish, task, wait_status
from tests.support.stack import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

TWO_ATTEMPTS = {"max_attempts": 2, "initial_interval": 0.1, "backoff_coefficient": 1, "max_interval": 0.1,
                "jitter": 0}


def _attempts(run_id, node_id):
    return StepRun.objects.get(run_id=run_id, node_id=node_id).attempts


def test_activities_that_ignore_their_timeout_are_interrupted_and_the_threads_serve_others(stack, ledger):
    publish("hangs", chain(task("hang", activity="test.hang", input={"seconds": "`3600`"}, timeout=1,
                                retry=TWO_ATTEMPTS)))
    publish("orders", chain(task("a"), task("b")))
    stack.worker(threads=2, env={"FLOWDECK_BEAT_INTERVAL": "0.5"})
    stack.scheduler()
    hanging = [run_start(definition_key="hangs")[0] for _ in range(4)]
    wait_for(lambda: StepRun.objects.filter(node_id="hang", status="running").count() == 2, timeout=30,
             message="both threads in a hanging activity")
    ordinary = [run_start(definition_key="orders")[0] for _ in range(3)]
    for run in ordinary:
        wait_status(run.id, "completed", timeout=60, stack=stack)
    for run in hanging:  # each attempt timed out, retried once per its policy, then the run stopped
        wait_status(run.id, "failed", "aborted", timeout=60, stack=stack)
        attempts = _attempts(run.id, "hang")
        assert [a["status"] for a in attempts] == ["timed_out", "timed_out"], attempts
        assert {a["error"]["type"] for a in attempts} <= {"AttemptTimeout", "LeaseExpired"}
        assert_gapless(run.id)
    # Interrupted, not abandoned: the two threads that ran the hanging attempts ran the others too.
    hang_threads = {a["worker"] for run in hanging for a in _attempts(run.id, "hang")}
    order_threads = set(StepRun.objects.filter(run__in=ordinary, node_id__in=["a", "b"])
                        .values_list("worker", flat=True))
    assert len(hang_threads) == 2 and order_threads <= hang_threads, (hang_threads, order_threads)
    assert any(a["error"]["type"] == "AttemptTimeout" for run in hanging for a in _attempts(run.id, "hang"))
    assert [c[0] for c in ledger.calls()].count("a") == 3
    worker = EngineProcess.objects.get(kind="worker", stopped_at__isnull=True)
    assert "threads_lost" not in worker.info


def test_a_thread_no_interrupt_reaches_is_counted_lost_and_replaced(stack, ledger):
    """``time.sleep(3600)`` is one C call: the interrupt cannot land. The thread is counted
    lost, a new one takes its place, and the Health page's beat says so."""
    publish("stuck_in_c", chain(task("hang", activity="test.hang_c", input={"seconds": "`3600`"}, timeout=1,
                                     retry={"max_attempts": 1})))
    publish("orders", chain(task("a")))
    stack.worker(threads=2, env={"FLOWDECK_THREAD_LOST_AFTER": "1", "FLOWDECK_BEAT_INTERVAL": "0.5"})
    stack.scheduler()
    hanging = [run_start(definition_key="stuck_in_c")[0] for _ in range(2)]
    wait_for(lambda: StepRun.objects.filter(node_id="hang", status="running").count() == 2, timeout=30,
             message="both threads asleep in C")
    ordinary = [run_start(definition_key="orders")[0] for _ in range(3)]
    for run in ordinary:
        wait_status(run.id, "completed", timeout=60, stack=stack)
    for run in hanging:  # its thread cannot record: the scheduler expires the lease
        wait_status(run.id, "failed", "aborted", timeout=60, stack=stack)
        assert [(a["status"], a["error"]["type"]) for a in _attempts(run.id, "hang")] == [("timed_out", "LeaseExpired")]

    def beat():
        worker = EngineProcess.objects.get(kind="worker", stopped_at__isnull=True)
        return worker if worker.info.get("threads_lost") == 2 else None
    worker = wait_for(beat, timeout=20, message="the beat reporting 2 lost threads")
    assert worker.threads == 2 and worker.threads_busy <= 2
    hang_threads = {_attempts(run.id, "hang")[0]["worker"] for run in hanging}
    order_threads = set(StepRun.objects.filter(run__in=ordinary, node_id="a").values_list("worker", flat=True))
    assert not order_threads & hang_threads  # the new threads ran them
    assert WorkflowRun.objects.filter(pk__in=[r.id for r in ordinary], status="completed").count() == 3
