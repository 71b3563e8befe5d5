"""Shapes of the definitions API. Validation of the spec itself is the engine's.

A definition is a graph (drawn in the designer) or code (a Python function, engine/workflows):
its ``kind`` is its latest version's. A code version's spec carries ``"kind": "code"``, its
``code_version`` label and its ``source``.
"""
from django.db.models import OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from rest_framework import serializers

from engine.models import WorkflowDefinition, WorkflowVersion
from engine.selectors.definitions import version_test_parts, version_label

CODE, GRAPH = "code", "graph"


def spec_kind(spec) -> str:
    """"code" for a code workflow's spec, else "graph" (graph specs have no ``kind``)."""
    return CODE if isinstance(spec, dict) and spec.get("kind") == CODE else GRAPH


def with_kind(definitions):
    """``definitions`` annotated with ``latest_kind`` (their latest version's ``spec.kind``), which
    DefinitionSerializer reads instead of asking once per row."""
    latest = (WorkflowVersion.objects.filter(definition=OuterRef("pk"), is_test=False).order_by("-number")
              .annotate(kind=KeyTextTransform("kind", "spec")).values("kind")[:1])
    return definitions.annotate(latest_kind=Subquery(latest))


class VersionSummarySerializer(serializers.ModelSerializer):
    run_count = serializers.IntegerField(read_only=True, default=0)
    created_by = serializers.StringRelatedField()
    published_by = serializers.StringRelatedField()
    code_version = serializers.SerializerMethodField(help_text="A code version's label (null for a graph version).")
    label = serializers.SerializerMethodField(help_text='How to show it: "v4", or "test of draft v4" for a test '
                                                        "version (numbered apart from the definition's own).")
    test_of = serializers.SerializerMethodField(help_text="A test version's draft number (null otherwise).")

    class Meta:
        model = WorkflowVersion
        fields = ["number", "label", "test_of", "status", "checksum", "revision", "is_test", "note", "created_by",
                  "published_by", "created_at", "updated_at", "published_at", "run_count", "code_version"]

    def get_code_version(self, version) -> str | None:
        return str(version.spec.get("code_version", "")) if spec_kind(version.spec) == CODE else None

    def get_label(self, version) -> str:
        return version_label(number=version.number)

    def get_test_of(self, version) -> int | None:
        parts = version_test_parts(version.number)
        return parts[0] if parts else None


class VersionSerializer(VersionSummarySerializer):
    source = serializers.SerializerMethodField(help_text="A code version's Python source (null for a graph "
                                                         "version).")

    class Meta(VersionSummarySerializer.Meta):
        fields = VersionSummarySerializer.Meta.fields + ["source", "spec"]

    def get_source(self, version) -> str | None:
        return str(version.spec.get("source", "")) if spec_kind(version.spec) == CODE else None


class DefinitionSerializer(serializers.ModelSerializer):
    version_count = serializers.IntegerField(read_only=True, default=0)
    run_count = serializers.IntegerField(read_only=True, default=0)
    real_run_count = serializers.IntegerField(read_only=True, default=0,
                                              help_text="its runs that are not test runs (with none, it can be deleted)")
    kind = serializers.SerializerMethodField(help_text='"code" (a Python function: read-only here) or "graph", '
                                                       "from the latest version's spec.")

    class Meta:
        model = WorkflowDefinition
        fields = ["key", "name", "description", "kind", "created_at", "updated_at", "archived_at", "version_count",
                  "run_count", "real_run_count"]
        read_only_fields = ["created_at", "updated_at", "archived_at"]

    def get_kind(self, definition) -> str:
        if hasattr(definition, "latest_kind"):
            return CODE if definition.latest_kind == CODE else GRAPH
        latest = definition.versions.order_by("-number").values_list("spec", flat=True).first()
        return spec_kind(latest)


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


class PublishSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="",
                                 help_text="What changed and why (optional); shown in the history.")


class DefinitionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class SpecSerializer(serializers.Serializer):
    spec = serializers.JSONField()


class ValidateRequestSerializer(serializers.Serializer):
    """A validate request: ``spec`` must be a JSON object (what is in it is the validator's business)."""
    spec = serializers.JSONField(help_text="The spec to check (a JSON object).")

    def validate_spec(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("the spec must be a JSON object", code="not_object")
        return value


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
    overwrite_draft = serializers.BooleanField(
        default=False, help_text="Replace the key's unpublished draft. Without it, importing onto a key whose "
                                 "draft differs from the document is refused (409 import.draft_exists).")


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
