"""Code workflows (engine/workflows) on real dramatiq worker processes: SIGKILLs mid-activity and
mid-replay, duplicate delivery, parallel calls joined under two processes, timers and signals
across restarts, compensation, the code-changed guard across a deploy, and version pinning."""
import collections
import os
import random
import time

import pytest

from engine.models import RunEvent, StepRun, WorkflowRun, WorkflowVersion
from engine.services.runs import run_signal, run_start
from tests.support.flows import assert_gapless, event_types, wait_status
from tests.support.stack import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def steps_of(run_id, kind="node"):
    return list(StepRun.objects.filter(run_id=run_id, kind=kind).order_by("id").values_list("node_id", "status"))


def effect_keys(ledger) -> list[str]:
    return [key for key, _ in ledger.effects()]


def assert_each_step_once(run_id, ledger) -> None:
    """One succeeded step per position (gapless), each recorded once; every task's guarded effect
    happened once; an activity ran more than once only for a step that had a later attempt."""
    steps = list(StepRun.objects.filter(run_id=run_id, kind="node").order_by("id"))
    positions = sorted(s.node["code"]["pos"] for s in steps)
    assert positions == list(range(1, len(steps) + 1)), positions
    assert all(s.status == "succeeded" for s in steps), [(s.node_id, s.status) for s in steps]
    succeeded = collections.Counter(RunEvent.objects.filter(run_id=run_id, type="step.succeeded")
                                    .values_list("node_id", flat=True))
    assert all(succeeded[s.node_id] == 1 for s in steps), succeeded
    calls = collections.Counter(key for _, key, _ in ledger.calls())
    effects = collections.Counter(effect_keys(ledger))
    for s in steps:
        if s.node_type == "task" and s.node["activity"] == "test.record":
            assert effects[s.idempotency_key] == 1, s.node_id
            assert 1 <= calls[s.idempotency_key] <= s.attempt, (s.node_id, calls[s.idempotency_key], s.attempt)
    assert_gapless(run_id)


def test_sigkill_mid_activity_retries_that_step_only_and_the_run_completes(stack, ledger):
    worker = stack.worker()
    stack.scheduler()
    run, _ = run_start(definition_key="code-kill", input={})
    wait_for(lambda: ledger.calls("2:test.sleep_once:begin"), timeout=30, message="slow step started")
    worker.kill()  # SIGKILL, mid-activity, parent and children
    stack.worker()
    run = wait_status(run.id, "completed", timeout=40, stack=stack)
    assert run.output == {"before": "before", "slow": 2, "after": "after"}
    slow = StepRun.objects.get(run=run, node_id="2:test.sleep_once")
    assert slow.attempt == 2 and slow.attempts[0]["error"]["type"] == "LeaseExpired"
    # The killed attempt and its retry share the idempotency key; the steps around it ran once.
    begins = ledger.calls("2:test.sleep_once:begin")
    assert [attempt for *_, attempt in begins] == [1, 2] and len({key for _, key, _ in begins}) == 1
    assert [name for name, *_ in ledger.calls()] == ["before", "2:test.sleep_once:begin",
                                                       "2:test.sleep_once:begin", "2:test.sleep_once", "after"]
    assert sorted(effect_keys(ledger)) == sorted([f"{run.id}:1:test.record", f"{run.id}:3:test.record"])
    assert steps_of(run.id) == [("1:test.record", "succeeded"), ("2:test.sleep_once", "succeeded"),
                                ("3:test.record", "succeeded")]
    assert_each_step_once(run.id, ledger)


def test_repeated_sigkills_while_runs_replay_lose_and_repeat_nothing(stack, ledger):
    # Steps are recorded, and the function replayed, in the transactions of a busy worker: a
    # kill lands in one of them or in an activity. Kills are timed off progress, so each one
    # hits a worker that is moving runs.
    seed = int(os.environ.get("FLOWDECK_TEST_SEED", time.time()))
    rng = random.Random(seed)
    worker = stack.worker(threads=8)
    stack.scheduler()
    runs = [run_start(definition_key="code-chaos", input={"i": i})[0] for i in range(24)]
    done = lambda: StepRun.objects.filter(run__in=runs, status="succeeded").count()  # noqa: E731
    kills = 0
    for _ in range(4):
        before = done()
        if WorkflowRun.objects.filter(pk__in=[r.id for r in runs]).exclude(status="completed").count() == 0:
            break
        wait_for(lambda: done() > before, timeout=30, message=f"progress after restart (seed {seed})")
        time.sleep(rng.uniform(0, 0.15))
        worker.kill()
        kills += 1
        worker = stack.worker(threads=8)
    assert kills >= 2, f"the runs finished before the kills (seed {seed})"
    for run in runs:
        run = wait_status(run.id, "completed", timeout=60, stack=stack)
        assert run.output == {"names": ["first", "left", "right", "last"]}, seed
        assert [n for n, _ in steps_of(run.id)] == ["1:test.record", "2:test.record", "3:test.record",
                                                   "4:test.record"]
        assert_each_step_once(run.id, ledger)
    # The kills hit work in flight: some attempt was lost and retried after its lease.
    assert StepRun.objects.filter(run__in=runs, attempt__gt=1).exists(), seed


