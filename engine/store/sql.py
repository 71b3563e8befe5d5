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

import dataclasses
import functools
import json
import operator
import os
import threading

from django.db import connection, models
from django.db.models.base import ModelState
from psycopg.types.json import Jsonb

from engine import limits
from engine.models import StepRun, WorkflowDefinition, WorkflowRun, WorkflowVersion
from engine.states import RunStatus, StepStatus
from engine.store import clock
from engine.store.db import ALONE, execute, write

_JSON = models.JSONField


@functools.cache
def _fields(model) -> tuple:
    return tuple(f for f in model._meta.concrete_fields)


@functools.cache
def _select_list(model, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + f'"{f.column}"' for f in _fields(model))


@functools.cache
def _json_positions(model) -> tuple[int, ...]:
    return tuple(i for i, f in enumerate(_fields(model)) if isinstance(f, _JSON))


@functools.cache
def _attnames(model) -> list[str]:
    return [f.attname for f in _fields(model)]


def _from_row(model, row):
    """A model instance from a row of ``_select_list(model)`` (jsonb comes back as text on Django's connection)."""
    if row is None:
        return None
    values = list(row)
    for i in _json_positions(model):
        if values[i] is not None:
            values[i] = json.loads(values[i])
    return model.from_db(connection.alias, _attnames(model), values)


# -- runs ---------------------------------------------------------------------

# The database's clock, with the rows that lock a run (engine/store/clock.py): a run
# transaction's ``now`` is the database's, whatever this process's clock says.
_DB_NOW = "clock_timestamp()"


@functools.cache
def _run_lock_sql(skip_locked: bool) -> str:
    return (f'SELECT {_select_list(WorkflowRun)}, {_DB_NOW} FROM "engine_workflowrun" WHERE "id" = %s '
            f'FOR UPDATE{" SKIP LOCKED" if skip_locked else ""}')


def run_lock(run_id, *, skip_locked: bool = False) -> WorkflowRun | None:
    """Lock a run row (inside a transaction) and return it."""
    row = execute(_run_lock_sql(skip_locked), (run_id,)).fetchone()
    if row is None:
        return None
    clock.seen(row[-1])
    return _from_row(WorkflowRun, row[:-1])


# A step id drawn with the lock (under the run's lock, so a run's step ids still grow in
# the order its steps are created): the next step's INSERT then needs no RETURNING and
# waits to go with the COMMIT. An id left unused is a gap, nothing more.
_NEXT_STEP_ID = """nextval('"engine_steprun_id_seq"')"""


