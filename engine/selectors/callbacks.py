"""A callback task step's token, as the console shows it: state, attempt, expiry."""
from __future__ import annotations

from engine.graphs import graph_for_run
from engine.models import StepRun
from engine.store.callbacks import callback_view


def step_callback(step: StepRun) -> dict | None:
    """None unless ``step`` is a node step of a task or http node with ``callback``."""
    if step.kind != StepRun.NODE or step.node_type not in ("task", "http"):
        return None
    graph = graph_for_run(step.run)
    if graph.is_code:
        return None
    return callback_view(step, graph.node(step.node_id).get("callback"))
