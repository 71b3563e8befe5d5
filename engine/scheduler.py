"""The scheduler: the backstop that makes "never loses a step" true.

Each tick: expire leases, fire due timers, re-send scheduled steps no worker
took, resume parents of finished children, cancel child runs no parent waits for
any more (a lost cancel_child), breach SLAs past due, start due schedules, flag
stuck runs, and (daily) prune one batch of runs past their retention. Each item is
re-checked under its run's lock (SKIP LOCKED: another scheduler or a worker
holds it, so leave it), and errors are caught per item so one broken run
never blocks the sweep. Several schedulers at once are safe.

What is due is decided on the database's clock (``now()`` in the queries, and
``RunTx.now`` under the lock: engine/store/clock.py), never on this process's:
a scheduler whose clock is ahead does not expire leases early, nor one behind
late. A ``now`` passed in (tests) replaces it in the queries.
"""
from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Now

from engine import stuck
from engine.models import Schedule, ScheduleFire, StepRun, WorkflowRun
from engine.states import RunStatus, StepStatus
from engine.services.retention import retention_tick
from engine.services.runs import run_cancel_child, run_compensation_nudge, run_resume_parent
from engine.services.schedules import schedule_fire_due
from engine.store import sla
from engine.store import steps as store
from engine.store.tx import run_tx
from engine.workflows.driver import queue_for

log = logging.getLogger(__name__)
BATCH = 500


def _requeue_after() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "FLOWDECK_REQUEUE_AFTER", 30.0))


def _now(now):
    """The queries' "now": the database's, unless given."""
    return Now() if now is None else now


def _before(now, delta: dt.timedelta):
    """``now - delta`` (in SQL on the database's clock when ``now`` is None)."""
    if now is None:
        return ExpressionWrapper(Now() - Value(delta), output_field=DateTimeField())
    return now - delta


def _each(items, fn, what: str) -> int:
    done = 0
    for item in items:
        try:
            done += bool(fn(item))
        except Exception:
            log.exception("scheduler: %s %r failed", what, item)
    return done


def expire_leases(now=None) -> int:
    """Leases that ran out more than the grace ago (store.lease_grace): a live worker reports its
    own timeout (AttemptTimeout, with where it was) first; this catches dead and hung ones."""
    rows = (StepRun.objects.filter(status=StepStatus.RUNNING, lease_expires_at__lt=_before(now, store.lease_grace()))
            .values_list("id", "run_id")[:BATCH])
    return _each(rows, lambda r: store.step_expire_lease(step_id=r[0], run_id=r[1]), "lease")


def fire_timers(now=None) -> int:
    rows = (StepRun.objects.filter(status=StepStatus.WAITING, next_attempt_at__lte=_now(now))
            .values_list("id", "run_id")[:BATCH])
    return _each(rows, lambda r: store.step_fire_timer(step_id=r[0], run_id=r[1], skip_locked=True), "timer")


def requeue_lost(now=None) -> int:
    """Scheduled steps due for a while whose message nobody took.

    A message still waiting in a long queue looks the same as a lost one, so
    each step backs off (REQUEUE_AFTER, then x2, x4 ... up to x64): a backlog
    is not multiplied by the sweep that is meant to rescue it."""
    after = _requeue_after()
    cutoff = _before(now, after)
    rows = (StepRun.objects.filter(status=StepStatus.SCHEDULED)
            .annotate(due=Coalesce("next_attempt_at", "scheduled_at"), db_now=Value(now) if now else Now())
            .filter(due__lt=cutoff).filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=cutoff))
            .filter(run__status__in=[RunStatus.RUNNING, RunStatus.WAITING, RunStatus.COMPENSATING])
            .values_list("id", "enqueued_at", "requeues", "db_now")[:BATCH])
    ids = [i for i, enqueued, n, at in rows if enqueued is None or enqueued < at - after * (2 ** min(n, 6))]
    return _each(ids, lambda i: store.step_requeue(step_id=i), "requeue")


def resume_parents(now=None) -> int:
    # A loop between iterations (next_attempt_at: its timer) saw its last iteration end already.
    ids = (StepRun.objects.filter(status=StepStatus.WAITING, node_type__in=["subworkflow", "loop"],
                                  next_attempt_at__isnull=True, child_run__status__in=sorted(RunStatus.TERMINAL))
           .values_list("child_run_id", flat=True)[:BATCH])
    # A map's item run that ended after the map's step last moved: its resume_parent was lost.
    ended = (WorkflowRun.objects.filter(parent_run_id=OuterRef("run_id"), parent_node_id=OuterRef("node_id"),
                                        status__in=sorted(RunStatus.TERMINAL), finished_at__gt=OuterRef("updated_at"))
             .exclude(key_scope="").values("id")[:1])
    items = (StepRun.objects.filter(status=StepStatus.WAITING, node_type="map").annotate(ended=Subquery(ended))
             .exclude(ended=None).values_list("ended", flat=True)[:BATCH])
    return _each([*ids, *items], lambda i: run_resume_parent(child_run_id=i), "resume")


def nudge_undoing(now=None) -> int:
    """A map's compensation that has not moved for FLOWDECK_REQUEUE_AFTER: its item's message (an
    undo_child, a resume_parent) may be lost; it looks again and re-sends what it waits for."""
    rows = (StepRun.objects.filter(kind=StepRun.COMPENSATION, status=StepStatus.WAITING,
                                   updated_at__lt=_before(now, _requeue_after()))
            .values_list("id", "run_id")[:BATCH])
    return _each(rows, lambda r: run_compensation_nudge(step_id=r[0], run_id=r[1]), "undo")


