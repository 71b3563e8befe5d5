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

# What one evaluation may cost (engine/spec/bounded.py). One evaluation is a whole
# mapping, one choice's rules, one http node's url + headers + body, a wait's until:
# all its expressions share these. Going past one raises ExpressionLimit
# (non-retryable): the step fails, the process that evaluated it goes on.
# jmespath shares references (``[@,@]`` holds its input twice), so Python's memory
# stays small while the *expanded* value doubles per pipe: sizes are of the
# expanded JSON, counted once per shared object, never by walking the expansion.
MAX_EXPRESSION_STEPS = 250_000        # syntax-tree visits + elements copied, compared or walked (~0.2 s)
MAX_EXPRESSION_VALUE_BYTES = 4 * 1024 * 1024   # any value built, and the result: 16x the largest run input
MAX_EXPRESSION_VALUE_DEPTH = 128      # nesting of any value built (run input may nest 100 levels)
MAX_EXPRESSION_CPU_SECONDS = 1.0      # the evaluating thread's CPU time: a loaded machine does not trip it
MAX_NUMBER_TEXT = 100                 # to_number() of a longer string that is a number is out of range
# The validator's static bound (spec.E028): how many times its input's size an
# expression can provably build (multi-selects add, pipes and projections multiply).
# [@,@] piped 13 times is 8192x, 14 times is refused; a 100-field select of
# 100-field selects is 10000x. Data-dependent growth is left to the limits above.
MAX_EXPRESSION_EXPANSION = 10_000
# Numbers an expression may produce or hold: finite, integers within 64 bits (what the
# spec itself may hold, and what PostgreSQL's jsonb and the console read back).
MIN_INTEGER, MAX_INTEGER = -(2 ** 63), 2 ** 63 - 1

# Ranges (spec.E029): every duration, timeout, interval and count has a maximum, so
# that the arithmetic on it (timedelta, retry backoff, millisecond delays) cannot
# overflow and a typo (1e12) is refused at publish instead of failing at run time.
DAY = 24 * 3600
MAX_WAIT_SECONDS = 365 * DAY          # wait.seconds, wait.until, signal.timeout: a yearly renewal fits
MAX_STUCK_AFTER = 365 * DAY           # stuck_after: no longer than the longest wait it might sit in
MAX_ATTEMPT_TIMEOUT = DAY             # task/http timeout, heartbeat_timeout: a nightly batch job fits;
                                      # longer work should heartbeat or be split
MAX_CALLBACK_SECONDS = 30 * DAY       # callback.timeout, heartbeat_timeout: a carrier's pickup within a month
MAX_SLA_SECONDS = 365 * DAY           # sla.within: no longer than the longest wait a step may sit in
MAX_RETRY_INTERVAL = DAY              # retry initial_interval, max_interval: retry at least daily
MAX_BACKOFF_COEFFICIENT = 100         # 100x per attempt reaches max_interval within 3 attempts anyway
MAX_ATTEMPTS = 1000                   # with max_interval 24 h, almost 3 years of retrying
MAX_LOOP_ITERATIONS = 1000           # loop.max_iterations: a poll every 5 min for 3 days fits
MAX_MAP_CONCURRENCY = 100            # map.max_concurrency: item runs going at once
MAX_MAP_ITEMS = 10_000               # items one map step takes (more fails it: MapTooManyItems)
MAX_VERSION_NUMBER = 2 ** 31 - 1      # subworkflow.version: WorkflowVersion.number is a PostgreSQL integer

# Patterns are written for JSON Schema (ECMA-262 semantics); the validator
# applies them as full matches (Python's "$" would also accept a trailing "\n").
ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"       # node, edge, rule ids: jmespath identifiers
SIGNAL_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"
DEFINITION_KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,99}$"
HEADER_NAME_PATTERN = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$"   # RFC 9110 token

UNARY_OPS = frozenset({"exists", "not_exists", "is_true", "is_false"})
CONDITION_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "contains",
                 "starts_with", "ends_with", "exists", "not_exists", "is_true", "is_false")

DEFAULT_BRANCH = "next"
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



ID = {"type": "string", "pattern": ID_PATTERN}


def _seconds(maximum: int, what: str, *, minimum: str = "exclusiveMinimum") -> dict:
    # "description" is what spec.E029's message says about the maximum.
    return {"type": "number", minimum: 0, "maximum": maximum, "description": what}


def _days(seconds: int) -> str:
    return f"{seconds // DAY} days" if seconds >= 2 * DAY else f"{seconds // 3600} h"


WAIT_SECONDS = _seconds(MAX_WAIT_SECONDS, f"seconds, at most {_days(MAX_WAIT_SECONDS)}", minimum="minimum")
SIGNAL_TIMEOUT = _seconds(MAX_WAIT_SECONDS, f"seconds, at most {_days(MAX_WAIT_SECONDS)}")
STUCK_AFTER = _seconds(MAX_STUCK_AFTER, f"seconds, at most {_days(MAX_STUCK_AFTER)}")
TIMEOUT = _seconds(MAX_ATTEMPT_TIMEOUT, f"seconds per attempt, at most {_days(MAX_ATTEMPT_TIMEOUT)}")
HEARTBEAT = _seconds(MAX_ATTEMPT_TIMEOUT, f"seconds, at most {_days(MAX_ATTEMPT_TIMEOUT)}")
INTERVAL = _seconds(MAX_RETRY_INTERVAL, f"seconds, at most {_days(MAX_RETRY_INTERVAL)}")
MAPPING = {"$ref": "#/$defs/mapping"}
RETRY = {"$ref": "#/$defs/retry"}
COMPENSATION = {"$ref": "#/$defs/compensation"}
# A node's own sub-flow (loop, map): a graph of the spec's shape; the validator checks it as one.
FLOW = {"type": "object", "required": ["nodes", "edges"], "additionalProperties": False,
        "properties": {"nodes": {"type": "array"}, "edges": {"type": "array"}}}
