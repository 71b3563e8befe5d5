"""``wait``: a durable timer, ``seconds`` from activation or ``until`` an ISO-8601 time (an expression)."""
from __future__ import annotations

import datetime as dt

from engine.errors import InvalidInput
from engine.nodes.base import NodeType, expression_error
from engine.spec.expressions import evaluate_expression
from engine.spec.problems import pointer
from engine.spec.schema import DEFAULT_FAILURE_POLICY, MAX_WAIT_SECONDS, ON_FAILURE, SLA, WAIT_SECONDS
from engine.states import StepStatus


class Wait(NodeType):
    type = "wait"
    fields = {"seconds": WAIT_SECONDS, "until": {"type": "string"}, "on_failure": ON_FAILURE, "sla": SLA}
    defaults = {"on_failure": DEFAULT_FAILURE_POLICY}

    def expressions(self, node):
        if isinstance(node.get("until"), str):
            yield "/until", node["until"]

    def check(self, v, node_id, index, node):
        if ("seconds" in node) == ("until" in node):
            v.add("E023", "a wait node needs exactly one of seconds or until", node_id=node_id,
                  path=pointer("nodes", index))

    def describe_waiting(self, step, node, now, ago):
        return f"{step.node_id}: waiting until {step.next_attempt_at.isoformat()}"

    def activate(self, a, node_id, node):
        self._arm(a, a.create(node_id, status=StepStatus.WAITING), node)

    def rearm(self, a, step, node):
        self._arm(a, step, node)

    def reopen(self, a, step, node):
        self._arm(a, step, node, due=step.next_attempt_at)

    def on_timer(self, a, step, node):
        a.succeed(step, {"fired_at": a.now.isoformat()}, timer=True)

    def _arm(self, a, step, node, *, due=None):
        """``step`` (new, or run again) waits until ``due``, else its node's time."""
        if due is None and "seconds" in node:
            due = a.now + dt.timedelta(seconds=float(node["seconds"]))
        elif due is None:
            step.status = StepStatus.RUNNING   # what a failure expects, if it comes to that
            try:
                value = evaluate_expression(node["until"], a.context())
            except InvalidInput as exc:
                return a.fail(step, expression_error(exc, "InvalidWaitUntil"))
            try:
                due = dt.datetime.fromisoformat(str(value))
                due = due if due.tzinfo else due.replace(tzinfo=dt.timezone.utc)
                due.astimezone(dt.timezone.utc)   # OverflowError: year 1 or 9999 shifted past the calendar
            except (ValueError, OverflowError):
                return a.fail(step, {"type": "InvalidWaitUntil",
                                     "message": f"wait.until gave {str(value)[:100]!r}, not an ISO-8601 time"})
            if (due - a.now).total_seconds() > MAX_WAIT_SECONDS:
                return a.fail(step, {"type": "InvalidWaitUntil", "message": f"wait.until gave {due.isoformat()}, "
                                     f"more than {MAX_WAIT_SECONDS // 86400} days ahead (MAX_WAIT_SECONDS)"})
        a.hold(step, reason=f"waiting until {due.isoformat()}", due=due, until=due.isoformat())


NODE = Wait()
