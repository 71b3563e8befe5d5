"""The node types' registry is the one table: the JSON Schema, the validator, the docs and the
frontend's node folders agree with it, and each type's module declares what the engine reads."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine import nodes
from engine.nodes.base import NodeType
from engine.spec.graph import Graph

ROOT = Path(__file__).resolve().parents[2]
TYPES = sorted(nodes.REGISTRY)


def test_every_module_in_engine_nodes_is_one_registered_type():
    modules = sorted(p.stem for p in (ROOT / "engine" / "nodes").glob("*.py")
                     if p.stem not in ("__init__", "base", "code"))
    assert modules == TYPES
    for kind, node_type in nodes.REGISTRY.items():
        assert isinstance(node_type, NodeType) and node_type.type == kind


def test_code_only_types_are_looked_up_but_never_in_a_spec():
    """engine/nodes/code.py: the steps only code runs make (engine/workflows) are not spec types."""
    assert sorted(nodes.CODE_ONLY) == ["value", "workflow"] and not set(nodes.CODE_ONLY) & set(nodes.REGISTRY)
    assert nodes.type_of("value").adds_data is False and nodes.of({"type": "workflow"}) is nodes.CODE_ONLY["workflow"]
    assert nodes.known("value") is None and "value" not in nodes.SPEC_JSON_SCHEMA["$defs"]["node"]["properties"]["type"]["enum"]


def test_the_json_schema_allows_exactly_the_registered_types_with_their_fields():
    node_schema = nodes.SPEC_JSON_SCHEMA["$defs"]["node"]
    assert node_schema["properties"]["type"]["enum"] == list(nodes.NODE_TYPES)
    branches = {b["if"]["properties"]["type"]["const"]: b["then"] for b in node_schema["allOf"]}
    assert sorted(branches) == TYPES
    for kind, then in branches.items():
        declared = nodes.REGISTRY[kind].fields
        assert set(declared) <= set(then["properties"]) and then["required"] == list(nodes.REGISTRY[kind].required)


@pytest.mark.parametrize("kind", TYPES)
def test_defaults_are_for_declared_fields(kind):
    node_type = nodes.REGISTRY[kind]
    assert set(node_type.defaults) <= set(node_type.fields), "a default for a field the type does not have"
    for field, value in node_type.defaults.items():
        assert node_type.setting({"type": kind}, field) == value
        if value is not None:
            assert node_type.setting({"type": kind, field: value}, field) == value


def test_one_frontend_folder_per_node_type():
    folders = sorted(p.name for p in (ROOT / "frontend" / "src" / "nodes").iterdir()
                     if p.is_dir() and not p.name.startswith("_"))
    assert folders == TYPES


def _doc_sections() -> dict[str, str]:
    text = (ROOT / "docs" / "spec.md").read_text()
    nodes_part = text.split("## Nodes", 1)[1].split("\n## ", 1)[0]
    sections = {}
    for chunk in nodes_part.split("\n### ")[1:]:
        title, _, body = chunk.partition("\n")
        for kind in re.findall(r"[a-z]+", title):
            sections[kind] = body
    return sections


@pytest.mark.parametrize("kind", TYPES)
def test_docs_describe_every_type_and_its_fields(kind):
    sections = _doc_sections()
    assert kind in sections, f"docs/spec.md has no section for {kind}"
    for field in nodes.REGISTRY[kind].fields:
        assert f"`{field}`" in sections[kind], f"docs/spec.md, {kind}: field {field} is not described"


@pytest.mark.parametrize("kind, documented", [("task", "300"), ("http", "[200, 201, 202, 204]")])
def test_documented_defaults_are_the_registered_ones(kind, documented):
    assert documented in _doc_sections()[kind]
    field = "timeout" if kind == "task" else "expected_statuses"
    assert str(nodes.REGISTRY[kind].defaults[field]) == documented


def _graph(*nodes_, edges):
    return Graph({"schema_version": 1, "nodes": [{"id": "start", "type": "start"}, *nodes_], "edges": [
        {"id": f"e{i}", "source": s, "target": t, **({"branch": b} if b else {})} for i, (s, t, b) in enumerate(edges)]})


# What follows a step of each type: its type decides (pure, from the spec and the step's output).
NEXT = [
    ("task", {"type": "task", "activity": "x"}, None, ["b"]),
    ("wait", {"type": "wait", "seconds": 1}, {"fired_at": "2026-12-01T00:00:00+00:00"}, ["b"]),
    ("end", {"type": "end"}, None, []),
    ("fail", {"type": "fail", "error": "no"}, None, []),
    ("signal", {"type": "signal", "signal": "go", "timeout": 5}, {"approved": True}, ["b"]),
    ("signal", {"type": "signal", "signal": "go", "timeout": 5}, {"timed_out": True}, ["late"]),
    ("choice", {"type": "choice", "rules": [{"id": "big", "condition": {"field": "input.n", "op": "gt", "value": 5}}]},
     {"branch": "big"}, ["late"]),
    ("choice", {"type": "choice", "rules": [{"id": "big", "condition": {"field": "input.n", "op": "gt", "value": 5}}]},
     None, ["b"]),
    ("parallel", {"type": "parallel"}, None, ["b", "late"]),
    ("loop", {"type": "loop", "max_iterations": 3, "until": {"field": "iteration.index", "op": "gte", "value": 1},
              "flow": {"nodes": [], "edges": []}}, {"iterations": 2, "output": {}}, ["b"]),
    ("map", {"type": "map", "items": "input.lines", "flow": {"nodes": [], "edges": []}},
     {"count": 2, "succeeded": 2, "failed": [], "outputs": [{}, {}]}, ["b"]),
    ("human", {"type": "human", "title": "Check", "assignee": {"role": "operator"}},
     {"data": {"ok": True}, "completed_by": "olga"}, ["b"]),
]


@pytest.mark.parametrize("kind, node, output, expected", NEXT)
def test_next_nodes_per_type(kind, node, output, expected):
    branch = {"signal": ("next", "timeout"), "choice": ("default", "big")}.get(kind, ("next", "next"))
    node = {"id": "a", **node}
    edges = [] if kind in ("end", "fail") else [("a", "b", branch[0]), ("a", "late", branch[1] if kind != "task" else None)]
    if kind in ("task", "wait", "loop", "map", "human"):
        edges = [("a", "b", None)]
    graph = _graph(node, {"id": "b", "type": "end"}, {"id": "late", "type": "end"}, edges=edges)
    out = nodes.of(node).next_nodes(graph, "a", graph.node("a"), output, {"input": {"n": 1}})
    assert sorted(out) == sorted(expected)
