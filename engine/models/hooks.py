"""Webhook starts: a definition's signed HTTP entry point, and every signed request it received.

The secret is kept as it was issued: verifying an HMAC needs the key itself (a hash of it would
not do). It is shown once, when created or rotated, and no read or audit entry carries it
(docs/operating-webhooks.md)."""
from django.conf import settings
from django.db import models


class WebhookHook(models.Model):
    """``POST /hooks/<definition key>/``: one per definition."""
    definition = models.OneToOneField("engine.WorkflowDefinition", on_delete=models.CASCADE, related_name="hook")
    enabled = models.BooleanField(default=True)
    secret = models.CharField(max_length=100)
    # The secret before the last rotation, still accepted until it expires: senders switch without a gap.
    previous_secret = models.CharField(max_length=100, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    secret_set_at = models.DateTimeField()
    # Where a delivery's business key comes from: "header:<Name>", "body:<JMESPath>", or "" (none).
    business_key_from = models.CharField(max_length=300, blank=True, default="")
    rate_per_minute = models.PositiveIntegerField(default=60)
    # The rate limit's token bucket, as one time (engine/services/hooks.py, _rate_take): when it is full again.
    rate_full_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["definition__key"]
        constraints = [models.CheckConstraint(condition=models.Q(rate_per_minute__gte=1), name="hook_rate_positive")]

    def __str__(self):
        return f"hook {self.definition.key}"


class WebhookDelivery(models.Model):
    """A request whose signature verified: what it did. Its digest (SHA-256 of the signed
    ``<t>.<body>``) is unique per hook, so the same signed request twice is a replay."""
    STARTED, EXISTING, REFUSED = "started", "existing", "refused"
    OUTCOMES = [(STARTED, "started a run"), (EXISTING, "its business key's run already existed"),
                (REFUSED, "refused (detail says why)")]

    hook = models.ForeignKey(WebhookHook, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    digest = models.CharField(max_length=64)
    received_at = models.DateTimeField()
    # No constraint: retention may remove the run; the delivery keeps its id as a record.
    run = models.ForeignKey("engine.WorkflowRun", null=True, blank=True, on_delete=models.DO_NOTHING,
                            db_constraint=False, db_index=False, related_name="+")
    business_key = models.CharField(max_length=200, null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=OUTCOMES)
    detail = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["hook", "digest"], name="hook_delivery_digest_once")]
        indexes = [models.Index(fields=["hook", "-received_at"], name="hook_delivery_recent_idx")]

    def __str__(self):
        return f"delivery {self.digest[:12]} to hook {self.hook_id}: {self.outcome}"
