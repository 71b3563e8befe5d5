"""``fail``: the run fails with the node's ``error`` (and ``code``); what follows is the failure policy."""
from __future__ import annotations

from engine.nodes.base import NodeType
from engine.states import StepStatus


class Fail(NodeType):
    type = "fail"
    fields = {"error": {"type": "string", "minLength": 1},
              "code": {"type": "string", "minLength": 1, "maxLength": 100}}
    required = ("error",)
    defaults = {"code": "WorkflowFailed"}
    terminal = True
    adds_data = False

    def next_nodes(self, graph, node_id, node, output, context):
        return []

    def activate(self, a, node_id, node):
        a.succeed(a.create(node_id, status=StepStatus.RUNNING), None, then_settle=False)  # failed just below
        a.run_fail({"type": self.setting(node, "code"), "message": node["error"], "node_id": node_id})


NODE = Fail()
