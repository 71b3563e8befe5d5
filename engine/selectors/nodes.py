"""The node types as the designer reads them: defaults, and what an attempt of each can fail
with that no retry policy retries (engine/nodes)."""
from __future__ import annotations

from engine import nodes
from engine.nodes.base import FINAL_ERRORS


def node_type_list() -> list[dict]:
    out = []
    for kind, node_type in nodes.REGISTRY.items():
        final = getattr(node_type, "final_errors", ())
        out.append({"type": kind, "runs_activity": node_type.runs_activity, "defaults": node_type.defaults,
                    "final_errors": [{"type": t, "why": FINAL_ERRORS[t]} for t in final]})
    return out
