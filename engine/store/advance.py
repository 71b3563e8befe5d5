"""Moving a run forward inside a RunTx: activate nodes, finish the run,
start or continue compensation. Decisions come from ``engine.protocol``."""
from __future__ import annotations

import logging

from engine import limits, nodes, protocol
from engine.nodes.base import is_escalation, sla_due
from engine.workflows import driver
from engine.models import StepRun, WorkflowDefinition, WorkflowRun
from engine.errors import NotFound, TooLarge
from engine.states import RunStatus, StepStatus
from engine.store import items, rows, signals, sql, tasks, versions
from engine.store.tx import SYSTEM, RunTx

log = logging.getLogger(__name__)


def context_of(run) -> dict:
    """What expressions see: the run's input, step outputs by node id, the run."""
    return {"input": run.input, "data": run.data, "run": {"id": str(run.id), "business_key": run.business_key}}


def step_states(run) -> list[protocol.StepState]:
    return [protocol.StepState(*row) for row in sql.step_states(run.id)]


def _single_entry(tx: RunTx, node_id: str) -> bool:
    """The node has at most one incoming edge: in an acyclic graph whose steps succeed once, it
    is activated at most once (the start node, with none, once as the run begins), so there is
    no need to look for an earlier step (the unique (run, node, kind) still stands behind this)."""
    return len(tx.graph.incoming(node_id)) <= 1


def _create(tx: RunTx, node_id: str, *, status: str, kind: str = StepRun.NODE, if_absent: bool = False,
            insert: bool = True, **fields) -> StepRun | None:
    """Insert a step; with ``if_absent``, None when the node already has one (unique per run, node, kind).
    With ``insert=False`` the step is inserted by its first ``_store`` (a step born finished: one statement)."""
    node_type = tx.graph.node(node_id)["type"] if kind == StepRun.NODE else "compensation"
    if kind == StepRun.NODE and "sla" in tx.graph.node(node_id):   # its clock starts now (engine/store/sla.py)
        fields["sla_due_at"] = sla_due(tx.graph.node(node_id)["sla"], tx.now)
    if kind == StepRun.NODE and tx.graph.is_code:
        fields.setdefault("node", tx.graph.node(node_id))   # a code run's steps are its graph
    step = rows.new(StepRun, related={"run": tx.run}, run_id=tx.run.id, node_id=node_id, node_type=node_type,
                   kind=kind, status=status, scheduled_at=tx.now, **fields)
    if if_absent and _single_entry(tx, node_id):
        if_absent = False
    if not if_absent and tx.step_ids:
        step.id = tx.step_ids.pop(0)
    else:  # its id comes from the INSERT: a step created after it must not get a smaller one
        tx.step_ids.clear()
        tx.ids_in_order = False
    if not insert:
        return step
    return step if rows.insert(step, now=tx.now, skip_conflicts=if_absent) else None


def _store(tx: RunTx, step: StepRun, fields: list[str]) -> None:
    if step._state.adding:
        rows.insert(step, now=tx.now)
    else:
        rows.update(step, fields, now=tx.now)


def run_begin(run, actor, *, insert: bool = False, step_ids=()):
    """A new run's first transaction: created, running, its start node activated. With
    ``insert``, its row is written with the first events (one statement)."""
    tx = RunTx(run, actor)
    tx.new_run = insert
    tx.step_ids = list(step_ids)
    tx.event("run.created", definition=run.definition.key, version=run.version.number,
             business_key=run.business_key, parent_run_id=str(run.parent_run_id) if run.parent_run_id else None)
    tx.set_status(RunStatus.RUNNING)
    if not run.subflow and (due := sla_due(tx.graph.settings.get("sla"), tx.now)):   # the run's SLA, from now
        run.sla_due_at = due
        tx.touch("sla_due_at")
    if tx.graph.is_code:
        code_advance(tx)
        settle(tx)
    else:
        activate(tx, tx.graph.start_id)
    tx.flush()
    return run


