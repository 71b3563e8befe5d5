"""Reads: the groups each kind of rule finds firing right now, from the engine's selectors and models
(the engine knows nothing of alerts). Each group has a stable key: a rule's state is kept per key."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q

from alerts.models import AlertRule
from engine.models import StepRun, WorkflowRun
from engine.selectors import incident_list
from engine.selectors.sla import human
from engine.states import RunStatus, StepStatus

MAX_GROUPS = 200        # per rule and evaluation; past it nothing is resolved (the set is not complete)
MAX_RUNS = 5            # run ids carried by a group's message
_OPEN = sorted(frozenset(RunStatus.ALL) - RunStatus.TERMINAL)
_FAILED = (RunStatus.FAILED, RunStatus.COMPENSATION_FAILED, RunStatus.COMPENSATED, RunStatus.ABORTED)


@dataclasses.dataclass(frozen=True)
class Group:
    key: str
    summary: str
    runs: tuple[str, ...] = ()
    console_path: str = "/console/"
    detail: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Found:
    groups: list[Group]
    complete: bool = True    # False: capped at MAX_GROUPS, so a group missing from it may still fire


def group_key(*parts) -> str:
    """The parts joined with "|", readable; a long one is cut and made unique by its hash."""
    key = "|".join(str(p) for p in parts)
    if len(key) <= 200:
        return key
    return f"{key[:180]}#{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _run_path(run_id) -> str:
    return f"/console/runs/{run_id}"


def _runs_path(**query) -> str:
    return "/console/runs?" + urlencode({k: v for k, v in query.items() if v not in (None, "")})


def _incident_groups(rule: AlertRule, now) -> Found:
    params = rule.params
    kinds, least = set(params.get("kinds") or ()), int(params.get("min_count", 1))
    rows = [g for g in incident_list(limit=500) if g["kind"] in kinds and g["count"] >= least
            and (not rule.definition_key or g["definition"] == rule.definition_key)]
    groups = []
    for g in rows[:MAX_GROUPS]:
        what = {"stuck": "stuck", "sla_breached": "past a breached SLA"}.get(g["kind"], f"failed: {g['error_type']}")
        where = f" at {g['node_id']}" if g["node_id"] else ""
        title = g["title"] if g["title"] and g["title"] != g["error_type"] else ""
        summary = f"{g['count']} run(s) of {g['definition']}{where} {what}" + (f": {title}" if title else "")
        if g["kind"] == "stuck":
            path = _runs_path(definition=g["definition"], status=g["status"], stuck="true")
        elif g["kind"] == "sla_breached":
            path = _runs_path(definition=g["definition"], status=g["status"], sla="breached")
        else:
            path = _runs_path(definition=g["definition"], status=g["status"], failed_at=g["node_id"],
                              error_type=g["error_type"])
        groups.append(Group(
            key=group_key(g["definition"], g["node_id"], g["error_type"], g["signature"], g["status"]),
            summary=summary[:500], runs=tuple(g["sample_run_ids"][:MAX_RUNS]), console_path=path,
            detail={"definition": g["definition"], "node_id": g["node_id"], "error_type": g["error_type"],
                    "incident_kind": g["kind"], "status": g["status"], "count": g["count"]}))
    return Found(groups, complete=len(rows) <= MAX_GROUPS)


def _runs(rule: AlertRule):
    qs = WorkflowRun.objects.filter(is_test=False, status__in=_OPEN).select_related("definition")
    return qs.filter(definition__key=rule.definition_key) if rule.definition_key else qs


def _stuck_groups(rule: AlertRule, now) -> Found:
    older = now - dt.timedelta(seconds=float(rule.params.get("older_than_seconds", 0)))
    rows = list(_runs(rule).filter(stuck=True, stuck_since__lte=older).order_by("stuck_since", "id")
                .only("id", "business_key", "stuck_since", "stuck_reason", "status", "definition__key")
                [: MAX_GROUPS + 1])
    groups = []
    for run in rows[:MAX_GROUPS]:
        label = f"{run.definition.key} {run.business_key or str(run.id)[:8]}"
        summary = f"run {label} stuck for {human((now - run.stuck_since).total_seconds())}: {run.stuck_reason}"
        groups.append(Group(key=str(run.id), summary=summary[:500], runs=(str(run.id),), console_path=_run_path(run.id),
                            detail={"definition": run.definition.key, "business_key": run.business_key,
                                    "status": run.status, "stuck_since": run.stuck_since.isoformat()}))
    return Found(groups, complete=len(rows) <= MAX_GROUPS)


def _sla_groups(rule: AlertRule, now) -> Found:
    """Runs with a breached SLA still open: the run's own (the run goes on), or a step's (the step
    not done). It clears when what was late is done."""
    open_breach = StepRun.objects.filter(run_id=OuterRef("pk"), sla_breached_at__isnull=False,
                                         status__in=sorted(StepStatus.OPEN))
    rows = list(_runs(rule).filter(Q(sla_breached_at__isnull=False) | Exists(open_breach))
                .order_by("created_at", "id").only("id", "business_key", "status", "sla_breached_at", "definition__key")
                [: MAX_GROUPS + 1])
    late = {}
    for step in StepRun.objects.filter(run_id__in=[r.id for r in rows], sla_breached_at__isnull=False,
                                       status__in=sorted(StepStatus.OPEN)).order_by("sla_breached_at", "id"):
        late.setdefault(step.run_id, []).append(step.node_id)
    groups = []
    for run in rows[:MAX_GROUPS]:
        what = [*(["the run"] if run.sla_breached_at else []), *late.get(run.id, [])]
        label = f"{run.definition.key} {run.business_key or str(run.id)[:8]}"
        groups.append(Group(key=str(run.id), summary=f"run {label}: SLA breached, not done in time: {', '.join(what)}",
                            runs=(str(run.id),), console_path=_run_path(run.id),
                            detail={"definition": run.definition.key, "business_key": run.business_key,
                                    "status": run.status, "late": what}))
    return Found(groups, complete=len(rows) <= MAX_GROUPS)


def _failure_groups(rule: AlertRule, now) -> Found:
    """Per definition: of the runs that ended in the window (failed ones awaiting an operator count from
    their last change; cancelled ones not at all), the share that failed."""
    params = rule.params
    window, threshold, least = float(params["window_seconds"]), float(params["threshold"]), int(params["min_runs"])
    since = now - dt.timedelta(seconds=window)
    qs = WorkflowRun.objects.filter(is_test=False).filter(
        Q(finished_at__gte=since) | Q(status__in=sorted(RunStatus.NEEDS_OPERATOR), updated_at__gte=since))
    if rule.definition_key:
        qs = qs.filter(definition__key=rule.definition_key)
    rows = (qs.values("definition__key").order_by("definition__key")
            .annotate(failed=Count("id", filter=Q(status__in=_FAILED)),
                      total=Count("id", filter=Q(status__in=(*_FAILED, RunStatus.COMPLETED)))))
    groups = []
    for row in rows:
        key, failed, total = row["definition__key"], row["failed"], row["total"]
        rate = failed / total if total else 0.0
        if total < least or rate <= threshold:
            continue
        sample = [str(i) for i in qs.filter(definition__key=key, status__in=_FAILED)
                  .order_by("-updated_at").values_list("id", flat=True)[:MAX_RUNS]]
        groups.append(Group(
            key=key, runs=tuple(sample), console_path=_runs_path(definition=key, status=",".join(_FAILED)),
            summary=f"{key}: {failed} of {total} runs failed in the last {human(window)} "
                    f"({rate:.0%}, over {threshold:.0%})",
            detail={"definition": key, "failed": failed, "total": total, "rate": round(rate, 4),
                    "threshold": threshold, "window_seconds": window}))
    return Found(groups[:MAX_GROUPS], complete=len(groups) <= MAX_GROUPS)


SOURCES = {AlertRule.INCIDENT_GROUP: _incident_groups, AlertRule.STUCK: _stuck_groups,
           AlertRule.SLA_BREACH: _sla_groups, AlertRule.FAILURE_RATE: _failure_groups}


def groups_firing(*, rule: AlertRule, now) -> Found:
    """The groups of ``rule`` firing at ``now`` (its params already checked, alerts/rules.py)."""
    return SOURCES[rule.kind](rule, now)
