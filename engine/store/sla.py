"""SLA timers (docs/spec.md, "SLA timers"): deadlines that interrupt nothing.

A node's SLA is due ``within`` seconds after its step was created, the run's after the run began
(``advance`` sets ``sla_due_at`` then). Nothing waits on them: the scheduler's sweep
(``engine.scheduler.fire_slas``) finds what is due and not done, and each is breached here under its
run's lock (SKIP LOCKED), at most once: ``sla_breached_at`` written, a ``sla.breached`` event, and the
SLA's escalation node, if it names one, scheduled beside the main path, which goes on untouched.
"""
from __future__ import annotations

import logging

from engine.models import StepRun
from engine.states import RunStatus, StepStatus
from engine.store import advance, db, sql
from engine.store.tx import RunTx, run_tx

log = logging.getLogger(__name__)

# Guarded: a step is breached once. ``updated_at`` is left alone (a breach is not the step moving:
# the scheduler reads a waiting map step's updated_at as when it last moved).
_STEP_BREACH = 'UPDATE "engine_steprun" SET "sla_breached_at" = %s WHERE "id" = %s AND "sla_breached_at" IS NULL'


def _due(tx: RunTx, due_at, breached_at) -> bool:
    return due_at is not None and breached_at is None and due_at <= tx.now and tx.run.status not in RunStatus.TERMINAL


def step_sla_breach(*, step_id: int, run_id) -> bool:
    """The step's SLA is due: breach it if the step is still open (not done in time). False: done,
    breached already, not due (by the database's clock), or its run is held by someone else."""
    with run_tx(run_id, skip_locked=True) as tx:
        if tx is None:
            return False
        step = StepRun.objects.select_for_update().filter(pk=step_id, run_id=run_id, kind=StepRun.NODE).first()
        if step is None or step.status not in StepStatus.OPEN or not _due(tx, step.sla_due_at, step.sla_breached_at):
            return False
        step.sla_breached_at = tx.now
        db.write(_STEP_BREACH, (tx.now, step.id), row=(StepRun._meta.db_table, step.id))
        _breach(tx, tx.graph.node(step.node_id).get("sla") or {}, due_at=step.sla_due_at, node_id=step.node_id,
                step_id=step.id)
        return True


def run_sla_breach(*, run_id) -> bool:
    """The run's SLA is due: breach it if the run has not ended."""
    with run_tx(run_id, skip_locked=True) as tx:
        if tx is None or not _due(tx, tx.run.sla_due_at, tx.run.sla_breached_at):
            return False
        tx.run.sla_breached_at = tx.now
        tx.touch("sla_breached_at")
        _breach(tx, tx.graph.settings.get("sla") or {}, due_at=tx.run.sla_due_at, node_id=None)
        return True


def _breach(tx: RunTx, sla: dict, *, due_at, node_id: str | None, **payload) -> None:
    """Record the breach (the event's node_id: the node's, empty for the run's), then escalate: the
    escalation node is scheduled like any task, once per run, and only while the run goes forward (a
    failed or compensating run claims no node step)."""
    escalate = sla.get("escalate")
    escalating = (escalate is not None and tx.run.status in advance.FORWARD
                  and not sql.step_exists(tx.run.id, escalate, StepRun.NODE))
    tx.event("sla.breached", node_id=node_id or "", scope="node" if node_id else "run", due_at=due_at.isoformat(),
             within=sla.get("within"), escalate=escalate, escalated=escalating, **payload)
    log.info("run %s: SLA of %s breached (due %s)%s", tx.run.id, node_id or "the run", due_at.isoformat(),
             f", escalating to {escalate}" if escalating else "")
    if escalating:
        advance.schedule_task(tx, escalate)
        advance.settle(tx)
