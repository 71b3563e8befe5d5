"""A loop step's iterations and a map step's items, as the console lists them: each a run of the
node's sub-flow."""
from __future__ import annotations

from engine.models import StepRun, WorkflowRun
from engine.nodes.map import progress
from engine.spec.schema import MAX_LOOP_ITERATIONS

LISTED = 2000   # runs listed per step: a map's items beyond it are counted, not listed


def step_iterations(step: StepRun) -> list[dict] | None:
    """None unless ``step`` is a loop's or a map's node step; its runs (every retry's included),
    a loop's oldest first, a map's by item index."""
    if step.kind != StepRun.NODE or step.node_type not in ("loop", "map"):
        return None
    order = ("iteration", "created_at", "id") if step.node_type == "map" else ("created_at", "id")
    rows = (WorkflowRun.objects.filter(parent_run_id=step.run_id, parent_node_id=step.node_id)
            .exclude(iteration=None).order_by(*order)
            .values("id", "iteration", "status", "created_at", "finished_at")[:min(LISTED, MAX_LOOP_ITERATIONS * 10)])
    return [{"run_id": str(r["id"]), "index": r["iteration"], "status": r["status"], "started_at": r["created_at"],
             "finished_at": r["finished_at"]} for r in rows]


def step_map_progress(step: StepRun) -> dict | None:
    """A map step's items by state: total, succeeded, failed, stopped (an item run waiting for an
    operator), running, pending (not started). None for other steps."""
    if step.kind != StepRun.NODE or step.node_type != "map":
        return None
    items = (step.input or {}).get("items")
    if not isinstance(items, list):
        return None
    if step.status == "succeeded" and isinstance(step.output, dict):
        failed = step.output.get("failed") or []
        return {"total": len(items), "succeeded": step.output.get("succeeded", 0), "failed": len(failed),
                "stopped": 0, "running": 0, "pending": 0}
    superseded = set(step.input.get("superseded") or ())
    runs = {index: (str(run_id), status) for index, run_id, status in
            WorkflowRun.objects.filter(parent_run_id=step.run_id, parent_node_id=step.node_id).exclude(key_scope="")
            .order_by("iteration", "created_at", "id").values_list("iteration", "id", "status")
            if str(run_id) not in superseded}
    return progress(runs, len(items))
