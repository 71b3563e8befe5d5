"""A map step's item runs: one run of the map's sub-flow per item, found by (parent run, map
node), the newest per item index counting, minus those an operator's retry of the map set aside
(``superseded`` in the step's input)."""
from __future__ import annotations

from engine import graphs, protocol
from engine.models import StepRun, WorkflowRun
from engine.store import sql
from engine.store.tx import RunTx


def item_run_new(tx: RunTx, step: StepRun, index: int, input) -> WorkflowRun:
    """The row of item ``index``'s run (the caller begins it); on the run's version, keyed by item."""
    parent = tx.run
    return WorkflowRun.objects.create(
        definition_id=parent.definition_id, version_id=parent.version_id,
        input=input if isinstance(input, dict) else {"value": input}, parent_run=parent,
        parent_node_id=step.node_id, is_test=parent.is_test, iteration=index,
        subflow=f"{parent.subflow}/{step.node_id}" if parent.subflow else step.node_id,
        key_scope=f"{parent.key_scope or parent.id}:{step.node_id}:{index}")


def item_runs(tx: RunTx, step: StepRun) -> dict[int, tuple[str, str]]:
    """Item index -> (run id, status) of the run that counts for it."""
    superseded = set((step.input or {}).get("superseded") or ())
    rows = (WorkflowRun.objects.filter(parent_run_id=tx.run.id, parent_node_id=step.node_id)
            .exclude(key_scope="").order_by("iteration", "created_at", "id").values_list("iteration", "id", "status"))
    return {index: (str(run_id), status) for index, run_id, status in rows if str(run_id) not in superseded}


def run_outputs(run_ids) -> dict[str, object]:
    return {str(run_id): output for run_id, output in
            WorkflowRun.objects.filter(pk__in=list(run_ids)).values_list("id", "output")}


def runs_status(run_ids) -> dict[str, str]:
    return {str(run_id): status for run_id, status in
            WorkflowRun.objects.filter(pk__in=list(run_ids)).values_list("id", "status")}


def undo_needed(run_id) -> bool:
    run = WorkflowRun.objects.only("id", "version_id", "subflow").get(pk=run_id)
    states = [protocol.StepState(*row) for row in sql.step_states(run.id)]
    return protocol.compensation_pending(graphs.graph_for_subflow(run.version_id, run.subflow), states)
