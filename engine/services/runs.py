"""Run services: start, signal, cancel, compensate, retry, skip, edit data and input.

Each is one transaction on the locked run that records a RunEvent naming the
acting user and reason; messages go out and events are published after commit.
"""
from __future__ import annotations

import json
import logging

import jsonschema
from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError, IntegrityError

from engine.activities import activity_get
from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import StepRun, WorkflowDefinition, WorkflowRun, WorkflowVersion
from engine import jsonpaths, limits, policy
from engine.selectors.processes import worker_liveness
from engine.states import RunStatus, StepStatus
from engine.services.audit import audit_record
from engine.services.workflows import workflow_start_version
from engine.store import advance, db, reopen, rows, signals, sql, versions
from engine.store.steps import step_abandon
from engine.store.tx import Actor, RunTx, run_tx
from engine.store.tx import atomic as tx_atomic

log = logging.getLogger(__name__)
MAX_INPUT_BYTES = 256 * 1024


def _check_json(value, what: str) -> None:
    try:
        size = len(json.dumps(value))
    except (TypeError, ValueError):
        raise InvalidInput(f"{what} must be JSON")
    if size > MAX_INPUT_BYTES:
        raise InvalidInput(f"{what} is {size} bytes; the limit is {MAX_INPUT_BYTES}")


# definition key -> its latest published version, as this process last found it
_latest: dict[str, WorkflowVersion] = {}


def _pinned_version(definition_key: str, number: int | None) -> tuple[WorkflowVersion, list[int], bool]:
    """``versions.version_for`` by definition key, with its definition, in one statement; two step ids
    for the run's first steps; and whether the version is the one kept from an earlier start
    (the start then checks it is still the latest: ``sql.VERSION_EXPECT``)."""
    if number is None and definition_key in _latest:
        return _latest[definition_key], sql.step_ids_take(2), True
    version, step_ids = sql.version_for_start(definition_key, number)
    if version is None:
        definition = WorkflowDefinition.objects.filter(key=definition_key).first()
        if definition is None:
            raise NotFound(f"no definition with key {definition_key!r}")
        return versions.version_for(definition, number), [], False  # raises NotFound with the reason
    if number is None:
        _latest[definition_key] = version
    return version, step_ids, False


def run_start(*, definition_key: str, input: dict | None = None, business_key: str | None = None,
              version: int | None = None, user=None, reason: str = "", is_test: bool = False
              ) -> tuple[WorkflowRun, bool]:
    """Start a run on the latest published version (or ``version``), pinned for
    its whole life. With a ``business_key``, starting again returns the
    existing run: ``(run, created)``."""
    input = {} if input is None else input
    if not isinstance(input, dict):
        raise InvalidInput("input must be a JSON object")
    _check_json(input, "input")
    code_version = workflow_start_version(definition_key) if version is None else None
    try:   # a code workflow: its newest version here
        pinned, step_ids, kept = _pinned_version(definition_key, version or code_version)
    except NotFound:
        if code_version is None:
            raise
        pinned, step_ids, kept = _pinned_version(definition_key, workflow_start_version(definition_key, again=True))
    definition = pinned.definition
    if business_key is not None:
        existing = WorkflowRun.objects.filter(definition=definition, business_key=business_key).first()
        if existing is not None:
            return existing, False
    # An archived definition starts nothing (a kept version fails VERSION_EXPECT once archived).
    if not kept and WorkflowDefinition.objects.filter(pk=definition.id, archived_at__isnull=False).exists():
        raise Conflict(f"{definition.key} is archived: unarchive it to start runs")
    try:
        with tx_atomic():
            if kept:
                db.guard(sql.VERSION_EXPECT, (definition.id, pinned.id))
            run = rows.new(WorkflowRun, related={"definition": definition, "version": pinned, "created_by": user},
                          definition_id=definition.id, version_id=pinned.id, business_key=business_key, input=input,
                          created_by_id=user.pk if user is not None else None, is_test=is_test or pinned.is_test)
            # No lock needed: no other transaction sees the row before we commit.
            advance.run_begin(run, Actor(user, reason), insert=True, step_ids=step_ids)
    except IntegrityError:
        existing = WorkflowRun.objects.filter(definition=definition, business_key=business_key).first()
        if existing is None:
            raise
        return existing, False
    except (DatabaseError, ObjectDoesNotExist) as exc:
        # A newer version was published, or the cached one is gone (its definition deleted and made
        # again): look it up, start again.
        if not (kept and (isinstance(exc, ObjectDoesNotExist) or db.is_stale(exc))):
            raise
        _latest.pop(definition_key, None)
        return run_start(definition_key=definition_key, input=input, business_key=business_key, version=version,
                         user=user, reason=reason, is_test=is_test)
    return run, True


