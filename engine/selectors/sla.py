"""SLA timers as the console reads them (docs/spec.md, "SLA timers"): each SLA's state, computed at
read time and never written: ``breached`` (recorded by the scheduler's sweep, engine/store/sla.py),
``at_risk`` (still open, not breached, less than ``AT_RISK_SHARE`` of its time left) or ``ok``; the
runs list's ``sla`` filter, the why panel's lines and the incidents of breached runs."""
from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q
from django.utils import timezone

from engine.errors import InvalidInput
from engine.graphs import graph_for_run
from engine.models import StepRun
from engine.states import RunStatus, StepStatus

AT_RISK_SHARE = 0.2
STATES = ("ok", "at_risk", "breached")   # from best to worst
FILTERS = ("breached", "at_risk")
_OPEN_RUN = sorted(frozenset(RunStatus.ALL) - RunStatus.TERMINAL)


def sla_state(*, due_at, breached_at, start, open: bool, now) -> str | None:
    """One SLA's state (None: there is no SLA). Its length is ``due_at - start`` (the step's creation,
    the run's start), what the list filter computes too."""
    if due_at is None:
        return None
    if breached_at is not None:
        return "breached"
    if open and start is not None and (due_at - now) < (due_at - start) * AT_RISK_SHARE:
        return "at_risk"
    return "ok"


def _worst(states) -> str | None:
    found = [s for s in states if s is not None]
    return max(found, key=STATES.index) if found else None


def _run_state(run, now) -> str | None:
    return sla_state(due_at=run.sla_due_at, breached_at=run.sla_breached_at, start=run.created_at,
                     open=run.status not in RunStatus.TERMINAL, now=now)


def _step_state(step, now) -> str | None:
    return sla_state(due_at=step.sla_due_at, breached_at=step.sla_breached_at, start=step.scheduled_at,
                     open=step.status in StepStatus.OPEN, now=now)


def _within(graph, node_id: str | None):
    """The SLA's ``within`` as its spec says it (None: the spec has none, e.g. a code run)."""
    try:
        sla = graph.node(node_id).get("sla") if node_id else (graph.settings or {}).get("sla")
    except KeyError:
        return None
    return sla.get("within") if isinstance(sla, dict) else None


def run_sla(*, run, steps=None, now=None) -> dict | None:
    """``{"state", "run_state", "due_at", "breached_at", "within", "steps": [{node_id, state, due_at,
    breached_at, within}]}``: ``state`` the worst of the run's own SLA (``run_state``, ``due_at``,
    ``breached_at``, ``within``: null without one) and its steps'; None when nothing in the run has an SLA."""
    now = now or timezone.now()
    steps = sorted(run.steps.all(), key=lambda s: s.id) if steps is None else steps
    timed = [s for s in steps if s.kind == StepRun.NODE and s.sla_due_at is not None]
    own = _run_state(run, now)
    if own is None and not timed:
        return None
    graph = graph_for_run(run)
    rows = [{"node_id": s.node_id, "state": _step_state(s, now), "due_at": s.sla_due_at,
             "breached_at": s.sla_breached_at, "within": _within(graph, s.node_id)} for s in timed]
    return {"state": _worst([own, *(r["state"] for r in rows)]), "run_state": own, "due_at": run.sla_due_at,
            "breached_at": run.sla_breached_at, "within": _within(graph, None) if own else None, "steps": rows}


def run_sla_states(*, runs, now=None) -> dict:
    """{run id: the run's SLA state or None} for a page of runs: one query for their steps' SLAs."""
    now = now or timezone.now()
    states = {run.id: [_run_state(run, now)] for run in runs}
    timed = (StepRun.objects.filter(run_id__in=list(states), kind=StepRun.NODE, sla_due_at__isnull=False)
             .only("run_id", "status", "sla_due_at", "sla_breached_at", "scheduled_at"))
    for step in timed:
        states[step.run_id].append(_step_state(step, now))
    return {run_id: _worst(found) for run_id, found in states.items()}


def human(seconds) -> str:
    """3600 -> "1h", 90 -> "1m30s", 1.5 -> "1.5s", 93600 -> "1d2h"."""
    if seconds is None:
        return "its time"
    s = float(seconds)
    if s < 60:
        return f"{s:g}s"
    s = round(s)
    for unit, size, sub, sub_size in (("d", 86400, "h", 3600), ("h", 3600, "m", 60), ("m", 60, "s", 1)):
        if s >= size:
            rest = (s % size) // sub_size
            return f"{s // size}{unit}" + (f"{rest}{sub}" if rest else "")
    return f"{s}s"


