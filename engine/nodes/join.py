"""``join``: meets the branches of its ``fork`` (a parallel node): all of them, or the first."""
from __future__ import annotations

from engine.nodes.base import NodeType
from engine.spec.schema import ID
from engine.states import StepStatus

MODES = ("all", "first")


def join_ready(graph, join_id: str, arrivals: int) -> bool:
    if NODE.setting(graph.node(join_id), "mode") == "first":
        return arrivals >= 1
    return arrivals >= graph.fork_branch_count(join_id)


class Join(NodeType):
    type = "join"
    fields = {"mode": {"enum": list(MODES)}, "fork": ID}
    required = ("fork",)
    defaults = {"mode": "all"}
    adds_data = False
    counts_arrivals = True   # the fork/join pairing is the validator's

    def activate(self, a, node_id, node):
        step = a.existing(node_id)
        if step is None:
            step = a.create(node_id, status=StepStatus.WAITING, insert=True, wait_reason="waiting for branches")
        if step.status != StepStatus.WAITING:
            return  # a first-of join already fired; late branches end here
        step.arrivals += 1
        a.save(step, ["arrivals"])
        a.event("join.arrived", node_id=node_id, step_id=step.id, arrivals=step.arrivals,
                needed=a.graph.fork_branch_count(node_id))
        if join_ready(a.graph, node_id, step.arrivals):
            a.succeed(step, None)

    def reopen(self, a, step, node):
        step.status, step.finished_at = StepStatus.WAITING, None
        a.save(step, ["status", "finished_at"])
        if join_ready(a.graph, step.node_id, step.arrivals):
            a.succeed(step, None)


NODE = Join()
