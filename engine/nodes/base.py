"""What a node type is: one class per type, one module each (engine/nodes/<type>.py).

A node type declares its spec fields (its fragment of the JSON Schema) and their defaults,
checks what the schema cannot (``check``, ``check_outgoing``), names where its expressions are,
decides what follows a step of it (pure), and says what its steps do at run time. The run-time
hooks get an ``Activation`` (engine/store/advance.py): the store's guarded writes on one locked
run, so a node type never touches the database itself and this package imports no store.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator, Protocol

from engine.spec.expressions import mapping_expressions
from engine.spec.problems import Edge, is_number, pointer, short
from engine.spec.schema import DEFAULT_BRANCH, RETRY_DEFAULTS


class Check(Protocol):
    """The validator, as a node type's checks see it (engine/spec/validate.py)."""
    def add(self, code: str, message: str, *, node_id: str | None = None, edge_id: str | None = None,
            path: str | None = None) -> None: ...
    def edge_error(self, code: str, message: str, edge: Edge, *, node_id: str | None = None,
                   field: str | None = None) -> None: ...
    def node_path(self, node_id: str, *parts: Any) -> str: ...
    def activity_exists(self, name: str) -> bool: ...
    def input_schema(self, name: str) -> dict | None: ...   # a registered activity's input schema
    definition_exists: Any   # Callable[[str], bool] | None: None when definitions are not looked up
    def check_flow(self, node_id: str, flow: dict, path: str) -> None: ...   # a sub-flow, as a spec


class Activation(Protocol):
    """The store's writes on one locked run, for a node type's run-time hooks."""
    now: Any
    graph: Any
    run: Any
    def context(self) -> dict: ...
    def create(self, node_id: str, *, status: str, insert: bool = False, **fields): ...
    def save(self, step, fields: list[str]) -> None: ...
    def event(self, type: str, **payload) -> None: ...
    def send(self, actor_name: str, *args, delay_ms: int | None = None) -> None: ...
    def schedule(self, node_id: str): ...
    def reschedule(self, step) -> None: ...
    def hold(self, step, *, reason: str, due=None, **payload) -> None: ...
    def take_signal(self, name: str, node_id: str): ...
    def open_task(self, step, **fields): ...   # a human task (engine/store/tasks.py)
    def reopen_task(self, step): ...
    def iteration_run(self, step, iteration: int, input): ...
    def item_run(self, step, index: int, input): ...
    def item_runs(self, step) -> dict: ...
    def run_outputs(self, run_ids) -> dict: ...
    def runs_status(self, run_ids) -> dict: ...
    def undo_needed(self, run_id) -> bool: ...
    def existing(self, node_id: str): ...
    def succeed(self, step, output, *, then_settle: bool = True, **payload) -> None: ...
    def fail(self, step, error: dict) -> None: ...
    def run_complete(self, output) -> None: ...
    def run_fail(self, error: dict) -> None: ...


# Error types retrying cannot help, whatever a node's retry policy says: the step fails at once.
FINAL_ERRORS = {
    "ExpressionLimit": "an expression went past an evaluation limit",
    "MappingError": "the step's input mapping could not be evaluated",
    "OutputSchemaError": "the activity's output does not match its output schema",
    "OutputTooLarge": "the output is over FLOWDECK_MAX_OUTPUT_BYTES",
    "HttpClientError": "a 4xx answer other than 408, 425 and 429",
    "HostNotAllowed": "the url's host is not in FLOWDECK_HTTP_ALLOWED_HOSTS",
}


def expression_error(exc, error_type: str) -> dict:
    """The step error for an expression that failed: ``error_type``, or the limit's own
    (ExpressionLimit, never retried) when it went past one."""
    return {"type": getattr(exc, "error_type", None) or error_type, "message": str(exc)}


