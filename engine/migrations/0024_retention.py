# Retention (docs/operating-retention.md): a definition's own age for its runs, the indexes the prune
# needs, and the one guarded way through the event log's append-only trigger.
#
# Not atomic: the indexes are built CONCURRENTLY (a plain build would block every run write for as long
# as it reads engine_workflowrun). They are raw SQL, unknown to the model state, as the triggers are.
from django.db import migrations, models

TERMINAL = "('completed', 'compensated', 'cancelled', 'aborted')"   # engine.states.RunStatus.TERMINAL

# What the prune selects, per definition and oldest first: top-level runs that ended. Only runs that
# reached a terminal status have an entry, so the engine's hot updates of open runs never touch it.
RUN_INDEX = f"""CREATE INDEX CONCURRENTLY IF NOT EXISTS run_retention_idx ON engine_workflowrun
  (definition_id, finished_at) WHERE parent_run_id IS NULL AND status IN {TERMINAL}"""

# A run's signals by run: the delete, and the foreign-key check of each deleted run, would otherwise scan
# the table (its two indexes cover only unconsumed signals and those with a sender's id).
SIGNAL_INDEX = "CREATE INDEX CONCURRENTLY IF NOT EXISTS run_signal_run_idx ON engine_runsignal (run_id)"

# Events stay append-only: UPDATE is refused row by row as before; DELETE is refused once per statement
# unless the transaction set flowdeck.retention (SET LOCAL, engine/store/retention.py). A guard against
# code paths, not a permission: a database role that may SET can delete. TRUNCATE is not covered (it never was).
GUARD = r"""
BEGIN;
CREATE OR REPLACE FUNCTION flowdeck_event_delete_guard() RETURNS trigger AS $$
BEGIN
  IF coalesce(current_setting('flowdeck.retention', true), '') <> 'on' THEN
    RAISE EXCEPTION 'flowdeck: % is append-only (only the retention prune deletes from it)', TG_TABLE_NAME
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS flowdeck_event_append_only ON engine_runevent;
CREATE TRIGGER flowdeck_event_append_only BEFORE UPDATE ON engine_runevent
  FOR EACH ROW EXECUTE FUNCTION flowdeck_event_append_only();
CREATE TRIGGER flowdeck_event_delete_guard BEFORE DELETE ON engine_runevent
  FOR EACH STATEMENT EXECUTE FUNCTION flowdeck_event_delete_guard();
COMMIT;
"""

UNGUARD = r"""
BEGIN;
DROP TRIGGER IF EXISTS flowdeck_event_delete_guard ON engine_runevent;
DROP TRIGGER IF EXISTS flowdeck_event_append_only ON engine_runevent;
CREATE TRIGGER flowdeck_event_append_only BEFORE UPDATE OR DELETE ON engine_runevent
  FOR EACH ROW EXECUTE FUNCTION flowdeck_event_append_only();
DROP FUNCTION IF EXISTS flowdeck_event_delete_guard();
COMMIT;
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("engine", "0023_hooks")]
    operations = [
        migrations.AddField(
            model_name="workflowdefinition",
            name="retention_days",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.RunSQL(RUN_INDEX, "DROP INDEX CONCURRENTLY IF EXISTS run_retention_idx"),
        migrations.RunSQL(SIGNAL_INDEX, "DROP INDEX CONCURRENTLY IF EXISTS run_signal_run_idx"),
        migrations.RunSQL(GUARD, UNGUARD),
    ]
