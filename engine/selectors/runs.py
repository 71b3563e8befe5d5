"""Reads of runs, steps and events for the console: filtered lists with
keyset pagination, counts, incidents, stats and the "why" of a run."""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from engine.errors import InvalidInput, NotFound
from engine.models import RunEvent, WorkflowRun
from engine.selectors.operate import run_why_details
from engine.selectors.search import input_filter, search_parse
from engine.selectors.sla import run_sla, sla_filter, sla_incidents, sla_why
from engine.states import RunStatus


@dataclasses.dataclass(frozen=True)
class RunFilters:
    definition: str | None = None
    version: int | None = None
    statuses: tuple[str, ...] = ()
    stuck: bool | None = None
    needs_operator: bool | None = None
    failed_at: str | None = None
    error_type: str | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    q: str | None = None
    include_test: bool = False
    sla: str | None = None   # "breached" or "at_risk" (engine/selectors/sla.py)
    # An object the run's input must contain (JSONB @>, served by run_input_gin); q's field terms too.
    input: dict | None = None

    def apply(self, qs):
        if self.definition:
            qs = qs.filter(definition__key=self.definition)
        if self.version is not None:
            qs = qs.filter(version__number=self.version)
        if self.statuses:
            unknown = set(self.statuses) - set(RunStatus.ALL)
            if unknown:
                raise InvalidInput(f"unknown status: {', '.join(sorted(unknown))}")
            qs = qs.filter(status__in=self.statuses)
        if self.stuck is not None:
            qs = qs.filter(stuck=self.stuck)
        if self.needs_operator:
            qs = qs.filter(status__in=list(RunStatus.NEEDS_OPERATOR))
        if self.failed_at:
            qs = qs.filter(Q(error__node_id=self.failed_at) | Q(error__compensation__node_id=self.failed_at))
        if self.error_type:
            qs = qs.filter(Q(error__type=self.error_type) | Q(error__compensation__type=self.error_type))
        if self.created_after:
            qs = qs.filter(created_at__gte=self.created_after)
        if self.created_before:
            qs = qs.filter(created_at__lt=self.created_before)
        search = search_parse(self.q)
        for contained in search.contains + ((input_filter(self.input),) if self.input is not None else ()):
            if contained:
                qs = qs.filter(input__contains=contained)
        if search.text:
            run_id = _uuid_or_none(search.text)
            # The prefix match uses run_business_key_prefix_idx (varchar_pattern_ops); the OR with the
            # primary key only when q could be a run id, so the planner keeps that index.
            qs = qs.filter(Q(business_key__startswith=search.text) | Q(pk=run_id)) if run_id else \
                qs.filter(business_key__startswith=search.text)
        if not self.include_test:
            qs = qs.filter(is_test=False)
        if self.sla:
            qs = sla_filter(qs, self.sla)
        return qs


def _uuid_or_none(text: str):
    import uuid
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _encode_cursor(run: WorkflowRun) -> str:
    raw = f"{run.created_at.isoformat()}|{run.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str):
    try:
        created, run_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        created_at = dt.datetime.fromisoformat(created)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("invalid cursor")
    if _uuid_or_none(run_id) is None:
        raise InvalidInput("invalid cursor")
    return created_at, _uuid_or_none(run_id)


def run_list(*, filters: RunFilters, cursor: str | None = None, limit: int = 50):
    """Newest first; keyset pagination on (created_at, id) stays fast at any depth."""
    limit = max(1, min(int(limit), 500))
    qs = filters.apply(WorkflowRun.objects.select_related("definition", "version"))
    if cursor:
        created, run_id = _decode_cursor(cursor)
        qs = qs.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=run_id))
    rows = list(qs.order_by("-created_at", "-id")[: limit + 1])
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def run_counts(*, filters: RunFilters) -> dict:
    qs = dataclasses.replace(filters, statuses=()).apply(WorkflowRun.objects.all())
    counts = {status: 0 for status in RunStatus.ALL}
    counts.update(dict(qs.values_list("status").annotate(n=Count("id")).order_by()))
    counts["stuck"] = qs.filter(stuck=True).count()
    return counts