def _audit(tx: RunTx, action: str, **changes) -> None:
    audit_record(user=tx.actor.user, action=f"run.{action}", object_type="run", object_id=tx.run.id,
                 reason=tx.actor.reason, changes=changes)


def _locked(run_id, actor: Actor):
    return run_tx(run_id, actor=actor)


def _require(tx: RunTx | None, run_id) -> RunTx:
    if tx is None:
        raise NotFound(f"no run {run_id}")
    return tx


def _facts(tx: RunTx) -> policy.RunFacts:
    """What the policy decides from, read under the run's lock."""
    steps = list(StepRun.objects.filter(run=tx.run).order_by("id"))
    workers = [s.worker for s in steps if s.status == StepStatus.RUNNING and s.worker]
    liveness = worker_liveness(worker_names=workers) if workers else {}
    return policy.facts_of(tx.run.status, steps, tx.graph, now=tx.now, liveness=liveness,
                           kept=signals.signals_kept(tx.run.id), keep_limit=limits.limit(limits.KEPT_SIGNALS))


def _check(tx: RunTx, action: str, **kwargs) -> None:
    """Refuse ``action`` (409) unless the policy table allows it in the run's state now."""
    why = policy.refusal(action, _facts(tx), **kwargs)
    if why is not None:
        raise Conflict(why)


def _step(tx: RunTx, node_id: str, kind: str | None) -> tuple[StepRun, str]:
    """The step an action on ``node_id`` means: ``kind``, else the compensation while the run
    compensates (or its compensation failed), else the node's own step."""
    steps = {s.kind: s for s in StepRun.objects.select_for_update().filter(run=tx.run, node_id=node_id)}
    if kind is None:
        compensating = tx.run.status in (RunStatus.COMPENSATING, RunStatus.COMPENSATION_FAILED)
        kind = StepRun.COMPENSATION if compensating and StepRun.COMPENSATION in steps else StepRun.NODE
    if kind not in steps:
        raise NotFound(f"the run has no {'compensation of ' if kind == StepRun.COMPENSATION else ''}step {node_id!r}")
    return steps[kind], kind


def _go_on(tx: RunTx) -> None:
    """A failed run goes forward again: running, its error cleared."""
    tx.set_status(RunStatus.RUNNING)
    tx.run.error = None
    tx.touch("error")


def run_cancel(*, run_id, user=None, reason: str = "") -> WorkflowRun:
    with _locked(run_id, Actor(user, reason)) as tx:
        tx = _require(tx, run_id)
        _check(tx, "cancel")
        tx.event("operator.cancel", status=tx.run.status)
        _audit(tx, "cancel", status=tx.run.status)
        advance.cancel_open(tx)
        tx.set_status(RunStatus.CANCELLED)
        advance.notify_parent(tx)
        return tx.run