def child_run_create(*, parent, node_id: str, definition_key: str, version: int | None, input):
    """Inside the parent's transaction: a child run for a subworkflow node (LookupError: no such
    definition or version)."""
    if version is None:   # a code workflow this process has: its newest version (made a row if new)
        version = versions.workflow_start_version(definition_key, again=True)
    definition = WorkflowDefinition.objects.filter(key=definition_key).first()
    if definition is None:
        raise LookupError(f"no definition with key {definition_key!r}")
    try:
        pinned = versions.version_for(definition, version)
    except NotFound as exc:
        raise LookupError(str(exc))
    child = WorkflowRun.objects.create(definition=definition, version=pinned, input=input if isinstance(input, dict)
                                       else {"value": input}, parent_run=parent, parent_node_id=node_id,
                                       is_test=parent.is_test)
    return run_begin(child, SYSTEM)


def schedule_task(tx: RunTx, node_id: str, *, kind: str = StepRun.NODE, if_absent: bool = False) -> StepRun | None:
    inline = kind == StepRun.NODE and tx.inline is not None and tx.inline.open
    if_absent = if_absent and not _single_entry(tx, node_id)
    step = _create(tx, node_id, status=StepStatus.SCHEDULED, kind=kind, enqueued_at=tx.now, if_absent=if_absent,
                   insert=not inline)
    started = None
    if inline:
        # The recording worker runs it next, with no message: the row is written already running.
        started = tx.inline.claimer(step)
        if not rows.insert(step, now=tx.now, skip_conflicts=if_absent):
            step = None
    if step is None:
        log.info("run %s: %s already activated", tx.run.id, node_id)
        return None
    if kind == StepRun.NODE:
        tx.scheduled_node_step = True
    tx.event("step.scheduled", node_id=node_id, step_id=step.id, kind=kind, status=StepStatus.SCHEDULED)
    if started is not None:
        tx.inline.claim, tx.inline.step = started(), step
        return step
    tx.send("execute_step", step.id)
    return step


def succeed(tx: RunTx, step: StepRun, output, *, event: str = "step.succeeded",
            status: str = StepStatus.SUCCEEDED, then_settle: bool = True, **payload) -> None:
    """Record ``step`` as done (it must be locked or just created) and move on; ``then_settle``
    False when the caller sets the run's status itself right after (an end or fail node)."""
    data = None
    if step.kind == StepRun.NODE and nodes.type_of(step.node_type).adds_data:
        data = {**tx.run.data, step.node_id: output}
        try:  # measured now, so nothing of it is written if it is too large (engine/limits.py)
            rows.json_checked(tx.run, "data", data, limits.RUN_DATA, f"the run's data with {step.node_id}'s output")
        except TooLarge as exc:
            return _too_large(tx, step, exc)
    tx.run.completions += 1
    tx.touch("completions")
    step.status, step.output, step.finished_at = status, output, tx.now
    step.completion_order, step.lease_expires_at = tx.run.completions, None
    fields = ["status", "output", "finished_at", "completion_order", "lease_expires_at", "attempts", "error"]
    if step.kind == StepRun.NODE and tx.run.status == RunStatus.FAILED:
        # The flow does not go on now; resume() activates what follows when the run does.
        step.successors_pending = True
        fields.append("successors_pending")
    _store(tx, step, fields)
    tx.event(event, node_id=step.node_id, step_id=step.id, kind=step.kind, status=step.status,
             attempt=step.attempt, **payload)
    if step.kind == StepRun.COMPENSATION:
        compensation_continue(tx)
        return
    if tx.graph.is_code:
        tx.code_changed[step.node_id] = (step.status, output)   # what the replay must see of it
    if data is not None:
        tx.run.data = data
        tx.touch("data")
    if tx.run.status not in (RunStatus.RUNNING, RunStatus.WAITING, RunStatus.PENDING):
        # Compensating (or failed): a straggler's result is kept, the flow does not go on.
        if tx.run.status == RunStatus.COMPENSATING:
            compensation_continue(tx)
        return
    activate_next(tx, step.node_id, output)
    if then_settle:
        settle(tx)


FORWARD = frozenset({RunStatus.RUNNING, RunStatus.WAITING, RunStatus.PENDING})


