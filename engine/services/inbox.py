"""Inbox services: claim, unclaim, complete and reject a human task (docs/spec.md, "human").

Each is one transaction on the task's locked run (then the task: the fixed lock order) that checks
the task's state and who asks (``engine.selectors.inbox.task_refusal``, the one rule), writes an
event in the run's history and an audit entry; a completion succeeds the step and the run goes on,
a rejection fails it (``HumanTaskRejected``) and the node's on_failure decides."""
from __future__ import annotations

import json

from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import HumanTask, StepRun
from engine.nodes.human import form_errors
from engine.selectors.inbox import task_refusal
from engine.services.actions import MAX_REASON
from engine.services.audit import audit_record
from engine.services.runs import MAX_INPUT_BYTES
from engine.states import StepStatus
from engine.store import advance, tasks
from engine.store.tx import Actor, RunTx, run_tx

T = HumanTask


def _locked(tx: RunTx | None, task_id) -> HumanTask:
    task = tasks.task_locked(task_id, tx.run.id) if tx is not None else None
    if task is None:
        raise NotFound(f"no task {task_id}")
    return task


def _run_of(task_id):
    try:
        run_id = tasks.task_run_id(int(task_id))
    except (TypeError, ValueError):
        run_id = None
    if run_id is None:
        raise NotFound(f"no task {str(task_id)[:40]}")
    return run_id


def _allow(task: HumanTask, user, action: str) -> None:
    why = task_refusal(task, user, action)
    if why is not None:
        raise Conflict(f"cannot {action} task {task.id}: {why}")


def _audit(tx: RunTx, task: HumanTask, action: str, **changes) -> None:
    audit_record(user=tx.actor.user, action=f"task.{action}", object_type="task", object_id=task.id,
                 reason=tx.actor.reason, changes={"run_id": str(task.run_id), "node_id": task.node_id, **changes})


def _waiting_step(task: HumanTask) -> StepRun:
    step = StepRun.objects.select_for_update().filter(pk=task.step_id).first()
    if step is None or step.status != StepStatus.WAITING:
        raise Conflict(f"task {task.id}'s step {task.node_id} is {step.status if step else 'gone'}, not waiting")
    return step


def _reason(reason, *, required: bool) -> str:
    if reason is None and not required:
        return ""
    if not isinstance(reason, str) or (required and not reason.strip()):
        raise InvalidInput("a reason is required: say why the task is rejected",
                           errors=[{"field": "reason", "message": "a reason is required"}])
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"the reason is {len(reason)} characters; the limit is {MAX_REASON}",
                           errors=[{"field": "reason", "message": f"at most {MAX_REASON} characters"}])
    return reason.strip()


def task_claim(*, task_id, user) -> HumanTask:
    """``user`` takes an open task assigned to them (an admin: any): it leaves the others' inboxes."""
    with run_tx(_run_of(task_id), actor=Actor(user)) as tx:
        task = _locked(tx, task_id)
        _allow(task, user, "claim")
        tasks.task_claim(tx, task, user)
        _audit(tx, task, "claim")
        return task


def task_unclaim(*, task_id, user) -> HumanTask:
    """The claimer (or an admin) gives the task back: open again, for anyone it is assigned to."""
    with run_tx(_run_of(task_id), actor=Actor(user)) as tx:
        task = _locked(tx, task_id)
        _allow(task, user, "unclaim")
        previous = task.claimed_by.get_username()
        tasks.task_unclaim(tx, task)
        _audit(tx, task, "unclaim", previous=previous)
        return task


def task_complete(*, task_id, user, data, reason: str | None = "") -> HumanTask:
    """The claimer (or the assignee, claiming it now) completes the task with ``data``, which must
    fit its form (InvalidInput with one error per field); the step succeeds with
    ``{"data": data, "completed_by": <username>}`` and the run goes on."""
    if not isinstance(data, dict):
        raise InvalidInput("data must be a JSON object", errors=[{"field": "data", "message": "must be an object"}])
    size = len(json.dumps(data))
    if size > MAX_INPUT_BYTES:
        raise InvalidInput(f"data is {size} bytes; the limit is {MAX_INPUT_BYTES}",
                           errors=[{"field": "data", "message": f"at most {MAX_INPUT_BYTES} bytes"}])
    reason = _reason(reason, required=False)
    with run_tx(_run_of(task_id), actor=Actor(user, reason)) as tx:
        task = _locked(tx, task_id)
        _allow(task, user, "complete")
        problems = form_errors(task.form, data)
        if problems:
            raise InvalidInput(f"the data does not fit the task's form: {problems[0]['field']}: "
                               f"{problems[0]['message']}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1
                                                              else ""), errors=problems)
        step = _waiting_step(task)
        if task.status == T.OPEN:
            tasks.task_claim(tx, task, user, implicit=True)
        tasks.task_finish(tx, task, user, status=T.COMPLETED, result=data, reason=reason)
        _audit(tx, task, "complete", data=data)
        advance.succeed(tx, step, {"data": data, "completed_by": user.get_username()}, task_id=task.id)
        return task


def task_reject(*, task_id, user, reason) -> HumanTask:
    """The claimer (or the assignee, claiming it now) rejects the task, saying why: the step fails with
    ``HumanTaskRejected`` (its message the reason) and the node's on_failure decides."""
    reason = _reason(reason, required=True)
    with run_tx(_run_of(task_id), actor=Actor(user, reason)) as tx:
        task = _locked(tx, task_id)
        _allow(task, user, "reject")
        step = _waiting_step(task)
        if task.status == T.OPEN:
            tasks.task_claim(tx, task, user, implicit=True)
        tasks.task_finish(tx, task, user, status=T.REJECTED, reason=reason)
        _audit(tx, task, "reject")
        advance.fail_step(tx, step, {"type": "HumanTaskRejected", "message": reason, "task_id": task.id,
                                     "rejected_by": user.get_username()})
        return task
