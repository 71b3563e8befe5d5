"""Webhook bodies: the admins' API at /api/hooks/ and the receiver's answer (dashboard/views_hooks.py)."""
from django.urls import reverse
from rest_framework import serializers

from engine.services.hooks import MAX_KEEP_PREVIOUS, MAX_RATE_PER_MINUTE

BUSINESS_KEY_HELP = ("where a delivery's business key comes from (a run per key: the same key again returns "
                     "its run): 'header:<Header-Name>', 'body:<JMESPath expression>' into the body, or empty "
                     "for none (every delivery then starts a run)")


class _Reason(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                   help_text="Why: recorded in the audit log.")


class HookCreateSerializer(_Reason):
    definition = serializers.SlugField(max_length=100, help_text="the definition's key: the hook is /hooks/<key>/")
    business_key_from = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                              help_text=BUSINESS_KEY_HELP)
    rate_per_minute = serializers.IntegerField(min_value=1, max_value=MAX_RATE_PER_MINUTE, required=False, default=60)
    enabled = serializers.BooleanField(required=False, default=True)


class HookUpdateSerializer(_Reason):
    business_key_from = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                              help_text=BUSINESS_KEY_HELP)
    rate_per_minute = serializers.IntegerField(min_value=1, max_value=MAX_RATE_PER_MINUTE, required=False)
    enabled = serializers.BooleanField(required=False)


class HookRotateSerializer(_Reason):
    keep_previous_for = serializers.IntegerField(
        min_value=0, max_value=MAX_KEEP_PREVIOUS, required=False, default=0,
        help_text="seconds the old secret is still accepted, so senders can switch without a refused request")


class HookReasonSerializer(_Reason):
    pass


class HookSerializer(serializers.Serializer):
    """A hook as every read shows it: never its secret."""
    key = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="where senders POST")
    definition_name = serializers.CharField()
    enabled = serializers.BooleanField()
    business_key_from = serializers.CharField()
    rate_per_minute = serializers.IntegerField()
    secret_hint = serializers.CharField(help_text="the secret's last characters, to tell which one a sender holds")
    secret_set_at = serializers.DateTimeField()
    previous_secret_valid_until = serializers.DateTimeField(allow_null=True)
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    last_delivery_at = serializers.DateTimeField(allow_null=True)
    last_outcome = serializers.CharField(allow_null=True)

    def get_url(self, hook) -> str:
        path = reverse("hook-receive", args=[hook["key"]])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class HookWithSecretSerializer(HookSerializer):
    secret = serializers.CharField(help_text="shown in this answer only: store it now (it signs the requests)")


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    outcome = serializers.CharField(help_text="started | existing (its business key's run) | refused")
    business_key = serializers.CharField(allow_null=True)
    run_id = serializers.UUIDField(allow_null=True)
    detail = serializers.CharField(help_text="why it was refused")


class ReceiptSerializer(serializers.Serializer):
    run_id = serializers.UUIDField()
    created = serializers.BooleanField(help_text="false: the business key's run already existed (200)")
    business_key = serializers.CharField(allow_null=True)
