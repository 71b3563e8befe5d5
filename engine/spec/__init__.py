"""Workflow specs: format, validation, expressions (bounded) and the run-time graph.

Pure Python (no Django, no database). docs/spec.md documents the format.
"""
from engine.spec.bounded import Budget
from engine.spec.cost import expansion
from engine.spec.expressions import (
    compile_expression,
    evaluate_condition,
    evaluate_expression,
    evaluate_mapping,
    iter_expressions,
    json_equal,
    parse_template,
    render_template,
    task_input,
)
from engine.spec.graph import Graph, canonical_json, checksum, diff_specs
from engine.spec.retry import retry_delay, retry_policy, should_retry
from engine.spec.schema import (
    DEFAULT_BRANCH,
    DEFAULT_EXPECTED_STATUSES,
    DEFAULT_JOIN_MODE,
    DEFAULT_TIMEOUT,
    MAX_EDGES,
    MAX_EXPRESSION_EXPANSION,
    MAX_EXPRESSION_STEPS,
    MAX_EXPRESSION_VALUE_BYTES,
    MAX_NODES,
    MAX_SPEC_BYTES,
    NODE_TYPES,
    RETRY_DEFAULTS,
    SCHEMA_VERSION,
    SPEC_JSON_SCHEMA,
    spec_size_ok,
)
from engine.spec.validate import ERROR_CODES, assert_valid, validate_spec

__all__ = [
    "DEFAULT_BRANCH", "DEFAULT_EXPECTED_STATUSES", "DEFAULT_JOIN_MODE", "DEFAULT_TIMEOUT", "ERROR_CODES",
    "MAX_EDGES", "MAX_EXPRESSION_EXPANSION", "MAX_EXPRESSION_STEPS", "MAX_EXPRESSION_VALUE_BYTES", "MAX_NODES",
    "MAX_SPEC_BYTES", "NODE_TYPES", "RETRY_DEFAULTS", "SCHEMA_VERSION", "SPEC_JSON_SCHEMA", "Budget", "Graph",
    "assert_valid", "canonical_json", "checksum", "compile_expression", "diff_specs", "evaluate_condition",
    "evaluate_expression", "evaluate_mapping", "expansion", "iter_expressions",
    "json_equal", "parse_template", "render_template", "retry_delay", "retry_policy", "should_retry",
    "spec_size_ok", "task_input", "validate_spec",
]
