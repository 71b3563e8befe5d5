"""Validate a spec: every problem at once, each with a stable code.

Order of work: the cheap structural scan and size limits first (so hostile
input is rejected before anything recursive or quadratic runs), then the JSON
Schema shape check, then the graph rules. Graph rules run on whatever parts are
well-formed enough, so one bad node does not hide the problems of the others.

``validate_spec`` never raises on any input; docs/spec.md lists every code.
"""
from __future__ import annotations

import json
import logging
import math
from typing import Any, Callable, Collection

from jsonschema import Draft202012Validator, ValidationError, validators

from engine.activities import activity_get
from engine.errors import ExpressionLimit, InvalidInput, SpecInvalid
from engine.nodes import SPEC_JSON_SCHEMA, iter_expressions, known as known_type
from engine.spec.expressions import compile_expression
from engine.spec.problems import Edge, pointer, short
from engine.spec.schema_messages import schema_message
from engine.spec.validate_graph import GraphChecks
from engine.spec.schema import (
    DEFAULT_BRANCH,
    MAX_EDGES,
    MAX_EXPRESSION_LENGTH,
    MAX_JSON_DEPTH,
    MAX_LABEL_LENGTH,
    MAX_NODES,
    MAX_RULES,
    MAX_SPEC_BYTES,
    SCHEMA_VERSION,
    full_match,
    spec_size_ok,
)

log = logging.getLogger(__name__)

ERROR_CODES = {
    "spec.E001": "shape error (JSON Schema, or not storable JSON)",
    "spec.E002": "unsupported schema_version",
    "spec.E003": "duplicate node id",
    "spec.E004": "duplicate edge id",
    "spec.E005": "edge references an unknown node",
    "spec.E006": "no start node",
    "spec.E007": "more than one start node",
    "spec.E008": "node unreachable from start",
    "spec.E009": "dead end: node without outgoing edge that is not end/fail",
    "spec.E010": "cycle",
    "spec.E011": "edge into start",
    "spec.E012": "edge out of end/fail",
    "spec.E013": "unknown activity",
    "spec.E014": "unknown compensation activity",
    "spec.E015": "expression does not parse",
    "spec.E016": "choice without default edge",
    "spec.E017": "choice rule without edge, edge with unknown branch, or bad rule id",
    "spec.E018": "parallel with fewer than 2 outgoing edges",
    "spec.E019": "fork/join pairing broken",
    "spec.E020": "size limit exceeded",
    "spec.E021": "wrong number of outgoing edges for the node type",
    "spec.E022": "invalid retry policy",
    "spec.E023": "wait needs exactly one of seconds/until",
    "spec.E024": "subworkflow definition unknown",
    "spec.E025": "signal timeout edge without timeout",
    "spec.E026": "invalid http node",
    "spec.E027": "duplicate branch or duplicate edge between the same nodes",
    "spec.E028": "expression too costly",
    "spec.E029": "value out of range",
    "spec.E030": "callback on a node that runs no activity (only task and http nodes wait for a callback)",
    "spec.E031": "loop without max_iterations",
    "spec.E032": "loop needs exactly one of until/while",
    "spec.E033": "compensation inside a loop's sub-flow",
    "spec.E034": "map without items",
    "spec.E035": "a task's input mapping does not fit its activity's input schema",
    "spec.E036": "sla on a node that does not wait (start, end, fail, choice, parallel, join)",
    "spec.E037": "sla.escalate does not name an edge-less task or http node",
    "spec.E038": "a human node's form is not a valid JSON Schema of an object",
    "spec.E039": "a human node's assignee needs exactly one of role and user (a known role)",
}
# JSON Schema keywords whose failure is a range error (E029), not a shape error.
_RANGE_KEYWORDS = frozenset({"maximum", "exclusiveMaximum"})

MAX_ERRORS = 1000   # a garbage megabyte could yield 100k errors; nobody reads past this


