"""engine/store/db.py: deferred writes inside a run transaction, and statements
that are really prepared."""
import pytest
from django.db import connection, transaction

from engine.executor import step_execute
from engine.models import StepRun, WorkflowRun
from engine.services.runs import run_start
from engine.store import db, rows, sql
from engine.store.tx import atomic
from tests.support.flows import chain, publish, task

pytestmark = pytest.mark.django_db(transaction=True)

_SET_WORKER = 'UPDATE "engine_steprun" SET "worker" = %s WHERE "id" = %s'


@pytest.fixture
def step(ledger):  # ledger: what test.record writes is cleaned up after
    publish("sqlflow", chain(task("a")))
    run, _ = run_start(definition_key="sqlflow")
    return StepRun.objects.get(run=run, node_id="a")


def _worker(step_id) -> str:
    return StepRun.objects.values_list("worker", flat=True).get(pk=step_id)


def test_a_deferred_write_waits_for_the_next_read_and_an_orm_query_sees_it(step):
    with atomic():
        db.write(_SET_WORKER, ("w1", step.id))
        assert connection._flowdeck_deferred  # not sent yet
        assert _worker(step.id) == "w1"        # the ORM query sent it first
        assert not connection._flowdeck_deferred
    assert _worker(step.id) == "w1"


def test_the_last_writes_go_with_the_commit(step):
    with atomic():
        db.write(_SET_WORKER, ("w2", step.id))
    assert not connection._flowdeck_deferred and not connection.in_atomic_block
    assert _worker(step.id) == "w2"


def test_a_failing_transaction_drops_its_waiting_writes(step):
    with pytest.raises(RuntimeError):
        with atomic():
            db.write(_SET_WORKER, ("lost", step.id))
            raise RuntimeError("the transaction fails")
    with atomic():  # the next transaction must not send them
        db.write(_SET_WORKER, ("next", step.id))
        db.write(_SET_WORKER, ("next2", step.id))
    assert _worker(step.id) == "next2"


def test_inside_an_outer_transaction_nothing_is_committed_early(step):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            with atomic():
                db.write(_SET_WORKER, ("inner", step.id))
            assert _worker(step.id) == "inner"
            raise RuntimeError("the outer transaction rolls back")
    assert _worker(step.id) == ""


def test_hot_path_statements_are_prepared_on_a_persistent_connection(step):
    assert connection.settings_dict["CONN_MAX_AGE"] != 0
    step_execute(step_id=step.id, inline=True)
    assert WorkflowRun.objects.get(pk=step.run_id).status == "completed"
    with connection.cursor() as cur:
        cur.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cur.fetchall()]
    assert any("FOR UPDATE OF r, s" in text for text in prepared), prepared
    assert any('UPDATE "engine_steprun"' in text for text in prepared), prepared
    assert any("engine_run_expect(" in text for text in prepared), prepared  # the records' guard


def test_waiting_writes_to_different_rows_become_one_statement_and_a_row_written_twice_splits():
    batch = [("UPDATE a SET x = %s WHERE id = %s", [1, 7], ("a", 7)),
             ("INSERT INTO b VALUES (%s)", [2], None),
             ("UPDATE a SET y = %s WHERE id = %s", [3, 7], ("a", 7)),  # row a/7 again
             ("UPDATE c SET z = %s WHERE id = %s", [4, 1], ("c", 1))]
    assert db._combined(batch) == [
        ("WITH w0 AS (UPDATE a SET x = %s WHERE id = %s) INSERT INTO b VALUES (%s)", [1, 7, 2]),
        ("WITH w0 AS (UPDATE a SET y = %s WHERE id = %s) UPDATE c SET z = %s WHERE id = %s", [3, 7, 4, 1])]
    assert db._combined([("UPDATE a SET x = %s", [1], None)]) == [("UPDATE a SET x = %s", [1])]


