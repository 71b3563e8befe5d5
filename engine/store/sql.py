"""The hot path's statements, sent through ``engine.store.db``.

Every step runs a claim and a record transaction; through the ORM each of
their statements cost more Python (query compilation, model plumbing) than
the database spent on it. These helpers run the same statements directly,
and fewer of them (a step and its run locked by one statement, a
transaction's events and run update in one). They join whatever transaction
Django has open: ``transaction.atomic`` and ``on_commit`` work as usual.
Models still carry the rows, so the rest of the engine keeps working on
``WorkflowRun`` and ``StepRun`` instances.
"""
from __future__ import annotations

import functools
import json
import os
import threading

from django.db import connection, models
from psycopg.types.json import Jsonb

from engine import limits
from engine.models import StepRun, WorkflowDefinition, WorkflowRun, WorkflowVersion
from engine.states import RunStatus, StepStatus
from engine.store import clock
from engine.store import rows
from engine.store.db import ALONE, execute, write
from engine.store.rows import (as_is, fields_of, from_row, insert_with_pk_sql, plan_of, prepare_auto, select_list,
                               values_of)

_JSON = models.JSONField


# -- runs ---------------------------------------------------------------------

# The database's clock, with the rows that lock a run (engine/store/clock.py): a run
# transaction's ``now`` is the database's, whatever this process's clock says.
_DB_NOW = "clock_timestamp()"


@functools.cache
def _run_lock_sql(skip_locked: bool) -> str:
    return (f'SELECT {select_list(WorkflowRun)}, {_DB_NOW} FROM "engine_workflowrun" WHERE "id" = %s '
            f'FOR UPDATE{" SKIP LOCKED" if skip_locked else ""}')


def run_lock(run_id, *, skip_locked: bool = False) -> WorkflowRun | None:
    """Lock a run row (inside a transaction) and return it."""
    row = execute(_run_lock_sql(skip_locked), (run_id,)).fetchone()
    if row is None:
        return None
    clock.seen(row[-1])
    return from_row(WorkflowRun, row[:-1])


# A step id drawn with the lock (under the run's lock, so a run's step ids still grow in
# the order its steps are created): the next step's INSERT then needs no RETURNING and
# waits to go with the COMMIT. An id left unused is a gap, nothing more.
_NEXT_STEP_ID = """nextval('"engine_steprun_id_seq"')"""


@functools.cache
def _run_and_step_sql(by_run: bool, ids: int) -> str:
    also_run = ' AND r."id" = %s' if by_run else ""
    return (f'SELECT {select_list(WorkflowRun, "r")}, {select_list(StepRun, "s")}, {_DB_NOW}, '
            f'{", ".join([_NEXT_STEP_ID] * ids)} '
            f'FROM "engine_workflowrun" r JOIN "engine_steprun" s ON s."run_id" = r."id" WHERE s."id" = %s'
            f'{also_run} FOR UPDATE OF r, s')  # rows are locked in this order: the run first, as everywhere


def run_and_step_lock(step_id: int, run_id=None, *, ids: int = 1
                      ) -> tuple[WorkflowRun | None, StepRun | None, list[int]]:
    """Lock a step and its run in one statement (the run's row first); both, and ``ids`` step ids to use."""
    row = execute(_run_and_step_sql(run_id is not None, ids),
                  (step_id,) if run_id is None else (step_id, run_id)).fetchone()
    if row is None:
        return None, None, []
    n, m = len(fields_of(WorkflowRun)), len(fields_of(StepRun))
    clock.seen(row[n + m])
    return from_row(WorkflowRun, row[:n]), from_row(StepRun, row[n:n + m]), sorted(row[n + m + 1:])


# The guard of a transaction on a run held from the worker's previous one (tx.held_tx): locks
# the run, checks it is as that transaction left it, draws a step id (migration 0009), and
# reads the database's clock (evaluated after the lock: the target list goes left to right).
RUN_EXPECT = f"SELECT engine_run_expect(%s, %s, %s), {_DB_NOW}"


_VERSION_COLUMNS = ("id", "definition_id", "number", "status", "is_test")
_DEFINITION_COLUMNS = ("id", "key", "name")


