"""Step transitions for the executor and the scheduler: claim, heartbeat,
record an attempt's result, expire a lease, fire a timer. Each is guarded:
the step must be in the expected status (and attempt), else it is a no-op."""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.db import DatabaseError
from django.db.models import F, Value
from django.db.models.functions import Least, Now

from engine import nodes, protocol
from engine.models import StepRun
from engine.errors import InvalidInput
from engine.nodes.base import expression_error
from engine.spec import task_input
from engine.states import RunStatus, StepStatus
from engine.store import advance, db, outbox, rows, sql
from engine.workflows import lookup as workflow_lookup
from engine.workflows.replay import compensation_input
from engine.store.tx import Held, InlineClaim, held_tx, hold, run_tx, step_tx

log = logging.getLogger(__name__)
DUE_TOLERANCE = dt.timedelta(milliseconds=250)


@dataclasses.dataclass(frozen=True)
class Claim:
    step_id: int
    run_id: str
    node_id: str
    kind: str
    attempt: int
    node: dict            # the task node (for a compensation: the node being compensated)
    input: object
    idempotency_key: str
    business_key: str | None
    timeout: float
    heartbeat_timeout: float | None
    callback: dict | None = None   # a callback task's (node steps only): the attempt then waits for it
    version_id: int | None = None  # the run's version (metrics' labels)
    # The run and step as the claiming transaction committed them: the record starts from
    # them (tx.held_tx) instead of reading them back, unless something changed them since.
    held: Held | None = dataclasses.field(default=None, compare=False, repr=False)


def _attempt_fields(node: dict) -> tuple[float, float | None]:
    """The attempt's timeout and heartbeat timeout (a compensation's are its node's)."""
    timeout = float(nodes.setting(node, "timeout"))
    heartbeat = node.get("heartbeat_timeout")   # none: the lease is the whole timeout
    return timeout, (float(heartbeat) if heartbeat else None)


def step_claim(*, step_id: int, worker: str) -> Claim | str:
    """Take a scheduled step for one attempt. Returns the Claim, or a string
    saying why not (a duplicate or late message: nothing changes)."""
    with step_tx(step_id) as (tx, step):
        if tx is None:
            return "no such step"
        if step.status != StepStatus.SCHEDULED:
            return f"step is {step.status}"
        if tx.graph.is_code and workflow_lookup(tx.graph.workflow, tx.graph.code_version) is None:
            # Sent here by a re-send to the default queue: to the processes that have its version.
            tx.send("execute_step", step.id)
            return f"this process lacks {tx.graph.workflow} version {tx.graph.code_version}"
        allowed = RunStatus.COMPENSATING if step.kind == StepRun.COMPENSATION else None
        if (allowed and tx.run.status != allowed) or (not allowed and tx.run.status not in
                                                      (RunStatus.RUNNING, RunStatus.WAITING, RunStatus.PENDING)):
            return f"run is {tx.run.status}"
        if step.next_attempt_at and step.next_attempt_at > tx.now + DUE_TOLERANCE:
            # Early by the database's clock: a delayed message's eta is on its sender's clock and
            # is held back by its consumer's (Dramatiq's), and one of them may be off. Due here
            # means due: send it again for when it is (a consumer that is ahead takes it then).
            tx.send("execute_step", step.id, delay_ms=int((step.next_attempt_at - tx.now).total_seconds() * 1000))
            return f"not due until {step.next_attempt_at.isoformat()}"
        claim = _start_attempt(tx, step, worker)
    return claim if isinstance(claim, str) else dataclasses.replace(claim, held=hold(tx, step))


def _attempt_input(tx, step: StepRun):
    node = tx.graph.node(step.node_id)
    spec = node["compensation"] if step.kind == StepRun.COMPENSATION else node
    if step.kind == StepRun.COMPENSATION and "code" in node:   # a code run's (engine/workflows)
        return node, spec, compensation_input(node, tx.run.data.get(step.node_id))
    return node, spec, task_input(spec, advance.context_of(tx.run))


