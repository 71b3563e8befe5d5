"""Human tasks' rows (engine/models/tasks.py), written inside the run's RunTx: each change is an
event in the run's history, in order (docs/spec.md, "human")."""
from __future__ import annotations

from engine.models import HumanTask
from engine.store.tx import RunTx

T = HumanTask


def _event(tx: RunTx, type: str, task: HumanTask, *, by_user: bool = True, **payload) -> None:
    tx.event(type, node_id=task.node_id, actor=tx.actor if by_user else None, task_id=task.id,
             step_id=task.step_id, status=task.status, **payload)


def task_open(tx: RunTx, step, *, title: str, description: str, assignee_role: str, assignee_user: str,
              form: dict, due_at) -> HumanTask:
    """A new task for the waiting ``step`` (the step's row is written first: it is saved before this)."""
    task = HumanTask.objects.create(run_id=tx.run.id, step_id=step.id, node_id=step.node_id, title=title,
                                    description=description, assignee_role=assignee_role,
                                    assignee_user=assignee_user, form=form, due_at=due_at, created_at=tx.now)
    _event(tx, "task.created", task, by_user=False, title=title, assignee_role=assignee_role,
           assignee_user=assignee_user, due_at=due_at.isoformat() if due_at else None)
    return task


def task_locked(task_id, run_id) -> HumanTask | None:
    """The task, locked (its run is locked first: the fixed lock order)."""
    return HumanTask.objects.select_for_update().filter(pk=task_id, run_id=run_id).first()


def task_run_id(task_id):
    """The run a task belongs to (None: no such task), read without a lock."""
    return HumanTask.objects.filter(pk=task_id).values_list("run_id", flat=True).first()


def task_claim(tx: RunTx, task: HumanTask, user, *, implicit: bool = False) -> None:
    task.status, task.claimed_by, task.claimed_at = T.CLAIMED, user, tx.now
    task.save(update_fields=["status", "claimed_by", "claimed_at"])
    _event(tx, "task.claimed", task, user=user.get_username(), **({"implicit": True} if implicit else {}))


def task_unclaim(tx: RunTx, task: HumanTask) -> None:
    previous = task.claimed_by.get_username() if task.claimed_by_id else None
    task.status, task.claimed_by, task.claimed_at = T.OPEN, None, None
    task.save(update_fields=["status", "claimed_by", "claimed_at"])
    _event(tx, "task.unclaimed", task, previous=previous)


def task_finish(tx: RunTx, task: HumanTask, user, *, status: str, result=None, reason: str = "") -> None:
    """Completed (with ``result``) or rejected (with ``reason``) by ``user``."""
    task.status, task.completed_by, task.completed_at = status, user, tx.now
    task.result, task.reason = result, reason
    task.save(update_fields=["status", "completed_by", "completed_at", "result", "reason"])
    _event(tx, f"task.{status}", task, user=user.get_username(),
           **({"data": result} if status == T.COMPLETED else {"reason": reason}))


def tasks_cancel(tx: RunTx, step_ids) -> None:
    """The steps stopped waiting some other way (the run cancelled, failed or compensating; the
    step skipped): their active tasks are cancelled."""
    for task in HumanTask.objects.select_for_update().filter(step_id__in=list(step_ids), status__in=T.ACTIVE) \
            .order_by("id"):
        task.status = T.CANCELLED
        task.save(update_fields=["status"])
        _event(tx, "task.cancelled", task, by_user=False)


def task_reopen(tx: RunTx, step) -> HumanTask | None:
    """The step's newest task, cancelled by its run's failure, is open again (its claim dropped)."""
    task = HumanTask.objects.select_for_update().filter(step_id=step.id).order_by("-id").first()
    if task is None or task.status != T.CANCELLED:
        return None
    task.status, task.claimed_by, task.claimed_at = T.OPEN, None, None
    task.save(update_fields=["status", "claimed_by", "claimed_at"])
    _event(tx, "task.reopened", task, by_user=False)
    return task
