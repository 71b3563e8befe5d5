"""Promises enforced by the database itself, whatever code path writes:
published versions never change, and the run history is append-only."""
from django.db import migrations

FORWARD = r"""
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

CREATE TRIGGER flowdeck_version_guard BEFORE UPDATE OR DELETE ON engine_workflowversion
  FOR EACH ROW EXECUTE FUNCTION flowdeck_version_guard();

CREATE OR REPLACE FUNCTION flowdeck_event_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'flowdeck: % is append-only', TG_TABLE_NAME USING ERRCODE = 'check_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER flowdeck_event_append_only BEFORE UPDATE OR DELETE ON engine_runevent
  FOR EACH ROW EXECUTE FUNCTION flowdeck_event_append_only();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS flowdeck_event_append_only ON engine_runevent;
DROP FUNCTION IF EXISTS flowdeck_event_append_only();
DROP TRIGGER IF EXISTS flowdeck_version_guard ON engine_workflowversion;
DROP FUNCTION IF EXISTS flowdeck_version_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("engine", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
