"""``map``: runs its sub-flow (``flow``) once per element of a list (``items``, an expression on
the run's data), at most ``max_concurrency`` at once, and collects the results in the list's
order. Reserving each line item of an order in its own warehouse is the example.

Each item is a run of its own (an item run: ``WorkflowRun.iteration`` is the item's index), with
its own steps, attempts and events; its steps' idempotency keys are "<run>:<map node>:<index>:<node>"
(``key_scope``), so an item run again by an operator's retry sees the keys it saw before. Item
runs are created as slots free up, never ahead: a 1,000-item map costs a row per started item and
no message while it waits. The step's input keeps the list as it was when the map started.

Up to ``tolerated_failures`` items (a count, or a percentage of the items) may end compensated,
cancelled or aborted; one more fails the step (``MapItemsFailed``) and cancels the items still
going. An item that fails and waits for an operator holds its slot until it is seen to.
"""
from __future__ import annotations

from engine.errors import InvalidInput
from engine.nodes.base import NodeType, check_subflow, expression_error
from engine.spec.expressions import evaluate_mapping, mapping_expressions
from engine.spec.problems import pointer
from engine.spec.schema import (DEFAULT_FAILURE_POLICY, FLOW, MAPPING, MAX_MAP_CONCURRENCY, MAX_MAP_ITEMS, ON_FAILURE,
                                SLA, TOLERATED_FAILURES)
from engine.states import RunStatus, StepStatus

FAILED_ENDS = frozenset({RunStatus.COMPENSATED, RunStatus.CANCELLED, RunStatus.ABORTED})
NEEDS_OPERATOR = frozenset({RunStatus.FAILED, RunStatus.COMPENSATION_FAILED})
LISTED = 100   # failed item indexes named in an error or an output, at most


def tolerated(node: dict, count: int) -> int:
    """How many of ``count`` items may fail: the count given, or the share rounded down."""
    value = node.get("tolerated_failures", 0)
    if isinstance(value, str):
        return count * int(value.rstrip("%")) // 100
    return int(value)


def progress(runs: dict, count: int) -> dict:
    """Item counts by state, from item index -> (run id, status)."""
    statuses = [status for _, status in runs.values()]
    succeeded = statuses.count(RunStatus.COMPLETED)
    failed = sum(status in FAILED_ENDS for status in statuses)
    stopped = sum(status in NEEDS_OPERATOR for status in statuses)
    return {"total": count, "succeeded": succeeded, "failed": failed, "stopped": stopped,
            "running": len(statuses) - succeeded - failed - stopped, "pending": count - len(statuses)}


