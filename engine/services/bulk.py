"""Bulk operator actions on a selection of runs: the runs a filter selects, or runs picked by id
(the console's checked rows). Each run is its own transaction through ``run_act``, so the policy
table (engine/policy.py) refuses per run, under the run's lock, and the reason is reported per run.

The count shown before confirming comes from the same selection as the action: for a filter, the
runs in the states the policy table allows the action in (and, for skip, whose step is skippable);
for picked runs, each run's own policy decision right now."""
from __future__ import annotations

import uuid

from django.utils import timezone

from engine import limits, policy
from engine.errors import EngineError, InvalidInput, NotFound
from engine.graphs import graph_for_run
from engine.models import StepRun, WorkflowRun
from engine.selectors.runs import RunFilters
from engine.services.actions import MAX_REASON, run_act
from engine.store import signals

BULK_ACTIONS = ("retry", "cancel", "compensate", "signal", "skip")
MAX_RUN_IDS = 500   # picked runs per request (a page of the runs list is at most 500)


def _check(action: str, node_id, signal) -> None:
    if action not in BULK_ACTIONS:
        raise InvalidInput(f"unknown bulk action {action!r}; one of {', '.join(BULK_ACTIONS)}")
    if action == "skip" and not (isinstance(node_id, str) and node_id.strip()):
        raise InvalidInput("bulk skip needs node_id: the step to skip in every selected run")
    if action == "signal" and not (isinstance(signal, str) and signal.strip()):
        raise InvalidInput("bulk signal needs signal: the signal's name")


def _ids(run_ids) -> list[uuid.UUID]:
    """Picked run ids, in the order given, each once."""
    if not isinstance(run_ids, (list, tuple)) or not run_ids:
        raise InvalidInput("run_ids must be a non-empty list of run ids")
    if len(run_ids) > MAX_RUN_IDS:
        raise InvalidInput(f"{len(run_ids)} runs picked; at most {MAX_RUN_IDS} per request")
    out: dict[uuid.UUID, None] = {}
    for value in run_ids:
        try:
            out[uuid.UUID(str(value))] = None
        except ValueError:
            raise InvalidInput(f"run_ids: {str(value)[:60]!r} is not a run id")
    return list(out)


def _selection(action: str, filters: RunFilters, node_id: str | None = None):
    """A filter's runs the policy table allows ``action`` in, by status (and a skip's step by its status)."""
    rule = policy.RULES[action]
    qs = filters.apply(WorkflowRun.objects.filter(status__in=sorted(rule.run_statuses)))
    if action == "skip":
        qs = qs.filter(steps__node_id=node_id, steps__kind=StepRun.NODE, steps__status__in=sorted(rule.step_statuses))
    return qs


def _refusal(run: WorkflowRun, action: str, node_id, signal) -> str | None:
    """The policy table's decision for one picked run, now (the service decides again under its lock)."""
    steps = sorted(run.steps.all(), key=lambda s: s.id)
    facts = policy.facts_of(run.status, steps, graph_for_run(run), now=timezone.now(),
                            kept=signals.signals_kept(run.id), keep_limit=limits.limit(limits.KEPT_SIGNALS))
    return policy.refusal(action, facts, node_id=node_id if action == "skip" else None,
                          signal=signal if action == "signal" else None)


def bulk_preview(*, action: str, filters: RunFilters | None = None, run_ids=None, node_id: str | None = None,
                 signal: str | None = None) -> dict:
    """What ``bulk_apply`` would touch, before it does: ``count``; for picked runs also ``selected``
    (found), ``refused`` ([{run_id, reason}]) and ``missing`` (ids of no run)."""
    _check(action, node_id, signal)
    if run_ids is None:
        return {"count": _selection(action, filters or RunFilters(), node_id).count()}
    ids = _ids(run_ids)
    found = {run.id: run for run in WorkflowRun.objects.filter(pk__in=ids).select_related("version")
             .prefetch_related("steps")}
    refused = [{"run_id": str(i), "reason": why} for i in ids if i in found
               for why in [_refusal(found[i], action, node_id, signal)] if why is not None]
    return {"count": len(found) - len(refused), "selected": len(found), "refused": refused,
            "missing": [str(i) for i in ids if i not in found]}


def bulk_count(*, action: str, filters: RunFilters, node_id: str | None = None) -> int:
    return bulk_preview(action=action, filters=filters, node_id=node_id)["count"]


def bulk_apply(*, action: str, filters: RunFilters | None = None, run_ids=None, user=None, reason: str,
               limit: int = 1000, node_id: str | None = None, signal: str | None = None, payload=None,
               output=None) -> dict:
    """Apply ``action`` to every run of the selection (a filter's: up to ``limit``, oldest first; picked
    runs: in the order given); each run is its own transaction, and a run the policy refuses (it moved
    on meanwhile, or is not waiting for that signal) is reported with the reason, not forced."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("a reason is required: say why, for the runs' history and the audit log")
    _check(action, node_id, signal)
    tag = f"[bulk {action}] "
    if len(tag) + len(reason.strip()) > MAX_REASON:
        raise InvalidInput(f"the reason is {len(reason.strip())} characters; the limit is {MAX_REASON - len(tag)}")
    errors = []
    if run_ids is None:
        ids = list(_selection(action, filters or RunFilters(), node_id).order_by("created_at")
                   .values_list("id", flat=True)[:limit])
    else:
        picked = _ids(run_ids)
        known = set(WorkflowRun.objects.filter(pk__in=picked).values_list("id", flat=True))
        ids = [i for i in picked if i in known]
        errors += [{"run_id": str(i), "code": NotFound.code, "detail": f"no run {i}"} for i in picked if i not in known]
    extra = {"node_id": node_id, "kind": StepRun.NODE, "output": output} if action == "skip" else \
        {"signal": signal, "payload": payload} if action == "signal" else {}
    done = []
    for run_id in ids:
        try:
            run_act(run_id=run_id, action=action, user=user, reason=tag + reason.strip(), **extra)
            done.append(str(run_id))
        except EngineError as exc:
            errors.append({"run_id": str(run_id), "code": exc.code, "detail": str(exc)})
    return {"action": action, "matched": len(ids), "applied": len(done), "errors": errors, "run_ids": done}
