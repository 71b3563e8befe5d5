"""Reads of process liveness: which workers and schedulers are alive, whether the
worker that holds a step still is, and what to tell an operator when nothing runs.

Alive is decided on the database's clock (the beats are written with it too):
a process is alive while it is not stopped and its last beat is at most
FLOWDECK_WORKER_DEAD_AFTER seconds old. The scheduler as a whole is up while
some scheduler swept within FLOWDECK_SCHEDULER_DOWN_AFTER seconds."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import Extract, Now

from engine.models import EngineProcess, StepRun, WorkflowRun
from engine.states import RunStatus

FIELDS = ("name", "kind", "host", "pid", "threads", "queues", "in_hand", "threads_busy", "info", "started_at",
          "beat_at", "stopped_at")
CONSEQUENCE = {"scheduler.down": "timers, retries and lease expiry are not running.",
               "workers.none": "no step is being executed."}


def _dead_after() -> float:
    return float(getattr(settings, "FLOWDECK_WORKER_DEAD_AFTER", 15.0))


def _down_after() -> float:
    return float(getattr(settings, "FLOWDECK_SCHEDULER_DOWN_AFTER", 30.0))


def _annotated(qs):
    since_beat = ExpressionWrapper(Now() - F("beat_at"), output_field=DurationField())
    alive = Q(stopped_at__isnull=True, beat_at__gte=Now() - dt.timedelta(seconds=_dead_after()))
    return qs.annotate(alive=ExpressionWrapper(alive, output_field=BooleanField()),
                       beat_age=Extract(since_beat, "epoch"), db_now=Now())


def _state(row) -> str:
    if row["stopped_at"] is not None:
        return "stopped"
    return "alive" if row["alive"] else "dead"


def _db_now() -> dt.datetime:
    with connection.cursor() as cur:
        cur.execute("SELECT statement_timestamp()")
        return cur.fetchone()[0]


def _processes() -> tuple[dt.datetime, list[dict]]:
    rows = list(_annotated(EngineProcess.objects.all()).order_by("-alive", "-beat_at", "name")
                .values(*FIELDS, "alive", "beat_age", "db_now"))
    now = rows[0]["db_now"] if rows else _db_now()
    for row in rows:
        del row["db_now"]
        row["beat_age_seconds"] = round(float(row.pop("beat_age")), 3)
        row["state"] = _state(row)
    return now, rows


def process_list() -> list[dict]:
    """Every known worker and scheduler (alive first, then by last beat), each with
    ``alive``, ``state`` (alive | dead | stopped) and ``beat_age_seconds``."""
    return _processes()[1]


def _process_name(worker: str) -> str:
    return ":".join(worker.split(":", 2)[:2])  # host:pid:thread -> host:pid


def worker_liveness(*, worker_names: list[str]) -> dict[str, dict]:
    """For each step worker string (host:pid:thread): is its process alive, when was it last
    seen (its last beat, or its clean stop). A process never seen: not alive, last seen None."""
    names = {w: _process_name(w) for w in worker_names if w}
    found = {r["name"]: r for r in _annotated(EngineProcess.objects.filter(name__in=set(names.values())))
             .values("name", "beat_at", "stopped_at", "alive")}
    out = {}
    for worker in worker_names:
        row = found.get(names.get(worker))
        if row is None:
            out[worker] = {"alive": False, "last_seen": None, "process": names.get(worker), "state": "unknown"}
        else:
            out[worker] = {"alive": row["alive"], "last_seen": row["stopped_at"] or row["beat_at"],
                           "process": row["name"], "state": _state(row)}
    return out


def _ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _scheduler(schedulers: list[dict]) -> tuple[dict, dict | None]:
    latest = max(schedulers, key=lambda r: r["beat_at"], default=None)  # schedulers beat after each sweep
    alive = any(r["stopped_at"] is None and r["beat_age_seconds"] <= _down_after() for r in schedulers)
    info = latest["info"] if latest else {}
    return {"alive": alive, "last_sweep_at": latest["beat_at"] if latest else None,
            "lag_seconds": info.get("lag_seconds"), "sweep_ms": info.get("sweep_ms")}, latest


def _alerts(workers: list[dict], scheduler: dict, latest: dict | None) -> list[dict]:
    alerts = []
    if not scheduler["alive"]:
        code = "scheduler.down"
        if latest is None:
            text = "No scheduler has swept yet"
        elif latest["stopped_at"] is not None and latest["beat_age_seconds"] <= _down_after():
            text = f"No scheduler is running (the last one stopped {_ago(latest['beat_age_seconds'])} ago)"
        else:
            text = f"No scheduler has swept for {_ago(latest['beat_age_seconds'])}"
        alerts.append({"code": code, "text": f"{text}: {CONSEQUENCE[code]}", "since": scheduler["last_sweep_at"]})
    if not any(w["alive"] for w in workers):
        code = "workers.none"
        last = max(workers, key=lambda r: r["beat_at"], default=None)
        text = "No worker is alive" + (f" (the last beat {_ago(last['beat_age_seconds'])} ago)" if last else "")
        alerts.append({"code": code, "text": f"{text}: {CONSEQUENCE[code]}", "since": last and last["beat_at"]})
    return alerts


def health_summary() -> dict:
    """What the console's Health page and banner show: the processes, the scheduler's last
    sweep and lag, and an alert for each thing that stops runs from moving."""
    now, rows = _processes()
    workers = [r for r in rows if r["kind"] == EngineProcess.WORKER]
    schedulers = [r for r in rows if r["kind"] == EngineProcess.SCHEDULER]
    scheduler, latest = _scheduler(schedulers)
    return {"now": now, "workers": workers, "schedulers": schedulers, "scheduler": scheduler,
            "alerts": _alerts(workers, scheduler, latest)}


_LAG = f"""
SELECT GREATEST(0, EXTRACT(EPOCH FROM statement_timestamp() - LEAST(
    (SELECT min(lease_expires_at) FROM {StepRun._meta.db_table}
      WHERE status = 'running' AND lease_expires_at < statement_timestamp()),
    (SELECT min(next_attempt_at) FROM {StepRun._meta.db_table}
      WHERE status = 'waiting' AND next_attempt_at <= statement_timestamp()),
    (SELECT min(due) FROM (
        SELECT GREATEST(s.next_attempt_at + make_interval(secs => %(after)s),
                        s.enqueued_at + make_interval(secs => %(after)s * power(2, LEAST(s.requeues, 6)))) AS due
          FROM {StepRun._meta.db_table} s JOIN {WorkflowRun._meta.db_table} r ON r.id = s.run_id
         WHERE s.status = 'scheduled' AND s.next_attempt_at < statement_timestamp() - make_interval(secs => %(after)s)
           AND r.status = ANY(%(active)s)) retries
      WHERE due <= statement_timestamp()))))
"""


def scheduler_lag(*, requeue_after: float | None = None) -> float:
    """Seconds by which the most overdue item the scheduler is there for is late: an expired
    lease, a due timer (wait, signal timeout), or a retry no worker took by the time the
    scheduler re-sends it (due + REQUEUE_AFTER, backed off as requeue_lost does). 0 when none is."""
    after = float(settings.FLOWDECK_REQUEUE_AFTER if requeue_after is None else requeue_after)
    active = [RunStatus.RUNNING, RunStatus.WAITING, RunStatus.COMPENSATING]
    with connection.cursor() as cur:
        cur.execute(_LAG, {"after": after, "active": active})
        value = cur.fetchone()[0]
    return round(float(value or 0), 3)
