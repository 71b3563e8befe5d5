"""Reads of human tasks for the Inbox (docs/console.md, "Inbox"), and the one rule of who may do
what to a task: the services enforce ``task_refusal`` under the run's lock, the API serves it as
each task's ``actions``, and the console draws exactly those buttons."""
from __future__ import annotations

from django.db.models import F, Q
from django.utils import timezone

from engine.errors import InvalidInput, NotFound
from engine.models import HumanTask
from engine.roles import ADMIN, VIEWER, roles_of

T = HumanTask
TASK_ACTIONS = ("claim", "unclaim", "complete", "reject")
MAX_LIST = 200


def _name(user) -> str:
    return user.get_username() if user is not None else ""


def task_assigned_to(task: HumanTask, user) -> bool:
    """The task is in ``user``'s inbox: assigned to them, or to one of their roles."""
    return (task.assignee_user == _name(user)) if task.assignee_user else task.assignee_role in roles_of(user)


def task_refusal(task: HumanTask, user, action: str) -> str | None:
    """Why ``user`` may not ``action`` the task now (None: they may)."""
    roles = roles_of(user)
    if not roles - {VIEWER}:
        return "a viewer sees tasks but cannot act on them: claiming, completing and rejecting need another role"
    admin = ADMIN in roles
    who = f"role {task.assignee_role}" if task.assignee_role else f"user {task.assignee_user}"
    claimer = task.claimed_by.get_username() if task.claimed_by_id else None
    if task.status not in T.ACTIVE:
        return f"the task is {task.status}"
    if action == "claim":
        if task.status == T.CLAIMED:
            return f"the task is claimed by {claimer}"
        return None if admin or task_assigned_to(task, user) else f"the task is assigned to {who}, not to you"
    if action == "unclaim":
        if task.status != T.CLAIMED:
            return "the task is not claimed"
        return None if admin or claimer == _name(user) else f"the task is claimed by {claimer}; only they or an admin may unclaim it"
    if action in ("complete", "reject"):
        if task.status == T.CLAIMED:
            return None if claimer == _name(user) else f"the task is claimed by {claimer}"
        return None if admin or task_assigned_to(task, user) else f"the task is assigned to {who}, not to you"
    return f"unknown action {action!r}; one of {', '.join(TASK_ACTIONS)}"


def _visible(user):
    """The tasks ``user`` sees: an admin all, and a viewer all (read only: they act on none); anyone
    else those assigned to them or their roles (and those they claimed or completed)."""
    qs = HumanTask.objects.select_related("run__definition", "claimed_by", "completed_by")
    roles = roles_of(user)
    if ADMIN in roles or roles == {VIEWER}:
        return qs
    return qs.filter(Q(assignee_role__in=roles, assignee_user="") | Q(assignee_user=_name(user))
                     | Q(claimed_by=user) | Q(completed_by=user))


def _statuses(raw) -> tuple[str, ...]:
    if raw in (None, ""):
        return T.ACTIVE
    if raw == "all":
        return T.STATUSES
    statuses = tuple(s for s in str(raw).split(",") if s)
    unknown = [s for s in statuses if s not in T.STATUSES]
    if unknown:
        raise InvalidInput(f"status: {', '.join(u[:30] for u in unknown[:3])!r} unknown; one or more of "
                           f"{', '.join(T.STATUSES)}, or all", errors=[{"field": "status", "message": "unknown status"}])
    return statuses


def task_view(task: HumanTask, user, now=None) -> dict:
    """One task as the Inbox shows it, with what ``user`` may do to it (each action None, or why not)."""
    now = now or timezone.now()
    return {"id": task.id, "run_id": task.run_id, "definition": task.run.definition.key,
            "business_key": task.run.business_key, "node_id": task.node_id, "title": task.title,
            "description": task.description, "form": task.form, "status": task.status,
            "assignee_role": task.assignee_role or None, "assignee_user": task.assignee_user or None,
            "claimed_by": task.claimed_by.get_username() if task.claimed_by_id else None,
            "claimed_at": task.claimed_at, "completed_by": task.completed_by.get_username() if task.completed_by_id
            else None, "completed_at": task.completed_at, "result": task.result, "reason": task.reason,
            "due_at": task.due_at, "overdue": bool(task.due_at and task.status in T.ACTIVE and task.due_at < now),
            "created_at": task.created_at,
            "actions": {action: task_refusal(task, user, action) for action in TASK_ACTIONS}}


def inbox_list(*, user, status=None, mine: bool = False, limit: int = MAX_LIST) -> list[dict]:
    """``user``'s inbox: by default the open and claimed tasks; ``mine``: those they claimed.
    Soonest due first (no due date last), then oldest."""
    qs = _visible(user).filter(status__in=_statuses(status))
    if mine:
        qs = qs.filter(claimed_by=user)
    qs = qs.order_by(F("due_at").asc(nulls_last=True), "created_at", "id")[:max(1, min(limit, MAX_LIST))]
    now = timezone.now()
    return [task_view(task, user, now) for task in qs]


def inbox_open_count(*, user) -> int:
    """How many open (unclaimed) tasks wait in ``user``'s inbox, plus those they claimed: the nav's count."""
    if not roles_of(user) - {VIEWER}:
        return 0   # a viewer sees tasks, none of them theirs to do
    return _visible(user).filter(Q(status=T.OPEN) | Q(status=T.CLAIMED, claimed_by=user)).count()


def task_get(*, task_id, user) -> dict:
    """One task ``user`` may see (NotFound otherwise: a task of someone else's inbox is not shown)."""
    try:
        task_id = int(task_id)
    except (TypeError, ValueError):
        raise NotFound(f"no task {str(task_id)[:40]!r}")
    task = _visible(user).filter(pk=task_id).first()
    if task is None:
        raise NotFound(f"no task {task_id} in your inbox")
    return task_view(task, user)
