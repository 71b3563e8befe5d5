"""Parsed spec graphs, cached per version: published versions never change.

A code workflow's version has no graph (its spec says ``"kind": "code"``): a run of it has a
``CodeGraph``, made of the nodes its steps carry (each records the call that made it), which
grows as the function makes calls (engine/workflows, engine/store/code.py).
"""
from __future__ import annotations

import functools

from engine.models import StepRun, WorkflowVersion
from engine.spec import Graph
from engine.workflows.driver import queue_for


class CodeVersion:
    """A code workflow's version: which function (by name and label) runs its runs."""
    is_code = True

    def __init__(self, spec: dict):
        self.workflow, self.code_version = spec["workflow"], spec["code_version"]
        self.settings: dict = spec.get("settings") or {}
        # Its runs' step and timer messages go here: only processes that have the version take them.
        self.queue = queue_for(self.workflow, self.code_version)


def is_code_spec(spec) -> bool:
    return isinstance(spec, dict) and spec.get("kind") == "code"


@functools.lru_cache(maxsize=512)
def graph_for_version(version_id: int) -> Graph | CodeVersion:
    spec = WorkflowVersion.objects.values_list("spec", flat=True).get(pk=version_id)
    return CodeVersion(spec) if is_code_spec(spec) else Graph(spec)


class CodeGraph:
    """One code run's graph: the nodes of its steps so far (read once, then kept up to date by
    ``add`` within the transaction that holds the run). Every node has a single entry and what
    follows it is the function's to say, not edges'."""
    is_code = True
    start_id = None

    def __init__(self, run_id, version: CodeVersion):
        self.run_id, self.version = run_id, version
        self.workflow, self.code_version, self.settings = version.workflow, version.code_version, version.settings
        self.queue = version.queue
        self._nodes: dict[str, dict] | None = None
        self._added: dict[str, dict] = {}

    def _all(self) -> dict[str, dict]:
        if self._nodes is None:
            rows = StepRun.objects.filter(run_id=self.run_id, kind=StepRun.NODE).order_by("id")
            self._nodes = {node_id: node for node_id, node in rows.values_list("node_id", "node") if node}
            self._nodes.update(self._added)
        return self._nodes

    def add(self, node: dict) -> None:
        self._added[node["id"]] = node
        if self._nodes is not None:
            self._nodes[node["id"]] = node

    def seed(self, node_id: str, node: dict | None) -> None:
        """A step at hand carries its node: no need to read the others for it."""
        if node and node_id not in self._added:
            self._added[node_id] = node
            if self._nodes is not None:
                self._nodes.setdefault(node_id, node)

    def refresh(self) -> None:
        self._nodes = None

    @property
    def node_ids(self) -> list[str]:
        return list(self._all())

    def node(self, node_id: str) -> dict:
        if node_id in self._added:
            return self._added[node_id]
        return self._all()[node_id]

    def outgoing(self, node_id: str) -> list[dict]:
        return []

    def incoming(self, node_id: str) -> list[dict]:
        return []

    def next_nodes(self, node_id: str, branch: str = "next") -> list[str]:
        return []

    def continues_on(self, node_id: str, branch: str) -> bool:
        return True   # the function decides what follows (a signal's timeout: the call returns None)

    def compensable(self, node_id: str) -> bool:
        return bool(self.node(node_id).get("compensation"))


def subflow_spec(spec: dict, path: str) -> dict:
    """The sub-flow at ``path`` (node ids from the top, "/"-joined) of ``spec``, as a spec of its
    own: its nodes and edges, the version's settings (KeyError: no such node or no flow)."""
    for node_id in path.split("/"):
        node = next((n for n in spec["nodes"] if n["id"] == node_id), None) if node_id else None
        if node is None or not isinstance(node.get("flow"), dict):
            raise KeyError(f"no sub-flow at {path!r}")
        spec = {"schema_version": spec.get("schema_version", 1), "nodes": node["flow"]["nodes"],
                "edges": node["flow"]["edges"], "settings": spec.get("settings") or {}}
    return spec


@functools.lru_cache(maxsize=512)
def graph_for_subflow(version_id: int, path: str) -> Graph:
    spec = WorkflowVersion.objects.values_list("spec", flat=True).get(pk=version_id)
    return Graph(subflow_spec(spec, path))


def graph_for_run(run) -> Graph | CodeGraph:
    """The graph a run walks: its version's, a sub-flow of it (a loop's iteration), or (code) its own."""
    if getattr(run, "subflow", ""):
        return graph_for_subflow(run.version_id, run.subflow)
    graph = graph_for_version(run.version_id)
    return CodeGraph(run.id, graph) if isinstance(graph, CodeVersion) else graph
