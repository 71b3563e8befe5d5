"""The validator's graph rules: one start, ends, outgoing edges per node type, reachability,
no cycles, parallel/join pairing, and SLA escalation nodes (a mixin of engine/spec/validate.py's checker)."""
from __future__ import annotations

import collections
from typing import Iterator

from engine.nodes import TERMINAL_TYPES, known
from engine.spec.problems import Edge, short
from engine.spec.schema import DEFAULT_BRANCH

# What an SLA's ``escalate`` may name: a node whose step runs an activity (docs/spec.md, "SLA timers").
ESCALATION_TYPES = ("task", "http")


class GraphChecks:
    """Needs ``add``, ``edge_error``, ``node_path``, ``spec`` and the index the checker built: ``node_at``,
    ``kind``, ``good_edges``, ``out``, ``inc``."""

    def _check_escalations(self) -> None:
        """Each ``sla.escalate`` (a node's, or the run's in ``settings``) names an escalation node: a task
        or http node with no edges, started beside the main path when the SLA is breached (E037). The
        nodes named are neither unreachable nor dead ends (``escalations``); an unnamed edge-less one is."""
        self.escalations: set[str] = set()
        named = [(node_id, self.node_path(node_id, "sla", "escalate"), node.get("sla"))
                 for node_id, (_, node) in self.node_at.items()]
        settings = self.spec.get("settings")
        if isinstance(settings, dict):
            named.append((None, "/settings/sla/escalate", settings.get("sla")))
        for owner, path, sla in named:
            target = sla.get("escalate") if isinstance(sla, dict) else None
            if not isinstance(target, str):
                continue   # no escalation, or the schema check reported it
            if target not in self.node_at:
                problem = "which is not a node"
            else:
                self.escalations.add(target)
                kind = self.kind[target]
                if kind not in ESCALATION_TYPES:
                    problem = f"which is of type {kind or '?'}: only a task or http node can escalate"
                elif self.inc[target] or self.out[target]:
                    problem = "which has edges: an escalation node has none, it runs beside the main path"
                else:
                    continue
            whose = f"the SLA of {owner!r}" if owner else "the run's SLA"
            self.add("E037", f"{whose} escalates to {short(target)!r}, {problem}", node_id=owner, path=path)

    def _check_start_and_ends(self) -> None:
        starts = [node_id for node_id, kind in self.kind.items() if kind == "start"]
        if not starts:
            self.add("E006", "there is no start node", path="/nodes")
        for extra in starts[1:]:
            self.add("E007", f"more than one start node ({starts[0]!r} and {extra!r})", node_id=extra,
                     path=self.node_path(extra))
        self.start_id = starts[0] if len(starts) == 1 else None
        for edge in self.good_edges:
            if self.kind[edge.target] == "start":
                self.edge_error("E011", f"edge into start node {edge.target!r}", edge, node_id=edge.target)
            if self.kind[edge.source] in TERMINAL_TYPES:
                self.edge_error("E012", f"edge out of {self.kind[edge.source]} node {edge.source!r}", edge,
                                 node_id=edge.source)

    def _check_outgoing(self) -> None:
        for node_id, kind in self.kind.items():
            outs = self.out[node_id]
            if kind in TERMINAL_TYPES or kind is None or (not outs and node_id in self.escalations):
                continue
            if not outs:
                if kind == "start":
                    self.add("E021", "the start node needs exactly one outgoing edge", node_id=node_id,
                             path=self.node_path(node_id))
                else:
                    self.add("E009", f"{kind} node {node_id!r} has no outgoing edge; every path must end "
                                     f"in an end or fail node", node_id=node_id, path=self.node_path(node_id))
                continue
            pairs: set[str] = set()
            for edge in outs:
                if edge.target in pairs:
                    self.edge_error("E027", f"more than one edge from {node_id!r} to {edge.target!r}", edge,
                                     node_id=node_id)
                pairs.add(edge.target)
            node_type = known(kind)
            if node_type.unique_branches:
                branches: set[str] = set()
                for edge in outs:
                    if edge.branch != DEFAULT_BRANCH and edge.branch in branches:
                        self.edge_error("E027", f"branch {edge.branch!r} is used by more than one edge out "
                                                f"of {node_id!r}", edge, node_id=node_id, field="branch")
                    branches.add(edge.branch)
            node_type.check_outgoing(self, node_id, self.node_at[node_id][1], outs)

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
            if node_id not in seen and node_id not in self.escalations:
                self.add("E008", f"node {node_id!r} is not reachable from start", node_id=node_id,
                         path=self.node_path(node_id))

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
                     edge_id=closing.id if closing else None, path=self.node_path(ordered[0]))

    def _check_fork_join(self) -> None:
        joins_of: dict[str, list[str]] = {n: [] for n, k in self.kind.items() if k == "parallel"}
        for join_id, kind in self.kind.items():
            fork = self.node_at[join_id][1].get("fork") if kind == "join" else None
            if not isinstance(fork, str):
                continue
            if self.kind.get(fork) != "parallel":
                self.add("E019", f"join {join_id!r} names fork {short(fork)!r}, which is not a parallel node",
                         node_id=join_id, path=self.node_path(join_id, "fork"))
            else:
                joins_of[fork].append(join_id)
        pairs: dict[str, str] = {}
        for fork, joins in joins_of.items():
            if len(joins) == 1:
                pairs[fork] = joins[0]
            else:
                found = "no join" if not joins else f"{len(joins)} joins ({', '.join(joins)})"
                self.add("E019", f"parallel {fork!r} has {found} naming it; it needs exactly one",
                         node_id=fork, path=self.node_path(fork))
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
                self.add("E019", message, node_id=fork, path=self.node_path(fork))

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
                self.edge_error("E019", f"edge into join {join!r} comes from {edge.source!r}, outside the "
                                         f"branches of its parallel {fork!r}", edge, node_id=join)


def _strongly_connected(nodes: dict, out: dict[str, list[Edge]]) -> Iterator[list[str]]:
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
