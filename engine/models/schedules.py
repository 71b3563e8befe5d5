"""Schedules: a definition (or a code workflow) started on a cron expression or an interval, and
each fire time's record (docs/operating-schedules.md)."""
from django.conf import settings
from django.db import models

from engine.models.runs import WorkflowRun


class Schedule(models.Model):
    SKIP, BUFFER_ONE, ALLOW_ALL = "skip", "buffer_one", "allow_all"
    OVERLAP = (SKIP, BUFFER_ONE, ALLOW_ALL)
    OVERLAP_CHOICES = [(p, p) for p in OVERLAP]

    slug = models.SlugField(max_length=100, unique=True)   # its name in URLs and business keys: never changes
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    definition_key = models.CharField(max_length=100)      # a key, not a row: a code workflow may have none yet
    input = models.JSONField(default=dict)
    # Exactly one of the two (schedule_timing_one): a 5-field cron in ``timezone``, or seconds from the epoch.
    cron = models.CharField(max_length=200, blank=True, default="")
    interval_seconds = models.PositiveIntegerField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    overlap_policy = models.CharField(max_length=16, choices=OVERLAP_CHOICES, default=SKIP)
    catchup_window_seconds = models.PositiveIntegerField(default=300)
    paused = models.BooleanField(default=False)
    paused_reason = models.TextField(blank=True, default="")
    # The next fire time not handled yet (None while paused); the scheduler's sweep is its clock.
    next_fire_at = models.DateTimeField(null=True, blank=True)
    last_fire_at = models.DateTimeField(null=True, blank=True)
    # The run it started last: what "still open" means for the skip and buffer_one policies. No
    # database constraint, here or on the fires: deleting old runs never has to know about schedules.
    last_run = models.ForeignKey(WorkflowRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 db_constraint=False, db_index=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(condition=(models.Q(cron="") & models.Q(interval_seconds__isnull=False))
                                   | (~models.Q(cron="") & models.Q(interval_seconds__isnull=True)),
                                   name="schedule_timing_one"),
        ]
        indexes = [
            # The sweep (engine/scheduler.py, fire_schedules): schedules due, not paused.
            models.Index(fields=["next_fire_at"], name="schedule_due_idx", condition=models.Q(paused=False)),
        ]

    def __str__(self):
        return f"schedule {self.slug}"


class ScheduleFire(models.Model):
    """One fire time of a schedule and what came of it. Unique per (schedule, fire time): the
    guard that makes a fire time start at most one run, whatever schedulers race or restart."""
    STARTED, SKIPPED_OVERLAP, BUFFERED, MISSED, FAILED = "started", "skipped_overlap", "buffered", "missed", "failed"
    OUTCOMES = (STARTED, SKIPPED_OVERLAP, BUFFERED, MISSED, FAILED)
    OUTCOME_CHOICES = [(o, o) for o in OUTCOMES]
    SCHEDULED, TRIGGER = "scheduled", "trigger"
    KIND_CHOICES = [(k, k) for k in (SCHEDULED, TRIGGER)]

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="fires", db_index=False)
    fire_at = models.DateTimeField()   # the nominal time (a trigger's: when it was asked for)
    kind = models.CharField(max_length=16, choices=KIND_CHOICES, default=SCHEDULED)
    outcome = models.CharField(max_length=24, choices=OUTCOME_CHOICES)
    run = models.ForeignKey(WorkflowRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            db_constraint=False, db_index=False)
    reason = models.TextField(blank=True, default="")
    request_id = models.CharField(max_length=100, blank=True, default="")   # a trigger's idempotency key
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", db_index=False)
    recorded_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)   # a buffered fire's run starts later

    class Meta:
        constraints = [
            # Also serves the fires of a schedule, newest first (a backward scan).
            models.UniqueConstraint(fields=["schedule", "fire_at"], name="schedule_fire_once"),
            models.UniqueConstraint(fields=["schedule", "request_id"], name="schedule_fire_request_once",
                                    condition=~models.Q(request_id="")),
        ]
        indexes = [
            models.Index(fields=["schedule"], name="schedule_fire_buffered_idx", condition=models.Q(outcome="buffered")),
        ]

    def __str__(self):
        return f"fire of schedule {self.schedule_id} at {self.fire_at:%Y-%m-%dT%H:%M:%SZ} ({self.outcome})"
