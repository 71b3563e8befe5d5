"""The node types, registered once: the validator, the JSON Schema, the step protocol, the store
and the docs read this table. Adding a node type = one module here (see base.py) + one frontend
folder (frontend/src/nodes/<type>/) + its section in docs/spec.md + tests (docs/engine.md, "Node types")."""
from __future__ import annotations

from typing import Any, Iterator

from engine.nodes import (choice, code, end, fail, http, human, join, loop, map, parallel, signal, start, subworkflow,
                          task, wait)
from engine.nodes.base import NodeType
from engine.spec.schema import spec_json_schema

REGISTRY: dict[str, NodeType] = {module.NODE.type: module.NODE for module in (
    start, end, fail, task, http, choice, parallel, join, wait, signal, subworkflow, loop, map, human)}

# Code runs' own (engine/nodes/code.py): looked up like the others, never in a spec.
CODE_ONLY: dict[str, NodeType] = {code.VALUE.type: code.VALUE, code.WORKFLOW.type: code.WORKFLOW}
_ALL: dict[str, NodeType] = {**REGISTRY, **CODE_ONLY}

NODE_TYPES = tuple(REGISTRY)
ACTIVITY_TYPES = frozenset(kind for kind, node_type in REGISTRY.items() if node_type.runs_activity)
TERMINAL_TYPES = frozenset(kind for kind, node_type in REGISTRY.items() if node_type.terminal)
SPEC_JSON_SCHEMA: dict = spec_json_schema({kind: (t.fields, t.required) for kind, t in REGISTRY.items()})


def of(node: dict) -> NodeType:
    """The type of a node of a valid spec (KeyError: not a registered type)."""
    return _ALL[node["type"]]


def known(kind: Any) -> NodeType | None:
    """A spec's node type (not the code-only ones)."""
    return REGISTRY.get(kind) if isinstance(kind, str) else None


def type_of(kind: str) -> NodeType:
    """A step's node type, code-only ones included (KeyError: unknown)."""
    return _ALL[kind]


def setting(node: dict, field: str):
    """``node``'s ``field``, or its type's default."""
    return of(node).setting(node, field)


def iter_expressions(node: Any) -> Iterator[tuple[str, str]]:
    """Every expression in ``node`` as (JSON pointer relative to the node, text). Tolerant of
    malformed nodes: parts of the wrong shape are skipped (the schema check reports them)."""
    node_type = known(node.get("type")) if isinstance(node, dict) else None
    return node_type.expressions(node) if node_type is not None else iter(())


__all__ = ["ACTIVITY_TYPES", "NODE_TYPES", "REGISTRY", "SPEC_JSON_SCHEMA", "TERMINAL_TYPES", "NodeType", "iter_expressions",
           "known", "of", "setting", "type_of"]
