"""The next sequential step claimed in the record transaction and run by the
same thread (``step_execute(inline=True)``, what the worker's actor does)."""
import pytest

from engine import executor
from engine.models import RunEvent, StepRun, WorkflowRun
from engine.services.runs import run_start
from tests.support.flows import assert_gapless, chain, drain, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


def _first_step(run_id, node_id="a"):
    return StepRun.objects.get(run_id=run_id, node_id=node_id)


def _events(run_id, node_id):
    return list(RunEvent.objects.filter(run_id=run_id, node_id=node_id).order_by("seq")
                .values_list("type", flat=True))


def test_one_message_runs_the_whole_chain_with_every_state_in_the_history(ledger):
    publish("inline4", chain(*(task(n) for n in "abcd")))
    run, _ = run_start(definition_key="inline4", input={"order": 7})
    assert executor.step_execute(step_id=_first_step(run.id).id, inline=True) == "succeeded"
    run.refresh_from_db()
    assert run.status == "completed"
    assert [c[0] for c in ledger.calls()] == ["a", "b", "c", "d"]
    for n in "abcd":
        assert _events(run.id, n) == ["step.scheduled", "step.started", "step.succeeded"], n
    workers = set(StepRun.objects.filter(run=run, node_id__in="bcd").values_list("worker", flat=True))
    assert workers == {executor.worker_name()}  # claimed by this thread, not through the queue
    assert drain(run.id) == 0
    assert_gapless(run.id)


def test_the_chain_hands_over_to_the_queue_after_its_step_budget(ledger, monkeypatch):
    monkeypatch.setattr(executor, "INLINE_STEPS", 2)
    publish("budget", chain(*(task(n) for n in "abcd")))
    run, _ = run_start(definition_key="budget")
    executor.step_execute(step_id=_first_step(run.id).id, inline=True)
    statuses = dict(StepRun.objects.filter(run=run, node_id__in="abcd").values_list("node_id", "status"))
    assert statuses == {"a": "succeeded", "b": "succeeded", "c": "scheduled"}  # c waits for its message
    assert drain(run.id) == 2
    assert WorkflowRun.objects.get(pk=run.id).status == "completed"
    assert [c[0] for c in ledger.calls()] == ["a", "b", "c", "d"]


def test_the_chain_hands_over_after_its_time_budget(ledger, monkeypatch):
    monkeypatch.setattr(executor, "INLINE_SECONDS", 0.0)
    publish("timebudget", chain(task("a"), task("b")))
    run, _ = run_start(definition_key="timebudget")
    executor.step_execute(step_id=_first_step(run.id).id, inline=True)
    assert _first_step(run.id, "b").status == "scheduled"
    assert drain(run.id) == 1
    assert WorkflowRun.objects.get(pk=run.id).status == "completed"


def test_a_next_step_whose_input_mapping_fails_is_scheduled_and_fails_on_its_claim(ledger):
    publish("badmap", chain(task("a"), task("b", input={"n": "abs(a.node)"})))  # a.node is a string
    run, _ = run_start(definition_key="badmap")
    executor.step_execute(step_id=_first_step(run.id).id, inline=True)
    b = _first_step(run.id, "b")
    assert b.status == "scheduled" and b.attempt == 0  # not claimed inline: it went to the queue
    assert drain(run.id) == 1
    b.refresh_from_db()
    assert b.status == "failed" and b.error["type"] == "MappingError"
    assert [c[0] for c in ledger.calls()] == ["a"]


def test_a_failing_step_ends_the_chain_and_follows_its_retry_policy(ledger):
    publish("failmid", chain(task("a"), task("b", activity="test.boom", retry={"max_attempts": 1}), task("c")))
    run, _ = run_start(definition_key="failmid")
    assert executor.step_execute(step_id=_first_step(run.id).id, inline=True) == "failed"
    run.refresh_from_db()
    assert run.status == "failed"
    assert not StepRun.objects.filter(run=run, node_id="c").exists()
    assert_gapless(run.id)
