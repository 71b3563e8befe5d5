"""``start``: where every run begins (exactly one per spec, one outgoing edge)."""
from __future__ import annotations

from engine.nodes.base import NodeType
from engine.states import StepStatus


class Start(NodeType):
    type = "start"
    adds_data = False

    def activate(self, a, node_id, node):
        a.succeed(a.create(node_id, status=StepStatus.RUNNING), None)


NODE = Start()
