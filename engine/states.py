"""Every status and every allowed transition, in one place.

Writes elsewhere are guarded updates: ``... WHERE status IN sources(target)``,
so a duplicate or late message can never move a row backwards.
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
    RunStatus.COMPLETED: frozenset(),
    RunStatus.COMPENSATED: frozenset(),
    RunStatus.CANCELLED: frozenset(),
    RunStatus.ABORTED: frozenset(),
}

STEP_TRANSITIONS: dict[str, frozenset[str]] = {
    StepStatus.SCHEDULED: frozenset({StepStatus.RUNNING, StepStatus.SKIPPED, StepStatus.CANCELLED,
                                     StepStatus.SCHEDULED}),
    StepStatus.RUNNING: frozenset({StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.SCHEDULED,
                                   StepStatus.CANCELLED, StepStatus.WAITING}),
    StepStatus.WAITING: frozenset({StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.CANCELLED,
                                   StepStatus.SKIPPED, StepStatus.SCHEDULED}),
    StepStatus.FAILED: frozenset({StepStatus.SCHEDULED, StepStatus.SKIPPED, StepStatus.CANCELLED}),
    StepStatus.SUCCEEDED: frozenset(),
    StepStatus.SKIPPED: frozenset(),
    StepStatus.CANCELLED: frozenset(),
}


def run_sources(target: str) -> list[str]:
    """Statuses a run may move to ``target`` from."""
    return sorted(s for s, targets in RUN_TRANSITIONS.items() if target in targets)


def step_sources(target: str) -> list[str]:
    """Statuses a step may move to ``target`` from."""
    return sorted(s for s, targets in STEP_TRANSITIONS.items() if target in targets)


def run_can(current: str, target: str) -> bool:
    return target in RUN_TRANSITIONS.get(current, ())


def step_can(current: str, target: str) -> bool:
    return target in STEP_TRANSITIONS.get(current, ())
