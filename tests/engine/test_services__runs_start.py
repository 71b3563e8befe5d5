"""run_start keeps the latest published version it found (one lookup fewer per start) and
checks it with each start's COMMIT: a newer version is never missed."""
import pytest

from engine.models import RunEvent, StepRun, WorkflowRun
from engine.services import runs
from engine.services.definitions import draft_save, version_publish
from engine.store import sql
from tests.support.flows import assert_gapless, chain, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lookups(monkeypatch):
    calls = []
    real = sql.version_for_start

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)
    monkeypatch.setattr(sql, "version_for_start", counted)
    monkeypatch.setattr(runs, "_latest", {})
    return calls


def test_later_starts_reuse_the_version_found_by_the_first(lookups):
    publish("kept", chain(task("a")))
    started = [runs.run_start(definition_key="kept", input={"n": n})[0] for n in range(3)]
    assert len(lookups) == 1
    assert {r.version.number for r in WorkflowRun.objects.filter(pk__in=[r.id for r in started])} == {1}
    for run in started:  # each begins as any run does: its first steps, in order, every event
        assert list(StepRun.objects.filter(run=run).order_by("id").values_list("node_id", flat=True)) == \
            ["start", "a"]
        assert_gapless(run.id)


def test_a_version_published_since_is_the_one_a_start_pins(lookups):
    version = publish("moving", chain(task("a")))
    first, _ = runs.run_start(definition_key="moving")
    draft_save(definition=version.definition, spec=chain(task("a"), task("b")))
    version_publish(definition=version.definition, number=2)
    before = RunEvent.objects.count()
    second, created = runs.run_start(definition_key="moving", input={"after": "publish"})
    assert created and WorkflowRun.objects.get(pk=second.id).version.number == 2
    assert WorkflowRun.objects.get(pk=first.id).version.number == 1  # a run stays on its version
    assert len(lookups) == 2  # the kept version failed its check; the start looked again
    # The refused attempt wrote nothing: one run, its events once.
    assert WorkflowRun.objects.filter(definition=version.definition).count() == 2
    assert RunEvent.objects.count() - before == RunEvent.objects.filter(run=second).count()
    assert_gapless(second.id)
    runs.run_start(definition_key="moving")
    assert len(lookups) == 2  # and kept the new one
