"""Activities of the operator model (tests/support/operator_model.py): each reads what to do
from its input, so one published definition serves runs with different faults.

Input (built by the definition's mapping from the run's input and data):
``{"f": <fault plan or null>, "fix": <data.fix>, "t": <the node's timeout>}``, where a fault
plan is ``{"fail": k, "err": "Transient"|"Fatal", "fixable": bool, "hang": h, "over": s,
"sleep": s}``: sleep ``sleep`` seconds; on attempts 1..h hang ``t + over`` seconds (past the
lease: the engine times the attempt out and must discard its late result); on attempts 1..k
raise ``err`` unless ``fixable`` and the run's data says ``fix`` (an operator edited it).

Every call is written to ``fuzz_attempts`` (no unique key: duplicates are what the checker
looks for); the side effect goes to ``fuzz_effects`` guarded by ``ctx.idempotency_key``
(``INSERT ... ON CONFLICT DO NOTHING``), the way a downstream system honours an
Idempotency-Key. Compensations (``fuzz.undo``) do the same under their own key."""
from __future__ import annotations

import os
import threading
import time

from django.db import connection

from engine.activities import ActivityError, activity

TABLES = """
CREATE TABLE IF NOT EXISTS fuzz_effects (
    idempotency_key text PRIMARY KEY, seq bigserial, run_id uuid NOT NULL, node_id text NOT NULL,
    kind text NOT NULL, attempt int NOT NULL, created_at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE IF NOT EXISTS fuzz_attempts (
    id bigserial PRIMARY KEY, idempotency_key text NOT NULL, run_id uuid NOT NULL, node_id text NOT NULL,
    kind text NOT NULL, attempt int NOT NULL, step_id bigint NOT NULL, worker text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE INDEX IF NOT EXISTS fuzz_effects_run ON fuzz_effects (run_id);
CREATE INDEX IF NOT EXISTS fuzz_attempts_run ON fuzz_attempts (run_id);
"""


def tables_create() -> None:
    """Called by the harness before any worker runs a fuzz activity."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(424243)")
        try:
            cur.execute(TABLES)
        finally:
            cur.execute("SELECT pg_advisory_unlock(424243)")


def tables_drop() -> None:
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS fuzz_effects; DROP TABLE IF EXISTS fuzz_attempts")


def _attempt(ctx, kind: str) -> None:
    """Before anything else: an attempt that dies midway is on record too."""
    with connection.cursor() as cur:
        cur.execute("INSERT INTO fuzz_attempts (idempotency_key, run_id, node_id, kind, attempt, step_id, worker) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [ctx.idempotency_key, ctx.run_id, ctx.node_id, kind, ctx.attempt, ctx.step_id,
                     f"{os.getpid()}:{threading.current_thread().name}"])


def _effect(ctx, kind: str) -> bool:
    """The side effect, once per idempotency key."""
    with connection.cursor() as cur:
        cur.execute("INSERT INTO fuzz_effects (idempotency_key, run_id, node_id, kind, attempt) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (idempotency_key) DO NOTHING",
                    [ctx.idempotency_key, ctx.run_id, ctx.node_id, kind, ctx.attempt])
        return cur.rowcount == 1


def _behave(ctx, data, kind: str):
    data = data if isinstance(data, dict) else {}
    plan = data.get("f") if isinstance(data.get("f"), dict) else {}
    _attempt(ctx, kind)
    if plan.get("sleep"):
        time.sleep(float(plan["sleep"]))
    if ctx.attempt <= int(plan.get("hang") or 0):
        time.sleep(float(data.get("t") or 1) + float(plan.get("over") or 0.5))
    fixed = bool(plan.get("fixable")) and data.get("fix") is True
    if ctx.attempt <= int(plan.get("fail") or 0) and not fixed:
        raise ActivityError(f"{kind} {ctx.node_id}: attempt {ctx.attempt} fails ({plan.get('err', 'Transient')})",
                            error_type=plan.get("err") or "Transient")
    _effect(ctx, kind)
    return {"attempt": ctx.attempt, "node": ctx.node_id, "kind": kind}


@activity("fuzz.step", description="Operator model: a step whose faults come from its input; records its effect once.")
def fuzz_step(ctx, data):
    return _behave(ctx, data, "step")


@activity("fuzz.undo", description="Operator model: a compensation whose faults come from its input.")
def fuzz_undo(ctx, data):
    return _behave(ctx, data, "undo")
