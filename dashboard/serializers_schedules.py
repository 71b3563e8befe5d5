"""Shapes of the Schedules API (docs/operating-schedules.md). Bodies are checked for their types
here; what they mean (a cron expression, a time zone, a definition) the engine's service checks,
with a 400 naming the field."""
from rest_framework import serializers

from engine.models import Schedule, ScheduleFire


class ScheduleActionsSerializer(serializers.Serializer):
    """Each action: null when the asking user may do it now, else why not (the console shows that)."""
    update = serializers.CharField(allow_null=True)
    delete = serializers.CharField(allow_null=True)
    pause = serializers.CharField(allow_null=True)
    resume = serializers.CharField(allow_null=True)
    trigger = serializers.CharField(allow_null=True)


class ScheduleSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    definition_key = serializers.CharField(help_text="the definition (or code workflow) each fire starts")
    input = serializers.JSONField(help_text="the input of each run it starts")
    cron = serializers.CharField(allow_null=True, help_text="5 fields, read in timezone; null with an interval")
    interval_seconds = serializers.IntegerField(allow_null=True, help_text="seconds, counted from the Unix epoch")
    timezone = serializers.CharField(help_text="IANA name the cron expression is read in")
    timing = serializers.CharField(help_text='in words, e.g. "cron 0 2 * * * (Europe/Berlin)", "every 15 min"')
    overlap_policy = serializers.ChoiceField(choices=Schedule.OVERLAP_CHOICES)
    catchup_window_seconds = serializers.IntegerField()
    paused = serializers.BooleanField()
    paused_reason = serializers.CharField(allow_blank=True)
    next_fire_at = serializers.DateTimeField(allow_null=True, help_text="null while paused")
    last_fire_at = serializers.DateTimeField(allow_null=True)
    last_outcome = serializers.ChoiceField(choices=ScheduleFire.OUTCOME_CHOICES, allow_null=True)
    last_reason = serializers.CharField(allow_blank=True)
    last_run_id = serializers.UUIDField(allow_null=True)
    last_run_status = serializers.CharField(allow_null=True)
    last_run_open = serializers.BooleanField(help_text="the last run is still going: skip and buffer_one wait for it")
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    actions = ScheduleActionsSerializer()


class ScheduleListActionsSerializer(serializers.Serializer):
    create = serializers.CharField(allow_null=True)


class ScheduleListSerializer(serializers.Serializer):
    results = ScheduleSerializer(many=True)
    actions = ScheduleListActionsSerializer()


class ScheduleFireSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fire_at = serializers.DateTimeField(help_text="the fire time (a trigger's: when it was asked for)")
    kind = serializers.ChoiceField(choices=ScheduleFire.KIND_CHOICES)
    outcome = serializers.ChoiceField(choices=ScheduleFire.OUTCOME_CHOICES)
    reason = serializers.CharField(allow_blank=True)
    run_id = serializers.UUIDField(allow_null=True)
    run_status = serializers.CharField(allow_null=True)
    business_key = serializers.CharField(allow_null=True)
    user = serializers.CharField(allow_null=True, help_text="who triggered it (null: the scheduler)")
    request_id = serializers.CharField(allow_null=True)
    recorded_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)


class ScheduleFireListSerializer(serializers.Serializer):
    results = ScheduleFireSerializer(many=True)
    upcoming = serializers.ListField(child=serializers.DateTimeField(), help_text="the next 5 fire times")


class _Fields(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    definition_key = serializers.CharField(required=False, max_length=100)
    input = serializers.JSONField(required=False, help_text="a JSON object")
    cron = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=200)
    interval_seconds = serializers.IntegerField(required=False, allow_null=True)
    timezone = serializers.CharField(required=False, max_length=64)
    overlap_policy = serializers.ChoiceField(required=False, choices=Schedule.OVERLAP_CHOICES)
    catchup_window_seconds = serializers.IntegerField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ScheduleCreateSerializer(_Fields):
    slug = serializers.CharField(max_length=100, help_text="lowercase letters, digits, - and _; never changes")
    definition_key = serializers.CharField(max_length=100)
    paused = serializers.BooleanField(required=False, default=False, help_text="create it paused")


class ScheduleUpdateSerializer(_Fields):
    """Only the fields given change."""


class ScheduleReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ScheduleTriggerSerializer(ScheduleReasonSerializer):
    request_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=100,
                                       help_text="sent again with the same id, the trigger returns that fire (200) "
                                                 "and starts nothing")


class ScheduleTriggerResponseSerializer(serializers.Serializer):
    fire = ScheduleFireSerializer()
    schedule = ScheduleSerializer()