def _start_attempt(tx, step: StepRun, worker: str) -> Claim | str:
    """Mark the locked scheduled ``step`` running for ``worker``: the claim."""
    try:
        prepared = _attempt_input(tx, step)
    except InvalidInput as exc:
        step.status, step.attempt = StepStatus.RUNNING, step.attempt + 1
        advance.fail_step(tx, step, {**expression_error(exc, "MappingError"), "attempt": step.attempt})
        return "input mapping failed"
    started = _attempt_begin(tx, step, worker, prepared)
    rows.update(step, ["status", "attempt", "started_at", "worker", "input", "heartbeat_at", "lease_expires_at"],
               now=tx.now)
    return started()


def _attempt_begin(tx, step: StepRun, worker: str, prepared):
    """Set the attempt's fields on ``step`` (the caller writes them); returns what to call once
    the row is written: it records ``step.started`` and returns the Claim."""
    node, spec, data = prepared
    timeout, heartbeat = _attempt_fields(node)
    step.status, step.attempt, step.started_at, step.worker = StepStatus.RUNNING, step.attempt + 1, tx.now, worker
    step.input, step.heartbeat_at = data, None
    step.lease_expires_at = tx.now + dt.timedelta(seconds=min(timeout, heartbeat or timeout))

    def started() -> Claim:
        tx.event("step.started", node_id=step.node_id, step_id=step.id, kind=step.kind, status=step.status,
                 attempt=step.attempt, worker=worker)
        if step.kind == StepRun.NODE:
            tx.set_status(RunStatus.RUNNING)  # what settle() would find: a node step is running
        return Claim(step_id=step.id, run_id=str(tx.run.id), node_id=step.node_id, kind=step.kind,
                     version_id=tx.run.version_id,
                     attempt=step.attempt, node=spec if step.kind == StepRun.COMPENSATION else node, input=data,
                     idempotency_key=step.idempotency_key_in(tx.run), business_key=tx.run.business_key, timeout=timeout,
                     heartbeat_timeout=heartbeat,
                     callback=node.get("callback") if step.kind == StepRun.NODE else None)
    return started


def _inline_claimer(tx, worker: str):
    """For ``RunTx.inline`` (``InlineClaim.claimer``): make a node step being scheduled in this transaction (not yet
    written) an attempt of ``worker``, the thread that runs it next with no message. Returns
    what to call once the row is written (see ``_attempt_begin``), or None to schedule it as
    usual (its input mapping fails: the claim from the message records that, as always)."""
    def claim(step: StepRun):
        if step.kind != StepRun.NODE:
            return None
        try:
            prepared = _attempt_input(tx, step)
        except InvalidInput:
            return None
        return _attempt_begin(tx, step, worker, prepared)
    return claim


def step_heartbeat(*, claim: Claim) -> bool:
    """Extend the attempt's lease (bounded by its timeout). False: the attempt is no longer ours."""
    if claim.heartbeat_timeout is None:
        return StepRun.objects.filter(pk=claim.step_id, status=StepStatus.RUNNING, attempt=claim.attempt).exists()
    # On the database's clock (engine/store/clock.py), never past the attempt's own deadline
    # (started_at + timeout).
    lease = Least(Now() + Value(dt.timedelta(seconds=claim.heartbeat_timeout)),
                  F("started_at") + dt.timedelta(seconds=claim.timeout))
    rows = (StepRun.objects.filter(pk=claim.step_id, status=StepStatus.RUNNING, attempt=claim.attempt)
            .update(heartbeat_at=Now(), lease_expires_at=lease))
    return rows == 1


# The step keeps its last attempts: written whole on every attempt, a list of all of them made
# the 1,000th attempt rewrite 999 others. Every attempt is also in the run's events (step.started,
# and step.failed / step.timed_out with the whole error), where the older ones are read.
INLINE_ATTEMPTS = 20
INLINE_TRACEBACKS = 3   # of those, the last ones keep their traceback (the events keep them all)


