"""Workflow specs: format, expressions (bounded), conditions, templates and the run-time graph.

Pure Python (no Django, no database). Node types live in engine/nodes, the validator in
engine/spec/validate.py (it reads the node types' registry). docs/spec.md documents the format.
"""
from engine.spec.bounded import Budget
from engine.spec.conditions import evaluate_condition, json_equal
from engine.spec.cost import expansion
from engine.spec.expressions import compile_expression, evaluate_expression, evaluate_mapping, task_input
from engine.spec.graph import Graph, canonical_json, checksum, diff_specs
from engine.spec.retry import retry_delay, retry_policy
from engine.spec.schema import (
    DEFAULT_BRANCH,
    MAX_EDGES,
    MAX_EXPRESSION_EXPANSION,
    MAX_EXPRESSION_STEPS,
    MAX_EXPRESSION_VALUE_BYTES,
    MAX_NODES,
    MAX_SPEC_BYTES,
    RETRY_DEFAULTS,
    SCHEMA_VERSION,
    spec_size_ok,
)
from engine.spec.templates import parse_template, render_template

__all__ = [
    "DEFAULT_BRANCH", "MAX_EDGES", "MAX_EXPRESSION_EXPANSION", "MAX_EXPRESSION_STEPS", "MAX_EXPRESSION_VALUE_BYTES",
    "MAX_NODES", "MAX_SPEC_BYTES", "RETRY_DEFAULTS", "SCHEMA_VERSION", "Budget", "Graph", "canonical_json", "checksum",
    "compile_expression", "diff_specs", "evaluate_condition", "evaluate_expression", "evaluate_mapping", "expansion",
    "json_equal", "parse_template", "render_template", "retry_delay", "retry_policy", "spec_size_ok", "task_input",
]
