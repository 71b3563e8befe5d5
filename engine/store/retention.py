"""Retention's rows: which runs are due, everything that is theirs, their archive, their deletion.

A prune batch is one short transaction (engine/services/retention.py): top-level terminal runs are
taken oldest first per definition (run_retention_idx) with FOR UPDATE SKIP LOCKED, so two pruners
never take the same run; each one's tree (children by parent_run: subworkflows, map items, loop
iterations) goes with it. Rows are deleted child tables first, by ``= ANY(ids)`` on indexed columns.
The event log's delete guard (migration 0024) lets only a transaction that said ``allow_delete`` through.

Tables of other apps that point at runs or steps are handled by what their foreign key says
(``relations``): a reference without a database constraint (a record that keeps an id: a webhook
delivery, a schedule's fire) is left as it is; with one, CASCADE or DO_NOTHING deletes its rows with the
run, SET_NULL clears the reference, PROTECT keeps the run.
"""
from __future__ import annotations

import contextlib
import dataclasses
import gzip
import os
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.db import models

from engine.models import HumanTask, RunEvent, RunSignal, StepRun, WorkflowDefinition, WorkflowRun
from engine.states import RunStatus

FORMAT = "flowdeck.run/1"
TERMINAL_SQL = "('completed', 'compensated', 'cancelled', 'aborted')"   # the index's predicate, word for word
assert {s.strip(" '") for s in TERMINAL_SQL.strip("()").split(",")} == set(RunStatus.TERMINAL)
GZIP_LEVEL = 3          # the archive is written inside the batch's transaction: cheap beats small

# The engine's own relations, deleted explicitly (and archived by name).
_KNOWN = {(StepRun, "run"), (StepRun, "child_run"), (WorkflowRun, "parent_run"), (RunEvent, "run"),
          (RunSignal, "run"), (HumanTask, "run"), (HumanTask, "step")}


class ArchiveUnsupported(ValueError):
    """FLOWDECK_ARCHIVE_URL names a place this version cannot write to."""


# -- the archive ----------------------------------------------------------------------

def archive_dir(url: str) -> Path | None:
    """Where archives go: a directory path or a file:// URL; None for "" (no archive). Anything
    else (s3://, https://, ...) is refused, never ignored."""
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme in ("", "file"):
        if parts.scheme == "file" and parts.netloc not in ("", "localhost"):
            raise ArchiveUnsupported(f"{url!r}: a file:// URL names a local path (file:///dir), "
                                     f"not host {parts.netloc!r}")
        path = Path(unquote(parts.path) if parts.scheme == "file" else url)
        if not path.is_absolute():
            raise ArchiveUnsupported(f"{url!r}: give an absolute directory path (or file:///dir)")
        return path
    raise ArchiveUnsupported(f"{url!r}: only a directory path or a file:// URL is supported, not {parts.scheme}:// "
                             "(mount the object store as a directory, or copy the archives from a directory)")


def archive_problem(path: Path) -> str | None:
    """Why ``path`` cannot take archives (None: it can, or can be made)."""
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            return f"{path}: no existing parent directory"
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a directory"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable by this process"
    return None


def archive_write(directory: Path, lines: list[str], *, stamp: str, batch_id: str) -> Path:
    """One gzip'd JSON Lines file, fsynced (file, then directory) before this returns: the caller
    deletes only what is on disk. Written under a temporary name, so a half file is never taken
    for an archive."""
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"runs-{stamp}-{batch_id}.jsonl.gz"
    part = final.with_name(final.name + ".part")
    with open(part, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=GZIP_LEVEL, mtime=0) as out:
            for line in lines:
                out.write(line.encode())
                out.write(b"\n")
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(part, final)
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return final


def new_batch_id() -> str:
    return uuid.uuid4().hex[:12]


# -- who points at runs -----------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Relation:
    table: str
    column: str
    target: str     # "run" | "step"
    action: str     # "delete" | "null" | "protect" | "keep"
    label: str      # app_label.model, the archive's key

    @property
    def quoted(self) -> tuple[str, str]:
        return f'"{self.table}"', f'"{self.column}"'


def relations() -> list[Relation]:
    """Every foreign key of another model to a run or a step, other than the engine's own, and
    what a prune does with its rows."""
    found = []
    for target, name in ((WorkflowRun, "run"), (StepRun, "step")):
        for rel in target._meta.get_fields(include_hidden=True):
            if not (rel.auto_created and not rel.concrete and rel.is_relation and hasattr(rel, "field")):
                continue
            field, model = rel.field, rel.related_model
            if (model, field.name) in _KNOWN or not getattr(field, "column", None):
                continue
            on_delete = getattr(rel, "on_delete", None)
            if not field.db_constraint:
                action = "keep"     # a record that keeps an id, on purpose (and unindexed, often)
            elif on_delete is models.CASCADE:
                action = "delete"
            elif on_delete is models.SET_NULL:
                action = "null"
            elif on_delete in (models.PROTECT, models.RESTRICT):
                action = "protect"
            elif on_delete is models.DO_NOTHING:
                action = "delete"
            else:
                action = "keep"
            found.append(Relation(model._meta.db_table, field.column, name, action, model._meta.label_lower))
    return found


