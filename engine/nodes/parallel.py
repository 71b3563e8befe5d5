"""``parallel``: a fork: every outgoing edge starts a branch; its ``join`` (which names it) meets them."""
from __future__ import annotations

from engine.nodes.base import NodeType
from engine.states import StepStatus


class Parallel(NodeType):
    type = "parallel"
    adds_data = False
    unique_branches = True

    def check_outgoing(self, v, node_id, node, outs):
        if len(outs) < 2:
            v.add("E018", f"parallel {node_id!r} has {len(outs)} outgoing edge(s); it needs at least 2",
                  node_id=node_id, path=v.node_path(node_id))

    def next_nodes(self, graph, node_id, node, output, context):
        return [edge["target"] for edge in graph.outgoing(node_id)]

    def activate(self, a, node_id, node):
        a.succeed(a.create(node_id, status=StepStatus.RUNNING), None)


NODE = Parallel()
