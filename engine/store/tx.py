"""RunTx: one transaction holding one run's row lock.

Every change to a run or its steps happens inside a RunTx: it locks the run
row first (a fixed lock order, run then steps, so no deadlocks), hands out
gapless event seqs under that lock, and on commit (only then) sends the
queued messages and publishes the events.
"""
from __future__ import annotations

import contextlib
import dataclasses
import logging

from django.db import transaction

from engine import events as publisher
from engine import metrics, stuck, tracing
from engine.graphs import graph_for_run
from engine.models import WorkflowRun
from engine.states import RunStatus, run_can
from engine.store import clock, db, outbox, rows, sql

log = logging.getLogger(__name__)


RUN_STATUS_EVENT = {
    RunStatus.RUNNING: "run.running", RunStatus.WAITING: "run.waiting", RunStatus.COMPLETED: "run.completed",
    RunStatus.FAILED: "run.failed", RunStatus.COMPENSATING: "compensation.started",
    RunStatus.COMPENSATED: "run.compensated", RunStatus.COMPENSATION_FAILED: "run.compensation_failed",
    RunStatus.CANCELLED: "run.cancelled", RunStatus.ABORTED: "run.aborted",
}


class Actor:
    """Who acts: the system, or a user with a reason."""

    def __init__(self, user=None, reason: str = ""):
        self.user, self.reason = user, reason

    @property
    def name(self) -> str:
        return self.user.get_username() if self.user is not None else "system"


SYSTEM = Actor()
# Messages about one of the run's own steps: a code run's go to its version's queue
# (docs/workflows-as-code.md, "Versions"), taken only by processes that have that version.
PINNED = frozenset({"execute_step", "fire_timer"})
# A run's span is emitted when it ends, or fails and waits for an operator (engine/tracing.py).
RUN_ENDED = frozenset(RUN_STATUS_EVENT[s] for s in RunStatus.TERMINAL | RunStatus.NEEDS_OPERATOR)
USER_EVENTS = frozenset({"run.created", "signal.received", "signal.buffered"})


@dataclasses.dataclass(slots=True)
class NewEvent:
    """A RunEvent to insert at flush (a plain record: a model instance per event costs more than its insert)."""
    run_id: object
    seq: int
    type: str
    node_id: str
    payload: dict
    actor: str
    user_id: int | None
    reason: str
    created_at: object


@dataclasses.dataclass(eq=False)
class InlineClaim:
    """The recording worker runs the next node step this transaction schedules, with no message
    (engine/store/steps.py): ``claimer`` makes a step being scheduled its attempt and returns what
    to call once the row is written (or None: schedule it as usual); ``claim`` and ``step`` are
    that attempt, once taken."""
    claimer: object
    claim: object = None
    step: object = None

    @property
    def open(self) -> bool:
        return self.claim is None

    def drop(self, step_id: int) -> None:
        """The step was cancelled in this transaction before it ran: the worker must not run it
        (its held snapshot would still say running)."""
        if self.step is not None and self.step.id == step_id:
            self.claim = self.step = None


class RunTx:
    def __init__(self, run: WorkflowRun, actor: Actor = SYSTEM):
        self.run, self.actor = run, actor
        # The database's time (engine/store/clock.py): what this transaction writes (leases, due
        # times) and compares with (due yet? expired?) agrees with every other process.
        self.now = clock.now()
        self._events: list[NewEvent] = []
        self._messages: list[tuple] = []
        self._run_fields: set[str] = set()
        self._graph = None
        # A node step was scheduled in this transaction: the run is running (settle needs no query).
        self.scheduled_node_step = False
        # A run born in this transaction: no step exists yet; its row is inserted at flush.
        self.new_run = False
        # Set by the executor's record: the recording worker runs one node step scheduled here.
        self.inline: InlineClaim | None = None
        # Step ids drawn under the run's lock, for steps created here (engine/store/sql.py);
        # False once a step took its id from its INSERT (a later-drawn id must not be smaller).
        self.step_ids: list[int] = []
        self.ids_in_order = True
        # Begun on a held run (held_tx): what it would read first it may instead expect, and
        # fail as stale if that was wrong (the caller then starts over with a locked read).
        self.held = False
        # A code run's replay is under way (advance.code_advance), and was asked for again meanwhile.
        self.code_busy = self.code_again = False
        # A code run's history as the transaction began (from a Held: no need to read it), what
        # this transaction changed of it before replaying, how many replays it ran, and the
        # history as it leaves it (for the next transaction on a Held).
        self.code_rows: list | None = None
        self.code_changed: dict[str, tuple] = {}
        self.code_passes = 0
        self.code_rows_after: list | None = None

    @property
    def graph(self):
        if self._graph is None:
            self._graph = graph_for_run(self.run)
        return self._graph

    def event(self, type: str, *, node_id: str = "", actor: Actor | None = None, **payload) -> None:
        # The user owns what they did (their action, their signal, the run they started); what the
        # engine does because of it (steps scheduled, statuses) is the system's.
        if actor is None:
            actor = self.actor if type.startswith("operator.") or type in USER_EVENTS else SYSTEM
        self._events.append(NewEvent(self.run.id, self.run.next_seq + len(self._events), type, node_id, payload,
                                     actor.name, actor.user.pk if actor.user is not None else None, actor.reason,
                                     self.now))

    def send(self, actor_name: str, *args, delay_ms: int | None = None, queue: str | None = None) -> None:
        if queue is None and actor_name in PINNED:
            queue = self.graph.queue   # a code run's steps and timers: its version's queue
        self._messages.append((actor_name, args, delay_ms, queue))

    def touch(self, *fields: str) -> None:
        self._run_fields.update(fields)

    def set_status(self, target: str, **event_payload) -> bool:
        """Guarded run transition; emits the status event. False when not allowed."""
        current = self.run.status
        if current == target:
            return True
        if not run_can(current, target):
            log.info("run %s: %s -> %s refused", self.run.id, current, target)
            return False
        self.run.status = target
        self.touch("status")
        if target in RunStatus.TERMINAL:
            self.run.finished_at = self.now
            self.touch("finished_at")
        elif self.run.finished_at is not None:
            self.run.finished_at = None
            self.touch("finished_at")
        kind = "run.started" if current == RunStatus.PENDING and target == RunStatus.RUNNING else RUN_STATUS_EVENT[target]
        self.event(kind, status=target, previous=current, **event_payload)
        return True

    def flush(self) -> None:
        if self._events:
            self.run.next_seq += len(self._events)
            self.touch("next_seq")
            self.touch(*stuck.progress(self.run, self.now, [e.type for e in self._events], lambda: self.graph))
        if self._events or self.new_run:
            sql.events_insert(self._events, run=self.run, run_fields=self._run_fields, now=self.now,
                              insert_run=self.new_run)
            self.new_run = False
        elif self._run_fields:
            rows.update(self.run, self._run_fields, now=self.now)
        events, queued = list(self._events), list(self._messages)
        if queued:
            transaction.on_commit(lambda: _send_all(queued))
        if events:
            run = self.run
            ended = any(e.type in RUN_ENDED for e in events)
            transaction.on_commit(lambda: _committed(run, events, ended))
        self._events, self._messages, self._run_fields = [], [], set()