def activate_next(tx: RunTx, node_id: str, output) -> None:
    """Activate what follows ``node_id``; stop as soon as one of them ends or fails the run
    (a branch's end node, a choice that cannot be evaluated): nothing opens in a run that stopped.
    In a code run, the function says what follows: it is replayed."""
    if tx.graph.is_code:
        return code_advance(tx)
    for target in protocol.next_nodes(tx.graph, node_id, output=output, context=context_of(tx.run)):
        if tx.run.status not in FORWARD:
            return
        activate(tx, target)


def code_advance(tx: RunTx) -> None:
    """Replay a code run's function and do what it says (engine/workflows/driver.py). Re-entered
    while at it (a step it started finished at once: a kept signal), it replays again after."""
    if tx.code_busy:
        tx.code_again = True
        return
    tx.code_busy = True
    try:
        for _ in range(limits.CODE_REPLAYS):
            tx.code_again = False
            driver.advance(Activation(tx))
            if not tx.code_again or tx.run.status not in FORWARD:
                break
    finally:
        tx.code_busy = False
        if tx.code_passes != 1 or tx.run.status not in FORWARD:
            tx.code_rows_after = None   # only one plain replay's history is kept for the next transaction


def _too_large(tx: RunTx, step: StepRun, exc: TooLarge) -> None:
    """The step's result cannot be kept (OutputTooLarge, never retried): it fails instead, and its
    attempt with it."""
    error = {"type": exc.error_type, "message": str(exc), "attempt": step.attempt, "worker": step.worker}
    last = step.attempts[-1] if step.attempts else None
    if last is not None and last.get("attempt") == step.attempt and last.get("status") == StepStatus.SUCCEEDED:
        step.attempts = [*step.attempts[:-1], {**last, "status": StepStatus.FAILED, "error": error}]
    fail_step(tx, step, error)


def activate(tx: RunTx, node_id: str) -> None:
    """Activate ``node_id``: what that means is its node type's (engine/nodes)."""
    node = tx.graph.node(node_id)
    node_type = nodes.of(node)
    if (not node_type.runs_activity and not node_type.counts_arrivals
            and not _single_entry(tx, node_id) and sql.step_exists(tx.run.id, node_id, StepRun.NODE)):
        log.info("run %s: %s already activated", tx.run.id, node_id)
        return
    node_type.activate(Activation(tx), node_id, node)


def rearm(tx: RunTx, step: StepRun) -> None:
    """Run a failed step again from its start: a task's next attempt; a wait, signal or
    subworkflow waits again (a new timeout; a new child run); a choice or end evaluates again."""
    step.error = None
    node = tx.graph.node(step.node_id)
    if step.kind == StepRun.COMPENSATION:
        if nodes.of(node).undoes_itself:
            step.status, step.finished_at = StepStatus.WAITING, None
            tx.event("step.waiting", node_id=step.node_id, step_id=step.id, kind=step.kind, status=step.status)
            nodes.of(node).on_undo_progress(Activation(tx), step, node, None, again=True)
        else:
            reschedule(tx, step)
        return
    nodes.of(node).rearm(Activation(tx), step, node)


def reopen(tx: RunTx, step: StepRun) -> None:
    """A step the run's failure cancelled opens again (docs/engine.md, "Resuming a failed run")."""
    node = tx.graph.node(step.node_id)
    tx.event("step.reopened", node_id=step.node_id, step_id=step.id, kind=step.kind, previous=step.status)
    nodes.of(node).reopen(Activation(tx), step, node)


def waits_on(tx: RunTx, step: StepRun, child: WorkflowRun) -> bool:
    return nodes.of(tx.graph.node(step.node_id)).waits_on(step, child)


def undo_progress(tx: RunTx, step: StepRun, child: WorkflowRun | None) -> None:
    """A run the waiting compensation ``step`` (a map's) waits on moved; None: look again (a nudge)."""
    node = tx.graph.node(step.node_id)
    nodes.of(node).on_undo_progress(Activation(tx), step, node, child)