@functools.cache
def _version_sql(by_number: bool) -> str:
    which = ('v."number" = %s AND v."status" IN (\'published\', \'archived\')' if by_number
             else 'v."status" = \'published\' AND NOT v."is_test"')
    columns = ", ".join([f'v."{c}"' for c in _VERSION_COLUMNS] + [f'd."{c}"' for c in _DEFINITION_COLUMNS])
    return (f'SELECT {columns}, {_DB_NOW}, {_NEXT_STEP_ID}, {_NEXT_STEP_ID} FROM "engine_workflowversion" v '
            f'JOIN "engine_workflowdefinition" d ON d."id" = v."definition_id" WHERE d."key" = %s AND {which} '
            f'ORDER BY v."number" DESC LIMIT 1')


def version_for_start(definition_key: str, number: int | None) -> tuple[WorkflowVersion | None, list[int]]:
    """The version a new run pins (``number``, else the latest published), with its definition,
    and two step ids for its first steps; the spec is left out (runs read it through the
    per-version graph cache)."""
    row = execute(_version_sql(number is not None),
                  (definition_key, number) if number is not None else (definition_key,)).fetchone()
    if row is None:
        return None, []
    n, m = len(_VERSION_COLUMNS), len(_DEFINITION_COLUMNS)
    clock.seen(row[n + m])
    version = WorkflowVersion.from_db(connection.alias, _VERSION_COLUMNS, row[:n])
    version.definition = WorkflowDefinition.from_db(connection.alias, _DEFINITION_COLUMNS, row[n:n + m])
    return version, list(row[n + m + 1:])


# Runs started from the same process on a definition's latest version: the version as last
# looked up, checked with each start's COMMIT (engine_version_expect, migration 0012).
VERSION_EXPECT = "SELECT engine_version_expect(%s, %s)"


# -- steps --------------------------------------------------------------------

# Step ids for new runs' first steps, drawn ahead in bulk: any id drawn before a run exists is
# smaller than every id drawn for it later (under its lock), so its steps' ids still follow
# the order they were created in.
_POOL_SIZE = 64
_pool: list[int] = []
_pool_pid = os.getpid()
_pool_lock = threading.Lock()


def step_ids_take(n: int) -> list[int]:
    """``n`` unused step ids, in increasing order."""
    global _pool_pid
    with _pool_lock:
        if _pool_pid != os.getpid():  # a forked child must not reuse its parent's ids
            _pool.clear()
            _pool_pid = os.getpid()
        if len(_pool) < n:
            rows = execute(f'SELECT {_NEXT_STEP_ID}, {_DB_NOW} FROM generate_series(1, {_POOL_SIZE})').fetchall()
            _pool.extend(sorted(row[0] for row in rows))
            clock.seen(rows[-1][1])
        taken = _pool[:n]
        del _pool[:n]
    return taken


@functools.cache
def _step_get_sql(lock: bool) -> str:
    return f'SELECT {select_list(StepRun)} FROM "engine_steprun" WHERE "id" = %s{" FOR UPDATE" if lock else ""}'


def step_get(step_id: int, *, lock: bool = False) -> StepRun | None:
    return from_row(StepRun, execute(_step_get_sql(lock), (step_id,)).fetchone())


def step_states(run_id) -> list[tuple]:
    """(node_id, kind, status, completion_order) of every step of the run, in creation order."""
    return execute('SELECT "node_id", "kind", "status", "completion_order" FROM "engine_steprun" '
                   'WHERE "run_id" = %s ORDER BY "id"', (run_id,)).fetchall()


def code_history(run_id) -> list[tuple]:
    """(node_id, node_type, status, output, node) of a code run's node steps, in creation order."""
    rows = execute('SELECT "node_id", "node_type", "status", "output", "node" FROM "engine_steprun" '
                   'WHERE "run_id" = %s AND "kind" = \'node\' ORDER BY "id"', (run_id,)).fetchall()
    return [(n, t, st, json.loads(out) if isinstance(out, str) else out, json.loads(node) if isinstance(node, str)
             else node) for n, t, st, out, node in rows]


def step_exists(run_id, node_id: str, kind: str) -> bool:
    return execute('SELECT 1 FROM "engine_steprun" WHERE "run_id" = %s AND "node_id" = %s AND "kind" = %s',
                   (run_id, node_id, kind)).fetchone() is not None