def run_signal(*, run_id, name: str, payload=None, signal_id: str | None = None, user=None,
               reason: str = "") -> WorkflowRun:
    """Deliver signal ``name`` to the step waiting for it, or keep it for a signal node not reached
    yet (taken when it is, oldest first). A second signal with the same ``signal_id`` is ignored."""
    _check_json(payload, "signal payload")
    if signal_id is not None and (not isinstance(signal_id, str) or not 0 < len(signal_id) <= 200):
        raise InvalidInput("signal_id: a string of 1 to 200 characters, or absent")
    with _locked(run_id, Actor(user, reason)) as tx:
        tx = _require(tx, run_id)
        if signal_id is not None and signals.signal_seen(tx.run.id, signal_id):
            log.info("run %s: signal %s with id %r already received; ignored", tx.run.id, name, signal_id)
            return tx.run
        _check(tx, "signal", signal=name)
        step = next((s for s in StepRun.objects.select_for_update().filter(
            run=tx.run, node_type="signal", status=StepStatus.WAITING).order_by("id")
            if tx.graph.node(s.node_id).get("signal") == name), None)
        if step is None:
            signals.signal_keep(tx, name=name, payload=payload, signal_id=signal_id)
            _audit(tx, "signal", signal=name, signal_id=signal_id, payload=payload, kept=True)
            return tx.run
        signals.signal_delivered(tx, name=name, payload=payload, signal_id=signal_id, node_id=step.node_id)
        tx.event("signal.received", node_id=step.node_id, step_id=step.id, signal=name, signal_id=signal_id,
                 payload=payload)
        _audit(tx, "signal", signal=name, signal_id=signal_id, node_id=step.node_id, payload=payload)
        advance.succeed(tx, step, payload if payload is not None else {}, signal=name)
        return tx.run


def run_compensate(*, run_id, user=None, reason: str = "") -> WorkflowRun:
    """Stop going forward and undo what succeeded, in reverse order."""
    with _locked(run_id, Actor(user, reason)) as tx:
        tx = _require(tx, run_id)
        _check(tx, "compensate")
        tx.event("operator.compensate", status=tx.run.status)
        _audit(tx, "compensate", status=tx.run.status)
        if tx.run.status == RunStatus.COMPENSATION_FAILED:
            tx.set_status(RunStatus.COMPENSATING)
            _rearm_failed(tx, kind=StepRun.COMPENSATION)
            return tx.run
        advance.cancel_open_steps(tx, kind=StepRun.NODE, keep_running=True, compensating=True)
        tx.set_status(RunStatus.COMPENSATING, error=tx.run.error)
        advance.compensation_continue(tx)
        return tx.run


def _rearm_failed(tx: RunTx, *, kind: str) -> list[StepRun]:
    steps = list(StepRun.objects.select_for_update().filter(run=tx.run, kind=kind, status=StepStatus.FAILED)
                 .order_by("id"))
    for step in steps:
        advance.rearm(tx, step)
    return steps


def step_retry(*, run_id, node_id: str, kind: str | None = None, user=None, reason: str = "") -> WorkflowRun:
    """Run a failed step again now (or a scheduled one waiting for its retry)."""
    with _locked(run_id, Actor(user, reason)) as tx:
        tx = _require(tx, run_id)
        step, kind = _step(tx, node_id, kind)
        _check(tx, "retry_step", node_id=node_id, kind=kind)
        tx.event("operator.retry", node_id=node_id, step_id=step.id, kind=kind, status=step.status,
                 attempt=step.attempt)
        _audit(tx, "retry_step", node_id=node_id, kind=kind, attempt=step.attempt)
        if kind == StepRun.COMPENSATION:
            tx.set_status(RunStatus.COMPENSATING)
            advance.rearm(tx, step) if step.status == StepStatus.FAILED else advance.reschedule(tx, step)
            return tx.run
        resuming = tx.run.status == RunStatus.FAILED
        if resuming:
            _go_on(tx)
        advance.rearm(tx, step) if step.status == StepStatus.FAILED else advance.reschedule(tx, step)
        if resuming:
            reopen.resume(tx)
        advance.settle(tx)
        return tx.run


def step_force_retry(*, run_id, node_id: str, kind: str | None = None, user=None, reason: str = "") -> WorkflowRun:
    """Abandon a running attempt whose lease expired or whose worker is dead; the next one now."""
    with _locked(run_id, Actor(user, reason)) as tx:
        tx = _require(tx, run_id)
        step, kind = _step(tx, node_id, kind)
        facts = _facts(tx)
        why = policy.refusal("force_retry", facts, node_id=node_id, kind=kind)
        if why is not None:
            raise Conflict(why)
        known = facts.step(node_id, kind)
        tx.event("operator.force_retry", node_id=node_id, step_id=step.id, kind=kind, attempt=step.attempt,
                 worker=step.worker, worker_alive=known.worker_alive, lease_expired=known.lease_expired)
        _audit(tx, "force_retry", node_id=node_id, kind=kind, attempt=step.attempt, worker=step.worker)
        step_abandon(tx, step, worker_alive=known.worker_alive)
        return tx.run