# -- choosing -----------------------------------------------------------------------------

def policies(*, default_days: int) -> list[tuple[int, str, int]]:
    """(definition id, key, days kept) of every definition whose runs are pruned at all."""
    rows = WorkflowDefinition.objects.values_list("id", "key", "retention_days")
    return [(i, key, default_days if own is None else own) for i, key, own in rows
            if (default_days if own is None else own) > 0]


def lock_roots(cur, *, definition_id: int, days: int, limit: int, skip: list) -> list:
    """Up to ``limit`` of the definition's top-level runs that ended more than ``days`` ago, oldest
    first, locked; those another transaction holds are skipped (it is pruning them, or reading one)."""
    cur.execute("SELECT id FROM engine_workflowrun WHERE definition_id = %s AND parent_run_id IS NULL "
                f"AND status IN {TERMINAL_SQL} AND finished_at < now() - make_interval(days => %s) "
                "AND id <> ALL(%s::uuid[]) ORDER BY finished_at LIMIT %s FOR UPDATE SKIP LOCKED",
                [definition_id, days, skip, limit])
    return [row[0] for row in cur.fetchall()]


@dataclasses.dataclass(frozen=True)
class Member:
    id: uuid.UUID
    root: uuid.UUID
    status: str
    depth: int


def tree(cur, roots: list) -> list[Member]:
    """The roots and every run under them (parent_run, run_parent_idx), parents before children."""
    cur.execute("WITH RECURSIVE t(id, root, status, depth) AS ("
                " SELECT id, id, status, 0 FROM engine_workflowrun WHERE id = ANY(%s::uuid[])"
                " UNION ALL SELECT c.id, t.root, c.status, t.depth + 1 FROM engine_workflowrun c"
                " JOIN t ON c.parent_run_id = t.id WHERE c.parent_run_id IS NOT NULL"
                ") SELECT id, root, status, depth FROM t ORDER BY root, depth", [roots])
    return [Member(*row) for row in cur.fetchall()]


def lock_members(cur, ids: list) -> set:
    """Lock the children too (SKIP LOCKED: returns those it got). Nothing should hold a terminal
    run's lock for long; one that is held is left for the next prune."""
    if not ids:
        return set()
    cur.execute("SELECT id FROM engine_workflowrun WHERE id = ANY(%s::uuid[]) FOR UPDATE SKIP LOCKED", [ids])
    return {row[0] for row in cur.fetchall()}


def held_from_outside(cur, ids: list, rels: list[Relation]) -> set:
    """Runs of ``ids`` that something outside them still needs: a step of another run that has one as
    its child, or a PROTECT reference of another app (to the run or to one of its steps)."""
    cur.execute("SELECT DISTINCT child_run_id FROM engine_steprun WHERE child_run_id = ANY(%s::uuid[]) "
                "AND run_id <> ALL(%s::uuid[])", [ids, ids])
    held = {row[0] for row in cur.fetchall()}
    for rel in rels:
        if rel.action != "protect":
            continue
        table, column = rel.quoted
        if rel.target == "run":
            cur.execute(f"SELECT DISTINCT {column} FROM {table} WHERE {column} = ANY(%s::uuid[])", [ids])
        else:
            cur.execute(f"SELECT DISTINCT s.run_id FROM {table} x JOIN engine_steprun s ON s.id = x.{column} "
                        "WHERE s.run_id = ANY(%s::uuid[])", [ids])
        held |= {row[0] for row in cur.fetchall()}
    return held


# -- archiving and deleting -------------------------------------------------------------------

def _agg(table: str, where: str, order: str) -> str:
    return f"coalesce((SELECT json_agg(x ORDER BY {order}) FROM {table} x WHERE {where}), '[]'::json)"


