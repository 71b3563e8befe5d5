"""Every signal a run received: delivered at once to the step waiting for it, or kept (buffered)
until a signal node for it is reached (docs/engine.md, "Signals")."""
from django.db import models

from engine.models.runs import WorkflowRun


class RunSignal(models.Model):
    run = models.ForeignKey(WorkflowRun, on_delete=models.CASCADE, related_name="signals", db_index=False)
    name = models.CharField(max_length=100)
    # The sender's id for it: a second signal with the same id is a duplicate, ignored.
    signal_id = models.CharField(max_length=200, null=True, blank=True)
    payload = models.JSONField(null=True, blank=True)
    received_at = models.DateTimeField()
    # Set when a signal step took it (at once, or when its node was reached): by which node.
    consumed_at = models.DateTimeField(null=True, blank=True)
    node_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "signal_id"], condition=models.Q(signal_id__isnull=False),
                                    name="run_signal_id_once"),
        ]
        indexes = [
            # What a signal node looks for when it is reached: the run's oldest unconsumed one of its name.
            models.Index(fields=["run", "name", "id"], condition=models.Q(consumed_at__isnull=True),
                         name="run_signal_buffered_idx"),
        ]

    def __str__(self):
        return f"signal {self.name} of {self.run_id}"