def child_ended(tx: RunTx, step: StepRun, child: WorkflowRun) -> None:
    """The run ``step`` waits on ended: its node type says what follows."""
    node = tx.graph.node(step.node_id)
    nodes.of(node).on_child_end(Activation(tx), step, node, child)


def fire_timer(tx: RunTx, step: StepRun) -> None:
    """A waiting step's due time came (a wait's time, a signal's timeout)."""
    node = tx.graph.node(step.node_id)
    nodes.of(node).on_timer(Activation(tx), step, node)


def reschedule(tx: RunTx, step: StepRun) -> None:
    """Run a task step's next attempt now (an operator's retry, or a reopened task)."""
    step.status, step.next_attempt_at, step.enqueued_at, step.finished_at = StepStatus.SCHEDULED, None, tx.now, None
    step.lease_expires_at = None
    rows.update(step, ["status", "next_attempt_at", "enqueued_at", "finished_at", "lease_expires_at"], now=tx.now)
    tx.event("step.scheduled", node_id=step.node_id, step_id=step.id, kind=step.kind, status=step.status,
             manual=True)
    if step.kind == StepRun.NODE:
        tx.scheduled_node_step = True
    tx.send("execute_step", step.id)


class Activation:
    """The store's guarded writes on one locked run, as node types use them (engine/nodes/base.py)."""
    __slots__ = ("tx",)

    def __init__(self, tx: RunTx):
        self.tx = tx

    now = property(lambda self: self.tx.now)
    graph = property(lambda self: self.tx.graph)
    run = property(lambda self: self.tx.run)

    def context(self) -> dict:
        return context_of(self.tx.run)

    def create(self, node_id: str, *, status: str, insert: bool = False, **fields) -> StepRun:
        """A new step of ``node_id`` (written by its first save, unless ``insert``)."""
        return _create(self.tx, node_id, status=status, insert=insert, **fields)

    def existing(self, node_id: str) -> StepRun | None:
        """The node's step, locked, if it has one."""
        return StepRun.objects.select_for_update().filter(run=self.tx.run, node_id=node_id,
                                                          kind=StepRun.NODE).first()

    def save(self, step: StepRun, fields: list[str]) -> None:
        _store(self.tx, step, fields)

    def event(self, type: str, **payload) -> None:
        self.tx.event(type, **payload)

    def send(self, actor_name: str, *args, delay_ms: int | None = None) -> None:
        self.tx.send(actor_name, *args, delay_ms=delay_ms)

    def schedule(self, node_id: str) -> StepRun | None:
        return schedule_task(self.tx, node_id, if_absent=True)

    def reschedule(self, step: StepRun) -> None:
        reschedule(self.tx, step)

    def hold(self, step: StepRun, *, reason: str, due=None, **payload) -> None:
        """``step`` waits (for ``reason``), its timer at ``due`` if any: ``on_timer`` then."""
        tx = self.tx
        step.status, step.next_attempt_at, step.finished_at = StepStatus.WAITING, due, None
        step.wait_reason = reason
        _store(tx, step, ["status", "next_attempt_at", "finished_at", "wait_reason", "error"])
        tx.event("step.waiting", node_id=step.node_id, step_id=step.id, status=step.status, **payload)
        if due:
            tx.send("fire_timer", step.id, delay_ms=max(0, int((due - tx.now).total_seconds() * 1000)))

    def child_run(self, step: StepRun, *, definition_key: str, version: int | None, input) -> WorkflowRun:
        child = child_run_create(parent=self.tx.run, node_id=step.node_id, definition_key=definition_key,
                                 version=version, input=input)
        step.child_run = child
        rows.update(step, ["child_run"], now=self.tx.now)
        return child

    def iteration_run(self, step: StepRun, iteration: int, input) -> WorkflowRun:
        """A run of ``step``'s node's own sub-flow, on the run's version, that ``step`` waits on."""
        parent = self.tx.run
        child = WorkflowRun.objects.create(
            definition_id=parent.definition_id, version_id=parent.version_id, input=input if isinstance(input, dict)
            else {"value": input}, parent_run=parent, parent_node_id=step.node_id, is_test=parent.is_test,
            subflow=f"{parent.subflow}/{step.node_id}" if parent.subflow else step.node_id, iteration=iteration)
        run_begin(child, SYSTEM)
        step.child_run = child
        rows.update(step, ["child_run"], now=self.tx.now)
        return child

    def item_run(self, step: StepRun, index: int, input) -> WorkflowRun:
        """A run of ``step``'s map sub-flow for item ``index`` (the step waits on all of them)."""
        child = items.item_run_new(self.tx, step, index, input)
        run_begin(child, SYSTEM)
        return child

    def item_runs(self, step: StepRun) -> dict:
        return items.item_runs(self.tx, step)

    def run_outputs(self, run_ids) -> dict:
        return items.run_outputs(run_ids)

    def runs_status(self, run_ids) -> dict:
        return items.runs_status(run_ids)

    def undo_needed(self, run_id) -> bool:
        """Whether the completed run ``run_id`` (an item run) has a step its compensation would undo."""
        return items.undo_needed(run_id)

    def open_task(self, step: StepRun, **fields):
        """A human task for the waiting ``step`` (saved already), in its assignee's Inbox."""
        return tasks.task_open(self.tx, step, **fields)

    def reopen_task(self, step: StepRun):
        """The step's task its run's failure cancelled, open again (None: it has none)."""
        return tasks.task_reopen(self.tx, step)

    def take_signal(self, name: str, node_id: str):
        """The run's oldest kept signal ``name``, now consumed by ``node_id`` (None: none kept)."""
        return signals.signal_take(self.tx, name, node_id)

    def succeed(self, step: StepRun, output, *, then_settle: bool = True, **payload) -> None:
        succeed(self.tx, step, output, then_settle=then_settle, **payload)

    def fail(self, step: StepRun, error: dict) -> None:
        fail_step(self.tx, step, error)

    def run_complete(self, output) -> None:
        """An end node was reached: the run completes with ``output``."""
        tx = self.tx
        cancel_open_steps(tx, kind=StepRun.NODE)
        tx.run.output = output
        tx.touch("output")
        tx.set_status(RunStatus.COMPLETED)
        notify_parent(tx)

    def run_fail(self, error: dict) -> None:
        run_fail(self.tx, error)

    # --- code runs (engine/workflows/driver.py) ------------------------------------------
    def code_history(self) -> list[tuple]:
        """(node_id, node_type, status, output, node) of the run's node steps, in creation order:
        read, unless the transaction began from a Held that has them (or the run is new)."""
        tx = self.tx
        first, tx.code_passes = tx.code_passes == 0, tx.code_passes + 1
        if first and tx.code_rows is not None:
            rows = tx.code_rows
        elif first and tx.new_run:
            rows = []
        else:
            return sql.code_history(tx.run.id)
        changed = tx.code_changed
        return [(n, t, *changed[n], node) if n in changed else (n, t, st, out, node) for n, t, st, out, node in rows]

    def code_seen(self, rows: list[tuple]) -> None:
        """The history as this replay leaves it (kept for the next transaction on a Held)."""
        self.tx.code_rows_after = rows

    def activate_node(self, node: dict) -> None:
        """A new step for a call the function made (``node`` is its node)."""
        self.tx.graph.add(node)
        activate(self.tx, node["id"])

    def record_value(self, node: dict, value) -> None:
        """A value the function took (the time, a uuid, a patch marker): recorded done, at once."""
        tx = self.tx
        tx.graph.add(node)
        tx.run.completions += 1
        tx.touch("completions")
        step = _create(tx, node["id"], status=StepStatus.SUCCEEDED, insert=False, output=value, node=node,
                       finished_at=tx.now, completion_order=tx.run.completions)
        _store(tx, step, [])
        tx.event("step.succeeded", node_id=step.node_id, step_id=step.id, kind=step.kind, status=step.status,
                 value=value)

    def code_compensate(self, error: dict) -> None:
        """The function raised Compensate: undo what succeeded, in reverse order."""
        tx = self.tx
        tx.run.error = error
        tx.touch("error")
        cancel_open_steps(tx, kind=StepRun.NODE, keep_running=True)
        tx.set_status(RunStatus.COMPENSATING, error=error)
        compensation_continue(tx)

    def code_failed(self, node: dict, error: dict) -> None:
        """The function failed, or no longer matches the history: a failed step at that point
        (retrying it replays, on the code the worker has then); the run waits for an operator."""
        tx = self.tx
        base, n = node["id"], 1
        while self.existing(node["id"]) is not None:   # failed here before and retried: a new step
            n += 1
            node = {**node, "id": f"{base}:{n}"}
        tx.graph.add(node)
        step = _create(tx, node["id"], status=StepStatus.RUNNING, insert=False, node=node)
        fail_step(tx, step, error)

    def code_defer(self, queue: str, reason: str) -> None:
        """This process lacks the run's workflow version: a process that has it replays it."""
        self.tx.event("code.deferred", reason=reason, queue=queue)
        self.tx.send("code_advance", str(self.tx.run.id), queue=queue)


