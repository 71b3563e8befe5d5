"""Django admin: rules editable (checked like the API's, audited), the alert log read-only."""
from django import forms
from django.contrib import admin
from django.db import transaction

from alerts import rules
from alerts.models import AlertMessage, AlertRule
from alerts.services import FIELDS, target_shown
from engine.services.audit import audit_record


class AlertRuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = list(FIELDS)

    def clean(self):
        data = super().clean()
        fields = {f: data.get(f) for f in FIELDS}
        fields["definition_key"] = fields["definition_key"] or ""
        clean, problems = rules.rule_check(fields)
        for problem in problems:
            name = problem["field"].split(".")[0]
            self.add_error(name if name in self.fields else None, f"{problem['field']}: {problem['message']}")
        if not problems:
            data.update(clean)
        return data


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    form = AlertRuleForm
    list_display = ("name", "kind", "definition_key", "enabled", "repeat_interval_seconds", "created_by", "updated_at")
    list_filter = ("kind", "enabled")
    search_fields = ("name", "definition_key")

    def save_model(self, request, obj, form, change):
        """Saved and audited together, as the API's rule_create and rule_update do."""
        with transaction.atomic():
            if not change:
                obj.created_by = request.user
            super().save_model(request, obj, form, change)
            changes = {f: form.cleaned_data.get(f) for f in (form.changed_data if change else FIELDS)}
            if "channels" in changes:
                changes["channels"] = [{"type": c["type"], "target": target_shown(c)} for c in changes["channels"]]
            audit_record(user=request.user, action=f"alert_rule.{'update' if change else 'create'}",
                         object_type="alert_rule", object_id=obj.id, reason="in the admin", changes=changes)

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(user=request.user, action="alert_rule.delete", object_type="alert_rule", object_id=obj.id,
                         reason="in the admin", changes={"name": obj.name, "kind": obj.kind})
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:   # each audited, as one by one
            self.delete_model(request, obj)


@admin.register(AlertMessage)
class AlertMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "rule_name", "kind", "channel", "status", "response_code", "group_key")
    list_filter = ("kind", "channel", "status")
    search_fields = ("rule_name", "group_key", "summary")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AlertMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
