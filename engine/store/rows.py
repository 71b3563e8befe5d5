"""Model instances to and from rows without the ORM: the hot path's generic INSERT and UPDATE
(engine/store/sql.py sends them; ``engine.store.db`` defers and pipelines the writes)."""
from __future__ import annotations

import dataclasses
import functools
import json
import operator

from django.db import connection, models
from django.db.models.base import ModelState
from psycopg.types.json import Jsonb

from engine import limits
from engine.models import StepRun
from engine.states import step_move
from engine.store.db import execute, write

_JSON = models.JSONField


@functools.cache
def fields_of(model) -> tuple:
    return tuple(f for f in model._meta.concrete_fields)


@functools.cache
def select_list(model, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + f'"{f.column}"' for f in fields_of(model))


@functools.cache
def _json_positions(model) -> tuple[int, ...]:
    return tuple(i for i, f in enumerate(fields_of(model)) if isinstance(f, _JSON))


@functools.cache
def _attnames(model) -> list[str]:
    return [f.attname for f in fields_of(model)]


def from_row(model, row):
    """A model instance from a row of ``select_list(model)`` (jsonb comes back as text on Django's connection)."""
    if row is None:
        return None
    values = list(row)
    for i in _json_positions(model):
        if values[i] is not None:
            values[i] = json.loads(values[i])
    return model.from_db(connection.alias, _attnames(model), values)


# -- generic insert / update of a model instance --------------------------------

@dataclasses.dataclass(frozen=True)
class _Plan:
    """How to write a model's rows, worked out once per model (the hot path writes several
    rows per transaction; looking at every field each time cost more than the rest)."""
    auto_now: tuple[str, ...]          # attnames set to now on every write
    auto_now_add: tuple[str, ...]      # attnames set to now on insert, when empty
    values: object                     # obj -> every concrete field's value, in fields_of order
    json: tuple[int, ...]              # positions of JSON fields among them
    serial_pk: bool                    # the pk comes from the database unless set


@functools.cache
def plan_of(model) -> _Plan:
    fields = fields_of(model)
    return _Plan(auto_now=tuple(f.attname for f in fields if getattr(f, "auto_now", False)),
                 auto_now_add=tuple(f.attname for f in fields if getattr(f, "auto_now_add", False)),
                 values=operator.attrgetter(*(f.attname for f in fields)), json=_json_positions(model),
                 serial_pk=isinstance(model._meta.pk, models.AutoField))


def as_is(text: str) -> str:
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
            return Jsonb(hit[1], dumps=as_is)
    return Jsonb(value)


def values_of(plan: _Plan, obj, skip_pk: bool = False) -> list:
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
    for f in fields_of(model):
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


def prepare_auto(obj, now) -> None:
    plan = plan_of(type(obj))
    for name in plan.auto_now:
        setattr(obj, name, now)
    for name in plan.auto_now_add:
        if getattr(obj, name) is None:
            setattr(obj, name, now)


@functools.cache
def _insert_sql(model, skip_conflicts: bool) -> str:
    fields = [f for f in fields_of(model) if not (f.primary_key and isinstance(f, models.AutoField))]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    pk = model._meta.pk.column
    return (f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({marks})'
            f'{" ON CONFLICT DO NOTHING" if skip_conflicts else ""} RETURNING "{pk}"')


@functools.cache
def insert_with_pk_sql(model) -> str:
    columns = ", ".join(f'"{f.column}"' for f in fields_of(model))
    return f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({", ".join(["%s"] * len(fields_of(model)))})'


def insert(obj, *, now, skip_conflicts: bool = False) -> bool:
    """INSERT ``obj`` (auto_now fields set to ``now``). With its pk already set, the write
    waits (see ``write``); else its pk is set from the row. With ``skip_conflicts``, a
    unique-constraint clash inserts nothing and returns False."""
    model = type(obj)
    plan = plan_of(model)
    prepare_auto(obj, now)
    if obj.pk is not None and not skip_conflicts:
        write(insert_with_pk_sql(model), values_of(plan, obj), row=(model._meta.db_table, obj.pk))
    else:
        assert plan.serial_pk and fields_of(model)[0].primary_key
        row = execute(_insert_sql(model, skip_conflicts), values_of(plan, obj, skip_pk=True)).fetchone()
        if row is None:
            return False
        obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    if model is StepRun:
        obj.stored_status = obj.status
    return True


@functools.lru_cache(maxsize=1024)
def _update_plan(model, names: frozenset) -> tuple[str, tuple[str, ...], object, tuple[tuple[int, str], ...]]:
    """UPDATE of ``names`` plus the auto_now fields: (sql, auto_now attnames, values getter, JSON
    fields' (position, attname))."""
    plan = plan_of(model)
    fields = tuple(sorted({model._meta.get_field(n) for n in names} |
                          {model._meta.get_field(n) for n in plan.auto_now}, key=lambda f: f.name))
    sets = ", ".join(f'"{f.column}" = %s' for f in fields)
    sql = f'UPDATE "{model._meta.db_table}" SET {sets} WHERE "{model._meta.pk.column}" = %s'
    return (sql, plan.auto_now, operator.attrgetter(*(f.attname for f in fields), model._meta.pk.attname),
            tuple((i, f.attname) for i, f in enumerate(fields) if isinstance(f, _JSON)))


def update(obj, fields, *, now) -> None:
    """``obj.save(update_fields=fields)`` without the ORM; ``updated_at`` (auto_now) is set to ``now``."""
    if "status" in fields and type(obj) is StepRun:
        step_move(obj)
    sql, auto_now, getter, json_fields = _update_plan(type(obj), frozenset(fields))
    for name in auto_now:
        setattr(obj, name, now)
    values = list(getter(obj))
    for i, attname in json_fields:
        if values[i] is not None:
            values[i] = _jsonb(obj, attname, values[i])
    write(sql, values, row=(obj._meta.db_table, obj.pk))