def _committed(run, events, ended: bool) -> None:
    metrics.events_committed(version_id=run.version_id, events=events)
    if ended:   # the run's own span, parent of its steps' (engine/tracing.py)
        tracing.run_span_end(run_id=run.id, version_id=run.version_id, status=run.status,
                             started=run.created_at, finished=run.finished_at)
    publisher.publish([publisher.event_dict(e) for e in events])


def _send_all(queued) -> None:
    for actor_name, args, delay_ms, queue in queued:
        outbox.send(actor_name, *args, delay_ms=delay_ms, queue=queue)


@contextlib.contextmanager
def atomic():
    """``transaction.atomic`` for run transactions: their writes wait and go in few round
    trips (engine/store/db.py), the last ones with the COMMIT when this block is the
    outermost one. Nested, it joins the enclosing run transaction."""
    outer = not getattr(transaction.get_connection(), "_flowdeck_deferring", False)
    with transaction.atomic():
        if not outer:
            yield
            return
        db.deferring(True)
        try:
            yield
            if not db.commit_with_deferred():
                db.send_deferred()
        finally:
            db.deferring(False)


@contextlib.contextmanager
def run_tx(run_id, *, actor: Actor = SYSTEM, skip_locked: bool = False, statuses=None):
    """Lock the run and yield a RunTx (None when absent, skip-locked, or not in ``statuses``)."""
    with atomic():
        run = sql.run_lock(run_id, skip_locked=skip_locked)
        if run is None or (statuses is not None and run.status not in statuses):
            yield None
            return
        tx = RunTx(run, actor)
        yield tx
        tx.flush()


@contextlib.contextmanager
def step_tx(step_id: int, run_id=None, *, ids: int = 1):
    """Lock a step and its run (the run first, one statement) and yield ``(RunTx, step)``;
    ``(None, None)`` when there is no such step (of that run). ``ids``: step ids to draw."""
    with atomic():
        run, step, step_ids = sql.run_and_step_lock(step_id, run_id, ids=ids)
        if run is None:
            yield None, None
            return
        tx = RunTx(run)
        tx.step_ids = step_ids
        _seed(tx, step)
        yield tx, step
        tx.flush()


def _seed(tx: RunTx, step) -> None:
    """A code run's step carries its node: what the transaction asks of it needs no other read."""
    if step is not None and step.node and tx.graph.is_code:
        tx.graph.seed(step.node_id, step.node)


@dataclasses.dataclass(eq=False)
class Held:
    """A run and one of its steps as this worker's last transaction on them committed them, and
    step ids drawn under that transaction's lock: enough for the next transaction on them to
    begin without reading them back (``held_tx``). Good for one try."""
    run: WorkflowRun
    step: object
    step_ids: list[int]
    used: bool = False
    code_rows: list | None = None   # a code run's history as that transaction left it


def hold(tx: RunTx, step) -> Held:
    """What ``tx`` leaves for the next transaction on its run and ``step`` (call after its commit)."""
    return Held(tx.run, step, list(tx.step_ids) if tx.ids_in_order else [], code_rows=tx.code_rows_after)


@contextlib.contextmanager
def held_tx(held: Held):
    """``step_tx`` on a held run and step, without reading them: the transaction's first
    statement (sent with its writes and COMMIT when it reads nothing, so one round trip)
    locks the run and checks that no transaction changed it since ours; every change to a
    run or its steps writes an event, so moves ``next_seq``. If one did, that statement fails
    (``db.is_stale``), nothing is written, and the caller starts over with ``step_tx``."""
    held.used = True
    run = held.run
    with atomic():
        db.guard(sql.RUN_EXPECT, (run.id, run.next_seq, run.updated_at))
        tx = RunTx(run)
        tx.step_ids, tx.held = list(held.step_ids), True
        tx.code_rows = held.code_rows
        _seed(tx, held.step)
        yield tx, held.step
        tx.flush()
    row = db.guard_row()
    if row is not None:
        clock.seen(row[1])
        if tx.ids_in_order:
            tx.step_ids.append(row[0])  # drawn under the lock, after every id this transaction used
