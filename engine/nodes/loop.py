"""``loop``: runs its sub-flow (``flow``, a graph of its own) again and again, each iteration a run
of its own, until ``until`` holds (or while ``while`` does), at most ``max_iterations`` times,
``delay`` seconds apart. Polling a carrier until the parcel is picked up is the example.

The step waits on one iteration at a time (its ``child_run``); between iterations it waits on a
timer, so a polling loop costs a row, not a worker. Each iteration's steps, attempts and events
are its own run's: history keeps them apart, and the console opens them.
"""
from __future__ import annotations

import datetime as dt

from engine.errors import InvalidInput
from engine.nodes.base import NodeType, check_subflow, expression_error
from engine.nodes.choice import check_condition
from engine.spec.conditions import condition_expressions, evaluate_condition
from engine.spec.expressions import evaluate_mapping, mapping_expressions
from engine.spec.problems import pointer
from engine.spec.schema import (DEFAULT_FAILURE_POLICY, FLOW, MAPPING, MAX_LOOP_ITERATIONS, ON_FAILURE, SLA,
                                WAIT_SECONDS)
from engine.states import RunStatus, StepStatus

FAILED_ENDS = (RunStatus.COMPENSATED, RunStatus.CANCELLED, RunStatus.ABORTED)


class Loop(NodeType):
    type = "loop"
    fields = {"flow": FLOW, "until": {"type": "object"}, "while": {"type": "object"},
              "max_iterations": {"type": "integer", "minimum": 1, "maximum": MAX_LOOP_ITERATIONS,
                                 "description": "iterations"},
              "delay": WAIT_SECONDS, "input": MAPPING, "on_failure": ON_FAILURE, "sla": SLA}
    required = ("flow",)
    defaults = {"delay": 0, "on_failure": DEFAULT_FAILURE_POLICY}

    def expressions(self, node):
        for field in ("until", "while"):
            if isinstance(node.get(field), dict):
                yield from condition_expressions(node[field], f"/{field}")
        if "input" in node:
            yield from mapping_expressions(node["input"], "/input")

    def check(self, v, node_id, index, node):
        if "max_iterations" not in node:
            v.add("E031", f"loop {node_id!r} needs max_iterations (1 to {MAX_LOOP_ITERATIONS}), so that it ends",
                  node_id=node_id, path=pointer("nodes", index))
        if ("until" in node) == ("while" in node):
            v.add("E032", f"loop {node_id!r} needs exactly one of until and while", node_id=node_id,
                  path=pointer("nodes", index))
        for field in ("until", "while"):
            if isinstance(node.get(field), dict):
                check_condition(v, node_id, node[field], pointer("nodes", index, field), 1)
        check_subflow(v, node_id, index, node, "loop")

    def describe_waiting(self, step, node, now, ago):
        return f"{step.node_id}: {step.wait_reason}"

    # --- run time --------------------------------------------------------------------------
    def activate(self, a, node_id, node):
        self._iterate(a, a.create(node_id, status=StepStatus.WAITING), node, 0, None)

    def rearm(self, a, step, node):
        self._iterate(a, step, node, 0, None)   # from its start: iteration 0 again

    def reopen(self, a, step, node):
        if step.next_attempt_at is not None:   # it was between iterations
            return a.hold(step, reason=step.wait_reason, due=step.next_attempt_at)
        step.status, step.finished_at = StepStatus.WAITING, None
        a.save(step, ["status", "finished_at"])
        a.event("step.waiting", node_id=step.node_id, step_id=step.id, status=step.status,
                child_run_id=str(step.child_run_id) if step.child_run_id else None)
        if step.child_run_id:   # the iteration may have ended meanwhile: go on from it now
            a.send("resume_parent", str(step.child_run_id))

    def on_timer(self, a, step, node):
        """The delay after an iteration passed: the next one starts."""
        last = step.child_run
        step.next_attempt_at = None
        self._iterate(a, step, node, last.iteration + 1, last.output)

    def on_child_end(self, a, step, node, child):
        if step.next_attempt_at is not None:   # already between iterations: this end was seen
            return
        index = child.iteration or 0
        if child.status in FAILED_ENDS:
            step.status = StepStatus.RUNNING
            return a.fail(step, {"type": "LoopIterationFailed", "child_run_id": str(child.id), "iteration": index,
                                 "message": f"iteration {index + 1} ended {child.status}"})
        if child.status != RunStatus.COMPLETED:   # failed: an operator sees to the iteration first
            step.wait_reason = f"iteration {index + 1} (run {child.id}) is {child.status} and needs an operator"
            return a.save(step, ["wait_reason"])
        context = {**a.context(), "iteration": {"index": index, "output": child.output}}
        try:
            done = (evaluate_condition(node["until"], context) if "until" in node
                    else not evaluate_condition(node["while"], context))
        except InvalidInput as exc:
            step.status = StepStatus.RUNNING
            return a.fail(step, expression_error(exc, "LoopConditionFailed"))
        if done:
            return a.succeed(step, {"iterations": index + 1, "output": child.output}, iteration=index)
        if index + 1 >= node["max_iterations"]:
            step.status = StepStatus.RUNNING
            return a.fail(step, {"type": "LoopLimitReached", "iterations": index + 1, "child_run_id": str(child.id),
                                 "message": f"{node['max_iterations']} iterations ran and the loop's condition "
                                            "still asks for another (max_iterations)"})
        delay = float(self.setting(node, "delay") or 0)
        if delay > 0:
            due = a.now + dt.timedelta(seconds=delay)
            return a.hold(step, reason=f"iteration {index + 2} starts at {due.isoformat()}", due=due,
                          iteration=index + 1)
        self._iterate(a, step, node, index + 1, child.output)

    def _iterate(self, a, step, node, index: int, previous):
        """``step`` waits for iteration ``index`` (a new run of the sub-flow)."""
        context = {**a.context(), "iteration": {"index": index, "output": previous}}
        try:
            child_input = (evaluate_mapping(node["input"], context) if "input" in node
                           else {"input": a.run.input, "iteration": index, "previous": previous})
        except InvalidInput as exc:
            step.status = StepStatus.RUNNING
            return a.fail(step, expression_error(exc, "MappingError"))
        step.status, step.finished_at, step.next_attempt_at = StepStatus.WAITING, None, None
        step.wait_reason = f"iteration {index + 1} of at most {node['max_iterations']}"
        a.save(step, ["status", "finished_at", "next_attempt_at", "wait_reason", "error"])
        child = a.iteration_run(step, index, child_input)
        a.event("step.waiting", node_id=step.node_id, step_id=step.id, status=step.status,
                child_run_id=str(child.id), iteration=index)


NODE = Loop()