def run_get(*, run_id) -> WorkflowRun:
    if _uuid_or_none(str(run_id)) is None:
        raise NotFound(f"no run {run_id}")
    run = (WorkflowRun.objects.select_related("definition", "version").prefetch_related("steps")
           .filter(pk=run_id).first())
    if run is None:
        raise NotFound(f"no run {run_id}")
    return run


def run_events(*, run_id, after_seq: int = 0, limit: int = 1000) -> list[RunEvent]:
    limit = max(1, min(int(limit), 5000))
    return list(RunEvent.objects.filter(run_id=run_id, seq__gt=after_seq).order_by("seq")[:limit])


def run_events_json(*, run_id, after_seq: int = 0, limit: int = 1000) -> str:
    """The events as a JSON array built by PostgreSQL: no per-row Python work,
    so a run with 10,000 events opens fast."""
    limit = max(1, min(int(limit), 5000))
    with connection.cursor() as cur:
        cur.execute("""
            SELECT coalesce(json_agg(json_build_object('seq', seq, 'type', type, 'node_id', node_id,
                   'payload', payload, 'actor', actor, 'reason', reason, 'created_at', created_at) ORDER BY seq), '[]')::text
            FROM (SELECT * FROM engine_runevent WHERE run_id = %s AND seq > %s ORDER BY seq LIMIT %s) e""",
                    [run_id, after_seq, limit])
        return cur.fetchone()[0]


def run_why(*, run: WorkflowRun) -> list[str]:
    """Plain-language: what each open step is waiting for, right now; then its SLAs breached or at risk."""
    if run.status in RunStatus.TERMINAL:
        return []
    return _why(run) + sla_why(sla=run_sla(run=run))


def _why(run: WorkflowRun) -> list[str]:
    if run.status in RunStatus.NEEDS_OPERATOR:
        error = run.error or {}
        where = error.get("node_id") or (error.get("compensation") or {}).get("node_id")
        lines = [f"{run.status.replace('_', ' ')} at {where}: {error.get('type', 'error')}: "
                 f"{(error.get('message') or (error.get('compensation') or {}).get('message') or '')[:300]}",
                 "an operator can retry, skip, compensate or cancel"]
        return lines
    return [d["text"] for d in run_why_details(run=run)]


# Grouping keys (people read the group's title, its latest message): variable parts dropped. A stuck
# run's reason, per open step "node: what (for 5m01s) (times out at <time>)", keeps what and where.
_SIGNATURE = r"regexp_replace(left(coalesce(r.error->>'message', ''), 160), '[0-9a-f-]{8,}|[0-9]+', '#', 'g')"
_STUCK_SIGNATURE = (r"regexp_replace(regexp_replace(r.stuck_reason, ' for [0-9hms]+| \([^)]*\)| at [0-9T:.+-]+', '', "
                    r"'g'), '[0-9]+', '#', 'g')")


