"""Retention API (docs/operating-retention.md): how long runs are kept, read by anyone who may view;
a definition's own retention, set by an admin ("administer"), audited. Thin views over
engine.selectors.retention and engine.services.retention."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.selectors.definitions import definition_get
from engine.selectors.retention import retention_kept_days, retention_policy
from engine.services.retention import MAX_DAYS, definition_set_retention


class DefinitionRetentionSerializer(serializers.Serializer):
    key = serializers.SlugField()
    name = serializers.CharField()
    retention_days = serializers.IntegerField(allow_null=True, help_text="its own setting; null: the default")
    kept_days = serializers.IntegerField(help_text="days its runs are kept after they end (0: forever)")


class RetentionSerializer(serializers.Serializer):
    default_days = serializers.IntegerField(help_text="FLOWDECK_RETENTION_DAYS (0: runs are kept forever)")
    archived = serializers.BooleanField(help_text="whether runs are archived before they are deleted")
    daily_at = serializers.CharField(allow_null=True, help_text="when the daily prune starts (HH:MM UTC), or null")
    definitions = DefinitionRetentionSerializer(many=True)


class RetentionSetSerializer(serializers.Serializer):
    retention_days = serializers.IntegerField(allow_null=True, min_value=0, max_value=MAX_DAYS,
                                              help_text="days the definition's runs are kept after they end; "
                                                        "0: forever; null: the default (FLOWDECK_RETENTION_DAYS)")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


def _row(definition) -> dict:
    return {"key": definition.key, "name": definition.name, "retention_days": definition.retention_days,
            "kept_days": retention_kept_days(definition=definition)}


class RetentionView(APIView):
    @extend_schema(responses=RetentionSerializer, operation_id="retention_get")
    def get(self, request):
        return Response(RetentionSerializer(retention_policy()).data)


class DefinitionRetentionView(APIView):
    write_capability = "administer"

    @extend_schema(responses=DefinitionRetentionSerializer, operation_id="retention_definition_get")
    def get(self, request, key):
        return Response(DefinitionRetentionSerializer(_row(definition_get(key=key))).data)

    @extend_schema(request=RetentionSetSerializer, responses=DefinitionRetentionSerializer,
                   operation_id="retention_definition_set",
                   description="Set how long this definition's runs are kept after they end (admins; audited).")
    def put(self, request, key):
        body = RetentionSetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        definition = definition_set_retention(definition=definition_get(key=key),
                                              days=body.validated_data["retention_days"], user=request.user,
                                              reason=body.validated_data["reason"])
        return Response(DefinitionRetentionSerializer(_row(definition)).data)
