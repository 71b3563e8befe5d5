"""Bulk operator actions on a filtered selection of runs (one transaction per run)."""
from __future__ import annotations

from engine import policy
from engine.errors import EngineError, InvalidInput
from engine.models import WorkflowRun
from engine.selectors.runs import RunFilters
from engine.services.actions import run_act

BULK_ACTIONS = ("retry", "cancel", "compensate")


def _selection(action: str, filters: RunFilters):
    if action not in BULK_ACTIONS:
        raise InvalidInput(f"unknown bulk action {action!r}; one of {', '.join(BULK_ACTIONS)}")
    # The run statuses the policy table allows the action in: the count shown before confirming uses this too.
    return filters.apply(WorkflowRun.objects.filter(status__in=sorted(policy.RULES[action].run_statuses)))


def bulk_count(*, action: str, filters: RunFilters) -> int:
    return _selection(action, filters).count()


def bulk_apply(*, action: str, filters: RunFilters, user=None, reason: str, limit: int = 1000) -> dict:
    """Apply ``action`` to every matching run (up to ``limit``); each run is its own transaction,
    and a run that moved on meanwhile is reported, not forced."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("a reason is required: say why, for the runs' history and the audit log")
    ids = list(_selection(action, filters).order_by("created_at").values_list("id", flat=True)[:limit])
    done, errors = [], []
    for run_id in ids:
        try:
            run_act(run_id=run_id, action=action, user=user, reason=f"[bulk {action}] {reason.strip()}")
            done.append(str(run_id))
        except EngineError as exc:
            errors.append({"run_id": str(run_id), "code": exc.code, "detail": str(exc)})
    return {"action": action, "matched": len(ids), "applied": len(done), "errors": errors, "run_ids": done}
