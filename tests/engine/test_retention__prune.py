"""Retention's prune deletes exactly what it should: old terminal top-level runs with their steps,
attempts, events, signals, tasks and child runs, archived first (one line per run); never open runs,
young runs, runs of a definition kept longer, children of open parents, nor a tree with an open child.
A dry run deletes nothing, a second prune nothing more; the event log still refuses a plain DELETE; an
archived line restores; the daily sweep does one batch per tick until nothing is due."""
import datetime as dt
import gzip
import json

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models.functions import Now
from django.test import override_settings

from engine.checks import retention_settings
from engine.models import AuditEntry, HumanTask, RunEvent, RunSignal, StepRun, WorkflowDefinition, WorkflowRun
from engine.services import retention, runs
from engine.store import clock
from engine.store import retention as store
from tests.support.flows import chain, drain, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)
NOOP = "flowdeck.noop"


def _done(key, *nodes, **start):
    """A run of a new definition ``key`` (made once), driven to its end in this process."""
    if not WorkflowDefinition.objects.filter(key=key).exists():
        publish(key, chain(*nodes))
    run, _ = runs.run_start(definition_key=key, **start)
    drain(run.id)
    return run


def _age(*runs_, days=40):
    WorkflowRun.objects.filter(pk__in=[r.id for r in runs_]).update(finished_at=Now() - dt.timedelta(days=days))


def _exists(run) -> bool:
    return WorkflowRun.objects.filter(pk=run.id).exists()


@pytest.fixture
def world():
    """Old and young, open and ended, parents and children; see each test for which must go."""
    publish("child", chain(task("inner", NOOP)))
    publish("parent", chain(node("sub", "subworkflow", definition="child"), task("outer", NOOP)))
    w = {}
    w["old"] = _done("plain", task("a", NOOP), task("b", NOOP), input={"n": 1})
    w["old_signalled"] = _done("signalled", node("wait", "signal", signal="go"), node("then", "signal", signal="late"))
    runs.run_signal(run_id=w["old_signalled"].id, name="late", payload={"kept": 1})   # kept until "then"
    runs.run_signal(run_id=w["old_signalled"].id, name="go", payload={"ok": True})
    drain(w["old_signalled"].id)
    w["old_task"] = _done("asks", node("approve", "human", title="Approve", assignee={"role": "operator"}))
    runs.run_cancel(run_id=w["old_task"].id, reason="no longer needed")
    # A parent whose subworkflow child ended and who ended after it: both go, the child with its parent.
    w["old_parent"], _ = runs.run_start(definition_key="parent")
    w["old_child"] = WorkflowRun.objects.get(parent_run=w["old_parent"])
    drain(w["old_child"].id)
    runs.run_resume_parent(child_run_id=w["old_child"].id)
    drain(w["old_parent"].id)
    # A parent still waiting for its ended child: neither goes, however old the child.
    w["open_parent"], _ = runs.run_start(definition_key="parent")
    w["open_child"] = WorkflowRun.objects.get(parent_run=w["open_parent"])
    drain(w["open_child"].id)
    w["young"] = _done("plain")
    w["open"] = _done("waits", node("wait", "signal", signal="never"))
    w["long_kept"] = _done("kept-long", task("a", NOOP))
    retention.definition_set_retention(definition=WorkflowDefinition.objects.get(key="kept-long"), days=90)
    w["forever"] = _done("kept-forever", task("a", NOOP))
    retention.definition_set_retention(definition=WorkflowDefinition.objects.get(key="kept-forever"), days=0)
    _age(w["old"], w["old_signalled"], w["old_task"], w["old_parent"], w["old_child"], w["open_child"],
         w["long_kept"], w["forever"])
    WorkflowRun.objects.filter(pk=w["open"].id).update(created_at=Now() - dt.timedelta(days=400))
    for name in ("old", "old_signalled", "old_task", "old_parent", "young", "long_kept", "forever"):
        assert WorkflowRun.objects.get(pk=w[name].id).status in ("completed", "cancelled"), name
    assert WorkflowRun.objects.get(pk=w["open_parent"].id).status == "waiting"
    return w


GONE = ("old", "old_signalled", "old_task", "old_parent", "old_child")
KEPT = ("open_parent", "open_child", "young", "open", "long_kept", "forever")