def attempt_record(step: StepRun, now, status: str, error: dict | None = None) -> None:
    kept = step.attempts[len(step.attempts) - INLINE_ATTEMPTS + 1:] if len(step.attempts) >= INLINE_ATTEMPTS \
        else list(step.attempts)
    if len(kept) >= INLINE_TRACEBACKS:
        old = kept[-INLINE_TRACEBACKS]
        if isinstance(old.get("error"), dict) and "traceback" in old["error"]:
            kept[-INLINE_TRACEBACKS] = {**old, "error": {k: v for k, v in old["error"].items() if k != "traceback"}}
    kept.append({"attempt": step.attempt, "status": status, "worker": step.worker,
                 "started_at": step.started_at.isoformat() if step.started_at else None,
                 "finished_at": now.isoformat(), "error": error})
    step.attempts = kept


def _ours(step: StepRun | None, attempt: int | None) -> bool:
    """The attempt is still running (and, given ``attempt``, the same one)."""
    return step is not None and step.status == StepStatus.RUNNING and (attempt is None or step.attempt == attempt)


def step_record_success(*, claim: Claim, output, continue_as: str | None = None) -> bool | Claim:
    """Record the attempt's result. With ``continue_as`` (a worker name), the next task step
    this schedules is claimed for that worker in the same transaction and returned (no message:
    the caller runs it next; its lease covers a crash); else True. False: the result was stale."""
    if claim.held is not None and not claim.held.used:
        try:
            return _record_success(held_tx(claim.held), claim, output, continue_as)
        except DatabaseError as exc:
            if not db.is_stale(exc):
                raise
            log.debug("step %s: the run changed since this worker wrote it; reading it again", claim.step_id)
    # Two ids when continuing: one for the next step, one for the transaction that records it.
    return _record_success(step_tx(claim.step_id, claim.run_id, ids=2 if continue_as else 1), claim, output,
                           continue_as)


def _record_success(opened, claim: Claim, output, continue_as: str | None) -> bool | Claim:
    with opened as (tx, step):
        if not _ours(step, claim.attempt):
            log.info("step %s attempt %s: result discarded (no longer running)", claim.step_id, claim.attempt)
            return False
        if continue_as is not None:
            tx.inline = InlineClaim(_inline_claimer(tx, continue_as))
        if claim.callback and tx.run.status in advance.FORWARD:
            _callback_await(tx, step, claim.callback, output)
            return True
        attempt_record(step, tx.now, StepStatus.SUCCEEDED)
        step.error = None
        advance.succeed(tx, step, output)
    if tx.inline is None or tx.inline.claim is None:
        return True
    return dataclasses.replace(tx.inline.claim, held=hold(tx, tx.inline.step))


def callback_expires_at(step: StepRun, callback: dict):
    return step.started_at + dt.timedelta(seconds=callback["timeout"])


def callback_due(step: StepRun, callback: dict, now):
    """When the waiting attempt times out: its callback's deadline, or sooner without heartbeats."""
    expires = callback_expires_at(step, callback)
    heartbeat = callback.get("heartbeat_timeout")
    return min(expires, now + dt.timedelta(seconds=heartbeat)) if heartbeat else expires


def _callback_await(tx, step: StepRun, callback: dict, started) -> None:
    """The callback task's activity returned (``started``, what it said of the work it started):
    the attempt stays open, with no worker, until its token completes or fails it or it times out."""
    due = callback_due(step, callback, tx.now)
    step.status, step.next_attempt_at, step.lease_expires_at = StepStatus.WAITING, due, None
    step.wait_reason = "awaiting callback"
    rows.update(step, ["status", "next_attempt_at", "lease_expires_at", "wait_reason"], now=tx.now)
    tx.event("step.waiting", node_id=step.node_id, step_id=step.id, status=step.status, attempt=step.attempt,
             callback={"expires_at": callback_expires_at(step, callback).isoformat(), "due": due.isoformat()},
             started=started)
    tx.send("fire_timer", step.id, delay_ms=max(0, int((due - tx.now).total_seconds() * 1000)))
    advance.settle(tx)


