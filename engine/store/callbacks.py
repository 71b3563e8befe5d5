"""A callback task's attempt completed, failed or kept alive through its token (engine/callbacks.py):
guarded transitions under the run's lock, so a token works once, only for its own attempt, and
only while that attempt is open (running, or waiting for it with no worker)."""
from __future__ import annotations

import dataclasses

from engine import callbacks, nodes
from engine.models import StepRun
from engine.states import StepStatus
from engine.store import advance, rows, sql, steps
from engine.store.tx import run_tx


@dataclasses.dataclass(frozen=True)
class Outcome:
    ok: bool
    state: str            # the token's state before this call (engine.callbacks.STATES), or "unknown"
    message: str
    run_id: str | None = None
    node_id: str | None = None
    step_status: str | None = None


def _callback_of(tx, step) -> dict | None:
    node = tx.graph.node(step.node_id) if step.kind == StepRun.NODE else None
    return node.get("callback") if node and nodes.of(node).runs_activity else None


def callback_settle(*, step_id: int, attempt: int, output=None, error: dict | None = None,
                    heartbeat: bool = False) -> Outcome:
    """Complete the attempt with ``output``, fail it with ``error`` (its retry policy applies), or,
    with ``heartbeat``, push its timeout back by its ``heartbeat_timeout``."""
    run_id = StepRun.objects.filter(pk=step_id).values_list("run_id", flat=True).first()
    if run_id is None:
        return Outcome(False, "unknown", "no such callback")
    with run_tx(run_id) as tx:
        step = sql.step_get(step_id, lock=True)
        callback = _callback_of(tx, step) if step is not None else None
        if callback is None:
            return Outcome(False, "unknown", "no such callback")
        where = {"run_id": str(tx.run.id), "node_id": step.node_id}
        state = callbacks.token_state(step, attempt)
        if state != callbacks.OPEN:
            return Outcome(False, state, callbacks.refusal_of(state, attempt, step), step_status=step.status, **where)
        if tx.run.status not in advance.FORWARD:
            return Outcome(False, state, f"the run is {tx.run.status}; its steps take no callback now",
                           step_status=step.status, **where)
        if heartbeat:
            _heartbeat(tx, step, callback)
        elif error is not None:
            steps.fail_attempt(tx, step, {**error, "via": "callback"})
        else:
            steps.attempt_record(step, tx.now, StepStatus.SUCCEEDED)
            step.error, step.wait_reason = None, ""
            rows.update(step, ["wait_reason"], now=tx.now)
            advance.succeed(tx, step, output, via="callback")
        return Outcome(True, state, "heartbeat recorded" if heartbeat else "recorded", step_status=step.status,
                       **where)


def _heartbeat(tx, step, callback: dict) -> None:
    step.heartbeat_at = tx.now
    fields = ["heartbeat_at"]
    if step.status == StepStatus.WAITING and callback.get("heartbeat_timeout"):
        step.next_attempt_at = steps.callback_due(step, callback, tx.now)
        fields.append("next_attempt_at")
        delay = max(0, int((step.next_attempt_at - tx.now).total_seconds() * 1000))
        tx.send("fire_timer", step.id, delay_ms=delay)
    rows.update(step, fields, now=tx.now)


def callback_view(step, callback: dict | None) -> dict | None:
    """A step's callback as the console shows it (None: not a callback task step)."""
    if not callback or step.kind != StepRun.NODE or step.attempt == 0:
        return None
    expires = steps.callback_expires_at(step, callback) if step.started_at else None
    state = callbacks.token_state(step, step.attempt)
    waiting = step.status == StepStatus.WAITING
    return {"state": state, "attempt": step.attempt, "expires_at": expires.isoformat() if expires else None,
            "heartbeat_due": step.next_attempt_at.isoformat() if waiting and step.next_attempt_at
            and callback.get("heartbeat_timeout") else None}


__all__ = ["Outcome", "callback_settle", "callback_view"]
