"""The console's own state (not the engine's): saved views of the runs list."""
from django.conf import settings
from django.db import models


class SavedView(models.Model):
    """A name for a set of the runs list's filters, its owner's, or shared with everyone."""
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    # The runs list's query parameters as the API reads them (dashboard/filters.py), e.g. {"status": "failed"}.
    filters = models.JSONField(default=dict)
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_owner_name")]
        indexes = [models.Index(fields=["shared"], name="saved_view_shared_idx", condition=models.Q(shared=True))]

    def __str__(self):
        return f"view {self.name!r} of {self.owner_id}"