def test_a_row_inserted_and_updated_while_waiting_keeps_both_writes(step):
    from django.utils import timezone
    from engine.models import StepRun as Step
    now = timezone.now()
    row = Step(run_id=step.run_id, node_id="extra", node_type="task", status="scheduled", scheduled_at=now)
    with atomic():
        row.id = sql.execute("SELECT nextval('\"engine_steprun_id_seq\"')").fetchone()[0]
        rows.insert(row, now=now)            # waits, with its id known
        row.worker = "after-insert"
        rows.update(row, ["worker"], now=now)  # the same row: must not share the INSERT's statement
    assert _worker(row.id) == "after-insert"


def test_new_builds_the_same_instance_as_the_model_constructor(step):
    from django.utils import timezone
    from engine.models import StepRun as Step
    now = timezone.now()
    run = WorkflowRun.objects.get(pk=step.run_id)
    fast = rows.new(Step, related={"run": run}, run_id=run.id, node_id="n", node_type="task", kind="node",
                   status="scheduled", scheduled_at=now, enqueued_at=now)
    slow = Step(run=run, node_id="n", node_type="task", kind="node", status="scheduled", scheduled_at=now,
                enqueued_at=now)
    fields = lambda obj: {k: v for k, v in obj.__dict__.items() if k != "_state"}  # noqa: E731
    assert fields(fast) == fields(slow)
    assert fast._state.adding and fast._state.db is None and fast.run is run
    assert fast.attempts == [] and fast.attempts is not rows.new(Step).attempts  # each its own list


def test_placeholders_are_numbered_once_per_statement():
    assert db._numbered("UPDATE a SET x = %s WHERE id = %s") == "UPDATE a SET x = $1 WHERE id = $2"
    assert db._numbered("SELECT 1") == "SELECT 1"
    with pytest.raises(ValueError):
        db._numbered("SELECT * FROM a WHERE b LIKE 'x%' AND c = %s")


def test_lookups_by_business_key_parent_and_user_use_their_partial_indexes(step):
    with connection.cursor() as cur:
        # Plan over a table of realistic size, with its own statistics: on a near-empty table (or one
        # whose statistics earlier tests' truncated rows left) any index is as cheap as another.
        cur.execute("INSERT INTO engine_workflowrun SELECT (jsonb_populate_record(NULL::engine_workflowrun, "
                    "to_jsonb(r) || jsonb_build_object('id', gen_random_uuid(), 'business_key', 'k-' || g))).* "
                    "FROM engine_workflowrun r, generate_series(1, 5000) g WHERE r.id = %s", [step.run_id])
        cur.execute("ANALYZE engine_workflowrun")
        cur.execute("SET enable_seqscan = off")
        plans = {}
        for name, where in (("prefix", "business_key LIKE 'order-1%%'"), ("parent", "parent_run_id = %s"),
                            ("user", "created_by_id = 1")):
            cur.execute(f"EXPLAIN SELECT id FROM engine_workflowrun WHERE {where}",
                        [step.run_id] if "%s" in where else None)
            plans[name] = " ".join(row[0] for row in cur.fetchall())
        cur.execute("RESET enable_seqscan")
    assert "run_business_key_prefix_idx" in plans["prefix"], plans
    assert "run_parent_idx" in plans["parent"], plans
    assert "run_created_by_idx" in plans["user"], plans


def test_a_check_is_a_statement_of_its_own_that_sees_the_writes_before_it():
    batch = [("UPDATE a SET x = %s WHERE id = %s", [1, 7], ("a", 7)),
             ("SELECT check(%s)", [9], db.ALONE),
             ("INSERT INTO b VALUES (%s)", [2], None),
             ("UPDATE c SET z = %s WHERE id = %s", [4, 1], ("c", 1))]
    assert db._combined(batch) == [
        ("UPDATE a SET x = %s WHERE id = %s", [1, 7]),
        ("SELECT check(%s)", [9]),
        ("WITH w0 AS (INSERT INTO b VALUES (%s)) UPDATE c SET z = %s WHERE id = %s", [2, 4, 1])]