class NodeType:
    type: str = ""
    fields: dict = {}            # its JSON Schema properties (beyond id, type, label, ...)
    required: tuple = ()
    defaults: dict = {}          # what an absent field means: the one place it is written
    terminal = False             # ends a path: no outgoing edges (end, fail)
    runs_activity = False        # its steps are attempts that workers claim (task, http)
    adds_data = True             # its output is kept in the run's data under its id
    unique_branches = False      # its outgoing edges are told apart by branch
    counts_arrivals = False      # activated once per arriving branch (join), not once
    has_items = False            # its step waits on many runs of its sub-flow (map), not on its child_run
    # A step of it in these statuses is undone when its run compensates, if ``compensable``.
    undo_statuses = frozenset({"succeeded"})
    undoes_itself = False        # its compensation step is its own (``compensate``), not an activity's attempt
    has_tasks = False            # its waiting step has a person's task (human): cancelled when the step is

    def setting(self, node: dict, field: str):
        """``node``'s ``field``, or its default."""
        value = node.get(field)
        return self.defaults.get(field) if value is None else value

    # --- Validation (what the JSON Schema cannot say) ------------------------------
    def expressions(self, node: dict) -> Iterator[tuple[str, str]]:
        """Every expression in ``node`` as (JSON pointer relative to the node, text); tolerant of
        malformed parts (the schema check reports them)."""
        return iter(())

    def check(self, v: Check, node_id: str, index: int, node: dict) -> None:
        pass

    def check_outgoing(self, v: Check, node_id: str, node: dict, outs: list[Edge]) -> None:
        check_single_next(v, node_id, self.type, outs)

    # --- Decisions (pure) ------------------------------------------------------------
    def next_nodes(self, graph, node_id: str, node: dict, output, context: dict) -> list[str]:
        """What to activate after a step of this node succeeded with ``output``."""
        return graph.next_nodes(node_id, DEFAULT_BRANCH)

    def describe_waiting(self, step, node: dict, now, ago) -> str | None:
        """Why a waiting step of this type waits, for the console (None: its wait_reason)."""
        return None

    def compensable(self, node: dict) -> bool:
        """Whether a step of ``node`` has something to undo when its run compensates."""
        return bool(node.get("compensation"))

    # --- Run time ---------------------------------------------------------------------
    def activate(self, a: Activation, node_id: str, node: dict) -> None:
        raise NotImplementedError(self.type)

    def rearm(self, a: Activation, step, node: dict) -> None:
        """Run a failed step again from its start (an operator's retry)."""
        raise ValueError(f"a {self.type} step does not fail, so it is not run again")

    def reopen(self, a: Activation, step, node: dict) -> None:
        """A step the run's failure cancelled opens again as it was (the run resumes)."""
        raise ValueError(f"a {self.type} step is never left open")

    def waits_on(self, step, child) -> bool:
        """Whether the waiting ``step`` waits on the run ``child`` (whose parent node it is)."""
        return step.child_run_id == child.id

    def on_child_end(self, a: Activation, step, node: dict, child) -> None:
        """The run ``step`` waits on (its ``child_run``, see ``waits_on``) ended."""
        raise ValueError(f"a {self.type} step waits on no run")

    def compensate(self, a: Activation, node_id: str, node: dict) -> None:
        """(``undoes_itself``) Undo the node's step: its compensation step, created here, waits."""
        raise ValueError(f"a {self.type} step is undone by its compensation activity")

    def on_undo_progress(self, a: Activation, step, node: dict, child, *, again: bool = False) -> None:
        """(``undoes_itself``) A run the compensation ``step`` waits on moved (None: a nudge, or with
        ``again`` an operator's retry of the failed compensation)."""
        raise ValueError(f"a {self.type} compensation waits on no run")

    def on_timer(self, a: Activation, step, node: dict) -> None:
        """The step's due time came (its ``next_attempt_at``, while waiting)."""
        raise ValueError(f"a {self.type} step has no timer")


def sla_due(sla: Any, start) -> dt.datetime | None:
    """When an SLA (a node's ``sla``, or the run's ``settings.sla``) whose clock started at ``start`` is
    due; None without one (docs/spec.md, "SLA timers")."""
    return start + dt.timedelta(seconds=sla["within"]) if isinstance(sla, dict) else None


def is_escalation(graph, node_id: str) -> bool:
    """Whether ``node_id`` is an SLA's escalation node: in a valid spec the only nodes with no edges at
    all are those an ``sla.escalate`` names (E037). Its step runs beside the main path: it activates
    nothing, and its failure stops nothing."""
    return not graph.is_code and not graph.incoming(node_id) and not graph.outgoing(node_id)


