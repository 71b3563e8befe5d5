"""Runs, their steps and their append-only event history."""
import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models

from engine.states import RunStatus, StepStatus


class WorkflowRun(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: run_definition_idx (definition, -created_at) serves lookups by definition.
    definition = models.ForeignKey("engine.WorkflowDefinition", on_delete=models.PROTECT, related_name="runs",
                                   db_index=False)
    version = models.ForeignKey("engine.WorkflowVersion", on_delete=models.PROTECT, related_name="runs")
    business_key = models.CharField(max_length=200, null=True, blank=True)
    status = models.CharField(max_length=24, choices=RunStatus.CHOICES, default=RunStatus.PENDING)
    input = models.JSONField(default=dict)
    data = models.JSONField(default=dict)     # step outputs by node id (operators may edit)
    output = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    # Next RunEvent.seq; taken under this row's lock so seq is gapless.
    next_seq = models.PositiveIntegerField(default=1)
    # Completion counter: orders succeeded steps for reverse-order compensation.
    completions = models.PositiveIntegerField(default=0)
    stuck = models.BooleanField(default=False)
    stuck_reason = models.TextField(blank=True, default="")
    stuck_since = models.DateTimeField(null=True, blank=True)
    # Indexed only where set (run_parent_idx, run_created_by_idx): most runs have neither, and
    # every index is paid on each run insert and status change.
    parent_run = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                                   db_index=False)
    parent_node_id = models.CharField(max_length=64, null=True, blank=True)
    # A run of a node's own sub-flow (a loop's iteration): the path of node ids, from the version's
    # spec down, whose ``flow`` it walks ("" for the version's graph), and which repetition it is.
    subflow = models.CharField(max_length=200, blank=True, default="", db_default="")
    iteration = models.PositiveIntegerField(null=True, blank=True)
    # A map item's run: its steps' idempotency keys are "<scope>:<node>" instead of "<run>:<node>",
    # the scope "<parent run or its scope>:<map node>:<item index>", so a retried item's
    # activities see the keys its earlier run saw.
    key_scope = models.CharField(max_length=400, blank=True, default="", db_default="")
    is_test = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_progress_at = models.DateTimeField(auto_now_add=True)
    # When the scheduler should next ask whether this run is stuck: last progress plus the
    # shortest threshold its version allows (stuck.floor), pushed later when it is not stuck yet.
    stuck_check_at = models.DateTimeField(null=True, blank=True)
    # The run's SLA (its spec's settings.sla): due from its start, breached once (docs/spec.md, "SLA timers").
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "business_key"], name="run_business_key_unique",
                                    condition=models.Q(business_key__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="run_created_idx"),
            models.Index(fields=["status", "-created_at"], name="run_status_idx"),
            models.Index(fields=["definition", "-created_at"], name="run_definition_idx"),
            # Serves equality as well as prefix search on the business key.
            models.Index(fields=["business_key"], name="run_business_key_prefix_idx", opclasses=["varchar_pattern_ops"],
                         condition=models.Q(business_key__isnull=False)),
            models.Index(fields=["parent_run"], name="run_parent_idx", condition=models.Q(parent_run__isnull=False)),
            models.Index(fields=["created_by"], name="run_created_by_idx", condition=models.Q(created_by__isnull=False)),
            models.Index(fields=["stuck_check_at"], name="run_stuck_check_idx",
                         condition=models.Q(status__in=["pending", "running", "waiting", "compensating"],
                                            stuck=False)),
            # The scheduler's SLA sweep (fire_slas): only runs with an SLA not breached yet and not ended.
            models.Index(fields=["sla_due_at"], name="run_sla_due_idx",
                         condition=models.Q(status__in=["pending", "running", "waiting", "compensating", "failed",
                                                        "compensation_failed"],
                                            sla_due_at__isnull=False, sla_breached_at__isnull=True)),
            # Search by input fields (input @> {...}: engine/selectors/search.py); made concurrently (0026).
            GinIndex(fields=["input"], name="run_input_gin", opclasses=["jsonb_path_ops"]),
        ]

    def __str__(self):
        return f"run {self.id} ({self.status})"


