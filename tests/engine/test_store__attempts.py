"""Per-attempt costs stay flat: the 1,000th attempt of a step writes what the 30th does
(StepRun.attempts keeps the last ones; every attempt stays in the run's events)."""
import pytest
from psycopg.types.json import Jsonb

from engine.store import outbox as messages
from engine.executor import step_execute
from engine.models import RunEvent, StepRun
from engine.services.runs import run_start
from engine.store import db, steps
from tests.support.flows import assert_gapless, chain, publish, task

pytestmark = pytest.mark.django_db(transaction=True)
RETRY = {"max_attempts": 1000, "initial_interval": 0.001, "backoff_coefficient": 1, "max_interval": 0.001,
         "jitter": 0}


def _size(value) -> int:
    if isinstance(value, Jsonb):
        return len(value.obj) if isinstance(value.obj, str) else len(str(value.obj))
    return len(str(value))


@pytest.fixture
def written(monkeypatch):
    """Bytes of the parameters every write sends, and round trips, per attempt."""
    counts = {"bytes": 0, "round_trips": 0}
    real_write, real_send = db.write, db._send

    def write(sql, params=(), **kwargs):
        counts["bytes"] += sum(_size(p) for p in params)
        return real_write(sql, params, **kwargs)

    def send(*args, **kwargs):
        counts["round_trips"] += 1
        return real_send(*args, **kwargs)
    monkeypatch.setattr(db, "write", write)
    monkeypatch.setattr("engine.store.sql.write", write)  # imported by name there
    monkeypatch.setattr(db, "_send", send)
    monkeypatch.setattr(messages, "send", lambda *args, **kwargs: None)  # this test runs every attempt itself
    return counts


def test_the_thousandth_attempt_writes_what_the_thirtieth_does(written):
    publish("retries", chain(task("flaky", activity="flowdeck.fail", retry=RETRY, on_failure="incident",
                                  input={"message": "'failed on purpose'", "type": "'Transient'"})))
    run, _ = run_start(definition_key="retries")
    step_id = StepRun.objects.get(run=run, node_id="flaky").id
    cost = {}
    for n in range(1, 1001):
        written.update(bytes=0, round_trips=0)
        assert step_execute(step_id=step_id) == "failed"
        cost[n] = dict(written)
    step = StepRun.objects.get(pk=step_id)
    assert step.attempt == 1000 and step.status == "failed"
    # The step keeps its last attempts, numbered, the latest ones with their tracebacks.
    assert [a["attempt"] for a in step.attempts] == list(range(1000 - steps.INLINE_ATTEMPTS + 1, 1001))
    assert all(("traceback" in a["error"]) == (i >= steps.INLINE_ATTEMPTS - steps.INLINE_TRACEBACKS)
               for i, a in enumerate(step.attempts))
    # Flat: once the step holds its last 20, an attempt writes as many bytes in as many round
    # trips at attempt 999 (the last retry) as at attempt 30; a list of every attempt grew by
    # one entry per attempt (30 -> 999 entries written each time).
    assert cost[999]["round_trips"] == cost[30]["round_trips"]
    assert cost[999]["bytes"] <= cost[30]["bytes"] * 1.05, (cost[30], cost[999])
    assert cost[999]["bytes"] < 50_000
    # Every attempt is still in the run's events, where the console's timeline reads older ones.
    failed = RunEvent.objects.filter(run=run, node_id="flaky", type="step.failed")
    assert sorted(failed.values_list("payload__attempt", flat=True)) == list(range(1, 1001))
    assert_gapless(run.id)
