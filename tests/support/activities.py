"""Activities used by the engine tests. They keep their own ledger in a table
outside the engine's (``test_ledger``), keyed by idempotency key, the way a
downstream system would honour an Idempotency-Key."""
import logging
import time

from django.db import connection, transaction

from engine.activities import ActivityError, activity

DDL = """CREATE TABLE IF NOT EXISTS test_ledger (
    id bigserial PRIMARY KEY, name text NOT NULL, idempotency_key text NOT NULL,
    attempt int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"""
EFFECTS = """CREATE TABLE IF NOT EXISTS test_effects (
    idempotency_key text PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"""


def _create(cur, ddl):
    # Several worker threads may create the table at once: serialise on an advisory lock.
    with transaction.atomic():
        cur.execute("SELECT pg_advisory_xact_lock(424242)")
        cur.execute(ddl)


def _ledger(name, ctx):
    with connection.cursor() as cur:
        _create(cur, DDL)
        cur.execute("INSERT INTO test_ledger (name, idempotency_key, attempt) VALUES (%s, %s, %s)",
                    [name, ctx.idempotency_key, ctx.attempt])


def _effect_once(name, ctx) -> bool:
    """The guarded side effect: happens once per idempotency key."""
    with connection.cursor() as cur:
        _create(cur, EFFECTS)
        cur.execute("INSERT INTO test_effects (idempotency_key, name) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    [ctx.idempotency_key, name])
        return cur.rowcount == 1


@activity("test.record", description="Records a call in the ledger; returns its input plus the attempt.")
def record(ctx, data):
    _ledger(data.get("name", ctx.node_id) if isinstance(data, dict) else ctx.node_id, ctx)
    _effect_once(ctx.node_id, ctx)
    return {**(data if isinstance(data, dict) else {}), "attempt": ctx.attempt, "node": ctx.node_id}


@activity("test.flaky", description="Fails until attempt `succeed_on`, then records and succeeds.")
def flaky(ctx, data):
    _ledger(ctx.node_id, ctx)
    if ctx.attempt < int(data.get("succeed_on", 3)):
        raise ActivityError(f"attempt {ctx.attempt} fails", error_type="Transient")
    return {"attempt": ctx.attempt}


@activity("test.boom", description="Fails with the given error type.")
def boom(ctx, data):
    _ledger(ctx.node_id, ctx)
    raise ActivityError(data.get("message", "boom"), error_type=data.get("type", "Boom"))


@activity("test.sleep", description="Sleeps `seconds` then records (a window for SIGKILL).")
def sleep(ctx, data):
    _ledger(ctx.node_id + ":begin", ctx)
    time.sleep(float(data.get("seconds", 1)))
    _ledger(ctx.node_id, ctx)
    return {"slept": data.get("seconds", 1), "attempt": ctx.attempt}


@activity("test.sleep_once", description="Sleeps on attempt 1 only (so a killed attempt can be retried fast).")
def sleep_once(ctx, data):
    _ledger(ctx.node_id + ":begin", ctx)
    if ctx.attempt == 1:
        time.sleep(float(data.get("seconds", 30)))
    _ledger(ctx.node_id, ctx)
    return {"attempt": ctx.attempt}


@activity("test.compensate", description="Records a compensation.")
def compensate(ctx, data):
    _ledger("undo:" + ctx.node_id, ctx)
    return {"undone": ctx.node_id}


@activity("test.fail_first", description="With `fail` true, fails the first call for its idempotency key, then "
                                          "succeeds: a retried map item sees the key its first run saw.")
def fail_first(ctx, data):
    _ledger(ctx.node_id, ctx)
    if isinstance(data, dict) and data.get("fail") and _effect_once(ctx.node_id + ":failed", ctx):
        raise ActivityError("first call for this key fails", error_type="FirstCallFails")
    if isinstance(data, dict) and data.get("seconds"):   # an item still going when another fails
        time.sleep(float(data["seconds"]))
    return {**(data if isinstance(data, dict) else {}), "attempt": ctx.attempt}


@activity("test.undo_once", description="Records a compensation; its effect happens once per idempotency key.")
def undo_once(ctx, data):
    _ledger("undo:" + ctx.node_id, ctx)
    _effect_once("undo:" + ctx.node_id, ctx)
    return {"undone": ctx.node_id}


@activity("test.start_callback", description="Starts work elsewhere: records the call; returns its callback token.")
def start_callback(ctx, data):
    _ledger(ctx.node_id, ctx)
    return {"token": ctx.callback_token, "attempt": ctx.attempt}


@activity("test.log", description="Logs a line (logger shop.test) and returns nothing.")
def log_line(ctx, data):
    logging.getLogger("engine.test_activity").warning("activity says %s", data.get("say", "hi"))
    return {}