def run_retry_from_failed(*, run_id, user=None, reason: str = "") -> WorkflowRun:
    with _locked(run_id, Actor(user, reason)) as tx:
        tx = _require(tx, run_id)
        _check(tx, "retry")
        kind = StepRun.COMPENSATION if tx.run.status == RunStatus.COMPENSATION_FAILED else StepRun.NODE
        tx.event("operator.retry", kind=kind, status=tx.run.status)
        _audit(tx, "retry", kind=kind)
        if kind == StepRun.COMPENSATION:
            tx.set_status(RunStatus.COMPENSATING)
            _rearm_failed(tx, kind=kind)
            return tx.run
        _go_on(tx)
        _rearm_failed(tx, kind=kind)
        reopen.resume(tx)
        advance.settle(tx)
        return tx.run


def step_skip(*, run_id, node_id: str, output=None, kind: str | None = None, user=None,
              reason: str = "") -> WorkflowRun:
    """Mark a failed (or waiting/scheduled) step done with ``output`` and go on; a failed
    compensation skipped counts as undone (the operator undid it by hand)."""
    output = {} if output is None else output
    _check_json(output, "output")
    with _locked(run_id, Actor(user, reason)) as tx:
        tx = _require(tx, run_id)
        step, kind = _step(tx, node_id, kind)
        _check(tx, "skip", node_id=node_id, kind=kind)
        node = tx.graph.node(node_id)
        if kind == StepRun.NODE:
            _check_output(node, output)
        tx.event("operator.skip", node_id=node_id, step_id=step.id, kind=kind, status=step.status, output=output)
        _audit(tx, "skip", node_id=node_id, kind=kind, output=output)
        if kind == StepRun.COMPENSATION:
            tx.set_status(RunStatus.COMPENSATING)
            advance.succeed(tx, step, output, event="step.skipped", status=StepStatus.SKIPPED)
            return tx.run
        if step.status == StepStatus.WAITING:
            advance.children_cancel(tx, step)
        failed = tx.run.status == RunStatus.FAILED
        # In a failed run the skip is recorded first, its successors held back (successors_pending)
        # like any step done while failed; the run resumes once no failed step is left: resume()
        # reopens what the failure closed (a join waits again), then activates what follows.
        advance.succeed(tx, step, output, event="step.skipped", status=StepStatus.SKIPPED)
        if not failed:
            return tx.run
        remaining = (StepRun.objects.filter(run=tx.run, kind=StepRun.NODE, status=StepStatus.FAILED)
                     .order_by("id").first())
        if remaining is not None:  # still failed at another step
            tx.run.error = {**(remaining.error or {}), "node_id": remaining.node_id}
            tx.touch("error")
            return tx.run
        _go_on(tx)
        reopen.resume(tx)
        advance.settle(tx)
        return tx.run


def _check_output(node: dict, output) -> None:
    activity = activity_get(node["activity"]) if node.get("type") == "task" else None
    if activity is not None and activity.output_schema is not None:
        try:
            jsonschema.validate(output, activity.output_schema)
        except jsonschema.ValidationError as exc:
            raise InvalidInput(f"output does not match {activity.name}'s output schema: {exc.message}",
                               errors=[{"path": "/" + "/".join(map(str, exc.absolute_path)),
                                        "message": exc.message}])


def run_edit_data(*, run_id, data, user=None, reason: str = "") -> WorkflowRun:
    """Replace the run's data (before a retry); before and after go in the event."""
    if not isinstance(data, dict):
        raise InvalidInput("data must be a JSON object")
    _check_json(data, "data")
    with _locked(run_id, Actor(user, reason)) as tx:
        tx = _require(tx, run_id)
        _check(tx, "edit_data")
        before = tx.run.data
        tx.run.data = data
        tx.touch("data")
        tx.event("operator.data_edited", before=before, after=data)
        _audit(tx, "edit_data", before=before, after=data)
        return tx.run