def check_single_next(v: Check, node_id: str, kind: str, outs: list[Edge]) -> None:
    """Exactly one outgoing edge, branch "next"."""
    for edge in outs:
        if edge.branch != DEFAULT_BRANCH:
            unknown_branch(v, node_id, kind, edge, '"next"')
    nexts = sum(edge.branch == DEFAULT_BRANCH for edge in outs)
    if nexts != 1:
        v.add("E021", f"{kind} node {node_id!r} has {nexts} \"next\" edges; it needs exactly one",
              node_id=node_id, path=v.node_path(node_id))


def unknown_branch(v: Check, node_id: str, kind: str, edge: Edge, allowed: str) -> None:
    v.edge_error("E017", f"edge out of {kind} {node_id!r} has branch {edge.branch!r}; allowed: {allowed}", edge,
                 node_id=node_id, field="branch")


def check_subflow(v: Check, node_id: str, index: int, node: dict, kind: str, *, compensations: bool = False) -> None:
    """A loop's or a map's ``flow``: checked as a spec of its own; unless ``compensations`` (a map's
    item runs are undone), no compensation inside (E033): a loop's iterations are not undone."""
    flow = node.get("flow")
    if not (isinstance(flow, dict) and isinstance(flow.get("nodes"), list) and isinstance(flow.get("edges"), list)):
        return
    v.check_flow(node_id, flow, pointer("nodes", index, "flow"))
    for inner in flow["nodes"] if not compensations else ():
        if isinstance(inner, dict) and "compensation" in inner:
            v.add("E033", f"{inner.get('id')!r} in {kind} {node_id!r}'s sub-flow has a compensation: the sub-flow's "
                          f"steps are not undone; undo them in a step after the {kind}",
                  node_id=node_id, path=pointer("nodes", index, "flow"))


def check_retry(v: Check, node_id: str, retry: Any, path: str) -> None:
    if not isinstance(retry, dict):
        return
    initial = retry.get("initial_interval", RETRY_DEFAULTS["initial_interval"])
    maximum = retry.get("max_interval", RETRY_DEFAULTS["max_interval"])
    if is_number(initial) and is_number(maximum) and maximum < initial:
        v.add("E022", f"max_interval ({maximum}) is less than initial_interval ({initial}); defaults "
                      f"are {RETRY_DEFAULTS['initial_interval']} and {RETRY_DEFAULTS['max_interval']}",
              node_id=node_id, path=path)


def check_compensation(v: Check, node_id: str, index: int, node: dict) -> None:
    """An activity node's retry policy and its compensation (activity registered, its retry)."""
    check_retry(v, node_id, node.get("retry"), pointer("nodes", index, "retry"))
    compensation = node.get("compensation")
    if isinstance(compensation, dict):
        activity = compensation.get("activity")
        if isinstance(activity, str) and activity and not v.activity_exists(activity):
            v.add("E014", f"compensation activity {short(activity)!r} is not registered",
                  node_id=node_id, path=pointer("nodes", index, "compensation", "activity"))
        check_retry(v, node_id, compensation.get("retry"), pointer("nodes", index, "compensation", "retry"))


class ActivityNode(NodeType):
    """A node whose steps are attempts a worker claims and runs (task, http): retried per its
    ``retry``, undone by its ``compensation``, each attempt bounded by its ``timeout``."""
    runs_activity = True
    # What of FINAL_ERRORS an attempt of this type can fail with (its compensation, an activity: the task's).
    final_errors: tuple[str, ...] = ("ExpressionLimit", "MappingError", "OutputSchemaError", "OutputTooLarge")

    def expressions(self, node: dict) -> Iterator[tuple[str, str]]:
        compensation = node.get("compensation")
        if isinstance(compensation, dict) and "input" in compensation:
            yield from mapping_expressions(compensation["input"], "/compensation/input")

    def check(self, v: Check, node_id: str, index: int, node: dict) -> None:
        check_compensation(v, node_id, index, node)

    def activate(self, a: Activation, node_id: str, node: dict) -> None:
        a.schedule(node_id)   # the unique (run, node, kind) says "already activated"

    def rearm(self, a: Activation, step, node: dict) -> None:
        a.reschedule(step)

    def reopen(self, a: Activation, step, node: dict) -> None:
        a.reschedule(step)
