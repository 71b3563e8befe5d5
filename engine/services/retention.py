"""Retention: terminal runs past their definition's age are archived, then deleted (docs/operating-retention.md).

A batch is one short transaction: lock up to FLOWDECK_RETENTION_BATCH top-level runs (SKIP LOCKED, so
pruners never share one and workers never wait on it), take their trees, write their archive file and
fsync it, delete, record an audit entry, commit. A crash after the archive and before the commit leaves
the runs in place: the next prune archives them again, in a new file (an archive may hold a run twice;
the later copy is the same). A tree that is not wholly terminal, or that something outside it still
needs, is left alone and skipped for the rest of that prune.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time

from django.conf import settings
from django.db import connection, transaction

from engine.errors import InvalidInput
from engine.models import WorkflowDefinition
from engine.selectors.retention import retention_default_days
from engine.services.audit import audit_record
from engine.states import RunStatus
from engine.store import clock
from engine.store import retention as store

log = logging.getLogger(__name__)
MAX_DAYS = 36500                 # a hundred years: past it is a typo, not a policy
TREE_RUNS_PER_ROOT = 20          # a batch stops adding roots once their trees pass batch x this


@dataclasses.dataclass
class BatchResult:
    roots: int = 0                       # top-level runs deleted
    counts: dict = dataclasses.field(default_factory=dict)   # rows deleted per table (runs: every run)
    archive: str | None = None
    skipped: list = dataclasses.field(default_factory=list)  # roots left alone (and why, in the log)
    found: int = 0                       # roots locked (deleted or skipped)


@dataclasses.dataclass
class PruneResult:
    batches: int = 0
    roots: int = 0
    counts: dict = dataclasses.field(default_factory=dict)
    archives: list = dataclasses.field(default_factory=list)
    skipped: int = 0

    def add(self, batch: BatchResult) -> None:
        self.batches += 1
        self.roots += batch.roots
        self.skipped += len(batch.skipped)
        for table, n in batch.counts.items():
            self.counts[table] = self.counts.get(table, 0) + n
        if batch.archive:
            self.archives.append(batch.archive)


def default_days(older_than_days: int | None = None) -> int:
    """The age for definitions without their own: the command's override, else the setting."""
    if older_than_days is not None:
        if older_than_days < 1:
            raise InvalidInput("--older-than-days must be at least 1")
        return older_than_days
    return retention_default_days()


def archive_target(archive_url: str | None = None):
    """The archive directory (None: no archive), from the argument or FLOWDECK_ARCHIVE_URL."""
    url = getattr(settings, "FLOWDECK_ARCHIVE_URL", "") if archive_url is None else archive_url
    try:
        return store.archive_dir(url)
    except store.ArchiveUnsupported as exc:
        raise InvalidInput(f"archive: {exc}")


def retention_batch(*, older_than_days: int | None = None, batch: int | None = None, archive_url: str | None = None,
                    skip: set | None = None, user=None) -> BatchResult:
    """One batch, in one transaction. ``skip``: roots not to take again (grown with those left alone)."""
    size = max(1, batch or int(getattr(settings, "FLOWDECK_RETENTION_BATCH", 500)))
    directory = archive_target(archive_url)
    days_default = default_days(older_than_days)
    skip = set() if skip is None else skip
    result = BatchResult()
    rels = store.relations()
    with transaction.atomic(), connection.cursor() as cur, store.deleting(cur):
        roots: list = []
        used: dict = {}
        for definition_id, key, days in store.policies(default_days=days_default):
            taken = store.lock_roots(cur, definition_id=definition_id, days=days, limit=size - len(roots),
                                     skip=list(skip))
            roots += taken
            used.update(dict.fromkeys(taken, (key, days)))
            if len(roots) >= size:
                break
        result.found = len(roots)
        if not roots:
            return result
        members = _deletable(cur, roots, rels, size, result)
        skip.update(result.skipped)
        if not members:
            return result
        ids, batch_id = [m.id for m in members], store.new_batch_id()
        if directory is not None:
            lines = store.archive_lines(cur, members, rels)
            path = store.archive_write(directory, lines, stamp=clock.now().strftime("%Y%m%d-%H%M%S"), batch_id=batch_id)
            result.archive = str(path)
        result.counts = store.delete_runs(cur, ids, rels)
        kept = sorted({m.root for m in members}, key=str)
        result.roots = len(kept)
        audit_record(user=user, action="runs.prune", object_type="retention", object_id=batch_id,
                     changes={"runs": [str(r) for r in kept], "deleted": result.counts, "archive": result.archive,
                              "ages": sorted({f"{used[r][0]}: {used[r][1]}d" for r in kept})})
    return result


