"""Definitions in the Django admin; published versions are read-only there too."""
from django.contrib import admin

from engine.models import WorkflowDefinition, WorkflowVersion
from engine.states import VersionStatus


class VersionInline(admin.TabularInline):
    model = WorkflowVersion
    fields = ["number", "status", "checksum", "is_test", "published_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkflowDefinition)
class DefinitionAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "updated_at"]
    search_fields = ["key", "name"]
    inlines = [VersionInline]


@admin.register(WorkflowVersion)
class VersionAdmin(admin.ModelAdmin):
    list_display = ["definition", "number", "status", "is_test", "published_at"]
    list_filter = ["status", "is_test", "definition"]
    readonly_fields = ["checksum", "revision", "published_at", "published_by", "created_by"]

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.status == VersionStatus.DRAFT

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == VersionStatus.DRAFT


from engine.models import AuditEntry  # noqa: E402


@admin.register(AuditEntry)
class AuditAdmin(admin.ModelAdmin):
    """Read-only: audit rows cannot be changed or deleted (the database refuses too)."""
    list_display = ["created_at", "username", "action", "object_type", "object_id", "reason"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "object_id", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