def _full_match_pattern(validator, pattern, instance, schema):
    # Python's "$" also matches before a trailing "\n"; JSON Schema's does not.
    if isinstance(instance, str) and not full_match(pattern, instance):
        yield ValidationError(f"{short(instance)!r} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, {"pattern": _full_match_pattern})
_SCHEMA_VALIDATOR = _Validator(SPEC_JSON_SCHEMA)


class _TooManyErrors(Exception):
    pass


class _Report:
    def __init__(self) -> None:
        self.errors: list[dict] = []

    def add(self, code: str, message: str, *, node_id: str | None = None, edge_id: str | None = None,
            path: str | None = None) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.errors.append(_error("E020", f"too many problems; only the first {MAX_ERRORS} are listed"))
            raise _TooManyErrors
        self.errors.append(_error(code, message, node_id=node_id, edge_id=edge_id, path=path))


def _error(code: str, message: str, *, node_id: str | None = None, edge_id: str | None = None,
           path: str | None = None) -> dict:
    return {"code": f"spec.{code}", "message": message, "node_id": node_id, "edge_id": edge_id, "path": path}


def _as_predicate(check: Callable[[str], bool] | Collection[str]) -> Callable[[str], bool]:
    return check if callable(check) else check.__contains__


def _activity_registered(name: str) -> bool:
    return activity_get(name) is not None


def _registered_input_schema(name: str) -> dict | None:
    found = activity_get(name)
    return found.input_schema if found is not None else None


def validate_spec(spec: Any, *, activity_exists: Callable[[str], bool] | Collection[str] = _activity_registered,
                  definition_exists: Callable[[str], bool] | None = None,
                  input_schema: Callable[[str], dict | None] = _registered_input_schema) -> list[dict]:
    """Every problem in ``spec`` (empty when valid); never raises.

    ``activity_exists(name)`` (or a collection of names) says whether an activity
    is registered; defaults to the live registry. ``definition_exists(key)``,
    when given, says whether a subworkflow's definition exists; recursion
    between definitions is not checked here.
    """
    report = _Report()
    try:
        _Checker(spec, report, _as_predicate(activity_exists), definition_exists, input_schema).run()
    except _TooManyErrors:
        pass
    except Exception as exc:  # the contract is "never raise"; log the bug, report the spec as unchecked
        log.exception("spec validation crashed")
        report.errors.append(_error("E001", f"the spec could not be fully checked ({type(exc).__name__})"))
    return report.errors


def assert_valid(spec: Any, *, activity_exists: Callable[[str], bool] | Collection[str] = _activity_registered,
                 definition_exists: Callable[[str], bool] | None = None) -> None:
    """Raise SpecInvalid(errors) unless ``spec`` is valid."""
    errors = validate_spec(spec, activity_exists=activity_exists, definition_exists=definition_exists)
    if errors:
        raise SpecInvalid(errors)


class _Checker(GraphChecks):
    def __init__(self, spec: Any, report: _Report, activity_exists: Callable[[str], bool],
                 definition_exists: Callable[[str], bool] | None,
                 input_schema: Callable[[str], dict | None] = _registered_input_schema) -> None:
        self.spec = spec
        self.add = report.add
        self.activity_exists = activity_exists
        self.definition_exists = definition_exists
        self.input_schema = input_schema

    def run(self) -> None:
        spec = self.spec
        if not isinstance(spec, dict):
            self.add("E001", f"the spec must be a JSON object, not {_json_type(spec)}", path="")
            return
        nodes, edges = spec.get("nodes"), spec.get("edges")
        too_big = False
        for name, items, limit in (("nodes", nodes, MAX_NODES), ("edges", edges, MAX_EDGES)):
            if isinstance(items, list) and len(items) > limit:
                self.add("E020", f"{len(items)} {name} (max {limit})", path=f"/{name}")
                too_big = True
        if too_big or not self._scan(spec):
            return
        version = spec.get("schema_version")
        if isinstance(version, (int, float)) and not isinstance(version, bool) and version != SCHEMA_VERSION:
            self.add("E002", f"schema_version {version!r} is not supported (only {SCHEMA_VERSION})",
                     path="/schema_version")
            return
        self._check_schema()
        if not isinstance(nodes, list):
            return  # nothing graph-shaped to check
        self.nodes: list = nodes
        self.edges: list = edges if isinstance(edges, list) else []
        self._check_item_limits()
        self._index()
        self._check_escalations()
        self._check_start_and_ends()
        self._check_outgoing()
        self._check_reachability()
        self._check_cycles()
        self._check_fork_join()
        for node_id, (index, node) in self.node_at.items():
            self._check_node(node_id, index, node)

    # --- Structure and size, before anything recursive ---------------------------

    def _scan(self, spec: dict) -> bool:
        """Iterative walk: non-JSON values, depth, null bytes, size. False when the
        rest must not run (it might recurse too deep or take too long)."""
        trail: list[tuple[int, Any]] = [(-1, None)]   # (parent, key) per visited value, to build paths lazily
        stack = [(spec, 1, 0)]
        estimate = 0   # lower bound of the compact JSON size in bytes, to stop early

        def path_of(at: int) -> str:
            parts = []
            while at > 0:
                at, key = trail[at]
                parts.append(key)
            return pointer(*reversed(parts))

        while stack:
            value, depth, at = stack.pop()
            if depth > MAX_JSON_DEPTH:
                self.add("E020", f"nested deeper than {MAX_JSON_DEPTH} levels", path=path_of(at))
                return False
            if isinstance(value, (dict, list)):
                estimate += 2 + len(value)
            elif isinstance(value, str):
                estimate += 2 + len(value)
            else:
                estimate += 1
            if estimate > MAX_SPEC_BYTES:
                self.add("E020", f"the spec is larger than {MAX_SPEC_BYTES} bytes as JSON", path="")
                return False
            if isinstance(value, dict):
                for key, item in value.items():
                    if not isinstance(key, str):
                        self.add("E001", f"object keys must be strings, not {type(key).__name__}",
                                 path=path_of(at))
                        return False
                    trail.append((at, key))
                    stack.append((item, depth + 1, len(trail) - 1))
                    estimate += len(key) + 2
                    self._check_string(key, len(trail) - 1, path_of)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    trail.append((at, index))
                    stack.append((item, depth + 1, len(trail) - 1))
            elif isinstance(value, str):
                self._check_string(value, at, path_of)
            elif isinstance(value, float):
                if not math.isfinite(value):
                    self.add("E001", f"{value} is not a JSON number", path=path_of(at))
            elif isinstance(value, int) and not isinstance(value, bool):
                if value.bit_length() > 63:
                    self.add("E001", "integer outside the 64-bit range", path=path_of(at))
            elif value is not None and not isinstance(value, bool):
                self.add("E001", f"{type(value).__name__} is not a JSON value", path=path_of(at))
                return False
        size = len(json.dumps(spec, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass"))
        if not spec_size_ok(size):
            self.add("E020", f"the spec is {size} bytes as JSON (max {MAX_SPEC_BYTES})", path="")
            return False
        return True

    def _check_string(self, text: str, at: int, path_of: Callable[[int], str]) -> None:
        # Problems here are reported but do not stop the other checks.
        # PostgreSQL's jsonb cannot store "\u0000", and lone surrogates are not UTF-8.
        if "\x00" in text:
            self.add("E001", "strings must not contain null bytes (\\u0000)", path=path_of(at))
            return
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            self.add("E001", "strings must be valid Unicode (a lone surrogate is not)", path=path_of(at))

    # --- Shape -------------------------------------------------------------------

    def _check_schema(self) -> None:
        found = []
        for error in _SCHEMA_VALIDATOR.iter_errors(self.spec):
            if error.validator in _RANGE_KEYWORDS:
                what = error.schema.get("description")
                code, message = "E029", (f"{short(error.instance)} is more than the maximum {error.validator_value}"
                                         + (f" ({what})" if what else ""))
            elif error.validator == "additionalProperties" and _unexpected(error, "callback"):
                code, message = "E030", (f"a {short(error.instance.get('type'))} node cannot wait for a callback: only "
                                         "task and http nodes run an activity that a callback completes")
                error.path.append("callback")
            elif error.validator == "additionalProperties" and _unexpected(error, "sla"):
                code, message = "E036", (f"a {short(error.instance.get('type'))} node does not wait, so it has no SLA: "
                                         "put it on the node that waits, or on the run (settings.sla)")
                error.path.append("sla")
            else:
                code, message = "E001", schema_message(error)
            found.append((list(error.absolute_path), code, message))
            if len(found) > MAX_ERRORS:
                break
        found.sort(key=lambda item: [str(p) for p in item[0]])
        for path, code, message in found:
            self.add(code, short(message, 300), **self._locate(path), path=pointer(*path))

    def _locate(self, path: list) -> dict:
        """node_id / edge_id of the node or edge a path points into."""
        located: dict = {}
        if len(path) >= 2 and path[0] in ("nodes", "edges") and isinstance(path[1], int):
            items = self.spec.get(path[0])
            item = items[path[1]] if isinstance(items, list) and path[1] < len(items) else None
            item_id = item.get("id") if isinstance(item, dict) else None
            if isinstance(item_id, str):
                located["node_id" if path[0] == "nodes" else "edge_id"] = item_id
        return located

    def _check_item_limits(self) -> None:
        for kind, items in (("nodes", self.nodes), ("edges", self.edges)):
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                where = {"node_id" if kind == "nodes" else "edge_id": _id_of(item)}
                self._check_label(item, **where, path=pointer(kind, index, "label"))
                rules = item.get("rules") if kind == "nodes" and item.get("type") == "choice" else None
                if isinstance(rules, list):
                    if len(rules) > MAX_RULES:
                        self.add("E020", f"{len(rules)} rules (max {MAX_RULES})", **where,
                                 path=pointer(kind, index, "rules"))
                    for rule_index, rule in enumerate(rules):
                        if isinstance(rule, dict):
                            self._check_label(rule, **where, path=pointer(kind, index, "rules", rule_index, "label"))

    def _check_label(self, item: dict, *, path: str, **where: Any) -> None:
        label = item.get("label")
        if isinstance(label, str) and len(label) > MAX_LABEL_LENGTH:
            self.add("E020", f"label is {len(label)} characters (max {MAX_LABEL_LENGTH})", **where, path=path)

    # --- Graph ---------------------------------------------------------------------

    def _index(self) -> None:
        self.node_at: dict[str, tuple[int, dict]] = {}
        for index, node in enumerate(self.nodes):
            node_id = _id_of(node)
            if node_id is None:
                continue
            if node_id in self.node_at:
                self.add("E003", f"node id {node_id!r} is used more than once", node_id=node_id,
                         path=pointer("nodes", index, "id"))
                continue
            self.node_at[node_id] = (index, node)
        # None for a missing or unknown type (the schema check reported it).
        self.kind = {node_id: (node.get("type") if known_type(node.get("type")) else None)
                     for node_id, (_, node) in self.node_at.items()}

        self.good_edges: list[Edge] = []
        seen: set[str] = set()
        for index, edge in enumerate(self.edges):
            if not isinstance(edge, dict):
                continue
            edge_id = _id_of(edge)
            if edge_id is not None:
                if edge_id in seen:
                    self.add("E004", f"edge id {edge_id!r} is used more than once", edge_id=edge_id,
                             path=pointer("edges", index, "id"))
                seen.add(edge_id)
            source, target = edge.get("source"), edge.get("target")
            branch = edge.get("branch", DEFAULT_BRANCH)
            if not (isinstance(source, str) and isinstance(target, str) and isinstance(branch, str)):
                continue   # the schema check reported it
            known = True
            for end, node_id in (("source", source), ("target", target)):
                if node_id not in self.node_at:
                    self.add("E005", f"edge {end} {short(node_id)!r} is not a node", edge_id=edge_id,
                             path=pointer("edges", index, end))
                    known = False
            if known:
                self.good_edges.append(Edge(index, edge_id, source, target, branch))
        self.out: dict[str, list[Edge]] = {node_id: [] for node_id in self.node_at}
        self.inc: dict[str, list[Edge]] = {node_id: [] for node_id in self.node_at}
        for edge in self.good_edges:
            self.out[edge.source].append(edge)
            self.inc[edge.target].append(edge)

    def edge_error(self, code: str, message: str, edge: Edge, *, node_id: str | None = None,
                    field: str | None = None) -> None:
        parts = ("edges", edge.index) + ((field,) if field else ())
        self.add(code, message, node_id=node_id, edge_id=edge.id, path=pointer(*parts))

    def check_flow(self, node_id: str, flow: dict, path: str) -> None:
        """A node's sub-flow (a loop's, a map's): checked as a spec of its own; each problem is the node's,
        at its place inside the node (``path``)."""
        outer_add = self.add

        class _Within:
            @staticmethod
            def add(code: str, message: str, *, node_id: str | None = None, edge_id: str | None = None,
                    path: str | None = None, _outer=node_id, _prefix=path) -> None:
                outer_add(code, f"in the sub-flow of {_outer!r}: {message}", node_id=_outer, path=_prefix + (path or ""))

        sub = {"schema_version": SCHEMA_VERSION, "nodes": flow.get("nodes"), "edges": flow.get("edges")}
        _Checker(sub, _Within, self.activity_exists, self.definition_exists, self.input_schema).run()

    def node_path(self, node_id: str, *parts: Any) -> str:
        return pointer("nodes", self.node_at[node_id][0], *parts)

    # --- Per node ----------------------------------------------------------------

    def _check_node(self, node_id: str, index: int, node: dict) -> None:
        for sub_path, text in iter_expressions(node):
            self._check_expression(node_id, pointer("nodes", index) + sub_path, text)
        node_type = known_type(self.kind[node_id])
        if node_type is not None:
            node_type.check(self, node_id, index, node)

    def _check_expression(self, node_id: str, path: str, text: str) -> None:
        if len(text) > MAX_EXPRESSION_LENGTH:
            self.add("E020", f"expression is {len(text)} characters (max {MAX_EXPRESSION_LENGTH})",
                     node_id=node_id, path=path)
            return
        try:
            compile_expression(text)
        except ExpressionLimit as exc:   # a number literal out of range, or provably too costly
            self.add("E029" if exc.limit == "number" else "E028", str(exc), node_id=node_id, path=path)
        except InvalidInput as exc:
            self.add("E015", str(exc), node_id=node_id, path=path)

def _unexpected(error, field: str) -> bool:
    """An additionalProperties error that is about ``field`` (alone) on a node type without it."""
    instance = error.instance
    return (isinstance(instance, dict) and field in instance and len(error.path) == 2
            and list(error.path)[0] == "nodes" and error.message.endswith(f"('{field}' was unexpected)"))


def _id_of(item: Any) -> str | None:
    item_id = item.get("id") if isinstance(item, dict) else None
    return item_id if isinstance(item_id, str) else None


def _json_type(value: Any) -> str:
    for kind, name in ((type(None), "null"), (bool, "a boolean"), (str, "a string"), ((int, float), "a number"),
                       (list, "an array"), (dict, "an object")):
        if isinstance(value, kind):
            return name
    return type(value).__name__
