"""Liveness of workers and schedulers: beats, stops, prunes, and what the console is told.
Every time is the database's clock; the last tests run a real worker and SIGKILL it."""
import datetime as dt
import os
import signal
import time

import pytest
from django.db.models.functions import Now
from django.utils import timezone

from engine.models import EngineProcess, StepRun
from engine.selectors import health_summary, process_list, scheduler_lag, worker_liveness
from engine.services.processes import process_beat, process_prune, process_stop
from engine.services.runs import run_start
from tests.support.flows import chain, node, publish, task
from tests.support.stack import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def beat(name="vm:1", kind="worker", **fields):
    host, pid = name.split(":")
    process_beat(kind=kind, name=name, host=host, pid=int(pid), **fields)


def age(name, seconds):
    """Make the process's last beat ``seconds`` old on the database's clock."""
    EngineProcess.objects.filter(name=name).update(beat_at=Now() - dt.timedelta(seconds=seconds))


def by_name():
    return {p["name"]: p for p in process_list()}


def test_a_beat_inserts_then_updates_one_row():
    beat(threads=8, queues=["flowdeck", "default"], in_hand=2, threads_busy=3, started=True)
    first = EngineProcess.objects.get(name="vm:1")
    assert (first.kind, first.host, first.pid, first.threads) == ("worker", "vm", 1, 8)
    assert first.queues == ["default", "flowdeck"]
    assert (first.in_hand, first.threads_busy, first.info, first.stopped_at) == (2, 3, {}, None)
    beat(threads=8, queues=["default"], in_hand=0, threads_busy=1)
    second = EngineProcess.objects.get(name="vm:1")
    assert EngineProcess.objects.count() == 1
    assert (second.in_hand, second.threads_busy, second.queues) == (0, 1, ["default"])
    assert second.beat_at > first.beat_at and second.started_at == first.started_at
    beat(started=True)  # a new process that got the same host:pid
    assert EngineProcess.objects.get(name="vm:1").started_at > first.started_at


def test_beats_and_alive_use_the_database_clock(monkeypatch, settings):
    settings.FLOWDECK_WORKER_DEAD_AFTER = 15
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2001, 1, 1, tzinfo=dt.timezone.utc))  # a wrong clock
    beat()
    row = by_name()["vm:1"]
    assert row["beat_at"].year > 2001 and row["alive"] and row["state"] == "alive"
    assert 0 <= row["beat_age_seconds"] < 5
    age("vm:1", 14)
    assert by_name()["vm:1"]["alive"]
    age("vm:1", 16)
    row = by_name()["vm:1"]
    assert not row["alive"] and row["state"] == "dead" and 16 <= row["beat_age_seconds"] < 20
    settings.FLOWDECK_WORKER_DEAD_AFTER = 30
    assert by_name()["vm:1"]["alive"]


def test_a_stopped_process_is_not_alive_until_it_beats_again():
    beat(in_hand=2, threads_busy=2)
    assert process_stop(name="vm:1") is True
    assert process_stop(name="vm:1") is False  # once
    row = by_name()["vm:1"]
    assert not row["alive"] and row["state"] == "stopped" and row["stopped_at"] is not None
    assert (row["in_hand"], row["threads_busy"]) == (0, 0)
    beat(started=True)
    row = by_name()["vm:1"]
    assert row["alive"] and row["stopped_at"] is None


def test_prune_drops_only_processes_long_gone():
    for name in ("vm:1", "vm:2", "vm:3", "vm:4"):
        beat(name)
    age("vm:2", 2 * 86400)                    # dead for two days
    process_stop(name="vm:3")
    EngineProcess.objects.filter(name="vm:3").update(beat_at=Now() - dt.timedelta(days=3),
                                                     stopped_at=Now() - dt.timedelta(days=2))
    process_stop(name="vm:4")                 # stopped a moment ago
    EngineProcess.objects.filter(name="vm:4").update(beat_at=Now() - dt.timedelta(days=3))
    assert process_prune(older_than_seconds=86400) == 2
    assert sorted(EngineProcess.objects.values_list("name", flat=True)) == ["vm:1", "vm:4"]


