"""Every status and every allowed transition, in one place.

Both tables are enforced where the writes are: a run's status changes only through
``RunTx.set_status`` (``run_can``), a step's only through the store's writes, which refuse a
move the table does not allow (``step_move``, raising TransitionRefused: the transaction rolls
back). Writes that race a message are also guarded in SQL (``WHERE status = ...``), so a
duplicate or late message can never move a row backwards.
"""
from __future__ import annotations


class VersionStatus:
    DRAFT, PUBLISHED, ARCHIVED = "draft", "published", "archived"
    CHOICES = [(s, s) for s in (DRAFT, PUBLISHED, ARCHIVED)]


class RunStatus:
    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting"
    COMPLETED = "completed"
    FAILED = "failed"
    COMPENSATING = "compensating"
    COMPENSATED = "compensated"
    COMPENSATION_FAILED = "compensation_failed"
    CANCELLED = "cancelled"
    # Failed for good, nothing undone (a node's failure policy "fail", or a non-retryable
    # failure with nothing to compensate): terminal, unlike FAILED, which awaits an operator.
    ABORTED = "aborted"
    ALL = (PENDING, RUNNING, WAITING, COMPLETED, FAILED, COMPENSATING, COMPENSATED,
           COMPENSATION_FAILED, CANCELLED, ABORTED)
    CHOICES = [(s, s) for s in ALL]
    TERMINAL = frozenset({COMPLETED, COMPENSATED, CANCELLED, ABORTED})
    # Steps may still move: the engine (or an operator) has work to do.
    ACTIVE = frozenset({PENDING, RUNNING, WAITING, COMPENSATING})
    # An operator must act; nothing moves on its own.
    NEEDS_OPERATOR = frozenset({FAILED, COMPENSATION_FAILED})


class StepStatus:
    SCHEDULED = "scheduled"   # runnable at next_attempt_at (or now); a message is on its way
    RUNNING = "running"       # claimed by a worker, covered by a lease
    WAITING = "waiting"       # timer, signal, join or child run
    SUCCEEDED = "succeeded"
    FAILED = "failed"         # failed for good; an operator may retry or skip
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    ALL = (SCHEDULED, RUNNING, WAITING, SUCCEEDED, FAILED, SKIPPED, CANCELLED)
    CHOICES = [(s, s) for s in ALL]
    OPEN = frozenset({SCHEDULED, RUNNING, WAITING})
    DONE = frozenset({SUCCEEDED, SKIPPED})


RUN_TRANSITIONS: dict[str, frozenset[str]] = {
    RunStatus.PENDING: frozenset({RunStatus.RUNNING, RunStatus.WAITING, RunStatus.COMPLETED,
                                  RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.COMPENSATING,
                                  RunStatus.ABORTED}),
    RunStatus.RUNNING: frozenset({RunStatus.WAITING, RunStatus.COMPLETED, RunStatus.FAILED,
                                  RunStatus.COMPENSATING, RunStatus.CANCELLED, RunStatus.ABORTED}),
    RunStatus.WAITING: frozenset({RunStatus.RUNNING, RunStatus.COMPLETED, RunStatus.FAILED,
                                  RunStatus.COMPENSATING, RunStatus.CANCELLED, RunStatus.ABORTED}),
    RunStatus.FAILED: frozenset({RunStatus.RUNNING, RunStatus.WAITING, RunStatus.COMPENSATING,
                                 RunStatus.CANCELLED, RunStatus.COMPLETED}),
    RunStatus.COMPENSATING: frozenset({RunStatus.COMPENSATED, RunStatus.COMPENSATION_FAILED,
                                       RunStatus.CANCELLED}),
    RunStatus.COMPENSATION_FAILED: frozenset({RunStatus.COMPENSATING, RunStatus.COMPENSATED,
                                              RunStatus.CANCELLED}),
    # A map's item run that completed is undone when its map is (engine/nodes/map.py): the only
    # way out of completed, taken by the engine, never offered to an operator (engine/policy.py).
    RunStatus.COMPLETED: frozenset({RunStatus.COMPENSATING}),
    RunStatus.COMPENSATED: frozenset(),
    RunStatus.CANCELLED: frozenset(),
    RunStatus.ABORTED: frozenset(),
}

# A step's moves. Terminal: succeeded, skipped. A failed step runs again (an operator's retry: a
# task is scheduled, a wait/signal/subworkflow waits again, a choice or end is evaluated again and
# may succeed at once); a cancelled one reopens when its failed run resumes (docs/engine.md,
# "Resuming a failed run"). A scheduled step fails without running when its input mapping fails.
STEP_TRANSITIONS: dict[str, frozenset[str]] = {
    StepStatus.SCHEDULED: frozenset({StepStatus.RUNNING, StepStatus.FAILED, StepStatus.SKIPPED,
                                     StepStatus.CANCELLED}),
    # running -> waiting: a callback task's activity returned; its attempt waits for the callback,
    # and waiting -> scheduled is that attempt failing (or timing out) into a retry.
    StepStatus.RUNNING: frozenset({StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.SCHEDULED,
                                   StepStatus.CANCELLED, StepStatus.WAITING}),
    StepStatus.WAITING: frozenset({StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.CANCELLED,
                                   StepStatus.SKIPPED, StepStatus.SCHEDULED}),
    StepStatus.FAILED: frozenset({StepStatus.SCHEDULED, StepStatus.WAITING, StepStatus.SUCCEEDED,
                                  StepStatus.SKIPPED, StepStatus.CANCELLED}),
    StepStatus.CANCELLED: frozenset({StepStatus.SCHEDULED, StepStatus.WAITING}),
    StepStatus.SUCCEEDED: frozenset(),
    StepStatus.SKIPPED: frozenset(),
}


class TransitionRefused(RuntimeError):
    """A write would move a step in a way STEP_TRANSITIONS does not allow: a bug, refused."""


def run_can(current: str, target: str) -> bool:
    return target in RUN_TRANSITIONS.get(current, ())


def step_can(current: str | None, target: str) -> bool:
    """``current`` None: a step not yet stored (any first status)."""
    return current is None or current == target or target in STEP_TRANSITIONS.get(current, ())


def step_move(step) -> None:
    """Check the write of ``step``'s status against the status it was stored with, and note the
    new one as stored (the caller writes it)."""
    current = getattr(step, "stored_status", None)
    if not step_can(current, step.status):
        raise TransitionRefused(f"step {step.pk} ({step.node_id}): {current} -> {step.status} is not allowed")
    step.stored_status = step.status
