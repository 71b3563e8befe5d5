# A run transaction that starts from the run as its worker last wrote it (no read of the row):
# this function, the first statement of its single round trip, locks the run and checks that
# nothing changed it since (engine/store/tx.py, held_tx). Its error aborts the statements that
# follow in the pipeline, and the worker falls back to reading the run under its lock.

from django.db import migrations

CREATE = """
CREATE FUNCTION engine_run_expect(p_run uuid, p_seq integer, p_updated timestamptz) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM engine_workflowrun WHERE id = p_run AND next_seq = p_seq AND updated_at = p_updated
        FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % changed since this worker wrote it', p_run USING ERRCODE = 'FD001';
    END IF;
    -- A step id for the run's next transaction, drawn under the run's lock (see sql.py).
    RETURN nextval('engine_steprun_id_seq');
END $$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0008_fewer_indexes'),
    ]

    operations = [
        migrations.RunSQL(CREATE, "DROP FUNCTION engine_run_expect(uuid, integer, timestamptz)"),
    ]