def fail_step(tx: RunTx, step: StepRun, error: dict, *, exhausted: bool = False) -> None:
    """A step failed for good (``exhausted``: its attempts ran out): record it, then what its
    node's failure policy says (``protocol.failure_outcome``)."""
    step.status, step.error, step.finished_at, step.lease_expires_at = StepStatus.FAILED, error, tx.now, None
    step.wait_reason = ""
    _store(tx, step, ["status", "error", "finished_at", "lease_expires_at", "attempts", "attempt", "wait_reason"])
    tx.event("step.failed", node_id=step.node_id, step_id=step.id, kind=step.kind, status=step.status,
             attempt=step.attempt, error=error, final=True)
    if step.kind == StepRun.NODE and is_escalation(tx.graph, step.node_id):
        return settle(tx)   # an SLA's escalation failing stops nothing: the main path goes on
    if step.kind == StepRun.COMPENSATION:
        tx.run.error = {**(tx.run.error or {}), "compensation": {"node_id": step.node_id, **error}}
        tx.touch("error")
        tx.set_status(RunStatus.COMPENSATION_FAILED)
        notify_parent(tx)
        return
    run_fail(tx, {**error, "node_id": step.node_id}, node=tx.graph.node(step.node_id), exhausted=exhausted)


def run_fail(tx: RunTx, error: dict, *, node: dict | None = None, exhausted: bool = False) -> None:
    """The forward path stops: compensate what succeeded, wait for an operator, or end aborted."""
    tx.run.error = error
    tx.touch("error")
    outcome = protocol.failure_outcome(node, exhausted=exhausted,
                                       compensation_pending=protocol.compensation_pending(tx.graph,
                                                                                          step_states(tx.run)))
    if outcome == "incident":
        # Closed, not ended: resume() reopens these if an operator sends the run on. Stragglers
        # keep running and child runs keep going (their parent may still want them).
        cancel_open_steps(tx, kind=StepRun.NODE, keep_running=True, children=False)
        tx.set_status(RunStatus.FAILED, error=error)
    elif outcome == "compensate":
        cancel_open_steps(tx, kind=StepRun.NODE, keep_running=True, compensating=True)
        tx.set_status(RunStatus.COMPENSATING, error=error)
        compensation_continue(tx)
        return
    else:  # aborted is terminal: nothing may stay open, a running attempt's result is discarded
        cancel_open_steps(tx, kind=StepRun.NODE)
        tx.set_status(RunStatus.ABORTED, error=error)
    notify_parent(tx)


