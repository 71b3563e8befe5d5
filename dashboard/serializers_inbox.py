"""Shapes of the Inbox API (human tasks)."""
from rest_framework import serializers

from engine.models import HumanTask


class TaskActionsSerializer(serializers.Serializer):
    """Each action: null when the asking user may do it now, else why not (the console shows that)."""
    claim = serializers.CharField(allow_null=True)
    unclaim = serializers.CharField(allow_null=True)
    complete = serializers.CharField(allow_null=True)
    reject = serializers.CharField(allow_null=True)


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    run_id = serializers.UUIDField()
    definition = serializers.CharField()
    business_key = serializers.CharField(allow_null=True)
    node_id = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True, help_text="rendered when the task was created")
    form = serializers.JSONField(help_text="the JSON Schema (of an object) the completion data must fit")
    status = serializers.ChoiceField(choices=HumanTask.CHOICES)
    assignee_role = serializers.CharField(allow_null=True)
    assignee_user = serializers.CharField(allow_null=True)
    claimed_by = serializers.CharField(allow_null=True)
    claimed_at = serializers.DateTimeField(allow_null=True)
    completed_by = serializers.CharField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    result = serializers.JSONField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField(help_text="still open or claimed past its due time")
    created_at = serializers.DateTimeField()
    actions = TaskActionsSerializer()


class InboxResponseSerializer(serializers.Serializer):
    results = TaskSerializer(many=True)
    open_count = serializers.IntegerField(help_text="open tasks in your inbox, plus those you claimed")


class CompleteSerializer(serializers.Serializer):
    data = serializers.DictField(help_text="the form's data: validated against the task's form (400 per field)")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="why: the step fails with it (HumanTaskRejected)")