def test_worker_liveness_maps_step_workers_to_their_process(settings):
    settings.FLOWDECK_WORKER_DEAD_AFTER = 15
    beat("vm:10")
    beat("vm:11")
    age("vm:11", 120)
    beat("vm:12")
    process_stop(name="vm:12")
    names = ["vm:10:Thread-3", "vm:10:Thread-4 (worker)", "vm:11:Thread-1", "vm:12:Thread-1", "vm:99:Thread-1", ""]
    live = worker_liveness(worker_names=names)
    assert set(live) == set(names)
    assert live["vm:10:Thread-3"]["alive"] and live["vm:10:Thread-3"]["process"] == "vm:10"
    assert live["vm:10:Thread-4 (worker)"]["alive"]
    dead = live["vm:11:Thread-1"]
    assert not dead["alive"] and dead["state"] == "dead" and dead["process"] == "vm:11"
    assert dead["last_seen"] == EngineProcess.objects.get(name="vm:11").beat_at
    stopped = live["vm:12:Thread-1"]
    assert not stopped["alive"] and stopped["state"] == "stopped"
    assert stopped["last_seen"] == EngineProcess.objects.get(name="vm:12").stopped_at
    assert live["vm:99:Thread-1"] == {"alive": False, "last_seen": None, "process": "vm:99", "state": "unknown"}
    assert live[""] == {"alive": False, "last_seen": None, "process": None, "state": "unknown"}


def test_health_summary_alerts_when_nothing_sweeps_or_works(settings):
    settings.FLOWDECK_WORKER_DEAD_AFTER, settings.FLOWDECK_SCHEDULER_DOWN_AFTER = 15, 30
    summary = health_summary()
    assert summary["workers"] == summary["schedulers"] == []
    assert summary["scheduler"] == {"alive": False, "last_sweep_at": None, "lag_seconds": None, "sweep_ms": None}
    assert [(a["code"], a["text"]) for a in summary["alerts"]] == [
        ("scheduler.down", "No scheduler has swept yet: timers, retries and lease expiry are not running."),
        ("workers.none", "No worker is alive: no step is being executed.")]

    beat("vm:1")
    beat("vm:2", kind="scheduler", threads=1, info={"sweep_ms": 3.5, "lag_seconds": 0.2, "counts": {"timers": 1}})
    summary = health_summary()
    assert summary["alerts"] == []
    assert [w["name"] for w in summary["workers"]] == ["vm:1"]
    assert [s["name"] for s in summary["schedulers"]] == ["vm:2"]
    assert summary["scheduler"]["alive"] and summary["scheduler"]["sweep_ms"] == 3.5
    assert summary["scheduler"]["lag_seconds"] == 0.2
    assert summary["scheduler"]["last_sweep_at"] == EngineProcess.objects.get(name="vm:2").beat_at
    assert abs((summary["now"] - summary["scheduler"]["last_sweep_at"]).total_seconds()) < 5

    age("vm:2", 20)  # dead as a process (15 s), but it swept within 30 s: no alert yet
    assert health_summary()["alerts"] == [] and health_summary()["scheduler"]["alive"]
    age("vm:2", 42)
    age("vm:1", 130)
    summary = health_summary()
    assert not summary["scheduler"]["alive"]
    assert [(a["code"], a["text"]) for a in summary["alerts"]] == [
        ("scheduler.down", "No scheduler has swept for 42 s: timers, retries and lease expiry are not running."),
        ("workers.none", "No worker is alive (the last beat 2 min ago): no step is being executed.")]
    assert summary["alerts"][0]["since"] == EngineProcess.objects.get(name="vm:2").beat_at

    beat("vm:2", kind="scheduler")
    process_stop(name="vm:2")
    assert health_summary()["alerts"][0]["text"].startswith("No scheduler is running (the last one stopped 0 s ago)")


def test_two_schedulers_one_alive_is_enough(settings):
    settings.FLOWDECK_SCHEDULER_DOWN_AFTER = 30
    beat("vm:1")
    beat("vm:2", kind="scheduler", info={"sweep_ms": 1.0})
    beat("vm:3", kind="scheduler", info={"sweep_ms": 2.0})
    age("vm:2", 600)
    summary = health_summary()
    assert summary["scheduler"]["alive"] and summary["scheduler"]["sweep_ms"] == 2.0
    assert [s["state"] for s in summary["schedulers"]] == ["alive", "dead"]