def test_old_terminal_runs_go_with_everything_theirs_and_nothing_else(world, tmp_path):
    gone = [world[name].id for name in GONE]
    before = {"steps": StepRun.objects.filter(run_id__in=gone).count(),
              "events": RunEvent.objects.filter(run_id__in=gone).count()}
    assert HumanTask.objects.filter(run_id=world["old_task"].id).exists()
    assert RunSignal.objects.filter(run_id=world["old_signalled"].id).count() == 2
    assert any(s.attempts for s in StepRun.objects.filter(run_id=world["old"].id))   # attempts are on the steps
    done = retention.runs_prune(archive_url=str(tmp_path), batch=2)
    assert done.roots == 4 and done.counts["runs"] == 5 and done.skipped == 0
    assert done.counts["steps"] == before["steps"] and done.counts["events"] == before["events"]
    assert done.batches == 2 and len(done.archives) == 2
    for name in GONE:
        assert not _exists(world[name]), name
    for name in KEPT:
        assert _exists(world[name]), name
    assert not StepRun.objects.filter(run_id__in=gone).exists()
    assert not RunEvent.objects.filter(run_id__in=gone).exists()
    assert not RunSignal.objects.filter(run_id__in=gone).exists()
    assert not HumanTask.objects.filter(run_id__in=gone).exists()
    assert StepRun.objects.filter(run_id=world["open_parent"].id, child_run=world["open_child"].id).exists()
    [entry, *_] = AuditEntry.objects.filter(action="runs.prune").order_by("id")
    assert entry.username == "system" and entry.changes["archive"] == done.archives[0]
    assert sum(len(e.changes["runs"]) for e in AuditEntry.objects.filter(action="runs.prune")) == 4


def test_the_archive_has_one_line_per_deleted_run_with_its_events(world, tmp_path):
    events = {str(world[n].id): list(RunEvent.objects.filter(run_id=world[n].id).order_by("seq")
                                     .values_list("seq", "type")) for n in GONE}
    steps = {str(world[n].id): StepRun.objects.filter(run_id=world[n].id).count() for n in GONE}
    done = retention.runs_prune(archive_url=f"file://{tmp_path}/archive")
    [path] = done.archives
    assert path.startswith(f"{tmp_path}/archive/runs-") and path.endswith(".jsonl.gz")
    with gzip.open(path, "rt") as fh:
        lines = [json.loads(line) for line in fh]
    assert sorted(line["run"]["id"] for line in lines) == sorted(events)
    for line in lines:
        run_id = line["run"]["id"]
        assert line["format"] == "flowdeck.run/1"
        assert [(e["seq"], e["type"]) for e in line["events"]] == events[run_id]
        assert len(line["steps"]) == steps[run_id]
    by_id = {line["run"]["id"]: line for line in lines}
    child = by_id[str(world["old_child"].id)]
    assert child["root_id"] == str(world["old_parent"].id) and child["run"]["parent_run_id"] == child["root_id"]
    assert lines.index(by_id[child["root_id"]]) < lines.index(child)   # parents first
    assert {s["name"] for s in by_id[str(world["old_signalled"].id)]["signals"]} == {"go", "late"}
    [human] = by_id[str(world["old_task"].id)]["tasks"]
    assert human["status"] == "cancelled" and human["title"] == "Approve"
    assert all(a["status"] == "succeeded" for s in by_id[str(world["old"].id)]["steps"] for a in s["attempts"])


def test_an_archived_line_restores_the_run(world, tmp_path):
    """docs/operating-retention.md's restore: every column is in the archive, as the tables have them."""
    done = retention.runs_prune(archive_url=str(tmp_path))
    with gzip.open(done.archives[0], "rt") as fh:
        line = next(json.loads(row) for row in fh if json.loads(row)["run"]["id"] == str(world["old"].id))
    with transaction.atomic(), connection.cursor() as cur:
        for table, rows in (("engine_workflowrun", [line["run"]]), ("engine_steprun", line["steps"]),
                            ("engine_runevent", line["events"])):
            for row in rows:
                cur.execute(f"INSERT INTO {table} SELECT * FROM json_populate_record(NULL::{table}, %s)",
                            [json.dumps(row)])
    run = WorkflowRun.objects.get(pk=world["old"].id)
    assert run.status == "completed" and run.input == {"n": 1}
    assert RunEvent.objects.filter(run=run).count() == len(line["events"])


def test_a_dry_run_deletes_nothing_and_a_second_prune_nothing_more(world, tmp_path, capsys):
    call_command("runs_prune", "--dry-run")
    out = capsys.readouterr().out
    assert "plain: kept 30 days; due: 1 runs (+0 child runs)" in out
    assert "parent: kept 30 days; due: 1 runs (+1 child runs)" in out
    assert "kept-long: kept 90 days; due: 0 runs" in out and "kept-forever" not in out
    assert "dry run: would prune 4 runs (+1 child runs)" in out
    assert all(_exists(world[name]) for name in GONE + KEPT)
    call_command("runs_prune", "--archive-url", str(tmp_path))
    assert "pruned 4 runs (5 with their child runs)" in capsys.readouterr().out
    call_command("runs_prune", "--archive-url", str(tmp_path))
    assert "pruned 0 runs (0 with their child runs), 0 steps, 0 events in 0 batches" in capsys.readouterr().out
    assert len(list(tmp_path.iterdir())) == 1
    assert all(_exists(world[name]) for name in KEPT)


