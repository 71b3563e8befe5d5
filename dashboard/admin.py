"""Webhooks in the Django admin (the dashboard is their HTTP face), to look at: changes go through /api/hooks/ (audited, secrets shown once).
No page shows a secret."""
from django.contrib import admin

from engine.models import WebhookDelivery, WebhookHook


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A hook's delete is audited through DELETE /api/hooks/<key>/; a delivery's would let its replay in.
        return False


@admin.register(WebhookHook)
class WebhookHookAdmin(_ReadOnly):
    list_display = ["definition", "enabled", "business_key_from", "rate_per_minute", "secret_set_at", "created_by"]
    list_filter = ["enabled"]
    search_fields = ["definition__key"]
    fields = ["definition", "enabled", "business_key_from", "rate_per_minute", "secret_set_at",
              "previous_secret_expires_at", "created_by", "created_at", "updated_at"]   # never the secrets


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnly):
    list_display = ["received_at", "hook", "outcome", "business_key", "run_id"]
    list_filter = ["outcome"]
    search_fields = ["hook__definition__key", "business_key", "digest"]
    fields = ["hook", "received_at", "outcome", "business_key", "run_id", "detail", "digest"]
    readonly_fields = fields
    list_select_related = ["hook__definition"]