class StepRun(models.Model):
    NODE, COMPENSATION = "node", "compensation"
    KINDS = [(NODE, NODE), (COMPENSATION, COMPENSATION)]

    # No index of its own: step_once_per_node (run, node_id, kind) serves lookups by run.
    run = models.ForeignKey(WorkflowRun, on_delete=models.CASCADE, related_name="steps", db_index=False)
    node_id = models.CharField(max_length=64)
    node_type = models.CharField(max_length=16)
    kind = models.CharField(max_length=16, choices=KINDS, default=NODE)
    status = models.CharField(max_length=16, choices=StepStatus.CHOICES, default=StepStatus.SCHEDULED)
    attempt = models.PositiveIntegerField(default=0)  # attempts started so far
    input = models.JSONField(null=True, blank=True)
    output = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    attempts = models.JSONField(default=list)  # [{attempt, status, started_at, finished_at, worker, error}]
    arrivals = models.PositiveIntegerField(default=0)  # join: branches arrived
    # Done while the run was not going forward (failed): its successors are activated when the
    # run resumes (advance.resume), not lost.
    successors_pending = models.BooleanField(default=False, db_default=False)
    completion_order = models.PositiveIntegerField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, default="")
    # A code run's step carries its node (the call that made it): a code workflow has no spec graph,
    # its steps are its graph (engine/workflows, engine/graphs.CodeGraph). None on graph runs.
    node = models.JSONField(null=True, blank=True)
    wait_reason = models.CharField(max_length=300, blank=True, default="")
    child_run = models.ForeignKey(WorkflowRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  db_index=False)  # step_child_idx: only subworkflow steps have one
    scheduled_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    requeues = models.PositiveIntegerField(default=0)  # re-sends by the scheduler (it backs off)
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # due time: retries, timers, signal timeouts
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The node's SLA: due from the step's creation, breached once while it was not done (the sweep's).
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_breached_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # One execution per node per run (the graph is acyclic), so the
            # idempotency key (run, node) is stable across attempts.
            models.UniqueConstraint(fields=["run", "node_id", "kind"], name="step_once_per_node"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="step_due_idx",
                         condition=models.Q(status__in=["scheduled", "waiting"])),
            models.Index(fields=["lease_expires_at"], name="step_lease_idx", condition=models.Q(status="running")),
            models.Index(fields=["child_run"], name="step_child_idx", condition=models.Q(child_run__isnull=False)),
            # The scheduler's SLA sweep (fire_slas): open steps with an SLA not breached yet.
            models.Index(fields=["sla_due_at"], name="step_sla_due_idx",
                         condition=models.Q(status__in=["scheduled", "running", "waiting"], sla_due_at__isnull=False,
                                            sla_breached_at__isnull=True)),
            # Runs with a breached step (the runs list's sla filter, the incidents): few rows.
            models.Index(fields=["run"], name="step_sla_breached_idx", condition=models.Q(sla_breached_at__isnull=False)),
        ]

    @classmethod
    def from_db(cls, db, field_names, values):
        step = super().from_db(db, field_names, values)
        # The status as stored: a write of another status is checked against it (states.step_move).
        step.stored_status = step.__dict__.get("status")
        return step

    @property
    def idempotency_key(self) -> str:
        return self.idempotency_key_in(None)

    def idempotency_key_in(self, run) -> str:
        """The key, given this step's run (read for a map item's key_scope; None: keyed by run id)."""
        suffix = ":compensate" if self.kind == self.COMPENSATION else ""
        scope = getattr(run, "key_scope", "") or self.run_id
        return f"{scope}:{self.node_id}{suffix}"

    def __str__(self):
        return f"step {self.node_id} of {self.run_id} ({self.status})"


class RunEvent(models.Model):
    """Append-only: a database trigger refuses UPDATE and DELETE."""
    # No index of its own: event_seq_unique (run, seq) serves every lookup by run.
    run = models.ForeignKey(WorkflowRun, on_delete=models.DO_NOTHING, related_name="events", db_constraint=True,
                            db_index=False)
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=40)
    node_id = models.CharField(max_length=64, blank=True, default="")
    payload = models.JSONField(default=dict)
    actor = models.CharField(max_length=150, default="system")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                             related_name="+", db_constraint=False, db_index=False)  # nothing queries by it
    reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["run", "seq"]
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="event_seq_unique")]

    def __str__(self):
        return f"{self.run_id}#{self.seq} {self.type}"
