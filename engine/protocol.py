"""The step protocol's decisions, as pure functions of (spec graph, step states).

Nothing here touches the database, the broker or the clock: the store asks,
then performs the writes. Unit-tested with tables in tests/engine/test_protocol.py.
"""
from __future__ import annotations

import dataclasses
import random
from typing import Iterable

from engine import nodes
from engine.nodes.base import FINAL_ERRORS
from engine.spec import retry_delay, retry_policy
from engine.spec.schema import DEFAULT_FAILURE_POLICY
from engine.states import StepStatus

# Retrying cannot help these, whatever the policy says (engine/nodes/base.py says why, per type).
ALWAYS_FINAL = frozenset(FINAL_ERRORS)


@dataclasses.dataclass(frozen=True)
class StepState:
    node_id: str
    kind: str
    status: str
    completion_order: int | None = None


def next_nodes(graph, node_id: str, *, output=None, context: dict | None = None) -> list[str]:
    """The nodes to activate after ``node_id`` succeeded with ``output`` (its type decides)."""
    node = graph.node(node_id)
    return nodes.of(node).next_nodes(graph, node_id, node, output, context or {})


@dataclasses.dataclass(frozen=True)
class RetryDecision:
    retry: bool
    delay: float = 0.0
    reason: str = ""
    exhausted: bool = False   # final because the attempts ran out (not a non-retryable error)


def retry_decide(node: dict, *, attempt: int, error_type: str, rand=random.random) -> RetryDecision:
    """Retry ``attempt`` (1-based, just failed) per the node's policy?"""
    policy = retry_policy(node)
    if error_type in policy["non_retryable_errors"] or error_type in ALWAYS_FINAL:
        return RetryDecision(False, reason=f"{error_type} is non-retryable")
    if attempt >= policy["max_attempts"]:
        return RetryDecision(False, reason=f"{attempt} of {policy['max_attempts']} attempts used", exhausted=True)
    return RetryDecision(True, delay=retry_delay(policy, attempt, rand=rand))


def failure_outcome(node: dict | None, *, exhausted: bool, compensation_pending: bool) -> str:
    """What follows a step's last failed attempt (the node's ``on_failure``): "compensate" (undo
    what succeeded, then compensated), "incident" (the run waits for an operator, run status
    failed) or "abort" (terminal, nothing undone). Under the default policy a run with nothing to
    undo waits for an operator only when retrying could help: its attempts ran out (``exhausted``);
    a non-retryable error, a timeout or a fail node end it."""
    policy = (node or {}).get("on_failure") or DEFAULT_FAILURE_POLICY
    if policy == "fail":
        return "abort"
    if policy == "incident":
        return "incident"
    if compensation_pending:
        return "compensate"
    return "incident" if exhausted else "abort"


def compensation_order(graph, steps: Iterable[StepState]) -> list[str]:
    """What compensating would undo, in order: succeeded steps with a compensation that has
    none yet (a map's also failed or cancelled, with its items' compensations), latest-completed
    first (one that never completed, first of all). Reverse completion order, at most once."""
    steps = list(steps)
    compensated = {s.node_id for s in steps if s.kind == "compensation"}
    done = [s for s in steps if s.kind == "node" and s.node_id not in compensated and _undoable(graph, s)]
    return [s.node_id for s in sorted(done, key=lambda s: -(s.completion_order or 1 << 62))]


def _undoable(graph, step: StepState) -> bool:
    node = graph.node(step.node_id)
    node_type = nodes.of(node)
    return step.status in node_type.undo_statuses and node_type.compensable(node)


def compensation_next(graph, steps: Iterable[StepState]) -> str | None:
    """The next node to compensate (see ``compensation_order``)."""
    order = compensation_order(graph, steps)
    return order[0] if order else None


def compensation_pending(graph, steps: Iterable[StepState]) -> bool:
    """Would compensating this run do anything?"""
    return compensation_next(graph, steps) is not None


def run_status_for(steps: Iterable[StepState], *, compensating: bool = False) -> str | None:
    """The run status implied by open steps, or None when nothing is open."""
    steps = [s for s in steps if (s.kind == "compensation") == compensating]
    if any(s.status in (StepStatus.SCHEDULED, StepStatus.RUNNING) for s in steps):
        return "compensating" if compensating else "running"
    if any(s.status == StepStatus.WAITING for s in steps):
        return "compensating" if compensating else "waiting"
    return None
