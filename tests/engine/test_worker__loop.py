"""Loops on real worker processes: each iteration a run of the loop's sub-flow, the loop's step
waiting on it (and on a timer between iterations), until its condition holds or max_iterations."""
import pytest

from engine.models import RunEvent, StepRun, WorkflowRun
from engine.services.runs import run_start
from tests.support.flows import assert_gapless, chain, edge, node, publish, task, wait_status

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _poll(key: str, *, max_iterations: int, until_index: int, delay: float = 0, on_failure: str | None = None):
    flow = chain(task("check", input={"iteration": "input.iteration", "tracking": "input.input.tracking"}))
    flow["nodes"][-1]["output"] = "data.check"
    loop = node("poll", "loop", max_iterations=max_iterations, delay=delay,
                until={"field": "iteration.index", "op": "gte", "value": until_index},
                flow={"nodes": flow["nodes"], "edges": flow["edges"]})
    if on_failure:
        loop["on_failure"] = on_failure
    publish(key, chain(task("ship"), loop, task("notify")))


def _iterations(run):
    return list(WorkflowRun.objects.filter(parent_run=run).order_by("iteration"))


def test_a_loop_runs_its_sub_flow_until_its_condition_holds_each_iteration_a_run_of_its_own(stack, ledger):
    _poll("loop-poll", max_iterations=10, until_index=2, delay=0.3)
    stack.worker()
    run, _ = run_start(definition_key="loop-poll", input={"tracking": "T-1"})
    wait_status(run.id, "completed", stack=stack, timeout=60)
    step = StepRun.objects.get(run=run, node_id="poll")
    assert step.output["iterations"] == 3
    assert step.output["output"]["iteration"] == 2 and step.output["output"]["tracking"] == "T-1"
    children = _iterations(run)
    assert [c.iteration for c in children] == [0, 1, 2]
    assert all(c.status == "completed" and c.subflow == "poll" and c.version_id == run.version_id for c in children)
    # Each iteration's steps are its own run's: one check per iteration, each with its own key.
    checks = ledger.calls("check")
    assert len(checks) == 3 and len({key for _, key, _ in checks}) == 3
    assert {key.split(":")[0] for _, key, _ in checks} == {str(c.id) for c in children}
    assert [c[0] for c in ledger.calls() if c[0] != "check"] == ["ship", "notify"]
    # Between iterations the step waited on its timer (delay), not on a worker.
    waits = [e.payload for e in RunEvent.objects.filter(run=run, node_id="poll", type="step.waiting").order_by("seq")]
    assert [w.get("iteration") for w in waits] == [0, 1, 1, 2, 2]
    assert sum(1 for w in waits if "child_run_id" in w) == 3
    for r in (run, *children):
        assert_gapless(r.id)


def test_a_loop_that_reaches_max_iterations_fails_its_step(stack, ledger):
    _poll("loop-limit", max_iterations=3, until_index=100, on_failure="fail")
    stack.worker()
    run, _ = run_start(definition_key="loop-limit", input={"tracking": "T-2"})
    run = wait_status(run.id, "aborted", stack=stack, timeout=60)
    step = StepRun.objects.get(run=run, node_id="poll")
    assert step.status == "failed" and step.error["type"] == "LoopLimitReached" and step.error["iterations"] == 3
    assert run.error["type"] == "LoopLimitReached" and run.error["node_id"] == "poll"
    assert [c.iteration for c in _iterations(run)] == [0, 1, 2]
    assert len(ledger.calls("check")) == 3 and not ledger.calls("notify")


def test_an_iteration_that_ends_aborted_fails_the_loop(stack, ledger):
    flow = chain(task("check", "test.boom", input={"type": "CarrierDown"}, on_failure="fail",
                      retry={"max_attempts": 1}))
    publish("loop-boom", chain(node("poll", "loop", max_iterations=5, until={"field": "iteration.index", "op": "gte",
                                                                           "value": 9},
                                    flow={"nodes": flow["nodes"], "edges": flow["edges"]}, on_failure="fail")))
    stack.worker()
    run, _ = run_start(definition_key="loop-boom", input={})
    run = wait_status(run.id, "aborted", stack=stack, timeout=60)
    step = StepRun.objects.get(run=run, node_id="poll")
    assert step.error["type"] == "LoopIterationFailed" and step.error["iteration"] == 0
    assert [c.status for c in _iterations(run)] == ["aborted"]