@functools.cache
def _run_and_step_sql(by_run: bool, ids: int) -> str:
    also_run = ' AND r."id" = %s' if by_run else ""
    return (f'SELECT {_select_list(WorkflowRun, "r")}, {_select_list(StepRun, "s")}, {_DB_NOW}, '
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
    n, m = len(_fields(WorkflowRun)), len(_fields(StepRun))
    clock.seen(row[n + m])
    return _from_row(WorkflowRun, row[:n]), _from_row(StepRun, row[n:n + m]), sorted(row[n + m + 1:])


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
    return f'SELECT {_select_list(StepRun)} FROM "engine_steprun" WHERE "id" = %s{" FOR UPDATE" if lock else ""}'


def step_get(step_id: int, *, lock: bool = False) -> StepRun | None:
    return _from_row(StepRun, execute(_step_get_sql(lock), (step_id,)).fetchone())


def step_states(run_id) -> list[tuple]:
    """(node_id, kind, status, completion_order) of every step of the run, in creation order."""
    return execute('SELECT "node_id", "kind", "status", "completion_order" FROM "engine_steprun" '
                   'WHERE "run_id" = %s ORDER BY "id"', (run_id,)).fetchall()


def step_exists(run_id, node_id: str, kind: str) -> bool:
    return execute('SELECT 1 FROM "engine_steprun" WHERE "run_id" = %s AND "node_id" = %s AND "kind" = %s',
                   (run_id, node_id, kind)).fetchone() is not None


# -- generic insert / update of a model instance --------------------------------

@dataclasses.dataclass(frozen=True)
class _Plan:
    """How to write a model's rows, worked out once per model (the hot path writes several
    rows per transaction; looking at every field each time cost more than the rest)."""
    auto_now: tuple[str, ...]          # attnames set to now on every write
    auto_now_add: tuple[str, ...]      # attnames set to now on insert, when empty
    values: object                     # obj -> every concrete field's value, in _fields order
    json: tuple[int, ...]              # positions of JSON fields among them
    serial_pk: bool                    # the pk comes from the database unless set


@functools.cache
def _plan(model) -> _Plan:
    fields = _fields(model)
    return _Plan(auto_now=tuple(f.attname for f in fields if getattr(f, "auto_now", False)),
                 auto_now_add=tuple(f.attname for f in fields if getattr(f, "auto_now_add", False)),
                 values=operator.attrgetter(*(f.attname for f in fields)), json=_json_positions(model),
                 serial_pk=isinstance(model._meta.pk, models.AutoField))


def _as_is(text: str) -> str:
    return text


def json_checked(obj, attname: str, value, limit: str, what: str) -> None:
    """Refuse ``value`` for ``obj.attname`` if over ``limit`` (engine/limits.py, TooLarge);
    else keep its JSON text for the write, which then sends it without encoding it again."""
    text = json.dumps(value)
    limits.check(len(text), limit, what)
    obj.__dict__.setdefault("_flowdeck_json", {})[attname] = (value, text)


def _jsonb(obj, attname: str, value) -> Jsonb:
    kept = obj.__dict__.get("_flowdeck_json")
    if kept is not None:
        hit = kept.get(attname)
        if hit is not None and hit[0] is value:  # the very object measured (values are replaced, never edited)
            return Jsonb(hit[1], dumps=_as_is)
    return Jsonb(value)


def _values(plan: _Plan, obj, skip_pk: bool = False) -> list:
    values = list(plan.values(obj))
    for i in plan.json:
        if values[i] is not None:
            values[i] = _jsonb(obj, _attnames(type(obj))[i], values[i])
    if skip_pk:  # the serial pk is the first field
        del values[0]
    return values


@functools.cache
def _defaults(model) -> tuple[dict, tuple]:
    """Each concrete field's default as ``Model.__init__`` gives it: (values that can be shared,
    (attname, factory) for the rest, e.g. ``list``)."""
    shared, made = {}, []
    for f in _fields(model):
        value = f.get_default()
        if value is None or isinstance(value, (str, int, float, bool)):
            shared[f.attname] = value
        else:
            made.append((f.attname, f._get_default))
    return shared, tuple(made)


def new(model, *, related: dict | None = None, **values):
    """``model(**values)`` for the hot path: the same instance (defaults, unsaved state) without
    ``Model.__init__``'s per-field work. ``values`` by attname (``run_id``, not ``run``);
    ``related`` caches related objects already at hand (``{"run": run}``), as ``run=run`` would."""
    shared, made = _defaults(model)
    obj = model.__new__(model)
    obj._state = ModelState()
    fields = obj.__dict__
    fields.update(shared)
    for name, factory in made:
        fields[name] = factory()
    fields.update(values)
    for name, other in (related or {}).items():
        obj._state.fields_cache[name] = other
    return obj


def _prepare_auto(obj, now) -> None:
    plan = _plan(type(obj))
    for name in plan.auto_now:
        setattr(obj, name, now)
    for name in plan.auto_now_add:
        if getattr(obj, name) is None:
            setattr(obj, name, now)


@functools.cache
def _insert_sql(model, skip_conflicts: bool) -> str:
    fields = [f for f in _fields(model) if not (f.primary_key and isinstance(f, models.AutoField))]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    pk = model._meta.pk.column
    return (f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({marks})'
            f'{" ON CONFLICT DO NOTHING" if skip_conflicts else ""} RETURNING "{pk}"')


@functools.cache
def _insert_with_pk_sql(model) -> str:
    columns = ", ".join(f'"{f.column}"' for f in _fields(model))
    return f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({", ".join(["%s"] * len(_fields(model)))})'


def insert(obj, *, now, skip_conflicts: bool = False) -> bool:
    """INSERT ``obj`` (auto_now fields set to ``now``). With its pk already set, the write
    waits (see ``write``); else its pk is set from the row. With ``skip_conflicts``, a
    unique-constraint clash inserts nothing and returns False."""
    model = type(obj)
    plan = _plan(model)
    _prepare_auto(obj, now)
    if obj.pk is not None and not skip_conflicts:
        write(_insert_with_pk_sql(model), _values(plan, obj), row=(model._meta.db_table, obj.pk))
    else:
        assert plan.serial_pk and _fields(model)[0].primary_key
        row = execute(_insert_sql(model, skip_conflicts), _values(plan, obj, skip_pk=True)).fetchone()
        if row is None:
            return False
        obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return True


@functools.lru_cache(maxsize=1024)
def _update_plan(model, names: frozenset) -> tuple[str, tuple[str, ...], object, tuple[tuple[int, str], ...]]:
    """UPDATE of ``names`` plus the auto_now fields: (sql, auto_now attnames, values getter, JSON
    fields' (position, attname))."""
    plan = _plan(model)
    fields = tuple(sorted({model._meta.get_field(n) for n in names} |
                          {model._meta.get_field(n) for n in plan.auto_now}, key=lambda f: f.name))
    sets = ", ".join(f'"{f.column}" = %s' for f in fields)
    sql = f'UPDATE "{model._meta.db_table}" SET {sets} WHERE "{model._meta.pk.column}" = %s'
    return (sql, plan.auto_now, operator.attrgetter(*(f.attname for f in fields), model._meta.pk.attname),
            tuple((i, f.attname) for i, f in enumerate(fields) if isinstance(f, _JSON)))


def update(obj, fields, *, now) -> None:
    """``obj.save(update_fields=fields)`` without the ORM; ``updated_at`` (auto_now) is set to ``now``."""
    sql, auto_now, getter, json_fields = _update_plan(type(obj), frozenset(fields))
    for name in auto_now:
        setattr(obj, name, now)
    values = list(getter(obj))
    for i, attname in json_fields:
        if values[i] is not None:
            values[i] = _jsonb(obj, attname, values[i])
    write(sql, values, row=(obj._meta.db_table, obj.pk))


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
    return [Jsonb(text, dumps=_as_is)]


def events_insert(events, *, run: WorkflowRun, run_fields, now, insert_run: bool = False) -> None:
    """Every event of a transaction (one statement; the events travel as one JSON array, cheaper
    to send than an array per column), then the run's changed fields, or for a run born in this
    transaction the run itself (its foreign keys are checked at commit)."""
    if events:
        write(_EVENTS_INSERT, _event_arrays(events))
    if insert_run:
        model = WorkflowRun
        _prepare_auto(run, now)
        write(_insert_with_pk_sql(model), _values(_plan(model), run),
              row=(model._meta.db_table, run.pk))
        run._state.adding, run._state.db = False, connection.alias
    elif run_fields:
        update(run, run_fields, now=now)


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
    """Child runs still going under the run's cancelled subworkflow steps (a failed run keeps them)."""
    return [row[0] for row in execute(
        'SELECT s."child_run_id" FROM "engine_steprun" s JOIN "engine_workflowrun" c ON c."id" = s."child_run_id" '
        'WHERE s."run_id" = %s AND s."status" = %s AND NOT (c."status" = ANY(%s))',
        (run_id, StepStatus.CANCELLED, sorted(RunStatus.TERMINAL))).fetchall()]
