"""Validate a spec: every problem at once, each with a stable code.

Order of work: the cheap structural scan and size limits first (so hostile
input is rejected before anything recursive or quadratic runs), then the JSON
Schema shape check, then the graph rules. Graph rules run on whatever parts are
well-formed enough, so one bad node does not hide the problems of the others.

``validate_spec`` never raises on any input; docs/spec.md lists every code.
"""
from __future__ import annotations

import collections
import json
import logging
import math
from typing import Any, Callable, Collection, Iterator

from jsonschema import Draft202012Validator, ValidationError, validators

from engine.activities import activity_get
from engine.errors import ExpressionLimit, InvalidInput, SpecInvalid
from engine.spec.expressions import compile_expression, iter_expressions, template_error
from engine.spec.schema import (
    DEFAULT_BRANCH,
    DEFINITION_KEY_PATTERN,
    HEADER_NAME_PATTERN,
    HTTP_METHODS,
    MAX_CONDITION_DEPTH,
    MAX_EDGES,
    MAX_EXPRESSION_LENGTH,
    MAX_JSON_DEPTH,
    MAX_LABEL_LENGTH,
    MAX_NODES,
    MAX_RULES,
    MAX_SPEC_BYTES,
    NODE_TYPES,
    RETRY_DEFAULTS,
    SCHEMA_VERSION,
    SPEC_JSON_SCHEMA,
    TERMINAL_TYPES,
    CONDITION_OPS,
    UNARY_OPS,
    full_match,
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
}
# JSON Schema keywords whose failure is a range error (E029), not a shape error.
_RANGE_KEYWORDS = frozenset({"maximum", "exclusiveMaximum"})

MAX_ERRORS = 1000   # a garbage megabyte could yield 100k errors; nobody reads past this