def incident_list(*, limit: int = 100) -> list[dict]:
    """Runs needing attention grouped by definition, step and error signature: failed, stuck, and (kind
    sla_breached) going on past a breached SLA."""
    sql = f"""
        SELECT d.key, coalesce(r.error->>'node_id', r.error->'compensation'->>'node_id', ''),
               CASE WHEN r.stuck AND r.status NOT IN ('failed', 'compensation_failed') THEN 'Stuck'
                    ELSE coalesce(r.error->>'type', r.error->'compensation'->>'type', 'Error') END,
               CASE WHEN r.stuck AND r.status NOT IN ('failed', 'compensation_failed')
                    THEN {_STUCK_SIGNATURE} ELSE {_SIGNATURE} END AS signature,
               r.status, count(*), min(r.created_at), max(r.updated_at), (array_agg(r.id ORDER BY r.updated_at DESC))[1:5],
               (array_agg(CASE WHEN r.stuck AND r.status NOT IN ('failed', 'compensation_failed') THEN r.stuck_reason
                               ELSE coalesce(r.error->>'message', r.error->'compensation'->>'message', '') END
                          ORDER BY r.updated_at DESC))[1]
        FROM engine_workflowrun r JOIN engine_workflowdefinition d ON d.id = r.definition_id
        WHERE (r.status IN ('failed', 'compensation_failed') OR (r.stuck AND r.status IN
               ('pending', 'running', 'waiting', 'compensating'))) AND NOT r.is_test
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 6 DESC, 8 DESC LIMIT %s"""
    with connection.cursor() as cur:
        cur.execute(sql, [limit])
        rows = cur.fetchall()
    found = [{"kind": "stuck" if etype == "Stuck" else "failed", "definition": key, "node_id": node,
              "error_type": etype, "signature": sig.strip(), "status": status, "count": count, "first_seen": first,
              "last_seen": last, "sample_run_ids": [str(i) for i in ids], "title": (title or "").strip()[:300] or etype}
             for key, node, etype, sig, status, count, first, last, ids, title in rows]
    found += sla_incidents(limit=limit)   # runs going on past a breached SLA: their own kind
    return sorted(found, key=lambda g: (-g["count"], -g["last_seen"].timestamp()))[:limit]


def run_stats(*, minutes: int = 60) -> list[dict]:
    """Per definition over the window: runs finished per minute, failure rate, step latency."""
    minutes = max(1, min(int(minutes), 24 * 60))
    since = timezone.now() - dt.timedelta(minutes=minutes)
    with connection.cursor() as cur:
        cur.execute("""
            SELECT d.key, date_trunc('minute', coalesce(r.finished_at, r.updated_at)) AS m,
                   count(*) FILTER (WHERE r.status = 'completed'),
                   count(*) FILTER (WHERE r.status IN ('failed', 'compensated', 'compensation_failed'))
            FROM engine_workflowrun r JOIN engine_workflowdefinition d ON d.id = r.definition_id
            WHERE r.finished_at >= %s OR (r.status IN ('failed', 'compensation_failed') AND r.updated_at >= %s)
            GROUP BY 1, 2 ORDER BY 1, 2""", [since, since])
        buckets = cur.fetchall()
        cur.execute("""
            SELECT d.key,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.finished_at - s.started_at)),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM s.finished_at - s.started_at)),
                   count(*)
            FROM engine_steprun s JOIN engine_workflowrun r ON r.id = s.run_id
            JOIN engine_workflowdefinition d ON d.id = r.definition_id
            WHERE s.finished_at >= %s AND s.started_at IS NOT NULL AND s.node_type IN ('task', 'http')
            GROUP BY 1""", [since])
        latency = {row[0]: row[1:] for row in cur.fetchall()}
    out: dict[str, dict] = {}
    for key, minute, completed, failed in buckets:
        entry = out.setdefault(key, {"definition": key, "series": [], "completed": 0, "failed": 0})
        entry["series"].append({"minute": minute.isoformat() if minute else None, "completed": completed,
                                "failed": failed})
        entry["completed"] += completed
        entry["failed"] += failed
    for key, (p50, p95, steps) in latency.items():
        entry = out.setdefault(key, {"definition": key, "series": [], "completed": 0, "failed": 0})
        entry.update(step_latency_p50=p50, step_latency_p95=p95, steps=steps)
    for entry in out.values():
        total = entry["completed"] + entry["failed"]
        entry["failure_rate"] = round(entry["failed"] / total, 4) if total else 0.0
        entry["throughput_per_min"] = round(total / minutes, 3)
    return sorted(out.values(), key=lambda e: e["definition"])
