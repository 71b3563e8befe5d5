# run_start keeps the latest published version of each definition it started (one lookup
# fewer per start); this check, sent with the new run's writes and COMMIT, fails the start as
# stale (nothing written) when a newer version was published since, and the start looks again.

from django.db import migrations

CREATE = """
CREATE FUNCTION engine_version_expect(p_definition bigint, p_version bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT id FROM engine_workflowversion WHERE definition_id = p_definition AND status = 'published'
            AND NOT is_test ORDER BY number DESC LIMIT 1) IS DISTINCT FROM p_version THEN
        RAISE EXCEPTION 'definition % has another latest published version', p_definition
            USING ERRCODE = 'FD001';
    END IF;
END $$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0011_stuck_check'),
    ]

    operations = [
        migrations.RunSQL(CREATE, "DROP FUNCTION engine_version_expect(bigint, bigint)"),
    ]