def callback_timed_out(tx, step: StepRun, callback: dict) -> None:
    """No callback (or no heartbeat) in time: the attempt failed, and the node's retry policy says
    what next (a new attempt hands out a new token; this one is void)."""
    expires = callback_expires_at(step, callback)
    missed = "heartbeat" if expires > tx.now + DUE_TOLERANCE else "callback"
    limit = callback["heartbeat_timeout"] if missed == "heartbeat" else callback["timeout"]
    step.wait_reason = ""
    error = {"type": "CallbackTimeout", "message": f"no {missed} for attempt {step.attempt} within {limit:g}s "
             f"(its token is void from now)", "missed": missed}
    fail_attempt(tx, step, error, event="step.timed_out")


def step_record_failure(*, claim: Claim, error: dict, event: str = "step.failed") -> bool:
    with step_tx(claim.step_id, claim.run_id) as (tx, step):
        if not _ours(step, claim.attempt):
            log.info("step %s attempt %s: failure discarded (no longer running)", claim.step_id, claim.attempt)
            return False
        fail_attempt(tx, step, error, event=event)
        return True


def fail_attempt(tx, step: StepRun, error: dict, *, event: str = "step.failed") -> None:
    error = {**error, "attempt": step.attempt, "worker": step.worker}
    attempt_record(step, tx.now, "timed_out" if event == "step.timed_out" else StepStatus.FAILED, error)
    node = tx.graph.node(step.node_id)
    policy_node = node["compensation"] if step.kind == StepRun.COMPENSATION else node
    decision = protocol.retry_decide(policy_node, attempt=step.attempt, error_type=error.get("type", "Error"))
    if step.kind == StepRun.NODE and tx.run.status not in (RunStatus.RUNNING, RunStatus.WAITING, RunStatus.PENDING):
        # A straggler: the forward path ended while this attempt ran. A retry could never be
        # claimed, so its failure is final; the run's error stays the one that ended it.
        if event == "step.timed_out":
            tx.event(event, node_id=step.node_id, step_id=step.id, kind=step.kind, attempt=step.attempt,
                     error=error)
        step.status, step.error, step.finished_at, step.lease_expires_at = StepStatus.FAILED, error, tx.now, None
        rows.update(step, ["status", "error", "finished_at", "lease_expires_at", "attempts"], now=tx.now)
        tx.event("step.failed", node_id=step.node_id, step_id=step.id, kind=step.kind, status=step.status,
                 attempt=step.attempt, error=error, final=True, reason=f"the run is {tx.run.status}")
        advance.compensation_continue(tx)
        return
    if not decision.retry:
        if event == "step.timed_out":
            tx.event(event, node_id=step.node_id, step_id=step.id, kind=step.kind, attempt=step.attempt,
                     error=error)
        advance.fail_step(tx, step, {**error, "reason": decision.reason}, exhausted=decision.exhausted)
        return
    due = tx.now + dt.timedelta(seconds=decision.delay)
    step.status, step.error, step.next_attempt_at, step.lease_expires_at = StepStatus.SCHEDULED, error, due, None
    step.enqueued_at = tx.now
    rows.update(step, ["status", "error", "next_attempt_at", "lease_expires_at", "enqueued_at", "attempts",
                       "wait_reason"], now=tx.now)
    tx.event(event, node_id=step.node_id, step_id=step.id, kind=step.kind, status=StepStatus.FAILED,
             attempt=step.attempt, error=error, final=False)
    tx.event("step.retry_scheduled", node_id=step.node_id, step_id=step.id, kind=step.kind, status=step.status,
             attempt=step.attempt, next_attempt_at=due.isoformat(), delay=round(decision.delay, 3))
    tx.send("execute_step", step.id, delay_ms=int(decision.delay * 1000))
    advance.settle(tx)


