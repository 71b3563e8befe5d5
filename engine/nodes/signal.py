"""``signal``: waits for a named signal (its payload is the output), optionally for at most ``timeout``
seconds; past it, the "timeout" edge if there is one, else the step fails (SignalTimeout)."""
from __future__ import annotations

import datetime as dt

from engine.nodes.base import NodeType, unknown_branch
from engine.spec.schema import DEFAULT_BRANCH, DEFAULT_FAILURE_POLICY, ON_FAILURE, SIGNAL_PATTERN, SIGNAL_TIMEOUT, SLA
from engine.states import StepStatus

TIMEOUT_BRANCH = "timeout"


class Signal(NodeType):
    type = "signal"
    fields = {"signal": {"type": "string", "pattern": SIGNAL_PATTERN}, "timeout": SIGNAL_TIMEOUT,
              "on_failure": ON_FAILURE, "sla": SLA}
    required = ("signal",)
    defaults = {"timeout": None, "on_failure": DEFAULT_FAILURE_POLICY}
    unique_branches = True

    def check_outgoing(self, v, node_id, node, outs):
        has_timeout = "timeout" in node
        for edge in outs:
            if edge.branch == TIMEOUT_BRANCH and not has_timeout:
                v.edge_error("E025", f"signal {node_id!r} has a \"timeout\" edge but no timeout", edge,
                             node_id=node_id, field="branch")
            elif edge.branch not in (DEFAULT_BRANCH, TIMEOUT_BRANCH):
                unknown_branch(v, node_id, self.type, edge, '"next" or "timeout"')
        nexts = sum(edge.branch == DEFAULT_BRANCH for edge in outs)
        if nexts != 1:
            v.add("E021", f"signal {node_id!r} has {nexts} \"next\" edges; it needs exactly one",
                  node_id=node_id, path=v.node_path(node_id))

    def next_nodes(self, graph, node_id, node, output, context):
        timed_out = isinstance(output, dict) and output.get("timed_out")
        return graph.next_nodes(node_id, TIMEOUT_BRANCH if timed_out else DEFAULT_BRANCH)

    def describe_waiting(self, step, node, now, ago):
        timeout = f" (times out at {step.next_attempt_at.isoformat()})" if step.next_attempt_at else " (no timeout)"
        return f"{step.node_id}: awaiting signal {node.get('signal')} for {ago(now, step.scheduled_at)}{timeout}"

    def activate(self, a, node_id, node):
        step = a.create(node_id, status=StepStatus.WAITING)
        if not self._take_kept(a, step, node):
            self._arm(a, step, node)

    def rearm(self, a, step, node):
        if not self._take_kept(a, step, node):
            self._arm(a, step, node)

    def _take_kept(self, a, step, node) -> bool:
        """A signal sent before this node was reached, kept for it: taken now, oldest first."""
        kept = a.take_signal(node["signal"], step.node_id)
        if kept is None:
            return False
        a.succeed(step, kept.payload if kept.payload is not None else {}, signal=node["signal"], kept=True)
        return True

    def reopen(self, a, step, node):
        self._arm(a, step, node, due=step.next_attempt_at)

    def on_timer(self, a, step, node):
        if a.graph.continues_on(step.node_id, TIMEOUT_BRANCH):
            a.succeed(step, {"timed_out": True}, signal=node["signal"], timed_out=True)
        else:
            a.fail(step, {"type": "SignalTimeout",
                          "message": f"signal {node['signal']} not received within {node['timeout']}s"})

    def _arm(self, a, step, node, *, due=None):
        """``step`` (new, or failed and run again) waits for its signal, until ``due`` or its timeout."""
        if due is None and node.get("timeout"):
            due = a.now + dt.timedelta(seconds=node["timeout"])
        a.hold(step, reason=f"awaiting signal {node['signal']}", due=due, signal=node["signal"],
               timeout_at=due.isoformat() if due else None)


NODE = Signal()
