"""Code workflows end to end with the real executor called in-process (no worker): replay,
parallel calls, compensation, signals, timers, recorded values, children, the code-changed guard."""
import pytest

from engine.models import RunEvent, StepRun, WorkflowRun, WorkflowVersion
from engine.services.runs import run_retry_from_failed, run_signal, step_retry, step_skip
from engine.services.runs import run_start
from engine.store.steps import step_fire_timer
from tests.support import workflows
from tests.support.flows import assert_gapless, drain, make_due

pytestmark = pytest.mark.django_db(transaction=True)


def steps_of(run_id, kind="node"):
    return list(StepRun.objects.filter(run_id=run_id, kind=kind).order_by("id").values_list("node_id", "status"))


def test_four_steps_run_once_each_in_order_and_complete(ledger):
    run, created = run_start(definition_key="code-four", input={"n": 1})
    assert created and run.status == "running"
    assert drain(run.id) == 4
    run.refresh_from_db()
    assert run.status == "completed" and run.output == {"names": ["a", "b", "c", "d"]}
    assert [r[0] for r in ledger.calls()] == ["a", "b", "c", "d"]
    assert steps_of(run.id) == [(f"{i}:test.record", "succeeded") for i in range(1, 5)]
    version = WorkflowVersion.objects.get(pk=run.version_id)
    assert version.status == "published" and version.spec["kind"] == "code" and "def four" in version.spec["source"]
    assert_gapless(run.id)


def test_business_key_makes_a_code_start_idempotent():
    first, created = run_start(definition_key="code-four", business_key="k1")
    again, created_again = run_start(definition_key="code-four", business_key="k1")
    assert created and not created_again and first.id == again.id


def test_parallel_calls_are_scheduled_together_and_joined_once(ledger):
    run, _ = run_start(definition_key="code-parallel", input={})
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "completed", run.error
    assert run.output == {"first": "first", "left": 0, "right": 0, "after": "after"}
    nodes = dict(StepRun.objects.filter(run=run).values_list("node_id", "node"))
    epochs = {node_id: node["code"]["epoch"] for node_id, node in nodes.items()}
    assert epochs["2:test.sleep"] == epochs["3:test.sleep"] == 1 and epochs["4:test.record"] == 3
    assert StepRun.objects.filter(run=run, node_id="4:test.record").count() == 1


def test_compensate_undoes_in_reverse_order(ledger):
    run, _ = run_start(definition_key="code-saga", input={"fail": "compensate"})
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "compensated" and run.error["type"] == "Compensate"
    undone = [name for name, *_ in ledger.calls() if name.startswith("undo:")]
    assert undone == ["undo:3:test.record", "undo:2:test.record", "undo:1:test.record"]


def test_a_step_failing_for_good_compensates_by_its_failure_policy(ledger):
    run, _ = run_start(definition_key="code-saga", input={"fail": "activity"})
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "compensated"
    assert run.error["node_id"] == "4:test.boom" and run.error["type"] == "Fatal"


def test_the_code_failing_is_an_incident_and_retrying_replays(ledger):
    run, _ = run_start(definition_key="code-saga", input={"fail": "code"})
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "failed" and "KeyError" in run.error["message"]
    step = StepRun.objects.get(run=run, node_type="workflow")
    assert step.status == "failed" and step.node_id == "4:workflow"
    WorkflowRun.objects.filter(pk=run.id).update(input={})   # as if the code were fixed: it no longer fails
    step_retry(run_id=run.id, node_id=step.node_id, reason="fixed")
    run.refresh_from_db()
    assert run.status == "completed" and run.output == {"done": True}
    assert [n for n, *_ in ledger.calls()] == ["a", "b", "c"]   # the replay ran no activity again


def test_a_signal_wakes_the_run_and_a_kept_signal_is_taken_on_arrival(ledger):
    run, _ = run_start(definition_key="code-signal", input={})
    run.refresh_from_db()
    assert run.status == "waiting" and steps_of(run.id) == [("1:signal:go", "waiting")]
    run_signal(run_id=run.id, name="go", payload={"ok": 1})
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "completed" and run.output == {"approval": {"ok": 1}}


def test_a_signal_timeout_returns_none(ledger):
    run, _ = run_start(definition_key="code-signal", input={"timeout": 60})
    make_due(run.id)
    step = StepRun.objects.get(run=run)
    assert step_fire_timer(step_id=step.id)
    run.refresh_from_db()
    assert run.status == "completed" and run.output == {"timed_out": True}


def test_sleep_is_a_durable_timer(ledger):
    run, _ = run_start(definition_key="code-sleep", input={"seconds": 3600})
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "waiting" and steps_of(run.id)[-1] == ("2:sleep", "waiting")
    make_due(run.id)
    assert step_fire_timer(step_id=StepRun.objects.get(run=run, node_id="2:sleep").id)
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "completed"


