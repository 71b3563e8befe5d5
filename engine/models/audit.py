"""Audit of every operator and designer action: who, when, why, what changed.
Append-only (a database trigger refuses UPDATE and DELETE)."""
from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                             related_name="+", db_constraint=False)
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=60)          # e.g. run.retry, definition.publish
    object_type = models.CharField(max_length=30)     # run | definition
    object_id = models.CharField(max_length=100, db_index=True)
    reason = models.TextField(blank=True, default="")
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.object_type}:{self.object_id}"
