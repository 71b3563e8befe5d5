"""Resuming a failed run: reopen what its failure closed, and run failed steps again.

The rule per node type is tabled in docs/engine.md ("Resuming a failed run")."""
from __future__ import annotations

from engine.models import StepRun
from engine.states import StepStatus
from engine.store import advance, rows
from engine.store.tx import RunTx


def resume(tx: RunTx) -> None:
    """A failed run goes forward again (an operator retried or skipped its failed steps): reopen
    what its failure closed, and activate what follows the steps that finished meanwhile.
    The rule per node type is tabled in docs/engine.md ("Resuming a failed run")."""
    for step in StepRun.objects.select_for_update().filter(run=tx.run, kind=StepRun.NODE,
                                                           status=StepStatus.CANCELLED).order_by("id"):
        if tx.run.status not in advance.FORWARD:
            return
        advance.reopen(tx, step)
    for step in StepRun.objects.select_for_update().filter(run=tx.run, kind=StepRun.NODE,
                                                           successors_pending=True).order_by("completion_order"):
        step.successors_pending = False
        rows.update(step, ["successors_pending"], now=tx.now)
        if tx.run.status not in advance.FORWARD:
            return  # what was activated ended or failed the run again
        advance.activate_next(tx, step.node_id, step.output)