def test_duplicate_deliveries_run_each_activity_once(stack, ledger):
    from engine.actors import code_advance, execute_step
    run, _ = run_start(definition_key="code-four", input={})  # its message waits in Redis: no worker yet
    first = StepRun.objects.get(run=run, node_id="1:test.record")
    for _ in range(3):
        execute_step.send(first.id)  # the same message, delivered again and again
    waiting, _ = run_start(definition_key="code-signal", input={})
    for _ in range(3):
        code_advance.send(str(waiting.id))  # replays of a run with nothing new to do
    stack.worker(threads=8)
    run = wait_status(run.id, "completed", stack=stack)
    assert run.output == {"names": ["a", "b", "c", "d"]}
    assert [name for name, *_ in ledger.calls()] == ["a", "b", "c", "d"]
    assert event_types(run.id).count("step.started") == 4
    # A late duplicate of a finished step's message changes nothing either.
    execute_step.send(StepRun.objects.get(run=run, node_id="2:test.record").id)
    time.sleep(1)
    assert len(ledger.calls()) == 4 and len(ledger.effects()) == 4
    assert_each_step_once(run.id, ledger)
    waiting = WorkflowRun.objects.get(pk=waiting.id)
    assert waiting.status == "waiting" and steps_of(waiting.id) == [("1:signal:go", "waiting")]
    assert_gapless(waiting.id)


def test_parallel_calls_are_joined_once_under_two_worker_processes(stack, ledger):
    # Two threads each: 20 parallel calls of 0.5 s cannot all go to one process (its threads and
    # prefetch are full), so both take part, however the broker happens to deal the messages.
    stack.worker(processes=2, threads=2)
    runs = [run_start(definition_key="code-parallel", input={"seconds": 0.5})[0] for _ in range(10)]
    for run in runs:
        run = wait_status(run.id, "completed", timeout=60, stack=stack)
        assert run.output == {"first": "first", "left": 0.5, "right": 0.5, "after": "after"}
        assert StepRun.objects.filter(run=run, node_id="4:test.record").count() == 1
        assert RunEvent.objects.filter(run=run, type="step.scheduled", node_id="4:test.record").count() == 1
        assert_each_step_once(run.id, ledger)
    assert len(ledger.calls("after")) == 10 and len({key for _, key, _ in ledger.calls("after")}) == 10
    workers = {w.split(":")[1] for w in StepRun.objects.filter(node_type="task").values_list("worker", flat=True)}
    assert len(workers) == 2  # both processes took part


def test_a_code_sleep_survives_worker_and_scheduler_restarts(stack, ledger):
    worker, scheduler = stack.worker(), stack.scheduler()
    run, _ = run_start(definition_key="code-sleep", input={"seconds": 2})
    wait_for(lambda: StepRun.objects.filter(run=run, node_id="2:sleep", status="waiting").exists(), timeout=20,
             message="timer armed")
    worker.kill(), scheduler.kill()  # everything down while the timer comes due
    time.sleep(3)
    assert WorkflowRun.objects.get(pk=run.id).status == "waiting"
    stack.worker(), stack.scheduler()
    run = wait_status(run.id, "completed", timeout=30, stack=stack)
    assert run.output == {"slept": True}
    assert [name for name, *_ in ledger.calls()] == ["before", "after"]
    assert_each_step_once(run.id, ledger)


def test_a_signal_sent_while_the_worker_is_down_is_taken_after_restart(stack, ledger):
    worker = stack.worker()
    run, _ = run_start(definition_key="code-signal", input={})
    wait_status(run.id, "waiting", stack=stack)
    worker.kill()
    run_signal(run_id=run.id, name="go", payload={"by": "ops"})  # replayed here: step 2 scheduled
    time.sleep(1)
    assert steps_of(run.id) == [("1:signal:go", "succeeded"), ("2:test.record", "scheduled")]
    assert ledger.calls() == []
    stack.worker()
    run = wait_status(run.id, "completed", timeout=30, stack=stack)
    assert run.output == {"approval": {"by": "ops"}}
    assert [name for name, *_ in ledger.calls()] == ["after-signal"]
    assert_each_step_once(run.id, ledger)


