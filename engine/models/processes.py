"""Liveness of the engine's own processes: each worker process and each scheduler
upserts its row every few seconds. Times are the database's clock (now()), so a
process whose clock drifts is still judged against the same clock as every other."""
from django.db import models
from django.db.models.functions import Now


class EngineProcess(models.Model):
    WORKER, SCHEDULER = "worker", "scheduler"
    KINDS = [(WORKER, WORKER), (SCHEDULER, SCHEDULER)]

    kind = models.CharField(max_length=16, choices=KINDS)
    # host:pid, the prefix of StepRun.worker (host:pid:thread, engine.executor.worker_name).
    name = models.CharField(max_length=255, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    threads = models.PositiveIntegerField(default=0)
    queues = models.JSONField(default=list)
    started_at = models.DateTimeField(db_default=Now())
    beat_at = models.DateTimeField(db_default=Now())
    in_hand = models.PositiveIntegerField(default=0)       # steps being executed right now
    threads_busy = models.PositiveIntegerField(default=0)  # threads on any message (steps, timers, ...)
    info = models.JSONField(default=dict)                  # scheduler: sweep_ms, lag_seconds, counts
    stopped_at = models.DateTimeField(null=True, blank=True)  # null while running; set on a clean stop

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self):
        return f"{self.kind} {self.name}"