def compensation_continue(tx: RunTx) -> None:
    """Schedule the next compensation (reverse completion order), or finish."""
    if tx.run.status != RunStatus.COMPENSATING:
        return
    states = step_states(tx.run)
    if any(s.kind == StepRun.COMPENSATION and s.status in StepStatus.OPEN for s in states):
        return  # one at a time
    node_id = protocol.compensation_next(tx.graph, states)
    if node_id is not None:
        node = tx.graph.node(node_id)
        if nodes.of(node).undoes_itself:   # a map: its compensation step waits while its items are undone
            nodes.of(node).compensate(Activation(tx), node_id, node)
        else:
            schedule_task(tx, node_id, kind=StepRun.COMPENSATION)
        return
    if any(s.kind == StepRun.NODE and s.status == StepStatus.RUNNING for s in states):
        return  # a straggler may still succeed and need compensating
    tx.set_status(RunStatus.COMPENSATED)
    notify_parent(tx)


def cancel_open_steps(tx: RunTx, *, kind: str, keep_running: bool = False, children: bool = True,
                      compensating: bool = False) -> None:
    """Cancel the run's open steps of ``kind`` (and the runs they wait on, with ``children``; when
    ``compensating``, a map's items that its compensation undoes are left to it)."""
    statuses = [StepStatus.SCHEDULED, StepStatus.WAITING] + ([] if keep_running else [StepStatus.RUNNING])
    if tx.held:  # usually none: check that with the COMMIT; if there are, the worker redoes this locked
        sql.steps_expect_none_open(tx.run.id, kind=kind, statuses=statuses)
        return
    maps, waiting_on_people = [], []
    for step_id, node_id, child_run_id in sorted(sql.steps_cancel_open(tx.run.id, kind=kind, statuses=statuses,
                                                                       now=tx.now)):
        tx.event("step.cancelled", node_id=node_id, step_id=step_id, kind=kind, status=StepStatus.CANCELLED)
        if child_run_id and children:
            tx.send("cancel_child", str(child_run_id))
        if tx.inline is not None:
            tx.inline.drop(step_id)
        node = tx.graph.node(node_id) if kind == StepRun.NODE else None
        if node is not None and nodes.of(node).has_items and not (compensating and nodes.of(node).compensable(node)):
            maps.append(node_id)
        if node is not None and nodes.of(node).has_tasks:
            waiting_on_people.append(step_id)
    if waiting_on_people:   # their human tasks are cancelled with them (reopened if the run resumes)
        tasks.tasks_cancel(tx, waiting_on_people)
    for child_id in (sql.open_items(tx.run.id, maps) if maps and children else ()):
        tx.send("cancel_child", str(child_id))
    if children and kind == StepRun.NODE and tx.run.status == RunStatus.FAILED:
        cancel_orphans(tx)


