"""Human tasks: a ``human`` step's piece of work for a person, listed in their Inbox
(docs/spec.md, "human"; docs/console.md, "Inbox")."""
from django.conf import settings
from django.db import models

from engine.models.runs import StepRun, WorkflowRun


class HumanTask(models.Model):
    OPEN, CLAIMED, COMPLETED, REJECTED, CANCELLED = "open", "claimed", "completed", "rejected", "cancelled"
    STATUSES = (OPEN, CLAIMED, COMPLETED, REJECTED, CANCELLED)
    ACTIVE = (OPEN, CLAIMED)   # in an inbox, waiting for someone
    CHOICES = [(s, s) for s in STATUSES]

    run = models.ForeignKey(WorkflowRun, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    # One step may have had several: an operator's retry of a rejected step opens a new one.
    step = models.ForeignKey(StepRun, on_delete=models.CASCADE, related_name="tasks")
    node_id = models.CharField(max_length=64)
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True, default="")
    # Exactly one of the two is set (the node's assignee: a role of engine/roles.py, or a username).
    assignee_role = models.CharField(max_length=32, blank=True, default="")
    assignee_user = models.CharField(max_length=150, blank=True, default="")
    form = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=CHOICES, default=OPEN)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", db_index=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The inboxes: the active tasks of a role, of a user, and those a user claimed, in due order.
            models.Index(fields=["assignee_role", "due_at", "created_at"], name="task_inbox_role_idx",
                         condition=models.Q(status__in=["open", "claimed"])),
            models.Index(fields=["assignee_user", "due_at", "created_at"], name="task_inbox_user_idx",
                         condition=models.Q(status__in=["open", "claimed"])),
            models.Index(fields=["claimed_by", "due_at"], name="task_claimed_by_idx",
                         condition=models.Q(status="claimed")),
            models.Index(fields=["run", "id"], name="task_run_idx"),
        ]

    def __str__(self):
        return f"task {self.id} ({self.status}) of {self.run_id}"
