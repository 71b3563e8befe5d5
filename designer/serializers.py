"""Shapes of the definitions API. Validation of the spec itself is the engine's."""
from rest_framework import serializers

from engine.models import WorkflowDefinition, WorkflowVersion


class VersionSummarySerializer(serializers.ModelSerializer):
    run_count = serializers.IntegerField(read_only=True, default=0)
    created_by = serializers.StringRelatedField()
    published_by = serializers.StringRelatedField()

    class Meta:
        model = WorkflowVersion
        fields = ["number", "status", "checksum", "revision", "is_test", "note", "created_by", "published_by",
                  "created_at", "updated_at", "published_at", "run_count"]


class VersionSerializer(VersionSummarySerializer):
    class Meta(VersionSummarySerializer.Meta):
        fields = VersionSummarySerializer.Meta.fields + ["spec"]


class DefinitionSerializer(serializers.ModelSerializer):
    version_count = serializers.IntegerField(read_only=True, default=0)
    run_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = WorkflowDefinition
        fields = ["key", "name", "description", "created_at", "updated_at", "version_count", "run_count"]
        read_only_fields = ["created_at", "updated_at"]


class DefinitionCreateSerializer(serializers.Serializer):
    key = serializers.SlugField(max_length=100)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    spec = serializers.JSONField(required=False)


class DefinitionUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class DraftSaveSerializer(serializers.Serializer):
    spec = serializers.JSONField()
    revision = serializers.IntegerField(required=False, min_value=1,
                                        help_text="The draft revision you loaded; an older one is refused (409).")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class SpecSerializer(serializers.Serializer):
    spec = serializers.JSONField()


class ValidationErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    node_id = serializers.CharField(allow_null=True)
    edge_id = serializers.CharField(allow_null=True)
    path = serializers.CharField(allow_null=True)


class ValidationResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    errors = ValidationErrorSerializer(many=True)


class ImportDocumentSerializer(serializers.Serializer):
    """An export's fields, checked like a create's (unknown keys, e.g. ``version``, are ignored)."""
    format = serializers.CharField(required=False, max_length=100)
    key = serializers.SlugField(max_length=100)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    spec = serializers.JSONField()


class ImportSerializer(serializers.Serializer):
    document = ImportDocumentSerializer()
    publish = serializers.BooleanField(default=False)


class ActivitySerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    input_schema = serializers.JSONField(allow_null=True)
    output_schema = serializers.JSONField(allow_null=True)


class FinalErrorSerializer(serializers.Serializer):
    type = serializers.CharField()
    why = serializers.CharField()


class NodeTypeSerializer(serializers.Serializer):
    type = serializers.CharField()
    runs_activity = serializers.BooleanField()
    defaults = serializers.DictField()
    final_errors = FinalErrorSerializer(many=True, help_text="error types an attempt fails with at once, "
                                                             "whatever its retry policy says")


class TestRunSerializer(serializers.Serializer):
    spec = serializers.JSONField(required=False, help_text="A draft spec: run as an ephemeral test version.")
    version = serializers.IntegerField(required=False, min_value=1, help_text="Or a published version number.")
    input = serializers.JSONField(required=False, default=dict)

    def validate(self, attrs):
        if ("spec" in attrs) == ("version" in attrs):
            raise serializers.ValidationError("give exactly one of spec or version")
        return attrs


class HistoryEntrySerializer(serializers.Serializer):
    """One audit entry about a definition: who did what, when and why."""
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    username = serializers.CharField()
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    changes = serializers.JSONField()