def cancel_orphans(now=None) -> int:
    """Child runs still going that no parent waits for (the parent ended, or skipped its
    subworkflow step) whose cancel_child message was lost; a failed parent keeps its children
    (it may resume and wait for them again)."""
    waited_for = StepRun.objects.filter(child_run=OuterRef("pk"), status=StepStatus.WAITING)
    # A map's step waits on its item runs, and its compensation step on those it undoes.
    map_waits = StepRun.objects.filter(Q(node_type="map") | Q(kind=StepRun.COMPENSATION), run_id=OuterRef("parent_run_id"),
                                       node_id=OuterRef("parent_node_id"), status=StepStatus.WAITING)
    ids = (WorkflowRun.objects.filter(parent_run__isnull=False, status__in=sorted(_NOT_TERMINAL))
           .exclude(parent_run__status=RunStatus.FAILED).exclude(Exists(waited_for))
           .exclude(Q(Exists(map_waits)) & ~Q(key_scope=""))
           .values_list("id", flat=True)[:BATCH])
    return _each(ids, lambda i: run_cancel_child(run_id=i) or True, "orphan")


_NOT_TERMINAL = frozenset(RunStatus.ALL) - RunStatus.TERMINAL


def flag_stuck(now=None) -> int:
    """Runs whose check is due (run_stuck_check_idx): each is looked at once per quiet spell,
    or again when its open nodes allow longer, never on every sweep."""
    ids = (WorkflowRun.objects.filter(status__in=list(RunStatus.ACTIVE), stuck=False, stuck_check_at__lte=_now(now))
           .order_by("stuck_check_at").values_list("id", flat=True)[:BATCH])

    def flag(run_id):
        with run_tx(run_id, skip_locked=True) as tx:
            if tx is None or tx.run.stuck or tx.run.status not in RunStatus.ACTIVE:
                return False
            reason, due = stuck.diagnose(tx.run, tx.graph, now=tx.now)
            if reason is None:  # not yet: bookkeeping, not a change of the run's state (no event)
                tx.run.stuck_check_at = due
                tx.touch("stuck_check_at")
                return False
            if tx.graph.is_code and not StepRun.objects.filter(run_id=tx.run.id, status__in=list(StepStatus.OPEN)).exists():
                # A code run with nothing open waits for its replay: its message was lost, or no
                # process that has its version runs. Ask that version's queue again, and say so.
                queue = queue_for(tx.graph.workflow, tx.graph.code_version)
                reason = (f"{reason}: waiting for a process that has {tx.graph.workflow} version "
                          f"{tx.graph.code_version} to replay it (queue {queue}, asked again)")
                tx.send("code_advance", str(tx.run.id), queue=queue)
            tx.run.stuck, tx.run.stuck_reason, tx.run.stuck_since = True, reason, tx.now
            tx.touch("stuck", "stuck_reason", "stuck_since")
            tx.event("run.stuck", reason=reason)
            return True
    return _each(ids, flag, "stuck")


def fire_slas(now=None) -> int:
    """SLAs past due and not breached yet (docs/spec.md, "SLA timers"): open steps (step_sla_due_idx)
    and runs not ended (run_sla_due_idx). No timer waits for them: this sweep is the clock, so a breach
    is seen within one interval of its due time. Each is breached once, under its run's lock."""
    due = _now(now)
    steps = (StepRun.objects.filter(status__in=sorted(StepStatus.OPEN), sla_due_at__isnull=False,
                                    sla_breached_at__isnull=True, sla_due_at__lte=due)
             .order_by("sla_due_at").values_list("id", "run_id")[:BATCH])
    runs = (WorkflowRun.objects.filter(status__in=sorted(_NOT_TERMINAL), sla_due_at__isnull=False,
                                       sla_breached_at__isnull=True, sla_due_at__lte=due)
            .order_by("sla_due_at").values_list("id", flat=True)[:BATCH])
    return (_each(steps, lambda r: sla.step_sla_breach(step_id=r[0], run_id=r[1]), "step sla")
            + _each(runs, lambda i: sla.run_sla_breach(run_id=i), "run sla"))


def prune_retention(now=None) -> int:
    """The daily retention prune (engine/services/retention.py): at most one short batch per sweep from
    FLOWDECK_RETENTION_AT until nothing is due; its failures are its own (logged, tried again later)."""
    return retention_tick(now=now)


def fire_schedules(now=None) -> int:
    """Schedules due (schedule_due_idx), and those whose buffered fire may start once its run ended
    (docs/operating-schedules.md). Each is handled under its row's lock, SKIP LOCKED: a schedule
    another scheduler holds is left to it, and its fire record is unique per fire time."""
    buffered = ScheduleFire.objects.filter(schedule=OuterRef("pk"), outcome=ScheduleFire.BUFFERED)
    ids = (Schedule.objects.filter(paused=False).filter(Q(next_fire_at__lte=_now(now)) | Exists(buffered))
           .order_by("next_fire_at").values_list("id", flat=True)[:BATCH])
    return _each(ids, lambda i: schedule_fire_due(schedule_id=i, now=now), "schedule")


def scheduler_tick() -> dict:
    """One sweep, on the database's clock; returns how many items each pass handled."""
    return {"leases": expire_leases(), "timers": fire_timers(), "requeued": requeue_lost(),
            "resumed": resume_parents(), "undoing": nudge_undoing(), "orphans": cancel_orphans(),
            "slas": fire_slas(), "schedules": fire_schedules(), "stuck": flag_stuck(),
            "pruned": prune_retention()}
