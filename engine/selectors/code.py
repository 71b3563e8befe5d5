"""A code run's graph for the console: its steps so far drawn as a spec (docs/workflows-as-code.md).

A code workflow has no spec graph; its steps carry the calls that made them. Calls made at the
same point of the function (the same ``epoch``: nothing returned between them) were started
together and are drawn side by side; each column follows the one before it."""
from __future__ import annotations

from engine.graphs import is_code_spec, subflow_spec
from engine.models import StepRun

X_STEP, Y_STEP = 260, 130


def code_run_spec(run, steps=None) -> dict:
    """The run's version spec with ``nodes`` and ``edges`` made from its steps (start, the calls
    in order, and an end once it completed)."""
    spec = run.version.spec
    rows = steps if steps is not None else StepRun.objects.filter(run=run).order_by("id")
    columns: list[list[dict]] = []
    last_epoch = None
    for step in rows:
        node = step.node
        if step.kind != StepRun.NODE or not node:
            continue
        epoch = node.get("code", {}).get("epoch", 0)
        if last_epoch is None or epoch != last_epoch:
            columns.append([])
            last_epoch = epoch
        columns[-1].append(node)
    nodes = [{"id": "start", "type": "start", "label": "Started", "position": {"x": 0, "y": 0}}]
    edges = []
    previous = ["start"]
    for x, column in enumerate(columns, 1):
        top = -(len(column) - 1) * Y_STEP / 2
        for y, node in enumerate(column):
            nodes.append({k: v for k, v in node.items() if k not in ("value",)} |
                         {"position": {"x": x * X_STEP, "y": top + y * Y_STEP}})
        for source in previous:
            for node in column:
                edges.append({"id": f"e:{source}>{node['id']}", "source": source, "target": node["id"]})
        previous = [node["id"] for node in column]
    if run.status == "completed":
        nodes.append({"id": "end", "type": "end", "label": "Returned",
                      "position": {"x": (len(columns) + 1) * X_STEP, "y": 0}})
        edges += [{"id": f"e:{source}>end", "source": source, "target": "end"} for source in previous]
    return {**spec, "nodes": nodes, "edges": edges}


def run_spec(run, steps=None) -> dict:
    """What the console draws a run on: its version's spec, or (a code run) its steps'."""
    spec = run.version.spec
    if getattr(run, "subflow", ""):   # a loop's iteration: drawn on its sub-flow
        return subflow_spec(spec, run.subflow)
    return code_run_spec(run, steps) if is_code_spec(spec) else spec
