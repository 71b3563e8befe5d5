"""Workflow definitions and their immutable published versions.

The engine owns these tables because runs pin a version; the designer app is
the HTTP face that edits them through ``engine.services.definitions``.
"""
from django.conf import settings
from django.db import models

from engine.states import VersionStatus


class WorkflowDefinition(models.Model):
    key = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Archived: hidden from the designer's list by default and cannot be started; runs are kept.
    archived_at = models.DateTimeField(null=True, blank=True)
    # Days its runs are kept after they end (0: forever); null: FLOWDECK_RETENTION_DAYS (engine/services/retention.py).
    retention_days = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return self.key


class WorkflowVersion(models.Model):
    definition = models.ForeignKey(WorkflowDefinition, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=VersionStatus.CHOICES, default=VersionStatus.DRAFT)
    spec = models.JSONField()
    checksum = models.CharField(max_length=64)
    # Bumped on every draft save; a save naming an older revision is stale.
    revision = models.PositiveIntegerField(default=1)
    # Ephemeral versions made by a designer's "test run" of a draft.
    is_test = models.BooleanField(default=False)
    note = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["definition", "number"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "number"], name="version_number_unique"),
            models.UniqueConstraint(fields=["definition"], condition=models.Q(status="draft", is_test=False),
                                    name="one_draft_per_definition"),
        ]

    def __str__(self):
        return f"{self.definition.key} v{self.number} ({self.status})"