# -- events -------------------------------------------------------------------

# The events travel as one JSON array (one parameter, one json.dumps): cheaper to send
# than an array per column, whose every element psycopg adapts on its own.
_EVENTS_INSERT = ('INSERT INTO "engine_runevent" ("run_id", "seq", "type", "node_id", "payload", "actor", '
                  '"user_id", "reason", "created_at") SELECT * FROM jsonb_to_recordset(%s::jsonb) AS '
                  'e(run_id uuid, seq int, type varchar, node_id varchar, payload jsonb, actor varchar, '
                  'user_id int, reason text, created_at timestamptz)')


def _event_arrays(events) -> list:
    rows = [{"run_id": str(e.run_id), "seq": e.seq, "type": e.type, "node_id": e.node_id,
             "payload": e.payload, "actor": e.actor, "user_id": e.user_id, "reason": e.reason,
             "created_at": e.created_at.isoformat()} for e in events]
    text = json.dumps(rows)
    if len(text) > limits.limit(limits.EVENT):  # one of them may be too large (FLOWDECK_MAX_EVENT_BYTES)
        for row in rows:
            limits.check(len(json.dumps(row)), limits.EVENT, f"event {row['type']} of node {row['node_id'] or '-'}")
    return [Jsonb(text, dumps=as_is)]


def events_insert(events, *, run: WorkflowRun, run_fields, now, insert_run: bool = False) -> None:
    """Every event of a transaction (one statement; the events travel as one JSON array, cheaper
    to send than an array per column), then the run's changed fields, or for a run born in this
    transaction the run itself (its foreign keys are checked at commit)."""
    if events:
        write(_EVENTS_INSERT, _event_arrays(events))
    if insert_run:
        model = WorkflowRun
        prepare_auto(run, now)
        write(insert_with_pk_sql(model), values_of(plan_of(model), run),
              row=(model._meta.db_table, run.pk))
        run._state.adding, run._state.db = False, connection.alias
    elif run_fields:
        rows.update(run, run_fields, now=now)


def steps_expect_none_open(run_id, *, kind: str, statuses) -> None:
    """With the transaction's other writes: fail it as stale (``db.is_stale``) if the run has
    open steps of ``kind`` in ``statuses`` (migration 0010)."""
    write("SELECT engine_run_expect_none_open(%s, %s, %s)", (run_id, kind, list(statuses)), row=ALONE)


def steps_cancel_open(run_id, *, kind: str, statuses, now) -> list[tuple]:
    """Cancel the run's open steps of ``kind`` in ``statuses``: (id, node_id, child_run_id) of each."""
    return execute(
        'UPDATE "engine_steprun" SET "status" = %s, "finished_at" = %s, "lease_expires_at" = NULL, '
        '"updated_at" = %s WHERE "run_id" = %s AND "kind" = %s AND "status" = ANY(%s) '
        'RETURNING "id", "node_id", "child_run_id"',
        (StepStatus.CANCELLED, now, now, run_id, kind, list(statuses))).fetchall()


def orphan_children(run_id) -> list:
    """Child runs still going under the run's cancelled steps (a subworkflow's or a loop's run, a
    map's item runs; a failed run keeps them)."""
    return [row[0] for row in execute(
        'SELECT c."id" FROM "engine_workflowrun" c JOIN "engine_steprun" s ON s."run_id" = c."parent_run_id" '
        'AND s."node_id" = c."parent_node_id" AND s."kind" = %s WHERE c."parent_run_id" = %s AND s."status" = %s '
        'AND NOT (c."status" = ANY(%s)) AND (s."child_run_id" = c."id" OR c."key_scope" <> %s)',
        (StepRun.NODE, run_id, StepStatus.CANCELLED, sorted(RunStatus.TERMINAL), "")).fetchall()]


def open_items(run_id, node_ids) -> list:
    """The item runs still going of the run's map steps ``node_ids``."""
    return [row[0] for row in execute(
        'SELECT "id" FROM "engine_workflowrun" WHERE "parent_run_id" = %s AND "parent_node_id" = ANY(%s) '
        'AND "key_scope" <> %s AND NOT ("status" = ANY(%s)) ORDER BY "iteration"',
        (run_id, list(node_ids), "", sorted(RunStatus.TERMINAL))).fetchall()]
