"""``subworkflow``: starts a run of another definition (its ``input`` mapped) and waits for it to end."""
from __future__ import annotations

from engine.errors import InvalidInput
from engine.nodes.base import NodeType, expression_error
from engine.spec.expressions import evaluate_mapping, mapping_expressions
from engine.spec.problems import pointer
from engine.spec.schema import (DEFAULT_FAILURE_POLICY, DEFINITION_KEY_PATTERN, MAPPING, MAX_VERSION_NUMBER, ON_FAILURE,
                                SLA, full_match)
from engine.states import RunStatus, StepStatus


class Subworkflow(NodeType):
    type = "subworkflow"
    fields = {"definition": {"type": "string", "pattern": DEFINITION_KEY_PATTERN},
              "version": {"type": "integer", "minimum": 1, "maximum": MAX_VERSION_NUMBER,
                          "description": "a version number"}, "input": MAPPING, "on_failure": ON_FAILURE,
              "sla": SLA}
    required = ("definition",)
    defaults = {"version": None, "input": "input", "on_failure": DEFAULT_FAILURE_POLICY}

    def expressions(self, node):
        if "input" in node:
            yield from mapping_expressions(node["input"], "/input")

    def check(self, v, node_id, index, node):
        if v.definition_exists is None:
            return
        key = node.get("definition")
        if full_match(DEFINITION_KEY_PATTERN, key) and not v.definition_exists(key):
            v.add("E024", f"subworkflow definition {key!r} does not exist", node_id=node_id,
                  path=pointer("nodes", index, "definition"))

    def activate(self, a, node_id, node):
        self.rearm(a, a.create(node_id, status=StepStatus.WAITING), node)

    def rearm(self, a, step, node):
        """``step`` (new, or failed and run again: a new child run) waits for a child run."""
        step.status, step.finished_at = StepStatus.WAITING, None
        step.wait_reason = f"waiting for a run of {node['definition']}"
        a.save(step, ["status", "finished_at", "wait_reason", "error"])
        try:
            child_input = (node["value"] if "value" in node   # a code run's child: the value passed
                           else evaluate_mapping(self.setting(node, "input"), a.context()))
            child = a.child_run(step, definition_key=node["definition"], version=node.get("version"),
                                input=child_input)
        except (InvalidInput, LookupError) as exc:
            step.status = StepStatus.RUNNING
            return a.fail(step, expression_error(exc, "SubworkflowStartFailed"))
        a.event("step.waiting", node_id=step.node_id, step_id=step.id, status=step.status, child_run_id=str(child.id))

    def reopen(self, a, step, node):
        step.status, step.finished_at = StepStatus.WAITING, None
        a.save(step, ["status", "finished_at"])
        a.event("step.waiting", node_id=step.node_id, step_id=step.id, status=step.status,
                child_run_id=str(step.child_run_id) if step.child_run_id else None)
        if step.child_run_id:  # ended meanwhile: finish this step from it now
            a.send("resume_parent", str(step.child_run_id))


    def on_child_end(self, a, step, node, child):
        if child.status == RunStatus.COMPLETED:
            a.succeed(step, child.output, child_run_id=str(child.id))
        elif child.status in (RunStatus.COMPENSATED, RunStatus.CANCELLED, RunStatus.ABORTED):
            a.fail(step, {"type": "SubworkflowFailed", "child_run_id": str(child.id),
                          "message": f"child run ended {child.status}"})
        else:   # failed (an incident) or its compensation failed: an operator sees to the child first
            step.wait_reason = f"child run {child.id} is {child.status} and needs an operator"
            a.save(step, ["wait_reason"])


NODE = Subworkflow()
