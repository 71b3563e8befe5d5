"""Archive, unarchive and delete a definition: audited; an archived one starts nothing; runs are kept."""
import pytest

from engine.errors import Conflict
from engine.models import AuditEntry, RunEvent, StepRun, WorkflowDefinition, WorkflowRun, WorkflowVersion
from engine.selectors.definitions import definition_list
from engine.services import runs
from engine.services.definitions import (definition_archive, definition_create, definition_delete,
                                         definition_unarchive, draft_save, version_publish)
from engine.services.definitions import test_version_create as make_test_version
from tests.support.flows import chain, publish, task

SPEC = chain(task("a", activity="flowdeck.noop"))


@pytest.mark.django_db(transaction=True)
def test_an_archived_definition_starts_nothing_even_from_a_kept_version(monkeypatch):
    monkeypatch.setattr(runs, "_latest", {})
    definition = publish("shelved", SPEC).definition
    first, _ = runs.run_start(definition_key="shelved")
    runs.run_start(definition_key="shelved")   # now kept: no lookup, checked at COMMIT
    archived = definition_archive(definition=definition, reason="replaced by refund-v2")
    assert archived.archived_at is not None
    with pytest.raises(Conflict, match="shelved is archived"):
        runs.run_start(definition_key="shelved")   # the kept version fails as stale, the start looks again
    with pytest.raises(Conflict, match="shelved is archived"):
        runs.run_start(definition_key="shelved", version=1)
    with pytest.raises(Conflict, match="archived"):
        make_test_version(definition=archived, spec=SPEC)
    assert first.__class__.objects.filter(definition=definition).count() == 2   # its runs are kept
    assert [d.key for d in definition_list(include_archived=False)] == []
    assert [d.key for d in definition_list()] == ["shelved"]
    with pytest.raises(Conflict, match="already archived"):
        definition_archive(definition=archived)

    definition_unarchive(definition=archived, reason="still needed")
    assert runs.run_start(definition_key="shelved")[1] is True
    entries = list(AuditEntry.objects.filter(object_id="shelved", action__in=["definition.archive",
                                                                               "definition.unarchive"])
                   .order_by("id").values_list("action", "reason"))
    assert entries == [("definition.archive", "replaced by refund-v2"), ("definition.unarchive", "still needed")]
    with pytest.raises(Conflict, match="not archived"):
        definition_unarchive(definition=archived)


@pytest.mark.django_db
def test_a_definition_that_never_ran_is_deleted_with_its_published_versions():
    definition = definition_create(key="scratch", name="Scratch", spec=SPEC)
    version_publish(definition=definition, number=1)
    draft_save(definition=definition, spec=chain(task("b", activity="flowdeck.noop")))
    definition_delete(definition=definition, reason="a copy made by mistake")
    assert not WorkflowDefinition.objects.filter(key="scratch").exists()
    assert not WorkflowVersion.objects.filter(definition_id=definition.pk).exists()
    entry = AuditEntry.objects.get(action="definition.delete", object_id="scratch")
    assert entry.changes["versions"] == [1, 2] and entry.reason == "a copy made by mistake"


@pytest.mark.django_db
def test_a_published_version_still_cannot_be_deleted_on_its_own():
    from django.db import DatabaseError, transaction
    definition = publish("kept-safe", SPEC).definition
    with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
        WorkflowVersion.objects.filter(definition=definition).delete()


@pytest.mark.django_db
def test_a_definition_with_real_runs_is_refused_and_kept():
    definition = publish("busy", SPEC).definition
    runs.run_start(definition_key="busy")
    with pytest.raises(Conflict, match=r"busy has 1 run\(s\).*archive it instead"):
        definition_delete(definition=definition)
    assert WorkflowDefinition.objects.filter(key="busy").exists()
    assert not AuditEntry.objects.filter(action="definition.delete").exists()


@pytest.mark.django_db
def test_one_with_only_test_runs_goes_with_them_once_they_are_done():
    tried = definition_create(key="tried", name="Tried", spec=SPEC)
    test = make_test_version(definition=tried, spec=SPEC)
    run, _ = runs.run_start(definition_key="tried", version=test.number, is_test=True)
    with pytest.raises(Conflict, match=r"tried has 1 test run\(s\) still going; cancel them first"):
        definition_delete(definition=tried)
    WorkflowRun.objects.filter(pk=run.pk).update(status="failed")   # stopped: nothing moves on its own
    assert RunEvent.objects.filter(run_id=run.pk).exists()
    definition_delete(definition=tried)
    assert not WorkflowDefinition.objects.filter(key="tried").exists()
    assert not WorkflowRun.objects.filter(pk=run.pk).exists()
    assert not RunEvent.objects.filter(run_id=run.pk).exists() and not StepRun.objects.filter(run_id=run.pk).exists()
    assert AuditEntry.objects.get(action="definition.delete", object_id="tried").changes["test_runs"] == 1
