"""Shapes of the runs API."""
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dashboard.models import SavedView
from engine.callbacks import STATES as callback_states
from engine.models import RunEvent, StepRun, WorkflowRun
from engine.policy import ACTIONS
from engine.selectors import run_sla, step_callback, step_iterations, step_map_progress
from engine.selectors.code import run_spec
from engine.services.bulk import BULK_ACTIONS, MAX_RUN_IDS
from engine.states import RunStatus


# Plain strings in the schema (no enum): drf-spectacular names enums by field, and "state" is a callback's too.
SLA_STATES_TEXT = "ok | at_risk | breached"


class RunSummarySerializer(serializers.ModelSerializer):
    definition = serializers.CharField(source="definition.key")
    version = serializers.IntegerField(source="version.number")
    sla_state = serializers.SerializerMethodField(help_text="ok | at_risk | breached: the worst of the run's SLA and "
                                                            "its steps' (null: none)")

    class Meta:
        model = WorkflowRun
        fields = ["id", "definition", "version", "business_key", "status", "stuck", "stuck_reason", "stuck_since",
                  "error", "is_test", "parent_run", "created_at", "updated_at", "finished_at", "last_progress_at",
                  "sla_state"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_sla_state(self, run):
        """A page's states come read at once (the list view's ``sla_states``); else the run's own."""
        states = self.context.get("sla_states")
        if states is not None and run.id in states:
            return states[run.id]
        sla = run.sla if hasattr(run, "sla") else run_sla(run=run)
        return sla["state"] if sla else None


class CallbackStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=list(callback_states))
    attempt = serializers.IntegerField()
    expires_at = serializers.DateTimeField(allow_null=True)
    heartbeat_due = serializers.DateTimeField(allow_null=True)


class IterationSerializer(serializers.Serializer):
    run_id = serializers.UUIDField()
    index = serializers.IntegerField(help_text="0-based")
    status = serializers.ChoiceField(choices=RunStatus.CHOICES)
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class MapProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="ended compensated, cancelled or aborted")
    stopped = serializers.IntegerField(help_text="failed and waiting for an operator")
    running = serializers.IntegerField()
    pending = serializers.IntegerField(help_text="not started yet (max_concurrency)")


class StepSerializer(serializers.ModelSerializer):
    child_run_id = serializers.UUIDField(read_only=True)
    callback = serializers.SerializerMethodField(help_text="a callback task's token of the current attempt")
    iterations = serializers.SerializerMethodField(help_text="a loop's iterations or a map's item runs, each a run "
                                                             "of its sub-flow")
    map_progress = serializers.SerializerMethodField(help_text="a map step's items by state")

    class Meta:
        model = StepRun
        fields = ["id", "node_id", "node_type", "kind", "status", "attempt", "attempts", "input", "output", "error",
                  "worker", "wait_reason", "child_run_id", "arrivals", "completion_order", "scheduled_at",
                  "enqueued_at", "next_attempt_at", "started_at", "finished_at", "lease_expires_at", "heartbeat_at",
                  "callback", "iterations", "map_progress"]

    @extend_schema_field(CallbackStateSerializer(allow_null=True))
    def get_callback(self, step):
        return step_callback(step)

    @extend_schema_field(IterationSerializer(many=True, allow_null=True))
    def get_iterations(self, step):
        return step_iterations(step)

    @extend_schema_field(MapProgressSerializer(allow_null=True))
    def get_map_progress(self, step):
        return step_map_progress(step)


class ActionSerializer(serializers.Serializer):
    """One operator action as engine/policy.py allows it now, or why not."""
    action = serializers.ChoiceField(choices=list(ACTIONS))
    node_id = serializers.CharField(allow_null=True)
    kind = serializers.ChoiceField(choices=["node", "compensation"], allow_null=True)
    allowed = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True, help_text="why it is refused, when it is")
    label = serializers.CharField()
    destructive = serializers.BooleanField()
    signal = serializers.CharField(allow_null=True)


class WhyDetailSerializer(serializers.Serializer):
    node_id = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    text = serializers.CharField()
    since = serializers.DateTimeField(allow_null=True)
    at = serializers.DateTimeField(allow_null=True, help_text="next attempt, timeout, lease expiry or wait's end")
    attempt = serializers.IntegerField()
    max_attempts = serializers.IntegerField(allow_null=True)
    error_type = serializers.CharField(allow_null=True)
    after_last = serializers.CharField(allow_null=True, help_text="compensate | incident | fail")
    compensations = serializers.ListField(child=serializers.CharField())
    worker = serializers.CharField(allow_null=True)
    worker_alive = serializers.BooleanField(allow_null=True)
    worker_last_seen = serializers.DateTimeField(allow_null=True)


class SlaStepSerializer(serializers.Serializer):
    node_id = serializers.CharField()
    state = serializers.CharField(help_text=SLA_STATES_TEXT)
    due_at = serializers.DateTimeField()
    breached_at = serializers.DateTimeField(allow_null=True)
    within = serializers.FloatField(allow_null=True, help_text="seconds, as the spec says")


class RunSlaSerializer(serializers.Serializer):
    """docs/spec.md, "SLA timers": states computed when read (at risk: open, not breached, under 20% left)."""
    state = serializers.CharField(help_text=f"{SLA_STATES_TEXT}: the worst of the run's and its steps'")
    run_state = serializers.CharField(allow_null=True, help_text=f"{SLA_STATES_TEXT}: the run's own SLA's")
    due_at = serializers.DateTimeField(allow_null=True)
    breached_at = serializers.DateTimeField(allow_null=True)
    within = serializers.FloatField(allow_null=True)
    steps = SlaStepSerializer(many=True)


