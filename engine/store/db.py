"""How the hot path talks to PostgreSQL: on Django's own connection, with
server-side binding and prepared statements, and with writes deferred and
pipelined.

A write whose result nobody reads (an UPDATE, an INSERT with its id known,
the events) is not sent on its own inside a run transaction: it waits for the
next statement whose rows are needed and goes with it in one psycopg pipeline
(one round trip for both); the last ones go with the COMMIT when the
transaction is the outermost one. Every ORM query on the connection sends
them first (an execute wrapper), and a transaction that fails drops them
(``deferring(False)``). psycopg errors become Django's (IntegrityError,
OperationalError, ...) as through the ORM.

A transaction can also carry a guard (``guard``): a check sent first, ahead of
whatever goes next, whose error (SQLSTATE FD001, ``is_stale``) aborts all that
follows it in the pipeline. A transaction that starts from rows held in memory
instead of reading them uses one (engine/store/tx.py, ``held_tx``).
"""
from __future__ import annotations

import functools
import threading

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

_IDLE = psycopg.pq.TransactionStatus.IDLE
# Off behind a transaction-pooling pgbouncer: prepared statements belong to a server connection.
_PREPARE = getattr(settings, "FLOWDECK_PREPARED_STATEMENTS", True)


_current = threading.local()


def _db():
    """Django's connection object for this thread: the run transaction's own while one is open
    (``deferring``), else looked up (each lookup through ``connections`` costs more than a plain
    thread-local: it also serves async contexts, which cannot change inside a transaction)."""
    db = getattr(_current, "db", None)
    return db if db is not None else connections[DEFAULT_DB_ALIAS]


def _cursor(db) -> tuple[psycopg.Cursor, bool | None, psycopg.Cursor, psycopg.Cursor]:
    """Three server-binding cursors on Django's connection (one per connection: results, writes, guard)
    and whether to prepare: only on persistent connections (CONN_MAX_AGE), where a prepared
    statement outlives its first use."""
    db.ensure_connection()
    raw = db.connection
    cached = getattr(db, "_flowdeck_cursor", None)
    if cached is None or cached[0].connection is not raw or cached[0].closed:
        prepare = _PREPARE and db.settings_dict.get("CONN_MAX_AGE") != 0
        if prepare and raw.prepare_threshold is None:
            # Django turns psycopg's preparing off (prepare_threshold None), which also ignores
            # prepare=True. A threshold no query reaches turns it back on for our explicit
            # prepare=True only: Django's own (client-binding) cursors never prepare.
            raw.prepare_threshold = 2**31
        cached = db._flowdeck_cursor = (psycopg.RawCursor(raw), True if prepare else None, psycopg.RawCursor(raw),
                                        psycopg.RawCursor(raw))
        if _send_deferred_first not in db.execute_wrappers:
            db.execute_wrappers.append(_send_deferred_first)
    return cached


@functools.lru_cache(maxsize=1024)
def _numbered(sql: str) -> str:
    """``sql``'s ``%s`` placeholders as PostgreSQL's own ``$1, $2, ...`` (the cursors are raw
    ones): worked out once per statement. psycopg would redo it on every execution of a
    statement as long as the combined ones, or with as many parameters."""
    parts = sql.split("%s")
    if any("%" in part for part in parts):
        raise ValueError(f"only %s placeholders, and no other %, in hot-path SQL: {sql[:200]}")
    return "".join(part + (f"${i}" if i < len(parts) else "") for i, part in enumerate(parts, 1))


# -- deferred writes ------------------------------------------------------------

def _deferred(db) -> list:
    pending = getattr(db, "_flowdeck_deferred", None)
    if pending is None:
        pending = db._flowdeck_deferred = []
    return pending


def deferring(on: bool) -> None:
    """Turn deferring on (a run transaction began) or off (it ended); off drops what waits."""
    db = _db()
    _current.db = db if on else None
    db._flowdeck_deferring = on
    db._flowdeck_guard = None
    if on:  # the row outlives the block: read once it committed
        db._flowdeck_guard_row = None
    _deferred(db).clear()


# -- the guard ------------------------------------------------------------------

STALE = "FD001"  # the SQLSTATE a guard raises (engine_run_expect, migration 0009)


def guard(sql: str, params=()) -> None:
    """Make ``sql`` the transaction's first statement, sent with whatever goes next (a read,
    or the writes and the COMMIT): a check whose error aborts everything after it in the
    pipeline. Its row is ``guard_row()`` once sent."""
    _db()._flowdeck_guard = (sql, params)


def guard_row():
    return getattr(_db(), "_flowdeck_guard_row", None)


def is_stale(exc: BaseException) -> bool:
    """The guard failed: what it checks changed (nothing of the transaction was written)."""
    return getattr(exc.__cause__, "sqlstate", None) == STALE


