"""Bulk operator actions on a filtered selection of runs (one transaction per run)."""
from __future__ import annotations

from engine.errors import EngineError
from engine.models import WorkflowRun
from engine.selectors.runs import RunFilters
from engine.services import runs
from engine.states import RunStatus

# What each action can apply to: the count shown before confirming uses this too.
APPLIES_TO = {
    "retry": (RunStatus.FAILED, RunStatus.COMPENSATION_FAILED),
    "cancel": (RunStatus.PENDING, RunStatus.RUNNING, RunStatus.WAITING, RunStatus.FAILED, RunStatus.COMPENSATING,
               RunStatus.COMPENSATION_FAILED),
    "compensate": (RunStatus.RUNNING, RunStatus.WAITING, RunStatus.FAILED, RunStatus.COMPENSATION_FAILED),
}
_CALLS = {"retry": runs.run_retry_from_failed, "cancel": runs.run_cancel, "compensate": runs.run_compensate}


def _selection(action: str, filters: RunFilters):
    return filters.apply(WorkflowRun.objects.filter(status__in=APPLIES_TO[action]))


def bulk_count(*, action: str, filters: RunFilters) -> int:
    return _selection(action, filters).count()


def bulk_apply(*, action: str, filters: RunFilters, user=None, reason: str, limit: int = 1000) -> dict:
    """Apply ``action`` to every matching run (up to ``limit``); each run is its own transaction,
    and a run that moved on meanwhile is reported, not forced."""
    ids = list(_selection(action, filters).order_by("created_at").values_list("id", flat=True)[:limit])
    done, errors = [], []
    for run_id in ids:
        try:
            _CALLS[action](run_id=run_id, user=user, reason=f"[bulk {action}] {reason}")
            done.append(str(run_id))
        except EngineError as exc:
            errors.append({"run_id": str(run_id), "code": exc.code, "detail": str(exc)})
    return {"action": action, "matched": len(ids), "applied": len(done), "errors": errors, "run_ids": done}
