"""A valid spec as a graph the engine walks at run time, plus checksum and diff.

``Graph`` assumes ``validate_spec`` returned no errors. It copies the spec and
never changes afterwards, so one instance per published version can be cached
and shared between threads.
"""
from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from engine.spec.schema import DEFAULT_BRANCH


class Graph:
    is_code = False   # engine.graphs.CodeGraph: a code run's
    queue = None      # its runs' messages go to the default queue (a code run's: its version's)

    def __init__(self, spec: dict):
        spec = copy.deepcopy(spec)
        self._nodes: dict[str, dict] = {node["id"]: node for node in spec["nodes"]}
        self._edges: list[dict] = [{**edge, "branch": edge.get("branch", DEFAULT_BRANCH)} for edge in spec["edges"]]
        self._out: dict[str, list[dict]] = {node_id: [] for node_id in self._nodes}
        self._in: dict[str, list[dict]] = {node_id: [] for node_id in self._nodes}
        for edge in self._edges:
            self._out[edge["source"]].append(edge)
            self._in[edge["target"]].append(edge)
        self.settings: dict = spec.get("settings", {})
        self.start_id: str = next(i for i, n in self._nodes.items() if n["type"] == "start")
        self._fork_of: dict[str, str] = {i: n["fork"] for i, n in self._nodes.items() if n["type"] == "join"}
        self._join_of: dict[str, str] = {fork: join for join, fork in self._fork_of.items()}

    @property
    def node_ids(self) -> list[str]:
        """Every node id, in spec order."""
        return list(self._nodes)

    def node(self, node_id: str) -> dict:
        """The node (KeyError when unknown). Do not mutate it: the graph is shared."""
        return self._nodes[node_id]

    def outgoing(self, node_id: str) -> list[dict]:
        """Edges out of the node in spec order; each has ``branch`` filled in."""
        return list(self._out[node_id])

    def incoming(self, node_id: str) -> list[dict]:
        return list(self._in[node_id])

    def next_nodes(self, node_id: str, branch: str = DEFAULT_BRANCH) -> list[str]:
        """Targets of the node's edges on ``branch``."""
        return [edge["target"] for edge in self._out[node_id] if edge["branch"] == branch]

    def continues_on(self, node_id: str, branch: str) -> bool:
        """Does anything follow the node on ``branch``?"""
        return bool(self.next_nodes(node_id, branch))

    def fork_of(self, join_id: str) -> str:
        return self._fork_of[join_id]

    def join_of(self, fork_id: str) -> str:
        return self._join_of[fork_id]

    def fork_branch_count(self, join_id: str) -> int:
        """How many branches the join waits for: its parallel's out-degree."""
        return len(self._out[self._fork_of[join_id]])

    def compensable(self, node_id: str) -> bool:
        return bool(self._nodes[node_id].get("compensation"))


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def checksum(spec: Any) -> str:
    """sha256 (hex) of the canonical JSON: keys sorted, no whitespace, UTF-8.
    Key order and formatting do not change it; 1 and 1.0 do."""
    return hashlib.sha256(canonical_json(spec).encode("utf-8", "surrogatepass")).hexdigest()


def _by_id(items: Any) -> dict[str, dict]:
    # Tolerates invalid specs (a draft may be diffed): first occurrence of an id wins.
    found: dict[str, dict] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            found.setdefault(item["id"], item)
    return found


def _diff(old: dict[str, dict], new: dict[str, dict]) -> dict[str, list[str]]:
    changed, moved = [], []
    for item_id, item in new.items():
        if item_id not in old or canonical_json(old[item_id]) == canonical_json(item):
            continue
        changed.append(item_id)
        without_position = [{k: v for k, v in x.items() if k != "position"} for x in (old[item_id], item)]
        if canonical_json(without_position[0]) == canonical_json(without_position[1]):
            moved.append(item_id)
    return {"added": [i for i in new if i not in old], "removed": [i for i in old if i not in new],
            "changed": changed, "moved": moved}


def diff_specs(a: Any, b: Any) -> dict:
    """What changed from spec ``a`` to spec ``b``, by id, in spec order.

    ``changed``: same id, different content. ``moved``: the subset of changed
    whose only difference is ``position`` (always empty for edges).
    ``settings_changed``: the top-level ``settings`` differ.
    """
    a = a if isinstance(a, dict) else {}
    b = b if isinstance(b, dict) else {}
    return {
        "nodes": _diff(_by_id(a.get("nodes")), _by_id(b.get("nodes"))),
        "edges": _diff(_by_id(a.get("edges")), _by_id(b.get("edges"))),
        "settings_changed": canonical_json(a.get("settings") or {}) != canonical_json(b.get("settings") or {}),
    }
