"""Signals kept for a run until a signal node for them is reached (engine/models/signals.py)."""
from __future__ import annotations

from engine.models import RunSignal
from engine.store.tx import RunTx


def signal_take(tx: RunTx, name: str, node_id: str) -> RunSignal | None:
    """The run's oldest kept signal ``name``, now consumed by ``node_id`` (None: none kept)."""
    row = (RunSignal.objects.select_for_update().filter(run_id=tx.run.id, name=name, consumed_at__isnull=True)
           .order_by("id").first())
    if row is None:
        return None
    row.consumed_at, row.node_id = tx.now, node_id
    row.save(update_fields=["consumed_at", "node_id"])
    tx.event("signal.consumed", node_id=node_id, signal=name, signal_id=row.signal_id,
             received_at=row.received_at.isoformat())
    return row


def signal_keep(tx: RunTx, *, name: str, payload, signal_id: str | None) -> RunSignal:
    """Keep signal ``name`` until a signal node for it is reached."""
    row = RunSignal.objects.create(run_id=tx.run.id, name=name, signal_id=signal_id, payload=payload,
                                   received_at=tx.now)
    tx.event("signal.buffered", signal=name, signal_id=signal_id, payload=payload)
    return row


def signal_delivered(tx: RunTx, *, name: str, payload, signal_id: str | None, node_id: str) -> RunSignal:
    """Record signal ``name``, taken at once by the step of ``node_id`` waiting for it."""
    return RunSignal.objects.create(run_id=tx.run.id, name=name, signal_id=signal_id, payload=payload,
                                    received_at=tx.now, consumed_at=tx.now, node_id=node_id)


def signal_seen(run_id, signal_id: str) -> bool:
    """The run already received a signal with this sender's id (delivered or kept)."""
    return RunSignal.objects.filter(run_id=run_id, signal_id=signal_id).exists()


def signals_kept(run_id) -> int:
    """How many signals the run keeps, not yet consumed."""
    return RunSignal.objects.filter(run_id=run_id, consumed_at__isnull=True).count()