def test_scheduler_lag_is_how_late_the_most_overdue_item_is():
    publish("lag", chain(task("a"), node("pause", "wait", seconds=3600)))
    run, _ = run_start(definition_key="lag")
    assert scheduler_lag(requeue_after=30) == 0  # a is due, but a worker has 30 s before the scheduler steps in
    step = StepRun.objects.get(run=run, node_id="a")
    step.status, step.lease_expires_at = "running", timezone.now() - dt.timedelta(seconds=5)
    step.save(update_fields=["status", "lease_expires_at"])
    assert 5 <= scheduler_lag(requeue_after=30) < 7
    StepRun.objects.filter(pk=step.pk).update(status="scheduled", lease_expires_at=None,
                                              next_attempt_at=Now() - dt.timedelta(seconds=40), enqueued_at=None)
    assert 10 <= scheduler_lag(requeue_after=30) < 12  # a retry due 40 s ago: re-sent 30 s after it was due
    StepRun.objects.filter(pk=step.pk).update(enqueued_at=Now() - dt.timedelta(seconds=35), requeues=1)
    assert scheduler_lag(requeue_after=30) == 0        # re-sent 35 s ago: backed off to 60 s
    StepRun.objects.filter(pk=step.pk).update(status="succeeded", next_attempt_at=None)
    StepRun.objects.create(run=run, node_id="pause", node_type="wait", status="waiting",
                           next_attempt_at=timezone.now() - dt.timedelta(seconds=8))
    assert 8 <= scheduler_lag(requeue_after=30) < 10


@pytest.mark.worker
def test_a_real_worker_beats_and_is_dead_after_sigkill(stack, ledger, settings):
    settings.FLOWDECK_WORKER_DEAD_AFTER = 2
    publish("held", chain(task("slow", activity="test.sleep", input={"seconds": "`30`"}, timeout=60)))
    worker = stack.worker(threads=3, env={"FLOWDECK_BEAT_INTERVAL": "0.3"})

    def row():
        return next((p for p in process_list() if p["kind"] == "worker" and p["alive"]), None)
    # in_hand 0: a message left in the queue by an earlier test may still be going through.
    alive = wait_for(lambda: (r := row()) and r["in_hand"] == 0 and r, timeout=30, message="the worker's beat")
    assert os.getpgid(alive["pid"]) == worker.popen.pid  # a dramatiq worker child of the process we started
    assert alive["host"] and alive["name"] == f"{alive['host']}:{alive['pid']}"
    assert alive["threads"] == 3 and "flowdeck" in alive["queues"] and alive["threads_busy"] == 0

    run, _ = run_start(definition_key="held")
    wait_for(lambda: ledger.calls("slow:begin"), timeout=30, message="the step started")
    busy = wait_for(lambda: (r := row()) and r["in_hand"] == 1 and r, timeout=5, message="in_hand 1")
    assert busy["threads_busy"] == 1
    step_worker = StepRun.objects.get(run=run, node_id="slow").worker
    assert worker_liveness(worker_names=[step_worker])[step_worker]["alive"]

    worker.kill()  # SIGKILL: no goodbye, the beats just stop
    wait_for(lambda: row() is None, timeout=10, message="the worker reported dead")
    dead = by_name()[alive["name"]]
    assert dead["state"] == "dead" and dead["stopped_at"] is None and dead["in_hand"] == 1
    live = worker_liveness(worker_names=[step_worker])[step_worker]
    assert live["alive"] is False and live["process"] == alive["name"] and live["last_seen"] == dead["beat_at"]
    assert "workers.none" in [a["code"] for a in health_summary()["alerts"]]


@pytest.mark.worker
def test_a_worker_stopped_cleanly_says_so(stack):
    worker = stack.worker(threads=2, env={"FLOWDECK_BEAT_INTERVAL": "0.3"})
    alive = wait_for(lambda: next((p for p in process_list() if p["alive"]), None), timeout=30,
                     message="the worker's first beat")
    # TERM to dramatiq's main process alone, which passes it on: a worker process that also got
    # the group's TERM would take the second one as "kill now" and never say goodbye.
    os.kill(worker.popen.pid, signal.SIGTERM)
    worker.popen.wait(20)
    stopped = by_name()[alive["name"]]
    assert stopped["state"] == "stopped" and stopped["stopped_at"] is not None, worker.output()[-2000:]


@pytest.mark.worker
def test_a_worker_outlives_a_database_it_cannot_reach(stack):
    worker = stack.worker(threads=1, env={"FLOWDECK_BEAT_INTERVAL": "0.2",
                                          "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere"})
    wait_for(lambda: "liveness: beat failed" in worker.output(), timeout=30, message="a failed beat logged")
    time.sleep(1.5)  # several more failed beats
    assert worker.alive(), worker.output()[-3000:]
    assert worker.output().count("liveness: beat failed") == 1  # once per outage, not once per beat
