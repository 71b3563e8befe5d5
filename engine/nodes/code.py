"""Node types only code runs have (engine/workflows): never in a spec, so not in the JSON Schema
or the designer's palette. Their steps are made by a code run's replay (engine/workflows/driver.py)."""
from __future__ import annotations

from engine.nodes.base import NodeType


class Value(NodeType):
    """A value the function took and that a replay must see again (ctx.now(), uuid(), random(),
    patched()): born succeeded, its output the value."""
    type = "value"
    adds_data = False

    def describe_waiting(self, step, node, now, ago):
        return None


class WorkflowCode(NodeType):
    """The function itself failed here, or no longer matches the run's history: a failed step,
    so the run waits for an operator. Retrying (or skipping) it replays the function, on the code
    the worker has then."""
    type = "workflow"
    adds_data = False
    defaults = {"on_failure": "incident"}

    def rearm(self, a, step, node):
        a.succeed(step, {"replayed": True})   # what follows is the replay's

    def reopen(self, a, step, node):
        a.succeed(step, {"replayed": True})


VALUE, WORKFLOW = Value(), WorkflowCode()