def children_cancel(tx: RunTx, step: StepRun) -> None:
    """The runs ``step`` waits on are not wanted any more (it was skipped): its child run, a map's items;
    a human step's task."""
    if nodes.of(tx.graph.node(step.node_id)).has_tasks:
        tasks.tasks_cancel(tx, [step.id])
    if step.child_run_id:
        tx.send("cancel_child", str(step.child_run_id))
    if nodes.of(tx.graph.node(step.node_id)).has_items:
        for child_id in sql.open_items(tx.run.id, [step.node_id]):
            tx.send("cancel_child", str(child_id))


def cancel_orphans(tx: RunTx) -> None:
    """Child runs a failed run left going (run_fail, incident) are cancelled once it stops for good."""
    for child_id in sql.orphan_children(tx.run.id):
        tx.send("cancel_child", str(child_id))


def cancel_open(tx: RunTx) -> None:
    for kind in (StepRun.NODE, StepRun.COMPENSATION):
        cancel_open_steps(tx, kind=kind)


def settle(tx: RunTx) -> None:
    """Running <-> waiting, from what is open."""
    if tx.run.status not in (RunStatus.PENDING, RunStatus.RUNNING, RunStatus.WAITING):
        return
    # A node step scheduled in this transaction is open: running, whatever else is (no query needed).
    status = RunStatus.RUNNING if tx.scheduled_node_step else protocol.run_status_for(step_states(tx.run))
    if status is not None:
        tx.set_status(status)


def notify_parent(tx: RunTx) -> None:
    if tx.run.parent_run_id and tx.run.status in (RunStatus.COMPLETED, RunStatus.COMPENSATED, RunStatus.CANCELLED,
                                                  RunStatus.ABORTED, RunStatus.FAILED,
                                                  RunStatus.COMPENSATION_FAILED):
        tx.send("resume_parent", str(tx.run.id))
