"""The spec format (schema_version 1): limits, patterns, defaults and the JSON Schema.

The JSON Schema only checks shape. Rules that need the whole graph, a registry
or a parser (and the size limits, so they get their own error code) live in
``engine.spec.validate``. docs/spec.md is the reference for every field.
"""
from __future__ import annotations

import re

SCHEMA_VERSION = 1

# Limits, enforced before any heavy work so hostile specs stay cheap to reject.
MAX_SPEC_BYTES = 1024 * 1024          # compact JSON, UTF-8
MAX_NODES = 500
MAX_EDGES = 2000
MAX_RULES = 20                        # per choice node
MAX_EXPRESSION_LENGTH = 1000
MAX_LABEL_LENGTH = 200                # node, edge and rule labels
MAX_CONDITION_DEPTH = 10
MAX_JSON_DEPTH = 64                   # nesting anywhere in the spec
# jmespath's parser and evaluator recurse; these keep any accepted expression
# far away from Python's recursion limit, whatever the caller's stack depth.
MAX_EXPRESSION_NESTING = 32           # open ( [ { [? at once
MAX_EXPRESSION_AST_DEPTH = 64

# Patterns are written for JSON Schema (ECMA-262 semantics); the validator
# applies them as full matches (Python's "$" would also accept a trailing "\n").
ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"       # node, edge, rule ids: jmespath identifiers
SIGNAL_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"
DEFINITION_KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,99}$"
HEADER_NAME_PATTERN = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$"   # RFC 9110 token

NODE_TYPES = ("start", "end", "fail", "task", "http", "choice", "parallel", "join",
              "wait", "signal", "subworkflow")
TERMINAL_TYPES = frozenset({"end", "fail"})
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
JOIN_MODES = ("all", "first")
UNARY_OPS = frozenset({"exists", "not_exists", "is_true", "is_false"})
CONDITION_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "contains",
                 "starts_with", "ends_with", "exists", "not_exists", "is_true", "is_false")

DEFAULT_BRANCH = "next"
DEFAULT_TIMEOUT = 300                 # seconds per attempt, task and http
DEFAULT_EXPECTED_STATUSES = (200, 201, 202, 204)
DEFAULT_JOIN_MODE = "all"
# What follows a node's last failed attempt (docs/spec.md, "Failure policy").
FAILURE_POLICIES = ("compensate", "incident", "fail")
DEFAULT_FAILURE_POLICY = "compensate"
RETRY_DEFAULTS = {
    "max_attempts": 3,
    "initial_interval": 1,
    "backoff_coefficient": 2,
    "max_interval": 60,
    "jitter": 0.1,
    "non_retryable_errors": [],
}


def full_match(pattern: str, text: str) -> bool:
    """``pattern`` (anchored, JSON Schema style) matches all of ``text``."""
    return isinstance(text, str) and re.fullmatch(pattern.removeprefix("^").removesuffix("$"), text) is not None


def spec_size_ok(raw_bytes_len: int) -> bool:
    """Check a request body's length before parsing it."""
    return 0 <= raw_bytes_len <= MAX_SPEC_BYTES


_ID = {"type": "string", "pattern": ID_PATTERN}
_POSITIVE = {"type": "number", "exclusiveMinimum": 0}
_MAPPING = {"$ref": "#/$defs/mapping"}
_RETRY = {"$ref": "#/$defs/retry"}
_COMPENSATION = {"$ref": "#/$defs/compensation"}
_ON_FAILURE = {"enum": list(FAILURE_POLICIES)}

# Fields every node may carry. Labels are plain strings here: their length is a
# limit (E020), not a shape error.
_COMMON = {
    "id": _ID,
    "type": {"enum": list(NODE_TYPES)},
    "label": {"type": "string"},
    "description": {"type": "string"},
    "position": {"$ref": "#/$defs/position"},
    "stuck_after": _POSITIVE,
}