def test_recorded_values_are_the_same_on_every_replay(ledger):
    run, _ = run_start(definition_key="code-values", input={})
    recorded = dict(StepRun.objects.filter(run=run, node_type="value").values_list("node_id", "output"))
    assert set(recorded) == {"1:now", "2:uuid", "3:random"}
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "completed"
    assert run.output["uuid"] == recorded["2:uuid"] and run.output["random"] == recorded["3:random"]
    assert run.output["again"] != run.output["uuid"]


def test_a_child_workflow_runs_as_a_child_run(ledger):
    run, _ = run_start(definition_key="code-child", input={})
    child = WorkflowRun.objects.filter(parent_run_id=run.id).first()
    assert child is not None
    drain(child.id)
    from engine.services.runs import run_resume_parent
    run_resume_parent(child_run_id=child.id)
    run.refresh_from_db()
    assert run.status == "completed" and run.output["child"] == {"names": ["a", "b", "c", "d"]}


def test_changed_code_stops_the_run_with_both_calls_named_then_retry_on_new_code_goes_on(ledger, monkeypatch):
    run, _ = run_start(definition_key="code-changing", input={})
    drain(run.id)
    monkeypatch.setitem(workflows.CHANGED, "code-changing", True)
    run_signal(run_id=run.id, name="next", payload={})
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "completed"   # the new call is at a new position: no divergence
    # A run whose history already has step 3 from the old code:
    monkeypatch.setitem(workflows.CHANGED, "code-changing", False)
    old, _ = run_start(definition_key="code-changing", input={})
    drain(old.id)
    run_signal(run_id=old.id, name="next", payload={})
    StepRun.objects.filter(run=old, node_id="3:test.record").update(status="scheduled")
    monkeypatch.setitem(workflows.CHANGED, "code-changing", True)
    # The old code's step 3 finishes on a worker that now has the new code:
    drain(old.id)
    old.refresh_from_db()
    assert old.status == "failed", old.status
    message = old.error["message"]
    assert message == "at step 3 the code calls test.flaky; the history has test.record"
    failed = StepRun.objects.get(run=old, node_type="workflow")
    assert failed.status == "failed" and failed.error["type"] == "NonDeterminism"
    monkeypatch.setitem(workflows.CHANGED, "code-changing", False)   # deployed back: retry on that code
    run_retry_from_failed(run_id=old.id, reason="rolled back")
    old.refresh_from_db()
    assert old.status == "completed"


def test_patched_takes_the_old_path_on_old_histories_and_the_new_one_on_new(ledger, monkeypatch):
    old, _ = run_start(definition_key="code-patched", input={})
    drain(old.id)
    run_signal(run_id=old.id, name="next", payload={})   # the old code schedules "old" at step 3
    monkeypatch.setitem(workflows.CHANGED, "code-patched", True)
    drain(old.id)
    old.refresh_from_db()
    assert old.status == "completed" and "3:test.record" in dict(steps_of(old.id))
    new, _ = run_start(definition_key="code-patched", input={})
    drain(new.id)
    run_signal(run_id=new.id, name="next", payload={})
    drain(new.id)
    new.refresh_from_db()
    assert new.status == "completed"
    assert [n for n, _ in steps_of(new.id)] == ["1:test.record", "2:signal:next", "3:patch:new-step", "4:test.record"]


def test_skip_gives_the_function_the_operators_output(ledger):
    run, _ = run_start(definition_key="code-saga", input={"fail": "incident"})
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "failed" and run.error["node_id"] == "4:test.boom"
    step_skip(run_id=run.id, node_id="4:test.boom", output={"by": "operator"}, reason="done by hand")
    run.refresh_from_db()
    assert run.status == "completed" and run.output == {"done": True, "skipped": {"by": "operator"}}


def test_every_state_change_is_in_the_history_in_order(ledger):
    run, _ = run_start(definition_key="code-parallel", input={})
    drain(run.id)
    seqs = list(RunEvent.objects.filter(run=run).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_inline_steps_replay_from_the_history_the_last_transaction_left(ledger):
    """A worker running the next step inline starts its record from the history it left
    (RunTx.code_rows): the same outcome as reading it, each activity once."""
    from engine.executor import step_execute
    for key in ("code-four", "code-parallel", "code-values"):
        run, _ = run_start(definition_key=key, input={})
        for _ in range(10):
            step = StepRun.objects.filter(run=run, status="scheduled").order_by("id").first()
            if step is None:
                break
            step_execute(step_id=step.id, inline=True)
        run.refresh_from_db()
        assert run.status == "completed", (key, run.status, run.error)
        assert all(status == "succeeded" for _, status in steps_of(run.id)), steps_of(run.id)
        assert_gapless(run.id)
    assert [n for n, *_ in ledger.calls()].count("a") == 1 and [n for n, *_ in ledger.calls()].count("after") == 1