def _deletable(cur, roots: list, rels, size: int, result: BatchResult) -> list:
    """The members of the roots' trees that may go: whole trees only, all terminal, all locked,
    none needed from outside; and no more trees once they pass ``size`` x TREE_RUNS_PER_ROOT runs."""
    members = store.tree(cur, roots)
    bad = {m.root for m in members if m.status not in RunStatus.TERMINAL}
    children = [m.id for m in members if m.depth > 0]
    locked = store.lock_members(cur, children)
    bad |= {m.root for m in members if m.depth > 0 and m.id not in locked}
    held = store.held_from_outside(cur, [m.id for m in members], rels)
    bad |= {m.root for m in members if m.id in held}
    if bad:
        log.warning("retention: %d run(s) left alone (a child still open or locked, or needed elsewhere): %s",
                    len(bad), ", ".join(str(r) for r in sorted(bad, key=str)[:10]))
    result.skipped = sorted(bad, key=str)
    taken, total = set(), 0
    per_root: dict = {}
    for m in members:
        per_root[m.root] = per_root.get(m.root, 0) + 1
    for root in roots:
        if root in bad:
            continue
        if taken and total + per_root[root] > size * TREE_RUNS_PER_ROOT:
            break   # the rest stay locked until commit and are taken by the next batch
        taken.add(root)
        total += per_root[root]
    return [m for m in members if m.root in taken]


def runs_prune(*, older_than_days: int | None = None, batch: int | None = None, max_batches: int | None = None,
               archive_url: str | None = None, pause: float | None = None, user=None, on_batch=None) -> PruneResult:
    """Batches until nothing is due (or ``max_batches``), ``pause`` seconds apart (FLOWDECK_RETENTION_PAUSE)."""
    pause = getattr(settings, "FLOWDECK_RETENTION_PAUSE", 0.0) if pause is None else pause
    archive_target(archive_url)   # refuse a bad URL before the first batch
    total, skip = PruneResult(), set()
    while max_batches is None or total.batches < max_batches:
        one = retention_batch(older_than_days=older_than_days, batch=batch, archive_url=archive_url, skip=skip,
                              user=user)
        if not one.found:
            break
        total.add(one)
        if on_batch is not None:
            on_batch(one)
        if pause:
            time.sleep(pause)
    return total


# -- the daily prune (engine/scheduler.py) ----------------------------------------------------

class _Daily:
    """This scheduler's state: the day whose prune it finished, the roots it left alone that day, and
    when to try again after a batch failed (an archive directory that is full or gone)."""
    done: dt.date | None = None
    day: dt.date | None = None
    skip: set = set()
    retry_at: dt.datetime | None = None


RETRY_AFTER = dt.timedelta(minutes=5)


def retention_due_at(*, now: dt.datetime) -> dt.datetime | None:
    """Today's start of the daily prune (FLOWDECK_RETENTION_AT, "HH:MM" UTC); None when it is off."""
    at = (getattr(settings, "FLOWDECK_RETENTION_AT", "") or "").strip()
    if not at:
        return None
    hours, minutes = (int(part) for part in at.split(":"))
    return now.astimezone(dt.timezone.utc).replace(hour=hours, minute=minutes, second=0, microsecond=0)


def retention_tick(*, now: dt.datetime | None = None) -> int:
    """At most one batch, once the day's start time has passed and until a batch finds nothing:
    runs deleted. Several schedulers may each take batches; SKIP LOCKED keeps them apart."""
    now = clock.now() if now is None else now
    start = retention_due_at(now=now)
    if start is None or now < start or _Daily.done == start.date() or (_Daily.retry_at and now < _Daily.retry_at):
        return 0
    if _Daily.day != start.date():
        _Daily.day, _Daily.skip = start.date(), set()
    try:
        one = retention_batch(skip=_Daily.skip)
    except Exception:   # the scheduler's other sweeps go on; this one is tried again later
        _Daily.retry_at = now + RETRY_AFTER
        log.exception("retention: a prune batch failed; trying again in %s", RETRY_AFTER)
        return 0
    _Daily.retry_at = None
    if not one.found:
        _Daily.done = start.date()
        log.info("retention: the prune of %s is done", start.date())
    return one.counts.get("runs", 0)


def retention_tick_reset() -> None:
    """Forget the day's state (tests)."""
    _Daily.done = _Daily.day = _Daily.retry_at = None
    _Daily.skip = set()


# -- the policy -------------------------------------------------------------------------------

def definition_set_retention(*, definition: WorkflowDefinition, days, user=None,
                             reason: str = "") -> WorkflowDefinition:
    """Set how many days the definition's runs are kept after they end (0: forever; None: the global
    default). Audited. The capability ("administer") is the interface's to check."""
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS):
        raise InvalidInput(f"retention_days must be a whole number of days from 0 (keep forever) to {MAX_DAYS}, "
                           f"or null (the default, {default_days()} days); got {days!r}",
                           errors=[{"code": "engine.invalid_input", "field": "retention_days",
                                    "message": f"a whole number from 0 to {MAX_DAYS}, or null"}])
    with transaction.atomic():
        locked = WorkflowDefinition.objects.select_for_update().get(pk=definition.pk)
        before = locked.retention_days
        locked.retention_days = days
        locked.save(update_fields=["retention_days", "updated_at"])
        audit_record(user=user, action="definition.retention", object_type="definition", object_id=locked.key,
                     reason=reason, changes={"before": before, "after": days})
    return locked


__all__ = ["BatchResult", "PruneResult", "archive_target", "default_days", "definition_set_retention",
           "retention_batch", "retention_due_at", "retention_tick", "retention_tick_reset", "runs_prune"]