def test_compensate_undoes_in_reverse_order_on_a_worker(stack, ledger):
    stack.worker()
    run, _ = run_start(definition_key="code-saga", input={"fail": "compensate"})
    run = wait_status(run.id, "compensated", stack=stack)
    assert run.error["type"] == "Compensate"
    assert [name for name, *_ in ledger.calls()] == ["a", "b", "c", "undo:3:test.record", "undo:2:test.record",
                                                       "undo:1:test.record"]
    comp = StepRun.objects.filter(run=run, kind="compensation").order_by("completion_order")
    assert [(s.node_id, s.status) for s in comp] == [(f"{i}:test.record", "succeeded") for i in (3, 2, 1)]
    assert_gapless(run.id)


def test_a_step_of_the_old_code_finished_by_a_worker_on_changed_code_fails_the_run(stack, ledger):
    # Deployed while the old code's step 3 is in flight: the old code (this process, replaying on
    # the signal) scheduled test.record at step 3; the changed worker runs and records it, then
    # its replay of the history finds test.flaky at step 3.
    assert os.environ.get("FLOWDECK_TEST_CODE_CHANGED") != "1"
    old = stack.worker()
    run, _ = run_start(definition_key="code-changing", input={})
    wait_for(lambda: ("2:signal:next", "waiting") in steps_of(run.id), timeout=20, message="waiting on next")
    assert [name for name, *_ in ledger.calls()] == ["one"]
    old.stop()
    run_signal(run_id=run.id, name="next", payload={})
    assert steps_of(run.id)[-1] == ("3:test.record", "scheduled")
    stack.worker(env={"FLOWDECK_TEST_CODE_CHANGED": "1"})
    run = wait_status(run.id, "failed", timeout=30, stack=stack)
    assert run.error["message"] == "at step 3 the code calls test.flaky; the history has test.record"
    assert run.error["type"] == "NonDeterminism"
    failed = StepRun.objects.get(run=run, node_type="workflow")
    assert failed.node_id == "3:workflow" and failed.status == "failed"
    assert [name for name, *_ in ledger.calls()] == ["one", "three"]  # test.flaky never ran
    assert StepRun.objects.get(run=run, node_id="3:test.record").status == "succeeded"
    assert_gapless(run.id)


def test_a_run_is_replayed_only_by_a_worker_that_has_its_version(stack, ledger):
    from engine.services.workflows import workflow_sync
    from engine.workflows import latest, lookup
    from engine.actors import execute_step
    from engine.workflows.driver import queue_for
    assert not os.environ.get("FLOWDECK_WORKFLOW_MODULES") and latest("code-pinned").version == "2"
    v1 = workflow_sync(lookup("code-pinned", "1"))
    assert WorkflowVersion.objects.filter(definition__key="code-pinned", number=v1,
                                          spec__code_version="1").exists()
    stack.worker(env={"FLOWDECK_WORKFLOW_MODULES": "tests.support.workflows"})  # has v1 only
    one, _ = run_start(definition_key="code-pinned", input={}, version=v1)
    one = wait_status(one.id, "completed", timeout=30, stack=stack)
    assert one.output == {"version": "v1"}
    two, _ = run_start(definition_key="code-pinned", input={})  # the newest here: v2
    assert WorkflowVersion.objects.get(pk=two.version_id).spec["code_version"] == "2"
    time.sleep(3)
    two = WorkflowRun.objects.get(pk=two.id)
    assert two.status != "completed", two.status
    # The v2 run's step message went to v2's queue, which the v1 worker does not consume: it took
    # nothing of the run, not even its activity step.
    assert steps_of(two.id) == [("1:test.record", "scheduled")]
    assert [name for name, *_ in ledger.calls()] == ["v1"]
    # A re-send to the default queue (the scheduler's, of a step no worker took) is bounced by the
    # v1 worker's claim to v2's queue, not run.
    step = StepRun.objects.get(run=two, node_id="1:test.record")
    execute_step.send(step.id)
    time.sleep(2)
    assert StepRun.objects.get(pk=step.id).status == "scheduled" and [n for n, *_ in ledger.calls()] == ["v1"]
    assert queue_for("code-pinned", "2") not in ("flowdeck", "default")
    stack.worker()  # has v2: consumes its queue
    two = wait_status(two.id, "completed", timeout=30, stack=stack)
    assert two.output == {"version": "v2"}
    assert [name for name, *_ in ledger.calls()] == ["v1", "v2"]  # the v2 step ran once, on the v2 worker
    assert_each_step_once(two.id, ledger)
