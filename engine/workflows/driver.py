"""A code run moves: replay its function (engine/workflows/replay.py) and do what the decision
says through the store's ``Activation`` (engine/store/advance.py), in the transaction that holds
the run. Like a node type, this module writes nothing itself and imports no store."""
from __future__ import annotations

import hashlib
import os
import socket

from django.conf import settings

from engine.states import RunStatus
from engine.workflows import registry
from engine.workflows.replay import Recorded, replay

FORWARD = frozenset({RunStatus.RUNNING, RunStatus.WAITING, RunStatus.PENDING})


def queue_for(name: str, version: str) -> str:
    """The queue only processes that have this workflow version consume (engine/actors.py)."""
    digest = hashlib.sha256(f"{name}\0{version}".encode()).hexdigest()[:12]
    return f"flowdeck.code.{digest}"


def history_of(rows) -> dict[int, Recorded]:
    """Recorded calls by position, from (node_id, node_type, status, output, node) rows."""
    history = {}
    for node_id, node_type, status, output, node in rows:
        code = (node or {}).get("code")
        if node_type == "workflow" or not code:
            continue
        history[code["pos"]] = Recorded(code["pos"], code["call"], status, output, node_id)
    return history


def failure_node(pos: int, error: dict) -> dict:
    what = "no longer matches the history" if error.get("type") == "NonDeterminism" else "failed"
    return {"id": f"{pos}:workflow", "type": "workflow", "label": f"workflow code {what}",
            "on_failure": "incident", "code": {"pos": pos, "call": "workflow", "epoch": 0}}


def advance(a) -> None:
    """Replay the run held by ``a`` and act on it."""
    graph, run = a.graph, a.run
    workflow = registry.lookup(graph.workflow, graph.code_version)
    if workflow is None:
        a.code_defer(queue_for(graph.workflow, graph.code_version),
                     f"this process ({socket.gethostname()}:{os.getpid()}) does not have {graph.workflow} version {graph.code_version}")
        return
    rows = a.code_history()
    decision = replay(workflow.fn, run.input, history_of(rows), now=a.now, run_id=str(run.id),
                      business_key=run.business_key, workflow=workflow.name, version=workflow.version,
                      time_limit=getattr(settings, "FLOWDECK_REPLAY_TIMEOUT", 10.0))
    for node, value in decision.values:
        a.record_value(node, value)
    if decision.outcome is None:
        for node in decision.schedule:
            if a.run.status not in FORWARD:
                return
            a.activate_node(node)
        # Statuses are what a replay reads of them: done (with the output) or not; a step this
        # transaction finished at once is in its changes, which the next use patches in.
        a.code_seen([*rows, *((n["id"], n["type"], "succeeded", v, n) for n, v in decision.values),
                     *((n["id"], n["type"], "scheduled", None, n) for n in decision.schedule)])
        return
    if decision.outcome == "complete":
        a.run_complete(decision.output)
    elif decision.outcome == "compensate":
        a.code_compensate(decision.error)
    elif decision.outcome == "failed":
        a.run_fail(decision.error)
    else:
        a.code_failed(failure_node(decision.pos, decision.error), decision.error)