class Map(NodeType):
    type = "map"
    fields = {"items": {"type": "string", "description": "an expression: the list to map over"},
              "flow": FLOW,
              "max_concurrency": {"type": "integer", "minimum": 1, "maximum": MAX_MAP_CONCURRENCY,
                                  "description": "item runs at once"},
              "tolerated_failures": TOLERATED_FAILURES, "input": MAPPING, "on_failure": ON_FAILURE,
              "sla": SLA}
    required = ("flow",)
    defaults = {"max_concurrency": 10, "tolerated_failures": 0, "on_failure": DEFAULT_FAILURE_POLICY}
    has_items = True
    # Its items may have done work whether the map succeeded, failed (past its tolerance), is still
    # waiting on some (the run fails elsewhere: it is cancelled, then undone) or was cancelled by
    # its run's failure: any of these is undone when the run compensates.
    undo_statuses = frozenset({StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.CANCELLED, StepStatus.WAITING})
    undoes_itself = True

    def expressions(self, node):
        if isinstance(node.get("items"), str):
            yield from mapping_expressions(node["items"], "/items")
        if "input" in node:
            yield from mapping_expressions(node["input"], "/input")

    def check(self, v, node_id, index, node):
        if "items" not in node:
            v.add("E034", f"map {node_id!r} needs items: an expression giving the list to map over",
                  node_id=node_id, path=pointer("nodes", index))
        check_subflow(v, node_id, index, node, "map", compensations=True)

    def describe_waiting(self, step, node, now, ago):
        return f"{step.node_id}: {step.wait_reason}"

    def compensable(self, node):
        flow = node.get("flow") or {}
        return any(isinstance(inner, dict) and inner.get("compensation") for inner in flow.get("nodes") or ())

    def waits_on(self, step, child):
        return child.iteration is not None and bool(child.key_scope) and \
            str(child.id) not in ((step.input or {}).get("superseded") or ())

    # --- run time --------------------------------------------------------------------------
    def activate(self, a, node_id, node):
        step = a.create(node_id, status=StepStatus.WAITING)
        try:
            items = evaluate_mapping(node["items"], a.context())
        except InvalidInput as exc:
            return self._fail(a, step, expression_error(exc, "MappingError"), {})
        if not isinstance(items, list):
            return self._fail(a, step, {"type": "MapItemsInvalid", "message": f"items gave a {type(items).__name__}, "
                                        "not a list"}, {})
        if len(items) > MAX_MAP_ITEMS:
            return self._fail(a, step, {"type": "MapTooManyItems", "count": len(items),
                                        "message": f"items gave {len(items)} elements; a map takes at most "
                                                   f"{MAX_MAP_ITEMS}"}, {})
        step.input = {"items": items}
        a.event("step.waiting", node_id=node_id, step_id=step.id, status=step.status, items=len(items))
        self._advance(a, step, node)

    def rearm(self, a, step, node):
        """An operator's retry: items that succeeded stay done, failed ones run again (new runs,
        their old ones set aside), the tolerance counts afresh."""
        runs = a.item_runs(step)
        again = [run_id for run_id, status in runs.values() if status in FAILED_ENDS]
        step.input = {**step.input, "superseded": [*(step.input.get("superseded") or ()), *again]}
        self._wait_again(a, step, again=len(again))
        self._advance(a, step, node)

    def reopen(self, a, step, node):
        self._wait_again(a, step)
        self._advance(a, step, node)   # items may have ended meanwhile, and slots freed

    def _wait_again(self, a, step, **payload):
        """A failed or cancelled map step waits again (written now: what follows may finish it)."""
        step.status, step.finished_at = StepStatus.WAITING, None
        a.save(step, ["status", "finished_at", "input"])
        a.event("step.waiting", node_id=step.node_id, step_id=step.id, status=step.status, **payload)

    def on_child_end(self, a, step, node, child):
        a.event("map.item_ended", node_id=step.node_id, step_id=step.id, index=child.iteration,
                child_run_id=str(child.id), status=child.status)
        self._advance(a, step, node)

    def _advance(self, a, step, node):
        """Count the items; fail, finish, or start items into the free slots."""
        items = step.input["items"]
        runs = a.item_runs(step)
        counts = progress(runs, len(items))
        failed = sorted(i for i, (_, status) in runs.items() if status in FAILED_ENDS)
        allowed = tolerated(node, len(items))
        if len(failed) > allowed:
            return self._fail(a, step, {"type": "MapItemsFailed", "failed": failed[:LISTED], "count": len(failed),
                                        "tolerated": allowed, "message": f"{len(failed)} of {len(items)} items "
                                        f"failed (item {failed[0]} first); {allowed} tolerated"}, runs)
        if counts["succeeded"] + counts["failed"] == len(items):
            outputs = a.run_outputs(run_id for run_id, status in runs.values() if status == RunStatus.COMPLETED)
            return a.succeed(step, {"count": len(items), "succeeded": counts["succeeded"], "failed": failed[:LISTED],
                                    "outputs": [outputs.get(runs[i][0]) for i in range(len(items))]})
        free = int(self.setting(node, "max_concurrency")) - counts["running"] - counts["stopped"]
        for index in [i for i in range(len(items)) if i not in runs][:max(0, free)]:
            context = {**a.context(), "item": {"value": items[index], "index": index}}
            try:
                child_input = (evaluate_mapping(node["input"], context) if "input" in node
                               else {"item": items[index], "index": index, "input": a.run.input})
            except InvalidInput as exc:
                return self._fail(a, step, {**expression_error(exc, "MappingError"), "index": index}, runs)
            child = a.item_run(step, index, child_input)
            runs[index] = (str(child.id), RunStatus.RUNNING)
            a.event("map.item_started", node_id=step.node_id, step_id=step.id, index=index, child_run_id=str(child.id))
        counts = progress(runs, len(items))
        stopped = [f"item {i} (run {run_id})" for i, (run_id, status) in sorted(runs.items())
                   if status in NEEDS_OPERATOR][:3]
        step.wait_reason = (f"{counts['succeeded']} of {len(items)} items done, {counts['failed']} failed, "
                            f"{counts['running']} running" + (f"; {', '.join(stopped)} needs an operator"
                                                                if stopped else ""))[:300]
        a.save(step, ["status", "finished_at", "input", "wait_reason", "error"])

    def _fail(self, a, step, error, runs):
        node = a.graph.node(step.node_id)
        if not self.compensable(node):   # else the items going are the map's compensation's to undo
            for run_id, status in runs.values():
                if status not in FAILED_ENDS and status != RunStatus.COMPLETED:
                    a.send("cancel_child", run_id)
        step.status = StepStatus.RUNNING
        a.fail(step, error)

    # --- undone, when the run compensates ---------------------------------------------------
    def compensate(self, a, node_id, node):
        """The map's compensation step waits while its item runs are undone one at a time, the
        last item first: a completed one compensates its own steps, one still going or failed is
        compensated as an operator would; those that did nothing to undo are passed over."""
        mapped = a.existing(node_id)
        runs = a.item_runs(mapped) if mapped is not None and isinstance(mapped.input, dict) else {}
        order = []
        for index in sorted(runs, reverse=True):
            run_id, status = runs[index]
            if status in FAILED_ENDS or (status == RunStatus.COMPLETED and not a.undo_needed(run_id)):
                continue
            order.append(run_id)
        step = a.create(node_id, status=StepStatus.WAITING, kind="compensation")
        step.input = {"order": order, "at": 0}
        a.event("step.waiting", node_id=node_id, step_id=step.id, kind=step.kind, status=step.status,
                items=len(order))
        self._undo(a, step, send=True)

    def on_undo_progress(self, a, step, node, child, *, again=False):
        self._undo(a, step, send=again)

    def _undo(self, a, step, *, send):
        order, at = step.input["order"], step.input["at"]
        start = at
        while at < len(order) and a.runs_status([order[at]]).get(order[at]) in (*FAILED_ENDS, None):
            at += 1   # undone (or gone): the next one
        if at >= len(order):
            step.input = {**step.input, "at": at}
            return a.succeed(step, {"undone": len(order)})
        status = a.runs_status([order[at]])[order[at]]
        if status == RunStatus.COMPENSATION_FAILED and not send and at == start:
            return a.fail(step, {"type": "ItemCompensationFailed", "child_run_id": order[at],
                                 "message": f"undoing item run {order[at]} failed; its compensation waits for an "
                                            "operator (compensate the run again to retry it)"})
        if send or at != start or status != RunStatus.COMPENSATING:
            a.send("undo_child", order[at])
        step.input = {**step.input, "at": at}
        step.wait_reason = f"undoing item run {at + 1} of {len(order)} (run {order[at]}), the last item first"
        a.save(step, ["status", "finished_at", "input", "wait_reason", "error"])


NODE = Map()