def _full_match_pattern(validator, pattern, instance, schema):
    # Python's "$" also matches before a trailing "\n"; JSON Schema's does not.
    if isinstance(instance, str) and not full_match(pattern, instance):
        yield ValidationError(f"{_short(instance)!r} does not match {pattern!r}")


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


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _pointer(*parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _as_predicate(check: Callable[[str], bool] | Collection[str]) -> Callable[[str], bool]:
    return check if callable(check) else check.__contains__


def _activity_registered(name: str) -> bool:
    return activity_get(name) is not None


def validate_spec(spec: Any, *, activity_exists: Callable[[str], bool] | Collection[str] = _activity_registered,
                  definition_exists: Callable[[str], bool] | None = None) -> list[dict]:
    """Every problem in ``spec`` (empty when valid); never raises.

    ``activity_exists(name)`` (or a collection of names) says whether an activity
    is registered; defaults to the live registry. ``definition_exists(key)``,
    when given, says whether a subworkflow's definition exists; recursion
    between definitions is not checked here.
    """
    report = _Report()
    try:
        _Checker(spec, report, _as_predicate(activity_exists), definition_exists).run()
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


_Edge = collections.namedtuple("_Edge", "index id source target branch")


class _Checker:
    def __init__(self, spec: Any, report: _Report, activity_exists: Callable[[str], bool],
                 definition_exists: Callable[[str], bool] | None) -> None:
        self.spec = spec
        self.add = report.add
        self.activity_exists = activity_exists
        self.definition_exists = definition_exists

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
            return _pointer(*reversed(parts))

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
        if size > MAX_SPEC_BYTES:
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
                code, message = "E029", (f"{_short(error.instance)} is more than the maximum {error.validator_value}"
                                         + (f" ({what})" if what else ""))
            else:
                code, message = "E001", error.message
            found.append((list(error.absolute_path), code, message))
            if len(found) > MAX_ERRORS:
                break
        found.sort(key=lambda item: [str(p) for p in item[0]])
        for path, code, message in found:
            self.add(code, _short(message, 300), **self._locate(path), path=_pointer(*path))

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
                self._check_label(item, **where, path=_pointer(kind, index, "label"))
                rules = item.get("rules") if kind == "nodes" and item.get("type") == "choice" else None
                if isinstance(rules, list):
                    if len(rules) > MAX_RULES:
                        self.add("E020", f"{len(rules)} rules (max {MAX_RULES})", **where,
                                 path=_pointer(kind, index, "rules"))
                    for rule_index, rule in enumerate(rules):
                        if isinstance(rule, dict):
                            self._check_label(rule, **where, path=_pointer(kind, index, "rules", rule_index, "label"))

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
                         path=_pointer("nodes", index, "id"))
                continue
            self.node_at[node_id] = (index, node)
        # None for a missing or unknown type (the schema check reported it).
        self.kind = {node_id: _known_type(node.get("type"))
                     for node_id, (_, node) in self.node_at.items()}

        self.good_edges: list[_Edge] = []
        seen: set[str] = set()
        for index, edge in enumerate(self.edges):
            if not isinstance(edge, dict):
                continue
            edge_id = _id_of(edge)
            if edge_id is not None:
                if edge_id in seen:
                    self.add("E004", f"edge id {edge_id!r} is used more than once", edge_id=edge_id,
                             path=_pointer("edges", index, "id"))
                seen.add(edge_id)
            source, target = edge.get("source"), edge.get("target")
            branch = edge.get("branch", DEFAULT_BRANCH)
            if not (isinstance(source, str) and isinstance(target, str) and isinstance(branch, str)):
                continue   # the schema check reported it
            known = True
            for end, node_id in (("source", source), ("target", target)):
                if node_id not in self.node_at:
                    self.add("E005", f"edge {end} {_short(node_id)!r} is not a node", edge_id=edge_id,
                             path=_pointer("edges", index, end))
                    known = False
            if known:
                self.good_edges.append(_Edge(index, edge_id, source, target, branch))
        self.out: dict[str, list[_Edge]] = {node_id: [] for node_id in self.node_at}
        self.inc: dict[str, list[_Edge]] = {node_id: [] for node_id in self.node_at}
        for edge in self.good_edges:
            self.out[edge.source].append(edge)
            self.inc[edge.target].append(edge)

    def _edge_error(self, code: str, message: str, edge: _Edge, *, node_id: str | None = None,
                    field: str | None = None) -> None:
        parts = ("edges", edge.index) + ((field,) if field else ())
        self.add(code, message, node_id=node_id, edge_id=edge.id, path=_pointer(*parts))

    def _node_path(self, node_id: str, *parts: Any) -> str:
        return _pointer("nodes", self.node_at[node_id][0], *parts)

    def _check_start_and_ends(self) -> None:
        starts = [node_id for node_id, kind in self.kind.items() if kind == "start"]
        if not starts:
            self.add("E006", "there is no start node", path="/nodes")
        for extra in starts[1:]:
            self.add("E007", f"more than one start node ({starts[0]!r} and {extra!r})", node_id=extra,
                     path=self._node_path(extra))
        self.start_id = starts[0] if len(starts) == 1 else None
        for edge in self.good_edges:
            if self.kind[edge.target] == "start":
                self._edge_error("E011", f"edge into start node {edge.target!r}", edge, node_id=edge.target)
            if self.kind[edge.source] in TERMINAL_TYPES:
                self._edge_error("E012", f"edge out of {self.kind[edge.source]} node {edge.source!r}", edge,
                                 node_id=edge.source)

    def _check_outgoing(self) -> None:
        for node_id, kind in self.kind.items():
            outs = self.out[node_id]
            if kind in TERMINAL_TYPES or kind is None:
                continue
            if not outs:
                if kind == "start":
                    self.add("E021", "the start node needs exactly one outgoing edge", node_id=node_id,
                             path=self._node_path(node_id))
                else:
                    self.add("E009", f"{kind} node {node_id!r} has no outgoing edge; every path must end "
                                     f"in an end or fail node", node_id=node_id, path=self._node_path(node_id))
                continue
            pairs: set[str] = set()
            for edge in outs:
                if edge.target in pairs:
                    self._edge_error("E027", f"more than one edge from {node_id!r} to {edge.target!r}", edge,
                                     node_id=node_id)
                pairs.add(edge.target)
            if kind in ("choice", "parallel", "signal"):
                branches: set[str] = set()
                for edge in outs:
                    if edge.branch != DEFAULT_BRANCH and edge.branch in branches:
                        self._edge_error("E027", f"branch {edge.branch!r} is used by more than one edge out "
                                                 f"of {node_id!r}", edge, node_id=node_id, field="branch")
                    branches.add(edge.branch)
            check = {"choice": self._outgoing_choice, "parallel": self._outgoing_parallel,
                     "signal": self._outgoing_signal}.get(kind, self._outgoing_single_next)
            check(node_id, outs)

    def _unknown_branch(self, node_id: str, edge: _Edge, allowed: str) -> None:
        self._edge_error("E017", f"edge out of {self.kind[node_id]} {node_id!r} has branch {edge.branch!r}; "
                                 f"allowed: {allowed}", edge, node_id=node_id, field="branch")

    def _outgoing_single_next(self, node_id: str, outs: list[_Edge]) -> None:
        for edge in outs:
            if edge.branch != DEFAULT_BRANCH:
                self._unknown_branch(node_id, edge, '"next"')
        nexts = sum(edge.branch == DEFAULT_BRANCH for edge in outs)
        if nexts != 1:
            self.add("E021", f"{self.kind[node_id]} node {node_id!r} has {nexts} \"next\" edges; it needs "
                             f"exactly one", node_id=node_id, path=self._node_path(node_id))

    def _outgoing_choice(self, node_id: str, outs: list[_Edge]) -> None:
        rules = self.node_at[node_id][1].get("rules")
        rule_ids: dict[str, int] = {}   # id -> index in rules
        for index, rule in enumerate(rules if isinstance(rules, list) else []):
            rule_id = _id_of(rule)
            if rule_id is None:
                continue
            path = self._node_path(node_id, "rules", index, "id")
            if rule_id == "default":
                self.add("E017", 'rule id "default" is reserved for the default edge', node_id=node_id, path=path)
            elif rule_id in rule_ids:
                self.add("E017", f"rule id {rule_id!r} is used more than once", node_id=node_id, path=path)
            else:
                rule_ids[rule_id] = index
        branches = collections.Counter(edge.branch for edge in outs)
        for edge in outs:
            if edge.branch != "default" and edge.branch not in rule_ids:
                self._unknown_branch(node_id, edge, "a rule id or \"default\"")
        for rule_id, index in rule_ids.items():
            if not branches[rule_id]:
                self.add("E017", f"rule {rule_id!r} has no edge (an edge with branch {rule_id!r})",
                         node_id=node_id, path=self._node_path(node_id, "rules", index))
        if not branches["default"]:
            self.add("E016", f"choice {node_id!r} has no edge with branch \"default\"", node_id=node_id,
                     path=self._node_path(node_id))

    def _outgoing_parallel(self, node_id: str, outs: list[_Edge]) -> None:
        if len(outs) < 2:
            self.add("E018", f"parallel {node_id!r} has {len(outs)} outgoing edge(s); it needs at least 2",
                     node_id=node_id, path=self._node_path(node_id))

    def _outgoing_signal(self, node_id: str, outs: list[_Edge]) -> None:
        has_timeout = "timeout" in self.node_at[node_id][1]
        for edge in outs:
            if edge.branch == "timeout" and not has_timeout:
                self._edge_error("E025", f"signal {node_id!r} has a \"timeout\" edge but no timeout", edge,
                                 node_id=node_id, field="branch")
            elif edge.branch not in (DEFAULT_BRANCH, "timeout"):
                self._unknown_branch(node_id, edge, '"next" or "timeout"')
        nexts = sum(edge.branch == DEFAULT_BRANCH for edge in outs)
        if nexts != 1:
            self.add("E021", f"signal {node_id!r} has {nexts} \"next\" edges; it needs exactly one",
                     node_id=node_id, path=self._node_path(node_id))

    def _check_reachability(self) -> None:
        if self.start_id is None:
            return   # E006/E007 already; "reachable" has no single meaning
        seen = {self.start_id}
        queue = collections.deque([self.start_id])
        while queue:
            for edge in self.out[queue.popleft()]:
                if edge.target not in seen:
                    seen.add(edge.target)
                    queue.append(edge.target)
        for node_id in self.node_at:
            if node_id not in seen:
                self.add("E008", f"node {node_id!r} is not reachable from start", node_id=node_id,
                         path=self._node_path(node_id))

    def _check_cycles(self) -> None:
        for component in _strongly_connected(self.node_at, self.out):
            members = set(component)
            looped = len(component) > 1 or any(e.target == component[0] for e in self.out[component[0]])
            if not looped:
                continue
            ordered = sorted(component, key=lambda n: self.node_at[n][0])
            closing = next((e for e in self.good_edges if e.source in members and e.target in members), None)
            shown = " -> ".join(ordered[:10]) + (" ..." if len(ordered) > 10 else "")
            self.add("E010", f"cycle through {shown}; specs must be acyclic", node_id=ordered[0],
                     edge_id=closing.id if closing else None, path=self._node_path(ordered[0]))

    def _check_fork_join(self) -> None:
        joins_of: dict[str, list[str]] = {n: [] for n, k in self.kind.items() if k == "parallel"}
        for join_id, kind in self.kind.items():
            fork = self.node_at[join_id][1].get("fork") if kind == "join" else None
            if not isinstance(fork, str):
                continue
            if self.kind.get(fork) != "parallel":
                self.add("E019", f"join {join_id!r} names fork {_short(fork)!r}, which is not a parallel node",
                         node_id=join_id, path=self._node_path(join_id, "fork"))
            else:
                joins_of[fork].append(join_id)
        pairs: dict[str, str] = {}
        for fork, joins in joins_of.items():
            if len(joins) == 1:
                pairs[fork] = joins[0]
            else:
                found = "no join" if not joins else f"{len(joins)} joins ({', '.join(joins)})"
                self.add("E019", f"parallel {fork!r} has {found} naming it; it needs exactly one",
                         node_id=fork, path=self._node_path(fork))
        fork_of = {join: fork for fork, join in pairs.items()}
        for fork, join in pairs.items():
            self._check_fork_region(fork, join, pairs, fork_of)

    def _check_fork_region(self, fork: str, join: str, pairs: dict[str, str], fork_of: dict[str, str]) -> None:
        """Every path out of ``fork`` must reach ``join`` without ending, entering
        another parallel's join, or merging with a sibling branch (the join
        counts one arrival per branch). Nested parallels are stepped over."""
        owner: dict[str, int] = {}   # node -> the branch that reached it first
        reported: set[str] = set()
        queue = collections.deque((edge.target, branch) for branch, edge in enumerate(self.out[fork]))

        def problem(node_id: str, message: str) -> None:
            if node_id not in reported:
                reported.add(node_id)
                self.add("E019", message, node_id=fork, path=self._node_path(fork))

        while queue:
            node_id, branch = queue.popleft()
            if node_id == join:
                continue
            if node_id in owner:
                if owner[node_id] != branch:
                    problem(node_id, f"branches of parallel {fork!r} merge at {node_id!r} before join {join!r}")
                continue
            owner[node_id] = branch
            kind = self.kind[node_id]
            if kind in TERMINAL_TYPES:
                problem(node_id, f"a path from parallel {fork!r} reaches {kind} node {node_id!r} without "
                                 f"passing its join {join!r}")
            elif kind == "join" and fork_of.get(node_id) != fork:
                problem(node_id, f"a path from parallel {fork!r} reaches join {node_id!r} of another parallel "
                                 f"before its own join {join!r}")
            elif kind == "parallel":
                inner_join = pairs.get(node_id)
                if inner_join is None or inner_join == join:
                    continue   # reported as that parallel's own pairing problem
                if inner_join in owner and owner[inner_join] != branch:
                    problem(inner_join, f"branches of parallel {fork!r} merge at {inner_join!r} before join "
                                        f"{join!r}")
                owner.setdefault(inner_join, branch)
                queue.extend((edge.target, branch) for edge in self.out[inner_join])
            else:
                queue.extend((edge.target, branch) for edge in self.out[node_id])
        region = set(owner) | {fork}
        for edge in self.inc[join]:
            if edge.source not in region:
                self._edge_error("E019", f"edge into join {join!r} comes from {edge.source!r}, outside the "
                                         f"branches of its parallel {fork!r}", edge, node_id=join)

    # --- Per node ----------------------------------------------------------------

    def _check_node(self, node_id: str, index: int, node: dict) -> None:
        kind = self.kind[node_id]
        for sub_path, text in iter_expressions(node):
            self._check_expression(node_id, _pointer("nodes", index) + sub_path, text)
        if kind in ("task", "http"):
            self._check_activity_fields(node_id, index, node)
        if kind == "choice":
            rules = node.get("rules")
            for rule_index, rule in enumerate(rules if isinstance(rules, list) else []):
                if isinstance(rule, dict) and isinstance(rule.get("condition"), dict):   # else: schema error
                    self._check_condition(node_id, rule["condition"],
                                          _pointer("nodes", index, "rules", rule_index, "condition"), 1)
        if kind == "wait" and ("seconds" in node) == ("until" in node):
            self.add("E023", "a wait node needs exactly one of seconds or until", node_id=node_id,
                     path=_pointer("nodes", index))
        if kind == "subworkflow" and self.definition_exists is not None:
            key = node.get("definition")
            if full_match(DEFINITION_KEY_PATTERN, key) and not self.definition_exists(key):
                self.add("E024", f"subworkflow definition {key!r} does not exist", node_id=node_id,
                         path=_pointer("nodes", index, "definition"))
        if kind == "http":
            self._check_http(node_id, index, node)

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

    def _check_activity_fields(self, node_id: str, index: int, node: dict) -> None:
        activity = node.get("activity")
        if node.get("type") == "task" and isinstance(activity, str) and activity and not self.activity_exists(activity):
            self.add("E013", f"activity {_short(activity)!r} is not registered", node_id=node_id,
                     path=_pointer("nodes", index, "activity"))
        self._check_retry(node_id, node.get("retry"), _pointer("nodes", index, "retry"))
        compensation = node.get("compensation")
        if isinstance(compensation, dict):
            activity = compensation.get("activity")
            if isinstance(activity, str) and activity and not self.activity_exists(activity):
                self.add("E014", f"compensation activity {_short(activity)!r} is not registered",
                         node_id=node_id, path=_pointer("nodes", index, "compensation", "activity"))
            self._check_retry(node_id, compensation.get("retry"), _pointer("nodes", index, "compensation", "retry"))

    def _check_retry(self, node_id: str, retry: Any, path: str) -> None:
        if not isinstance(retry, dict):
            return
        initial = retry.get("initial_interval", RETRY_DEFAULTS["initial_interval"])
        maximum = retry.get("max_interval", RETRY_DEFAULTS["max_interval"])
        if _is_number(initial) and _is_number(maximum) and maximum < initial:
            self.add("E022", f"max_interval ({maximum}) is less than initial_interval ({initial}); defaults "
                             f"are {RETRY_DEFAULTS['initial_interval']} and {RETRY_DEFAULTS['max_interval']}",
                     node_id=node_id, path=path)

    def _check_condition(self, node_id: str, cond: Any, path: str, depth: int) -> None:
        if depth > MAX_CONDITION_DEPTH:
            self.add("E020", f"condition nested deeper than {MAX_CONDITION_DEPTH}", node_id=node_id, path=path)
            return
        if not isinstance(cond, dict):
            self.add("E001", "a condition must be an object", node_id=node_id, path=path)
            return
        shapes = [key for key in ("all", "any", "not", "field") if key in cond]
        if len(shapes) != 1:
            self.add("E001", "a condition needs exactly one of all, any, not or field", node_id=node_id, path=path)
            return
        shape = shapes[0]
        allowed = {"field", "op", "value"} if shape == "field" else {shape}
        for key in cond:
            if key not in allowed:
                self.add("E001", f"unexpected key {_short(key)!r} in a {shape} condition", node_id=node_id,
                         path=f"{path}/{_pointer(key)[1:]}")
        if shape in ("all", "any"):
            items = cond[shape]
            if not isinstance(items, list) or not items:
                self.add("E001", f"{shape} takes a non-empty list of conditions", node_id=node_id,
                         path=f"{path}/{shape}")
                return
            for index, item in enumerate(items):
                self._check_condition(node_id, item, f"{path}/{shape}/{index}", depth + 1)
        elif shape == "not":
            self._check_condition(node_id, cond["not"], f"{path}/not", depth + 1)
        else:
            op = cond.get("op")
            if not isinstance(cond["field"], str):
                self.add("E001", "field must be an expression string", node_id=node_id, path=f"{path}/field")
            if op not in CONDITION_OPS:
                self.add("E001", f"op {_short(op)!r} is not one of {', '.join(CONDITION_OPS)}", node_id=node_id,
                         path=f"{path}/op")
            elif op not in UNARY_OPS and "value" not in cond:
                self.add("E001", f"op {op!r} needs a value", node_id=node_id, path=path)
            elif op in ("in", "not_in") and not isinstance(cond.get("value"), list):
                self.add("E001", f"op {op!r} needs a list value", node_id=node_id, path=f"{path}/value")

    def _check_http(self, node_id: str, index: int, node: dict) -> None:
        method = node.get("method")
        if isinstance(method, str) and method not in HTTP_METHODS:
            self.add("E026", f"method {_short(method)!r} is not one of {', '.join(HTTP_METHODS)}",
                     node_id=node_id, path=_pointer("nodes", index, "method"))
        url = node.get("url")
        if isinstance(url, str):
            problem = template_error(url)
            if problem:
                self.add("E026", f"url: {problem}", node_id=node_id, path=_pointer("nodes", index, "url"))
            elif not url.startswith("{{") and not url.lower().startswith(("http://", "https://")):
                self.add("E026", "url must start with http:// or https:// (or a {{ placeholder }})",
                         node_id=node_id, path=_pointer("nodes", index, "url"))
        headers = node.get("headers")
        for name, value in headers.items() if isinstance(headers, dict) else ():
            path = _pointer("nodes", index, "headers", name)
            if not full_match(HEADER_NAME_PATTERN, name):
                self.add("E026", f"header name {_short(name)!r} is not a valid HTTP token", node_id=node_id,
                         path=path)
            if isinstance(value, str):
                problem = template_error(value)
                if problem:
                    self.add("E026", f"header {_short(name)!r}: {problem}", node_id=node_id, path=path)
                elif "\r" in value or "\n" in value:
                    self.add("E026", f"header {_short(name)!r} contains a line break", node_id=node_id, path=path)


def _known_type(kind: Any) -> str | None:
    return kind if isinstance(kind, str) and kind in NODE_TYPES else None


def _id_of(item: Any) -> str | None:
    item_id = item.get("id") if isinstance(item, dict) else None
    return item_id if isinstance(item_id, str) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _json_type(value: Any) -> str:
    for kind, name in ((type(None), "null"), (bool, "a boolean"), (str, "a string"), ((int, float), "a number"),
                       (list, "an array"), (dict, "an object")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _strongly_connected(nodes: dict, out: dict[str, list[_Edge]]) -> Iterator[list[str]]:
    """Tarjan's algorithm without recursion (500 nodes deep would be fine, but
    an explicit stack costs nothing)."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    counter = 0
    for root in nodes:
        if root in index_of:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index_of[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            edges = out[node]
            if child < len(edges):
                work.append((node, child + 1))
                target = edges[child].target
                if target not in index_of:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index_of[target])
                continue
            for edge in edges:   # all children done: fold their low links
                if edge.target in on_stack:
                    low[node] = min(low[node], low[edge.target])
            if low[node] == index_of[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                yield component
