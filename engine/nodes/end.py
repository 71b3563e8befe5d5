"""``end``: the run completes, its output the node's ``output`` mapping (default: the run's data)."""
from __future__ import annotations

from engine.errors import InvalidInput
from engine.nodes.base import NodeType, expression_error
from engine.spec.expressions import evaluate_mapping, mapping_expressions
from engine.spec.schema import MAPPING
from engine.states import StepStatus


class End(NodeType):
    type = "end"
    fields = {"output": MAPPING}
    terminal = True
    adds_data = False

    def expressions(self, node):
        if "output" in node:
            yield from mapping_expressions(node["output"], "/output")

    def next_nodes(self, graph, node_id, node, output, context):
        return []

    def activate(self, a, node_id, node):
        self._finish(a, a.create(node_id, status=StepStatus.RUNNING), node)

    def rearm(self, a, step, node):
        self._finish(a, step, node)   # its output mapping failed: evaluated again

    def _finish(self, a, step, node):
        try:
            output = evaluate_mapping(node["output"], a.context()) if node.get("output") else a.run.data
        except InvalidInput as exc:
            return a.fail(step, expression_error(exc, "MappingError"))
        a.succeed(step, None, then_settle=False)  # completed just below
        a.run_complete(output)


NODE = End()