def step_abandon(tx, step: StepRun, *, worker_alive: bool | None) -> None:
    """An operator force-retries the locked running ``step``: its attempt is recorded as abandoned
    and the next one scheduled now. A late result of the abandoned attempt is discarded (``_ours``)."""
    state = "dead" if worker_alive is False else "unresponsive"
    error = {"type": "AttemptAbandoned", "attempt": step.attempt, "worker": step.worker,
             "message": f"force-retried by an operator: worker {step.worker or '?'} {state}"}
    attempt_record(step, tx.now, "abandoned", error)
    step.error = error
    rows.update(step, ["attempts", "error"], now=tx.now)
    tx.event("step.abandoned", node_id=step.node_id, step_id=step.id, kind=step.kind, attempt=step.attempt,
             error=error)
    advance.reschedule(tx, step)


def lease_grace() -> dt.timedelta:
    """How long past its lease a running attempt is left to its worker before the scheduler
    records it timed out: the worker's watchdog fires at the same deadline and says more."""
    return dt.timedelta(seconds=getattr(settings, "FLOWDECK_LEASE_GRACE", 2.0))


def step_expire_lease(*, step_id: int, run_id) -> bool:
    """The scheduler's half of a timeout: a running attempt whose lease ran out
    (the worker died, hung or was too slow) is recorded as timed out."""
    with run_tx(run_id, skip_locked=True) as tx:
        if tx is None:
            return False
        step = sql.step_get(step_id, lock=True)
        if not _ours(step, None) or step.lease_expires_at is None or step.lease_expires_at + lease_grace() > tx.now:
            return False
        error = {"type": "LeaseExpired", "message": f"no result from worker {step.worker or '?'} before the lease "
                 f"expired at {step.lease_expires_at.isoformat()}", "lease_expired_at": step.lease_expires_at.isoformat()}
        fail_attempt(tx, step, error, event="step.timed_out")
        return True


def step_fire_timer(*, step_id: int, run_id=None, skip_locked: bool = False) -> bool:
    """A wait's time came, or a signal's timeout passed."""
    run_id = run_id or StepRun.objects.filter(pk=step_id).values_list("run_id", flat=True).first()
    if run_id is None:
        return False
    with run_tx(run_id, skip_locked=skip_locked) as tx:
        if tx is None:
            return False
        step = StepRun.objects.select_for_update().filter(pk=step_id, status=StepStatus.WAITING).first()
        if step is None or step.next_attempt_at is None or step.next_attempt_at > tx.now + DUE_TOLERANCE:
            return False
        if tx.run.status not in (RunStatus.RUNNING, RunStatus.WAITING):
            return False
        node = tx.graph.node(step.node_id)
        if step.kind == StepRun.NODE and nodes.of(node).runs_activity and node.get("callback"):
            callback_timed_out(tx, step, node["callback"])   # the retry policy's, so here, not the node type's
            return True
        advance.fire_timer(tx, step)
        return True

def step_requeue(*, step_id: int) -> bool:
    """Re-send a scheduled step whose message no worker took (lost between
    commit and send, or the broker lost it). Duplicates are harmless: claim is guarded."""
    rows = (StepRun.objects.filter(pk=step_id, status=StepStatus.SCHEDULED)
            .update(enqueued_at=Now(), requeues=F("requeues") + 1))
    if rows:
        outbox.send("execute_step", step_id)
    return rows == 1


__all__ = ["Claim", "attempt_record", "callback_due", "callback_expires_at", "fail_attempt", "lease_grace", "step_claim",
           "step_heartbeat", "step_record_success", "step_record_failure", "step_expire_lease", "step_fire_timer",
           "step_requeue"]