def run_edit_input(*, run_id, input, user=None, reason: str = "") -> WorkflowRun:
    """Correct the run's input. Steps that ran keep what they read (their recorded input); steps
    not run yet, and retries, read the new one. The event names the changed paths."""
    if not isinstance(input, dict):
        raise InvalidInput("input must be a JSON object")
    _check_json(input, "input")
    with _locked(run_id, Actor(user, reason)) as tx:
        tx = _require(tx, run_id)
        _check(tx, "edit_input")
        if not tx.run.subflow:   # a loop's or map's item run: its input comes from its parent's mapping
            _check_input_schema(_input_schema(tx.run.version_id), input)
        before = tx.run.input
        changes, truncated = jsonpaths.diff(before, input)
        tx.run.input = input
        tx.touch("input")
        tx.event("operator.input_edited", changes=changes, truncated=truncated, before=before, after=input)
        _audit(tx, "edit_input", changes=changes, before=before, after=input)
        return tx.run


def _input_schema(version_id) -> dict | None:
    """The definition's input schema, where its spec keeps one (settings.input_schema, or input_schema)."""
    spec = WorkflowVersion.objects.values_list("spec", flat=True).get(pk=version_id) or {}
    found = (spec.get("settings") or {}).get("input_schema", spec.get("input_schema"))
    return found if isinstance(found, dict) else None


def _check_input_schema(schema: dict | None, value) -> None:
    if not schema:
        return
    error = jsonschema.exceptions.best_match(jsonschema.validators.validator_for(schema)(schema).iter_errors(value))
    if error is not None:
        path = "/" + "/".join(map(str, error.absolute_path))
        raise InvalidInput(f"input does not match the definition's input schema at {path}: {error.message}",
                           errors=[{"path": path, "message": error.message}])


def run_code_advance(*, run_id) -> bool:
    """Replay a code run (its version's queue sends it here: this process has that version)."""
    with run_tx(run_id, statuses=advance.FORWARD) as tx:
        if tx is None or not tx.graph.is_code:
            return False
        advance.code_advance(tx)
        advance.settle(tx)
        return True


def run_resume_parent(*, child_run_id) -> bool:
    """A child run ended: the parent's step that waits on it (a subworkflow's, a loop's, a map's) goes on."""
    child = WorkflowRun.objects.filter(pk=child_run_id).first()
    if child is None or child.parent_run_id is None:
        return False
    with run_tx(child.parent_run_id) as tx:
        if tx is None:
            return False
        steps = {s.kind: s for s in StepRun.objects.select_for_update().filter(
            run=tx.run, node_id=child.parent_node_id, status=StepStatus.WAITING)}
        step = steps.get(StepRun.NODE)
        if step is not None and advance.waits_on(tx, step, child):
            advance.child_ended(tx, step, child)
            return True
        undoing = steps.get(StepRun.COMPENSATION)   # a map's compensation, undoing its items one by one
        if undoing is not None and child.key_scope:
            advance.undo_progress(tx, undoing, child)
            return True
        return False


def run_undo_child(*, run_id) -> None:
    """A map's compensation undoes its item run ``run_id``: a completed one compensates now (its
    map's run compensates), one still going or failed is compensated as an operator would."""
    with run_tx(run_id) as tx:
        if tx is None:
            return
        if tx.run.status == RunStatus.COMPLETED:
            tx.set_status(RunStatus.COMPENSATING, reason="its map is undone")
            advance.compensation_continue(tx)
            return
        if tx.run.status not in (RunStatus.PENDING, RunStatus.RUNNING, RunStatus.WAITING, RunStatus.FAILED,
                                 RunStatus.COMPENSATION_FAILED):
            return
    try:
        run_compensate(run_id=run_id, reason="its map's run compensates")
    except (Conflict, NotFound):
        pass


def run_compensation_nudge(*, step_id: int, run_id) -> bool:
    """The scheduler's look at a map's compensation that has not moved for a while (a message lost)."""
    with run_tx(run_id, skip_locked=True) as tx:
        if tx is None:
            return False
        step = StepRun.objects.select_for_update().filter(pk=step_id, kind=StepRun.COMPENSATION,
                                                          status=StepStatus.WAITING).first()
        if step is None:
            return False
        advance.undo_progress(tx, step, None)
        return True


def run_cancel_child(*, run_id) -> None:
    try:
        run_cancel(run_id=run_id, reason="parent run stopped")
    except (Conflict, NotFound):
        pass