ON_FAILURE = {"enum": list(FAILURE_POLICIES)}
# map.tolerated_failures: a count of failed items, or a share of them ("10%").
TOLERATED_FAILURES = {"oneOf": [{"type": "integer", "minimum": 0, "maximum": MAX_MAP_ITEMS},
                                {"type": "string", "pattern": r"^(100|[1-9]?[0-9])%$"}],
                      "description": "a count, or a percentage such as \"10%\""}
# A callback task (task, http): the attempt waits, with no worker, for POST /api/callbacks/{token}/.
CALLBACK = {"type": "object", "additionalProperties": False, "required": ["timeout"],
            "properties": {"timeout": _seconds(MAX_CALLBACK_SECONDS, f"seconds from the attempt's start, at most "
                                                                      f"{_days(MAX_CALLBACK_SECONDS)}"),
                           "heartbeat_timeout": _seconds(MAX_CALLBACK_SECONDS, f"seconds between callback "
                                                         f"heartbeats, at most {_days(MAX_CALLBACK_SECONDS)}")}}
# A deadline that interrupts nothing (docs/spec.md, "SLA timers"): on a node that waits (its step
# not done ``within`` seconds of its activation) or on the whole run (settings.sla, from its start).
# On breach, ``escalate`` names an edge-less task or http node started beside the main path (E037).
SLA = {"type": "object", "additionalProperties": False, "required": ["within"],
       "properties": {"within": _seconds(MAX_SLA_SECONDS, f"seconds, at most {_days(MAX_SLA_SECONDS)}"),
                      "escalate": ID}}

# Fields every node may carry. Labels are plain strings here: their length is a
# limit (E020), not a shape error.
_COMMON = {
    "id": ID,
    "label": {"type": "string"},
    "description": {"type": "string"},
    "position": {"$ref": "#/$defs/position"},
    "stuck_after": STUCK_AFTER,
}


def _node_schema(types: dict[str, tuple[dict, tuple]]) -> dict:
    # One if/then per type: errors then name the missing or unexpected field
    # instead of oneOf's "not valid under any of the given schemas".
    branches = [
        {"if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
         # id and type are checked once, outside the branches (True: any value).
         "then": {"properties": {**_COMMON, "id": True, "type": True, **fields}, "required": list(required),
                  "additionalProperties": False}}
        for kind, (fields, required) in types.items()
    ]
    return {"type": "object", "required": ["id", "type"],
            "properties": {"id": _COMMON["id"], "type": {"enum": list(types)}}, "allOf": branches}


def spec_json_schema(types: dict[str, tuple[dict, tuple]]) -> dict:
    """The spec's JSON Schema for node ``types`` ({type: (fields, required)}: engine/nodes builds it
    from its registry, each node type declaring its own fields)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://flowdeck.dev/schemas/spec-v1.json",
        "title": "Flowdeck workflow spec, schema_version 1",
        "type": "object",
        "required": ["schema_version", "nodes", "edges"],
        "additionalProperties": False,
        "properties": {
            "schema_version": {"type": "integer"},
            "settings": {"type": "object", "additionalProperties": False,
                         "properties": {"stuck_after": STUCK_AFTER, "sla": SLA}},
            "nodes": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            "edges": {"type": "array", "items": {"$ref": "#/$defs/edge"}},
        },
        "$defs": {
            "node": _node_schema(types),
            "edge": {
                "type": "object", "required": ["id", "source", "target"], "additionalProperties": False,
                "properties": {"id": ID, "source": ID, "target": ID, "branch": ID,
                               "label": {"type": "string"}},
            },
            "position": {"type": "object", "required": ["x", "y"], "additionalProperties": False,
                         "properties": {"x": {"type": "number"}, "y": {"type": "number"}}},
            # A mapping is an expression string or an object of mappings.
            "mapping": {"type": ["string", "object"], "additionalProperties": {"$ref": "#/$defs/mapping"}},
            "retry": {
                "type": "object", "additionalProperties": False,
                "properties": {
                    "max_attempts": {"type": "integer", "minimum": 1, "maximum": MAX_ATTEMPTS,
                                     "description": "attempts in total"},
                    "initial_interval": INTERVAL,
                    "backoff_coefficient": {"type": "number", "minimum": 1, "maximum": MAX_BACKOFF_COEFFICIENT,
                                            "description": "a factor per attempt"},
                    "max_interval": INTERVAL,
                    "jitter": {"type": "number", "minimum": 0, "maximum": 1, "description": "a fraction of the delay"},
                    "non_retryable_errors": {"type": "array", "uniqueItems": True,
                                             "items": {"type": "string", "minLength": 1, "maxLength": 200}},
                },
            },
            "compensation": {
                "type": "object", "required": ["activity"], "additionalProperties": False,
                "properties": {"activity": {"type": "string", "minLength": 1, "maxLength": 200},
                               "input": MAPPING, "retry": RETRY},
            },
            "rule": {
                "type": "object", "required": ["id", "condition"], "additionalProperties": False,
                "properties": {"id": ID, "label": {"type": "string"}, "condition": {"type": "object"}},
            },
        },
    }
