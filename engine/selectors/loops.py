"""A loop step's iterations, as the console lists them: each a run of the loop's sub-flow."""
from __future__ import annotations

from engine.models import StepRun, WorkflowRun
from engine.spec.schema import MAX_LOOP_ITERATIONS


def step_iterations(step: StepRun) -> list[dict] | None:
    """None unless ``step`` is a loop's node step; its iterations' runs (every retry of the loop's
    included), oldest first. At most max_iterations per try, so bounded by what the spec allows."""
    if step.kind != StepRun.NODE or step.node_type != "loop":
        return None
    rows = (WorkflowRun.objects.filter(parent_run_id=step.run_id, parent_node_id=step.node_id)
            .exclude(iteration=None).order_by("created_at", "id")
            .values("id", "iteration", "status", "created_at", "finished_at")[:MAX_LOOP_ITERATIONS * 10])
    return [{"run_id": str(r["id"]), "index": r["iteration"], "status": r["status"], "started_at": r["created_at"],
             "finished_at": r["finished_at"]} for r in rows]