# Per type: (fields, required). HTTP methods, header names, wait's seconds/until
# exclusivity and conditions are checked by the validator for sharper codes.
_TYPE_FIELDS: dict[str, tuple[dict, list[str]]] = {
    "start": ({}, []),
    "end": ({"output": _MAPPING}, []),
    "fail": ({"error": {"type": "string", "minLength": 1},
              "code": {"type": "string", "minLength": 1, "maxLength": 100}}, ["error"]),
    "task": ({"activity": {"type": "string", "minLength": 1, "maxLength": 200},
              "input": _MAPPING, "retry": _RETRY, "timeout": _POSITIVE,
              "heartbeat_timeout": _POSITIVE, "compensation": _COMPENSATION, "on_failure": _ON_FAILURE},
             ["activity"]),
    "http": ({"method": {"type": "string"},
              "url": {"type": "string", "minLength": 1},
              "headers": {"type": "object", "additionalProperties": {"type": "string"}},
              "body": _MAPPING,
              "expected_statuses": {"type": "array", "minItems": 1, "uniqueItems": True,
                                    "items": {"type": "integer", "minimum": 100, "maximum": 599}},
              "retry": _RETRY, "timeout": _POSITIVE, "compensation": _COMPENSATION, "on_failure": _ON_FAILURE},
             ["method", "url"]),
    "choice": ({"rules": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/rule"}}}, ["rules"]),
    "parallel": ({}, []),
    "join": ({"mode": {"enum": list(JOIN_MODES)}, "fork": _ID}, ["fork"]),
    "wait": ({"seconds": {"type": "number", "minimum": 0}, "until": {"type": "string"}, "on_failure": _ON_FAILURE},
             []),
    "signal": ({"signal": {"type": "string", "pattern": SIGNAL_PATTERN}, "timeout": _POSITIVE,
                "on_failure": _ON_FAILURE}, ["signal"]),
    "subworkflow": ({"definition": {"type": "string", "pattern": DEFINITION_KEY_PATTERN},
                     "version": {"type": "integer", "minimum": 1}, "input": _MAPPING, "on_failure": _ON_FAILURE},
                    ["definition"]),
}


def _node_schema() -> dict:
    # One if/then per type: errors then name the missing or unexpected field
    # instead of oneOf's "not valid under any of the given schemas".
    branches = [
        {"if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
         # id and type are checked once, outside the branches (True: any value).
         "then": {"properties": {**_COMMON, "id": True, "type": True, **fields}, "required": required,
                  "additionalProperties": False}}
        for kind, (fields, required) in _TYPE_FIELDS.items()
    ]
    return {"type": "object", "required": ["id", "type"],
            "properties": {"id": _COMMON["id"], "type": _COMMON["type"]}, "allOf": branches}


SPEC_JSON_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://flowdeck.dev/schemas/spec-v1.json",
    "title": "Flowdeck workflow spec, schema_version 1",
    "type": "object",
    "required": ["schema_version", "nodes", "edges"],
    "additionalProperties": False,
    "properties": {
        "schema_version": {"type": "integer"},
        "settings": {"type": "object", "additionalProperties": False,
                     "properties": {"stuck_after": _POSITIVE}},
        "nodes": {"type": "array", "items": {"$ref": "#/$defs/node"}},
        "edges": {"type": "array", "items": {"$ref": "#/$defs/edge"}},
    },
    "$defs": {
        "node": _node_schema(),
        "edge": {
            "type": "object", "required": ["id", "source", "target"], "additionalProperties": False,
            "properties": {"id": _ID, "source": _ID, "target": _ID, "branch": _ID,
                           "label": {"type": "string"}},
        },
        "position": {"type": "object", "required": ["x", "y"], "additionalProperties": False,
                     "properties": {"x": {"type": "number"}, "y": {"type": "number"}}},
        # A mapping is an expression string or an object of mappings.
        "mapping": {"type": ["string", "object"], "additionalProperties": {"$ref": "#/$defs/mapping"}},
        "retry": {
            "type": "object", "additionalProperties": False,
            "properties": {
                "max_attempts": {"type": "integer", "minimum": 1},
                "initial_interval": _POSITIVE,
                "backoff_coefficient": {"type": "number", "minimum": 1},
                "max_interval": _POSITIVE,
                "jitter": {"type": "number", "minimum": 0, "maximum": 1},
                "non_retryable_errors": {"type": "array", "uniqueItems": True,
                                         "items": {"type": "string", "minLength": 1, "maxLength": 200}},
            },
        },
        "compensation": {
            "type": "object", "required": ["activity"], "additionalProperties": False,
            "properties": {"activity": {"type": "string", "minLength": 1, "maxLength": 200},
                           "input": _MAPPING, "retry": _RETRY},
        },
        "rule": {
            "type": "object", "required": ["id", "condition"], "additionalProperties": False,
            "properties": {"id": _ID, "label": {"type": "string"}, "condition": {"type": "object"}},
        },
    },
}
