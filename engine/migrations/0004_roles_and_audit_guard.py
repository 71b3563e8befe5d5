"""The four roles as groups, and the audit log made append-only in the database."""
from django.db import migrations

ROLES = ("viewer", "operator", "designer", "admin")

GUARD = r"""
CREATE TRIGGER flowdeck_audit_append_only BEFORE UPDATE OR DELETE ON engine_auditentry
  FOR EACH ROW EXECUTE FUNCTION flowdeck_event_append_only();
"""


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("engine", "0003_audit"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [
        migrations.RunPython(create_roles, remove_roles),
        migrations.RunSQL(GUARD, "DROP TRIGGER IF EXISTS flowdeck_audit_append_only ON engine_auditentry;"),
    ]
