"""Real dramatiq worker processes against the real PostgreSQL and Redis."""
import pytest

from engine.models import RunEvent, StepRun, WorkflowRun
from engine.services.runs import run_start
from tests.support.flows import FAST_RETRY, assert_gapless, chain, event_types, publish, task, wait_status
from tests.engine.test_executor__inprocess import parallel_spec, saga_spec

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_four_step_flow_completes_on_a_worker(stack, ledger):
    publish("four", chain(*(task(n) for n in "abcd")))
    stack.worker()
    run, _ = run_start(definition_key="four", input={"order": 7})
    run = wait_status(run.id, "completed", stack=stack)
    assert [c[0] for c in ledger.calls()] == ["a", "b", "c", "d"]
    workers = set(StepRun.objects.filter(run=run, node_type="task").values_list("worker", flat=True))
    assert all(w and ":" in w for w in workers)  # recorded which worker ran each attempt
    assert_gapless(run.id)


def test_retries_with_backoff_then_success_on_a_worker(stack, ledger):
    publish("flaky", chain(task("f", activity="test.flaky", input={"succeed_on": "`3`"}, retry=FAST_RETRY)))
    stack.worker()
    run, _ = run_start(definition_key="flaky")
    wait_status(run.id, "completed", stack=stack)
    step = StepRun.objects.get(run=run, node_id="f")
    assert step.attempt == 3 and [a["status"] for a in step.attempts] == ["failed", "failed", "succeeded"]
    # Each retry waited at least its backoff delay (0.2 s, then 0.4 s).
    starts = list(RunEvent.objects.filter(run=run, type="step.started").order_by("seq").values_list("created_at", flat=True))
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:])]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4, gaps


def test_non_retryable_error_compensates_in_reverse_order_on_a_worker(stack, ledger):
    publish("saga", saga_spec())
    stack.worker()
    run, _ = run_start(definition_key="saga")
    wait_status(run.id, "compensated", stack=stack)
    assert ledger.names() == ["charge", "reserve", "ship", "undo:reserve", "undo:charge"]
    assert StepRun.objects.get(run=run, node_id="ship").attempt == 1
    comp = StepRun.objects.filter(run=run, kind="compensation").order_by("completion_order")
    assert [s.node_id for s in comp] == ["reserve", "charge"]


def test_duplicate_delivery_of_the_same_message_does_nothing(stack, ledger):
    from engine.actors import execute_step
    publish("dup", chain(task("a"), task("b")))
    run, _ = run_start(definition_key="dup")  # its message waits in Redis: no worker yet
    step = StepRun.objects.get(run=run, node_id="a")
    for _ in range(3):
        execute_step.send(step.id)  # the same message, delivered again and again
    stack.worker(threads=8)
    wait_status(run.id, "completed", stack=stack)
    assert [c[0] for c in ledger.calls()] == ["a", "b"]
    assert event_types(run.id).count("step.started") == 2
    assert_gapless(run.id)


def test_join_fires_exactly_once_under_two_worker_processes(stack, ledger):
    spec = parallel_spec()
    # Four branches to make simultaneous arrivals likely.
    spec["nodes"] += [task("b3"), task("b4")]
    spec["edges"] += [{"id": "e_fork_b3", "source": "fork", "target": "b3"},
                      {"id": "e_fork_b4", "source": "fork", "target": "b4"},
                      {"id": "e_b3_join", "source": "b3", "target": "join"},
                      {"id": "e_b4_join", "source": "b4", "target": "join"}]
    publish("par", spec)
    stack.worker(processes=2, threads=8)
    runs = [run_start(definition_key="par")[0] for _ in range(40)]
    for run in runs:
        wait_status(run.id, "completed", timeout=60, stack=stack)
    for run in runs:
        join = StepRun.objects.get(run=run, node_id="join")
        assert join.arrivals == 4
        assert RunEvent.objects.filter(run=run, type="step.succeeded", node_id="join").count() == 1
        assert_gapless(run.id)
    after = [c for c in ledger.calls() if c[0] == "after"]
    assert len(after) == 40 and len({c[1] for c in after}) == 40
    workers = {w.split(":")[1] for w in StepRun.objects.filter(node_type="task").values_list("worker", flat=True)}
    assert len(workers) == 2  # both processes took part


def test_first_of_join_continues_once(stack, ledger):
    publish("first", parallel_spec(mode="first"))
    stack.worker(threads=8)
    run, _ = run_start(definition_key="first")
    wait_status(run.id, "completed", stack=stack)
    assert ledger.names().count("after") == 1
    assert WorkflowRun.objects.get(pk=run.id).status == "completed"