def sla_why(*, sla: dict | None) -> list[str]:
    """The why panel's lines: "SLA breached at T: review not done within 5s", "SLA at risk: due at T"."""
    if not sla:
        return []
    entries = [(None, sla["run_state"], sla["due_at"], sla["breached_at"], sla["within"]),
               *((s["node_id"], s["state"], s["due_at"], s["breached_at"], s["within"]) for s in sla["steps"])]
    lines = []
    for node_id, state, due_at, breached_at, within in entries:
        if state == "breached":
            lines.append(f"SLA breached at {breached_at.isoformat()}: {node_id or 'the run'} not done within "
                         f"{human(within)}")
        elif state == "at_risk":
            lines.append(f"SLA at risk: {f'{node_id} ' if node_id else ''}due at {due_at.isoformat()}")
    return lines


class _AtRisk(Func):
    """SQL: less than AT_RISK_SHARE of an SLA's time is left, ``due - now() < share * (due - start)``
    (the database's clock)."""
    output_field = BooleanField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        (due, due_params), (start, start_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return f"({due} - now() < {AT_RISK_SHARE} * ({due} - {start}))", [*due_params, *due_params, *start_params]


def sla_filter(qs, wanted: str):
    """Runs whose SLA state (the worst of the run's and its steps') is ``wanted``: breached (any breach,
    step_sla_breached_idx) or at_risk (no breach, and the run or an open step at risk now)."""
    if wanted not in FILTERS:
        raise InvalidInput(f"sla must be one of {', '.join(FILTERS)}, not {str(wanted)[:60]!r}")
    breached = Q(sla_breached_at__isnull=False) | Exists(
        StepRun.objects.filter(run_id=OuterRef("pk"), sla_breached_at__isnull=False))
    if wanted == "breached":
        return qs.filter(breached)
    run_risk = Q(status__in=_OPEN_RUN, sla_due_at__isnull=False) & Q(_AtRisk(F("sla_due_at"), F("created_at")))
    step_risk = Exists(StepRun.objects.filter(run_id=OuterRef("pk"), kind=StepRun.NODE,
                                              status__in=sorted(StepStatus.OPEN), sla_due_at__isnull=False,
                                              sla_breached_at__isnull=True)
                       .filter(_AtRisk(F("sla_due_at"), F("scheduled_at"))))
    return qs.filter(~breached).filter(run_risk | step_risk)


_INCIDENTS = """
    SELECT d.key, coalesce(first.node_id, ''), r.status, count(*),
           min(coalesce(r.sla_breached_at, first.at)), max(coalesce(first.at, r.sla_breached_at)),
           (array_agg(r.id ORDER BY coalesce(first.at, r.sla_breached_at) DESC))[1:5]
    FROM engine_workflowrun r JOIN engine_workflowdefinition d ON d.id = r.definition_id
    LEFT JOIN LATERAL (SELECT s.node_id, s.sla_breached_at AS at FROM engine_steprun s
                       WHERE s.run_id = r.id AND s.sla_breached_at IS NOT NULL
                       ORDER BY s.sla_breached_at, s.id LIMIT 1) first ON true
    WHERE r.status IN ('pending', 'running', 'waiting', 'compensating') AND NOT r.stuck AND NOT r.is_test
      AND (r.sla_breached_at IS NOT NULL OR first.node_id IS NOT NULL)
    GROUP BY 1, 2, 3 ORDER BY 4 DESC, 6 DESC LIMIT %s"""


def sla_incidents(*, limit: int = 100) -> list[dict]:
    """Runs going on past a breached SLA (not failed or stuck: those are their own incidents), grouped
    by definition and the node whose SLA was breached first ("" for the run's own): kind
    ``sla_breached``, error type ``SlaBreached``."""
    with connection.cursor() as cur:
        cur.execute(_INCIDENTS, [limit])
        rows = cur.fetchall()
    return [{"kind": "sla_breached", "definition": key, "node_id": node, "error_type": "SlaBreached",
             "signature": f"sla:{node or 'run'}", "status": status, "count": count, "first_seen": first,
             "last_seen": last, "sample_run_ids": [str(i) for i in ids],
             "title": f"SLA breached: {node or 'the run'} not done in time"}
            for key, node, status, count, first, last, ids in rows]