def test_older_than_days_replaces_the_default_only(world, tmp_path):
    done = retention.runs_prune(archive_url="", older_than_days=60)
    assert done.roots == 0 and not done.archives
    retention.definition_set_retention(definition=WorkflowDefinition.objects.get(key="kept-long"), days=20)
    done = retention.runs_prune(archive_url="", older_than_days=60)
    assert done.roots == 1 and not _exists(world["long_kept"]) and _exists(world["old"])


def test_a_tree_with_an_open_child_is_left_alone(world):
    WorkflowRun.objects.filter(pk=world["old_child"].id).update(status="failed")
    done = retention.runs_prune(archive_url="")
    assert done.skipped == 1 and done.roots == 3
    assert _exists(world["old_parent"]) and _exists(world["old_child"]) and not _exists(world["old"])


def test_the_event_log_still_refuses_changes_outside_a_prune(world):
    run_id = world["old"].id
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RunEvent.objects.filter(run_id=run_id).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RunEvent.objects.filter(run_id=run_id).update(type="tampered")
    retention.runs_prune(archive_url="", max_batches=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():   # the batch closed it again
        RunEvent.objects.filter(run_id=world["young"].id).delete()
    assert RunEvent.objects.filter(run_id=world["young"].id).exists()


def test_the_daily_sweep_takes_one_batch_per_tick_from_its_time(world):
    retention.retention_tick_reset()
    today = clock.now()
    early, late = today.replace(hour=23, minute=58), today.replace(hour=23, minute=59, second=30)
    with override_settings(FLOWDECK_RETENTION_AT="23:59", FLOWDECK_RETENTION_BATCH=2):
        assert retention.retention_tick(now=early) == 0 and _exists(world["old"])   # not yet today
        ticks = [retention.retention_tick(now=late) for _ in range(4)]
    assert sum(ticks) == 5 and ticks[2:] == [0, 0] and not any(_exists(world[n]) for n in GONE)
    with override_settings(FLOWDECK_RETENTION_AT=""):
        assert retention.retention_tick(now=late + dt.timedelta(days=1)) == 0
    retention.retention_tick_reset()


@pytest.mark.django_db
def test_bad_settings_and_values_are_refused_plainly(tmp_path):
    with override_settings(FLOWDECK_ARCHIVE_URL="s3://bucket/runs"):
        [error] = retention_settings(None)
        assert error.id == "flowdeck.E171" and "only a directory path or a file:// URL" in error.msg
        assert isinstance(error, checks.Error)
    with override_settings(FLOWDECK_RETENTION_AT="3am"):
        assert [e.id for e in retention_settings(None)] == ["flowdeck.E173"]
    (tmp_path / "a-file").write_text("")
    with override_settings(FLOWDECK_ARCHIVE_URL=str(tmp_path / "a-file" / "archive")):
        assert [e.id for e in retention_settings(None)] == ["flowdeck.W171"]
    assert retention_settings(None) == []
    with pytest.raises(Exception, match="not s3://"):
        retention.runs_prune(archive_url="s3://bucket/runs")
    with pytest.raises(Exception, match="at least 1"):
        call_command("runs_prune", "--older-than-days", "0")


@pytest.mark.django_db
def test_every_reference_to_a_run_or_step_has_a_rule():
    """Another app's foreign key to runs is handled by what it says; a reference without a constraint (a
    webhook delivery's, a schedule's) keeps its run id and is never scanned."""
    rels = {r.label: r.action for r in store.relations()}
    for label in ("engine.webhookdelivery", "engine.schedule", "engine.schedulefire"):
        assert rels.get(label, "keep") == "keep", label
    assert set(rels.values()) <= {"delete", "null", "protect", "keep"}


def test_another_tables_references_are_kept_to_cleared_or_deleted_by_their_rule(world, tmp_path, monkeypatch):
    """The rules other apps' foreign keys get, tried on engine tables standing in for theirs."""
    task_id = HumanTask.objects.get(run_id=world["old_task"].id).id
    protect = store.Relation("engine_humantask", "run_id", "run", "protect", "x.protect")
    cleared = store.Relation("engine_steprun", "child_run_id", "run", "null", "x.cleared")
    monkeypatch.setattr(store, "relations", lambda: [protect, cleared])
    done = retention.runs_prune(archive_url="")
    assert done.skipped == 1 and _exists(world["old_task"]) and not _exists(world["old"])
    assert done.counts["x.cleared"] == 1   # the old parent's subworkflow step, before it went too
    cascade = store.Relation("engine_humantask", "step_id", "step", "delete", "x.cascade")
    monkeypatch.setattr(store, "relations", lambda: [cascade])
    done = retention.runs_prune(archive_url=str(tmp_path))
    assert done.roots == 1 and done.counts["x.cascade"] == 1 and not _exists(world["old_task"])
    with gzip.open(done.archives[0], "rt") as fh:
        [line] = [json.loads(row) for row in fh]
    assert [row["id"] for row in line["other"]["x.cascade"]] == [task_id]