class RunDetailSerializer(RunSummarySerializer):
    spec = serializers.SerializerMethodField(help_text="the version's spec; a code run's: its steps so far, drawn")
    steps = StepSerializer(many=True)
    last_seq = serializers.SerializerMethodField()
    why = serializers.ListField(child=serializers.CharField(), read_only=True)
    why_details = WhyDetailSerializer(many=True, read_only=True)
    available_actions = ActionSerializer(many=True, read_only=True)
    sla = RunSlaSerializer(allow_null=True, read_only=True, help_text="null when nothing in the run has an SLA")

    class Meta(RunSummarySerializer.Meta):
        fields = RunSummarySerializer.Meta.fields + ["input", "data", "output", "parent_node_id", "subflow", "iteration", "spec", "steps",
                                                     "last_seq", "why", "why_details", "available_actions", "sla"]

    def get_last_seq(self, run) -> int:
        return run.next_seq - 1

    def get_spec(self, run) -> dict:
        return run_spec(run, getattr(run, "steps_list", None))


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RunEvent
        fields = ["seq", "type", "node_id", "payload", "actor", "reason", "created_at"]


class RunStartSerializer(serializers.Serializer):
    definition = serializers.SlugField(max_length=100)
    input = serializers.JSONField(required=False, default=dict)
    business_key = serializers.CharField(required=False, allow_null=True, max_length=200)
    version = serializers.IntegerField(required=False, min_value=1)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why: recorded in the run's history.")


class SignalSerializer(ReasonSerializer):
    name = serializers.CharField(max_length=100)
    payload = serializers.JSONField(required=False, default=dict)
    signal_id = serializers.CharField(max_length=200, required=False, allow_null=True, default=None,
                                      help_text="the sender's id for this signal: a second one with the same id "
                                                "is ignored (200, nothing changes)")


class StepActionSerializer(ReasonSerializer):
    kind = serializers.ChoiceField(choices=["node", "compensation"], required=False, allow_null=True, default=None,
                                   help_text="the node's own step or its compensation (default: the compensation "
                                             "while the run compensates, else the node's step)")


class SkipSerializer(StepActionSerializer):
    output = serializers.JSONField(required=False, default=dict)


class DataSerializer(ReasonSerializer):
    data = serializers.JSONField()


class InputSerializer(ReasonSerializer):
    input = serializers.JSONField(help_text="the run's corrected input: a JSON object")


class BulkSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(BULK_ACTIONS))
    filters = serializers.DictField(required=False, default=dict, help_text="the runs list's filters (its query "
                                                                             "parameters); or run_ids")
    run_ids = serializers.ListField(child=serializers.CharField(max_length=64), required=False, allow_empty=False,
                                    max_length=MAX_RUN_IDS, help_text="runs picked by id instead of a filter; each "
                                                                      "is decided by the policy on its own")
    node_id = serializers.CharField(max_length=200, required=False, allow_null=True, default=None,
                                    help_text="skip: the step to skip in each run")
    signal = serializers.CharField(max_length=100, required=False, allow_null=True, default=None,
                                   help_text="signal: the signal's name")
    payload = serializers.JSONField(required=False, default=dict, help_text="signal: its payload")
    output = serializers.JSONField(required=False, default=dict, help_text="skip: the skipped step's output")
    dry_run = serializers.BooleanField(default=True)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    limit = serializers.IntegerField(min_value=1, max_value=5000, default=1000)

    def validate(self, attrs):
        if not attrs["dry_run"] and not attrs["reason"].strip():
            raise serializers.ValidationError({"reason": "a reason is required"})
        if "run_ids" in attrs and attrs["filters"]:
            raise serializers.ValidationError({"run_ids": "give run_ids or filters, not both"})
        return attrs


class SavedViewSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField()
    mine = serializers.SerializerMethodField(help_text="the signed-in user's own view (else: shared by its owner)")

    class Meta:
        model = SavedView
        fields = ["id", "name", "filters", "shared", "owner", "mine", "created_at", "updated_at"]

    def get_owner(self, view) -> str:
        return view.owner.get_username()

    def get_mine(self, view) -> bool:
        return view.owner_id == self.context["user"].pk


class SavedViewCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    filters = serializers.DictField(required=False, default=dict)
    shared = serializers.BooleanField(default=False)


class SavedViewUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    filters = serializers.DictField(required=False)
    shared = serializers.BooleanField(required=False)


class RunListResponseSerializer(serializers.Serializer):
    results = RunSummarySerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


STATUS_CHOICES = list(RunStatus.ALL)


class IncidentSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="failed | stuck | sla_breached (runs going on past a breached SLA, error "
                                           "type SlaBreached)")
    definition = serializers.CharField()
    node_id = serializers.CharField()
    error_type = serializers.CharField()
    signature = serializers.CharField(help_text="grouping key")
    title = serializers.CharField(help_text="what people read: the group's latest message")
    status = serializers.CharField()
    count = serializers.IntegerField()
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
    sample_run_ids = serializers.ListField(child=serializers.UUIDField())


class StatsPointSerializer(serializers.Serializer):
    minute = serializers.DateTimeField(allow_null=True)
    completed = serializers.IntegerField()
    failed = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    definition = serializers.CharField()
    series = StatsPointSerializer(many=True)
    completed = serializers.IntegerField()
    failed = serializers.IntegerField()
    failure_rate = serializers.FloatField()
    throughput_per_min = serializers.FloatField()
    step_latency_p50 = serializers.FloatField(required=False, allow_null=True)
    step_latency_p95 = serializers.FloatField(required=False, allow_null=True)
    steps = serializers.IntegerField(required=False)

