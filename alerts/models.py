"""Alert rules, what each rule last told its receivers per group, and the log of every message
sent (docs/operating-alerts.md)."""
from django.conf import settings
from django.db import models


class AlertRule(models.Model):
    INCIDENT_GROUP, STUCK, SLA_BREACH, FAILURE_RATE = "incident_group", "stuck", "sla_breach", "failure_rate"
    KINDS = (INCIDENT_GROUP, STUCK, SLA_BREACH, FAILURE_RATE)
    KIND_CHOICES = [(k, k.replace("_", " ")) for k in KINDS]

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=24, choices=KIND_CHOICES)
    params = models.JSONField(default=dict, blank=True)    # per kind: alerts/rules.py PARAMS
    definition_key = models.CharField(max_length=100, blank=True, default="")   # "": every definition
    channels = models.JSONField(default=list)               # [{type: webhook|slack, url} | {type: email, to: [...]}]
    repeat_interval_seconds = models.PositiveIntegerField(default=3600)   # 0: never repeat a firing group
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return f"{self.name} ({self.kind})"


class AlertState(models.Model):
    """One group of one rule: whether it fires now (``status``) and what the receivers were last told
    (``notified``: "" before the first message). alerts/decide.py moves it."""
    FIRING, RESOLVED = "firing", "resolved"
    STATUS_CHOICES = [(FIRING, FIRING), (RESOLVED, RESOLVED)]

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="states")
    group_key = models.CharField(max_length=255)
    status = models.CharField(max_length=12, choices=STATUS_CHOICES)
    notified = models.CharField(max_length=12, blank=True, default="")
    summary = models.TextField(blank=True, default="")      # the group's line, as last seen firing
    detail = models.JSONField(default=dict, blank=True)     # {runs, console_path, ...} as last seen firing
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    last_sent_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "group_key"], name="alert_state_unique")]
        indexes = [models.Index(fields=["status", "-last_seen"], name="alert_state_status_idx")]


class AlertMessage(models.Model):
    """The alert log: one row per message per channel, written in the evaluation's transaction and
    delivered after it commits (``attempted_at`` claims it: a message is sent at most once)."""
    FIRING, REPEAT, RESOLVED, TEST = "firing", "repeat", "resolved", "test"
    KIND_CHOICES = [(k, k) for k in (FIRING, REPEAT, RESOLVED, TEST)]
    PENDING, SENT, FAILED = "pending", "sent", "failed"
    STATUS_CHOICES = [(s, s) for s in (PENDING, SENT, FAILED)]

    rule = models.ForeignKey(AlertRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    rule_name = models.CharField(max_length=200)            # kept when the rule is deleted
    group_key = models.CharField(max_length=255, blank=True, default="")
    kind = models.CharField(max_length=12, choices=KIND_CHOICES)
    channel = models.CharField(max_length=12)               # webhook, slack, email
    target = models.TextField(blank=True, default="")       # the URL or the addresses
    summary = models.TextField(blank=True, default="")
    body = models.JSONField(default=dict)                   # what was (or is to be) sent
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, default=PENDING)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["rule", "-id"], name="alert_message_rule_idx"),
                   models.Index(fields=["created_at"], name="alert_message_pending_idx",
                                condition=models.Q(attempted_at__isnull=True))]

    @property
    def ok(self) -> bool | None:
        return None if self.status == self.PENDING else self.status == self.SENT