def archive_lines(cur, members: list[Member], rels: list[Relation]) -> list[str]:
    """One JSON object per run, as PostgreSQL renders its rows (every column): the run, its steps (with
    their attempts), events, signals, human tasks and any other app's rows that go with it."""
    other = []
    for rel in rels:
        if rel.action != "delete":
            continue
        table, column = rel.quoted
        where = (f"x.{column} = r.id" if rel.target == "run"
                 else f"x.{column} IN (SELECT id FROM engine_steprun WHERE run_id = r.id)")
        other += [f"'{rel.label}'", _agg(table, where, "x.id")]
    cur.execute(
        "SELECT json_build_object('format', %s, 'root_id', t.root, 'run', to_json(r), "
        f"'steps', {_agg('engine_steprun', 'x.run_id = r.id', 'x.id')}, "
        f"'events', {_agg('engine_runevent', 'x.run_id = r.id', 'x.seq')}, "
        f"'signals', {_agg('engine_runsignal', 'x.run_id = r.id', 'x.id')}, "
        f"'tasks', {_agg('engine_humantask', 'x.run_id = r.id', 'x.id')}, "
        f"'other', json_build_object({', '.join(other)}))::text "
        "FROM unnest(%s::uuid[], %s::uuid[]) WITH ORDINALITY AS t(id, root, n) "
        "JOIN engine_workflowrun r ON r.id = t.id ORDER BY t.n",
        [FORMAT, [m.id for m in members], [m.root for m in members]])
    # json_agg puts a newline between elements; a JSON string never holds a raw one (it is escaped), so
    # dropping them keeps each run on its one line.
    return [row[0].replace("\n", "") for row in cur.fetchall()]


@contextlib.contextmanager
def deleting(cur):
    """Let this transaction (only) through the event log's delete guard, and close it again after:
    inside an enclosing transaction (a savepoint) the setting would otherwise outlive the batch. On an
    error the savepoint's or the transaction's rollback undoes the SET itself."""
    cur.execute("SET LOCAL flowdeck.retention = 'on'")
    yield
    cur.execute("SET LOCAL flowdeck.retention = 'off'")


def delete_runs(cur, ids: list, rels: list[Relation]) -> dict:
    """Delete the runs and all that is theirs; rows deleted per table. Foreign keys are checked at
    commit (they are deferred), so the order only spares work: referencing rows first."""
    counts = {}

    def run(label: str, sql: str, params) -> None:
        cur.execute(sql, params)
        counts[label] = counts.get(label, 0) + max(cur.rowcount, 0)

    step_ids = None
    for rel in rels:
        if rel.action not in ("delete", "null"):
            continue
        table, column = rel.quoted
        if rel.target == "step" and step_ids is None:
            cur.execute("SELECT id FROM engine_steprun WHERE run_id = ANY(%s::uuid[])", [ids])
            step_ids = [row[0] for row in cur.fetchall()]
        keys, cast = (ids, "uuid[]") if rel.target == "run" else (step_ids, "bigint[]")
        if rel.action == "delete":
            run(rel.label, f"DELETE FROM {table} WHERE {column} = ANY(%s::{cast})", [keys])
        else:
            run(rel.label, f"UPDATE {table} SET {column} = NULL WHERE {column} = ANY(%s::{cast})", [keys])
    run("tasks", "DELETE FROM engine_humantask WHERE run_id = ANY(%s::uuid[])", [ids])
    run("signals", "DELETE FROM engine_runsignal WHERE run_id = ANY(%s::uuid[])", [ids])
    run("events", "DELETE FROM engine_runevent WHERE run_id = ANY(%s::uuid[])", [ids])
    run("steps", "DELETE FROM engine_steprun WHERE run_id = ANY(%s::uuid[])", [ids])
    run("runs", "DELETE FROM engine_workflowrun WHERE id = ANY(%s::uuid[])", [ids])
    return counts


# -- counting (a dry run) -------------------------------------------------------------------

def due_counts(cur, *, definition_id: int, days: int) -> dict:
    """What a prune of one definition would delete now: top-level runs, their child runs, steps, events."""
    cur.execute(
        "WITH RECURSIVE t(id, depth) AS ("
        " SELECT id, 0 FROM engine_workflowrun WHERE definition_id = %s AND parent_run_id IS NULL"
        f" AND status IN {TERMINAL_SQL} AND finished_at < now() - make_interval(days => %s)"
        " UNION ALL SELECT c.id, t.depth + 1 FROM engine_workflowrun c JOIN t ON c.parent_run_id = t.id"
        " WHERE c.parent_run_id IS NOT NULL) "
        "SELECT count(*) FILTER (WHERE depth = 0), count(*) FILTER (WHERE depth > 0),"
        " (SELECT count(*) FROM engine_steprun s WHERE s.run_id IN (SELECT id FROM t)),"
        " (SELECT count(*) FROM engine_runevent e WHERE e.run_id IN (SELECT id FROM t)) FROM t",
        [definition_id, days])
    roots, children, steps, events = cur.fetchone()
    return {"runs": roots, "child_runs": children, "steps": steps, "events": events}


__all__ = ["FORMAT", "ArchiveUnsupported", "Member", "Relation", "deleting", "archive_dir", "archive_lines",
           "archive_problem", "archive_write", "delete_runs", "due_counts", "held_from_outside", "lock_members",
           "lock_roots", "new_batch_id", "policies", "relations", "tree"]
