"""Size limits (engine/limits.py) and the database timeouts on the engine's connections: a huge
value costs its own step, is refused before anything of it is written, and never holds a
run's lock."""
import threading

import pytest
from django.db import connection, connections
from django.db.utils import DatabaseError

from engine.errors import TooLarge
from engine.executor import step_execute
from engine.models import RunEvent, StepRun, WorkflowRun
from engine.services.runs import run_cancel, run_signal, run_start
from tests.support.flows import assert_gapless, chain, drain, event_types, node, publish, task, wait_status

pytestmark = pytest.mark.django_db(transaction=True)
MB = 1024 * 1024


def _big(id, size_expr, **fields):
    return task(id, activity="test.big", input={"bytes": size_expr}, **fields)


@pytest.mark.worker
def test_a_30_mb_output_fails_its_step_quickly_and_leaves_the_run_unlocked(stack, ledger):
    publish("huge", chain(task("a"), _big("big", f"`{30 * MB}`", on_failure="incident")))
    stack.worker(threads=2)
    run, _ = run_start(definition_key="huge")
    run = wait_status(run.id, "failed", timeout=60, stack=stack)
    big = StepRun.objects.get(run=run, node_id="big")
    assert big.status == "failed" and big.error["type"] == "OutputTooLarge", big.error
    assert "FLOWDECK_MAX_OUTPUT_BYTES" in big.error["message"] and big.output is None
    assert [a["status"] for a in big.attempts] == ["failed"]  # never retried
    assert "big" not in run.data and run.data["a"]["node"] == "a"
    with connection.cursor() as cur:  # nobody holds the run's row
        cur.execute('SELECT 1 FROM "engine_workflowrun" WHERE "id" = %s FOR UPDATE NOWAIT', [run.id])
    run_cancel(run_id=run.id, reason="the output was too large")  # another action on the run
    assert WorkflowRun.objects.get(pk=run.id).status == "cancelled"
    assert_gapless(run.id)


def test_an_output_at_the_limit_is_recorded_and_one_byte_more_is_not(ledger, settings):
    settings.FLOWDECK_MAX_OUTPUT_BYTES = 64 * 1024
    publish("edge", chain(_big("at", "`65536`"), _big("over", "`65537`", on_failure="incident")))
    run, _ = run_start(definition_key="edge")
    drain(run.id)
    run = WorkflowRun.objects.get(pk=run.id)
    at, over = StepRun.objects.get(run=run, node_id="at"), StepRun.objects.get(run=run, node_id="over")
    assert at.status == "succeeded" and len(at.output["blob"]) == 65536 - 12 and "at" in run.data
    assert over.status == "failed" and over.error["type"] == "OutputTooLarge" and "over" not in run.data
    assert run.status == "failed"


def test_an_output_that_would_take_the_runs_data_over_its_limit_fails_its_step(ledger, settings):
    settings.FLOWDECK_MAX_RUN_DATA_BYTES = 5000
    publish("grows", chain(_big("a", "`2000`"), _big("b", "`2000`"), _big("c", "`2000`"), task("after")))
    run, _ = run_start(definition_key="grows")
    drain(run.id)
    run = WorkflowRun.objects.get(pk=run.id)
    c = StepRun.objects.get(run=run, node_id="c")
    assert c.status == "failed" and c.error["type"] == "OutputTooLarge", c.error
    assert "FLOWDECK_MAX_RUN_DATA_BYTES" in c.error["message"] and c.output is None
    assert c.attempts[-1]["status"] == "failed" and c.attempts[-1]["error"]["type"] == "OutputTooLarge"
    assert set(run.data) == {"a", "b"} and not StepRun.objects.filter(run=run, node_id="after").exists()
    assert run.status in ("failed", "aborted")
    assert_gapless(run.id)


def test_an_event_over_its_limit_is_refused_and_nothing_is_written(ledger, settings):
    settings.FLOWDECK_MAX_EVENT_BYTES = 4096
    publish("sig", chain(node("approval", "signal", signal="approve")))
    run, _ = run_start(definition_key="sig")
    before = event_types(run.id)
    with pytest.raises(TooLarge) as refused:
        run_signal(run_id=run.id, name="approve", payload={"note": "x" * 5000})
    assert refused.value.code == "engine.too_large" and "FLOWDECK_MAX_EVENT_BYTES" in str(refused.value)
    assert event_types(run.id) == before and StepRun.objects.get(run=run, node_id="approval").status == "waiting"
    run_signal(run_id=run.id, name="approve", payload={"note": "ok"})  # the run's lock was let go
    assert WorkflowRun.objects.get(pk=run.id).status == "completed"


@pytest.mark.timeout(180)
def test_a_large_pipelined_commit_completes(ledger, settings):
    """A 30 MB output once hung its record in psycopg's commit inside the pipeline, the server
    waiting for the rest of the message (ClientRead) with the run locked (engine/store/db.py)."""
    settings.FLOWDECK_MAX_OUTPUT_BYTES = settings.FLOWDECK_MAX_RUN_DATA_BYTES = 64 * MB
    publish("bulky", chain(_big("big", f"`{30 * MB}`")))
    run, _ = run_start(definition_key="bulky")
    assert step_execute(step_id=StepRun.objects.get(run=run, node_id="big").id, inline=True) == "succeeded"
    assert WorkflowRun.objects.get(pk=run.id).status == "completed"
    assert RunEvent.objects.filter(run=run, type="run.completed").count() == 1


def test_the_engines_connections_time_out_statements_lock_waits_and_idle_transactions(ledger):
    with connection.cursor() as cur:
        shown = {}
        for name in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout"):
            cur.execute(f"SHOW {name}")
            shown[name] = cur.fetchone()[0]
    assert shown == {"statement_timeout": "30s", "lock_timeout": "10s", "idle_in_transaction_session_timeout": "1min"}


def test_a_record_waiting_on_a_held_run_lock_gives_up_at_lock_timeout(ledger):
    """Whoever holds a run's lock, a record waits at most lock_timeout for it (then it is retried)."""
    publish("locked", chain(task("a")))
    run, _ = run_start(definition_key="locked")
    held, release = threading.Event(), threading.Event()

    def hold():
        with connections["default"].cursor() as cur:
            cur.execute("BEGIN")
            cur.execute('SELECT 1 FROM "engine_workflowrun" WHERE "id" = %s FOR UPDATE', [run.id])
            held.set()
            release.wait(30)
            cur.execute("ROLLBACK")
        connections["default"].close()
    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        with connection.cursor() as cur:
            cur.execute("SET lock_timeout = '200ms'")
        with pytest.raises(DatabaseError) as waited:
            run_cancel(run_id=run.id, reason="while another holds it")
        assert getattr(waited.value.__cause__, "sqlstate", None) == "55P03"  # lock_not_available
    finally:
        release.set()
        holder.join()
        with connection.cursor() as cur:
            cur.execute("RESET lock_timeout")
    run_cancel(run_id=run.id, reason="now")
    assert WorkflowRun.objects.get(pk=run.id).status == "cancelled"
