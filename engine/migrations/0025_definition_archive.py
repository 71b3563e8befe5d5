# A definition can be archived: hidden from the designer's list by default, refused when a run
# is started on it, its runs kept. Starts that reuse the latest version a process looked up
# earlier (engine_version_expect, 0012) fail as stale once the definition is archived, so the
# start looks again and is refused (engine/services/runs.py).
from django.db import migrations, models

EXPECT = """
CREATE OR REPLACE FUNCTION engine_version_expect(p_definition bigint, p_version bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT id FROM engine_workflowversion WHERE definition_id = p_definition AND status = 'published'
            AND NOT is_test ORDER BY number DESC LIMIT 1) IS DISTINCT FROM p_version
       OR (SELECT archived_at FROM engine_workflowdefinition WHERE id = p_definition) IS NOT NULL THEN
        RAISE EXCEPTION 'definition % has another latest published version, or was archived', p_definition
            USING ERRCODE = 'FD001';
    END IF;
END $$;
"""

EXPECT_BEFORE = """
CREATE OR REPLACE FUNCTION engine_version_expect(p_definition bigint, p_version bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT id FROM engine_workflowversion WHERE definition_id = p_definition AND status = 'published'
            AND NOT is_test ORDER BY number DESC LIMIT 1) IS DISTINCT FROM p_version THEN
        RAISE EXCEPTION 'definition % has another latest published version', p_definition
            USING ERRCODE = 'FD001';
    END IF;
END $$;
"""

# A definition that never ran can be deleted with its versions; a published version stays
# undeletable (0002) except inside the transaction that deletes its whole definition, which
# names it in flowdeck.deleting_definition (a version some run pins is still kept by its FK).
GUARD = r"""
CREATE OR REPLACE FUNCTION flowdeck_version_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft'
       AND current_setting('flowdeck.deleting_definition', true) IS DISTINCT FROM OLD.definition_id::text THEN
      RAISE EXCEPTION 'flowdeck: version % is %, it cannot be deleted', OLD.id, OLD.status
        USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status <> 'draft' AND (
       NEW.spec IS DISTINCT FROM OLD.spec OR NEW.checksum IS DISTINCT FROM OLD.checksum
       OR NEW.number <> OLD.number OR NEW.definition_id <> OLD.definition_id OR NEW.status = 'draft') THEN
    RAISE EXCEPTION 'flowdeck: version % is %, it is immutable', OLD.id, OLD.status
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""

GUARD_BEFORE = r"""
CREATE OR REPLACE FUNCTION flowdeck_version_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION 'flowdeck: version % is %, it cannot be deleted', OLD.id, OLD.status
        USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status <> 'draft' AND (
       NEW.spec IS DISTINCT FROM OLD.spec OR NEW.checksum IS DISTINCT FROM OLD.checksum
       OR NEW.number <> OLD.number OR NEW.definition_id <> OLD.definition_id OR NEW.status = 'draft') THEN
    RAISE EXCEPTION 'flowdeck: version % is %, it is immutable', OLD.id, OLD.status
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("engine", "0024_retention")]
    operations = [
        migrations.AddField(
            model_name="workflowdefinition",
            name="archived_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL(EXPECT, EXPECT_BEFORE),
        migrations.RunSQL(GUARD, GUARD_BEFORE),
    ]
