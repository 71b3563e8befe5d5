"""Shapes of the alerts API. Rule bodies are checked by alerts/rules.py (every problem, a field each);
these only describe them. A webhook URL is a secret (Slack's carries its token): only admins see it."""
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alerts.models import AlertMessage, AlertRule, AlertState
from alerts.services import target_shown
from engine.roles import user_can


class AlertChannelSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["webhook", "slack", "email"])
    url = serializers.CharField(required=False, help_text="webhook, slack: where to POST (its host allow-listed)")
    to = serializers.ListField(child=serializers.EmailField(), required=False, help_text="email: the addresses")


class AlertRuleWriteSerializer(serializers.Serializer):
    """Creating: name, kind and channels are required; changing (PATCH): any of them."""
    name = serializers.CharField(required=False)
    kind = serializers.ChoiceField(choices=AlertRule.KINDS, required=False)
    params = serializers.JSONField(required=False, help_text="per kind (docs/operating-alerts.md): incident_group "
                                   "{min_count, kinds}, stuck {older_than_seconds}, sla_breach {}, failure_rate "
                                   "{threshold 0..1, window_seconds, min_runs}")
    definition_key = serializers.CharField(required=False, allow_blank=True, help_text="only this definition; "
                                           "empty: all (failure_rate: each its own group)")
    channels = AlertChannelSerializer(many=True, required=False)
    repeat_interval_seconds = serializers.IntegerField(required=False, min_value=0, help_text="a still firing group "
                                                       "is sent again after this long; 0: never")
    enabled = serializers.BooleanField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text="for the audit log")


class AlertReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AlertRuleSerializer(serializers.ModelSerializer):
    channels = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    firing = serializers.SerializerMethodField(help_text="groups of this rule firing now")

    class Meta:
        model = AlertRule
        fields = ["id", "name", "kind", "params", "definition_key", "channels", "repeat_interval_seconds", "enabled",
                  "created_by", "created_at", "updated_at", "firing"]

    @extend_schema_field(AlertChannelSerializer(many=True))
    def get_channels(self, rule):
        request = self.context.get("request")
        if request is not None and user_can(request.user, "administer"):
            return rule.channels
        return [{"type": c["type"], **({"to": c["to"]} if c["type"] == "email" else {"url": target_shown(c)})}
                for c in rule.channels]

    def get_created_by(self, rule) -> str | None:
        return rule.created_by.get_username() if rule.created_by else None

    def get_firing(self, rule) -> int:
        return self.context.get("firing", {}).get(rule.id, 0)


class AlertStateSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(source="rule.name")
    kind = serializers.CharField(source="rule.kind")
    runs = serializers.SerializerMethodField()
    console_path = serializers.SerializerMethodField()

    class Meta:
        model = AlertState
        fields = ["id", "rule", "rule_name", "kind", "group_key", "status", "notified", "summary", "runs",
                  "console_path", "first_seen", "last_seen", "last_sent_at", "resolved_at"]

    def get_runs(self, state) -> list[str]:
        return list((state.detail or {}).get("runs", []))

    def get_console_path(self, state) -> str:
        return str((state.detail or {}).get("console_path", "/console/"))


class AlertMessageSerializer(serializers.ModelSerializer):
    ok = serializers.BooleanField(allow_null=True, read_only=True, help_text="null until delivery was tried")
    target = serializers.SerializerMethodField()

    class Meta:
        model = AlertMessage
        fields = ["id", "rule", "rule_name", "group_key", "kind", "channel", "target", "summary", "status", "ok",
                  "response_code", "error", "body", "created_at", "delivered_at"]

    def get_target(self, message) -> str:
        request = self.context.get("request")
        if message.channel == "email" or (request is not None and user_can(request.user, "administer")):
            return message.target
        return target_shown({"type": message.channel, "url": message.target})


class AlertMessagePageSerializer(serializers.Serializer):
    results = AlertMessageSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class AlertTestResultSerializer(serializers.Serializer):
    messages = AlertMessageSerializer(many=True)
