# The second check of a transaction that starts from a held run (engine/store/tx.py, held_tx):
# finishing a run cancels its open steps, which usually are none. Instead of reading them
# first (a round trip), the transaction checks, with its COMMIT, that there are none; if there
# are, it fails as stale and the worker does it again under a locked read.

from django.db import migrations

CREATE = """
CREATE FUNCTION engine_run_expect_none_open(p_run uuid, p_kind text, p_statuses text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM engine_steprun WHERE run_id = p_run AND kind = p_kind AND status = ANY(p_statuses)) THEN
        RAISE EXCEPTION 'run % has open % steps', p_run, p_kind USING ERRCODE = 'FD001';
    END IF;
END $$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0009_run_expect'),
    ]

    operations = [
        migrations.RunSQL(CREATE, "DROP FUNCTION engine_run_expect_none_open(uuid, text, text[])"),
    ]