def _combined(batch) -> list[tuple[str, list]]:
    """The waiting writes as few statements: consecutive ones that touch different rows
    become one (``WITH w1 AS (...), w2 AS (...) <last>``), each a statement of its own
    for PostgreSQL to plan once and for psycopg to send once. A row written twice starts a
    new statement: the parts of one statement share one snapshot, so an UPDATE would not
    see a row inserted beside it, and of two changes to one row only one would be kept."""
    out, group, keys = [], [], set()

    def close():
        if len(group) == 1:
            out.append((group[0][0], list(group[0][1])))
        elif group:
            ctes = ", ".join(f"w{i} AS ({sql})" for i, (sql, _) in enumerate(group[:-1]))
            out.append((f"WITH {ctes} {group[-1][0]}", [p for _, params in group for p in params]))
    for sql, params, key in batch:
        if key is ALONE:
            close()
            out.append((sql, list(params)))
            group, keys = [], set()
            continue
        if key is not None and key in keys:
            close()
            group, keys = [], set()
        group.append((sql, params))
        if key is not None:
            keys.add(key)
    close()
    return out


def _send(db, sql: str | None, params=(), *, commit: bool = False) -> psycopg.Cursor:
    """Send what waits, then ``sql`` (and COMMIT), in one pipeline; errors as Django's."""
    cur, prepare, writes, checks = _cursor(db)
    pending = _deferred(db)
    check = getattr(db, "_flowdeck_guard", None)
    raw = db.connection
    with db.wrap_database_errors:
        # Alone, unless a BEGIN is due first: psycopg sends it as a round trip of its own.
        if not pending and not commit and check is None and (raw.autocommit or
                                                             raw.info.transaction_status != _IDLE):
            cur.execute(_numbered(sql), params, prepare=prepare)
            return cur
        batch = _combined(pending)
        pending.clear()  # sent (or, on an error, the transaction is lost with them)
        with raw.pipeline():
            if check is not None:
                db._flowdeck_guard = None
                checks.execute(_numbered(check[0]), check[1], prepare=prepare)
            for statement, values in batch:
                writes.execute(_numbered(statement), values, prepare=prepare)
            if sql is not None:
                cur.execute(_numbered(sql), params, prepare=prepare)
            if commit:
                # A statement, not ``raw.commit()``: psycopg's commit inside a pipeline stops
                # sending once its queue is empty even if the socket took only part of the
                # data, then waits for results: with a message of some MB (a large output) the
                # rest of it, the COMMIT and the Sync stayed in libpq's buffer while the server
                # waited for them (ClientRead) holding the run's lock, forever. The pipeline's
                # own exit sends everything before it reads (see docs/engine.md, "Sizes").
                writes.execute("COMMIT")
        if check is not None:
            db._flowdeck_guard_row = checks.fetchone()
    return cur


def _send_deferred_first(execute, sql, params, many, context):
    db = context["connection"]
    if getattr(db, "_flowdeck_deferred", None) or getattr(db, "_flowdeck_guard", None):
        _send(db, None)
    return execute(sql, params, many, context)


def execute(sql: str, params=()) -> psycopg.Cursor:
    """Run ``sql``, prepared on persistent connections (Django turns psycopg's automatic
    preparing off; a transaction-pooling pgbouncer needs FLOWDECK_PREPARED_STATEMENTS = False).
    psycopg errors become Django's (IntegrityError, OperationalError, ...) as through the ORM."""
    return _send(_db(), sql, params)


ALONE = ("alone",)  # a ``write`` row key: a statement of its own, that sees every write before it


def write(sql: str, params=(), *, row=None) -> None:
    """Run a statement whose result is not read: deferred inside a run transaction. ``sql`` is
    one plain INSERT or UPDATE (no WITH); ``row`` names the one row it writes, e.g.
    ``("engine_steprun", 7)``, None for rows no other write touches (see ``_combined``), or
    ``ALONE`` for a statement never combined (a check, which must see the writes before it)."""
    db = _db()
    if getattr(db, "_flowdeck_deferring", False):
        _deferred(db).append((sql, params, row))
    else:
        _send(db, sql, params)


def send_deferred() -> None:
    db = _db()
    if _deferred(db) or getattr(db, "_flowdeck_guard", None):
        _send(db, None)


def commit_with_deferred() -> bool:
    """Send what waits and COMMIT in one round trip, when the open atomic block is the
    outermost one (Django's own commit then finds nothing to do); False otherwise."""
    db = _db()
    if len(db.atomic_blocks) != 1 or db.savepoint_ids or db.needs_rollback:
        return False
    _send(db, None, commit=True)
    return True
