"""Resuming a failed run: reopen what its failure closed, and run failed steps again.

The rule per node type is tabled in docs/engine.md ("Resuming a failed run")."""
from __future__ import annotations

from engine import protocol
from engine.models import StepRun
from engine.states import StepStatus
from engine.store import advance, sql
from engine.store.tx import RunTx


def resume(tx: RunTx) -> None:
    """A failed run goes forward again (an operator retried or skipped its failed steps): reopen
    what its failure closed, and activate what follows the steps that finished meanwhile.
    The rule per node type is tabled in docs/engine.md ("Resuming a failed run")."""
    for step in StepRun.objects.select_for_update().filter(run=tx.run, kind=StepRun.NODE,
                                                           status=StepStatus.CANCELLED).order_by("id"):
        if tx.run.status not in advance.FORWARD:
            return
        _reopen(tx, step)
    for step in StepRun.objects.select_for_update().filter(run=tx.run, kind=StepRun.NODE,
                                                           successors_pending=True).order_by("completion_order"):
        step.successors_pending = False
        sql.update(step, ["successors_pending"], now=tx.now)
        if tx.run.status not in advance.FORWARD:
            return  # what was activated ended or failed the run again
        advance.activate_next(tx, step.node_id, step.output)


def _reopen(tx: RunTx, step: StepRun) -> None:
    node = tx.graph.node(step.node_id)
    tx.event("step.reopened", node_id=step.node_id, step_id=step.id, kind=step.kind, previous=step.status)
    if step.node_type in protocol.TASK_TYPES:
        reschedule(tx, step)
    elif step.node_type == "join":
        step.status, step.finished_at = StepStatus.WAITING, None
        sql.update(step, ["status", "finished_at"], now=tx.now)
        if protocol.join_ready(tx.graph, step.node_id, step.arrivals):
            advance.succeed(tx, step, None)
    elif step.node_type == "wait":
        advance.wait_arm(tx, step, node, due=step.next_attempt_at)
    elif step.node_type == "signal":
        advance.signal_arm(tx, step, node, due=step.next_attempt_at)
    elif step.node_type == "subworkflow":
        step.status, step.finished_at = StepStatus.WAITING, None
        sql.update(step, ["status", "finished_at"], now=tx.now)
        tx.event("step.waiting", node_id=step.node_id, step_id=step.id, status=step.status,
                 child_run_id=str(step.child_run_id) if step.child_run_id else None)
        if step.child_run_id:  # ended meanwhile: finish this step from it now
            tx.send("resume_parent", str(step.child_run_id))


def reschedule(tx: RunTx, step: StepRun) -> None:
    """Run a task step's next attempt now (an operator's retry, or a reopened task)."""
    step.status, step.next_attempt_at, step.enqueued_at, step.finished_at = StepStatus.SCHEDULED, None, tx.now, None
    step.lease_expires_at = None
    sql.update(step, ["status", "next_attempt_at", "enqueued_at", "finished_at", "lease_expires_at"], now=tx.now)
    tx.event("step.scheduled", node_id=step.node_id, step_id=step.id, kind=step.kind, status=step.status,
             manual=True)
    if step.kind == StepRun.NODE:
        tx.scheduled_node_step = True
    tx.send("execute_step", step.id)


def rearm(tx: RunTx, step: StepRun) -> None:
    """Run a failed step again from its start: a task's next attempt; a wait, signal or
    subworkflow waits again (a new timeout; a new child run)."""
    step.error = None
    node = tx.graph.node(step.node_id) if step.kind == StepRun.NODE else {}
    if step.kind == StepRun.COMPENSATION or step.node_type in protocol.TASK_TYPES:
        reschedule(tx, step)
    elif step.node_type == "wait":
        advance.wait_arm(tx, step, node)
    elif step.node_type == "signal":
        advance.signal_arm(tx, step, node)
    elif step.node_type == "subworkflow":
        advance.subworkflow_arm(tx, step, node)
    else:  # an end node whose output mapping failed: evaluate it again
        advance.end(tx, step.node_id, step)
