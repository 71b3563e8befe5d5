"""Schedules fire (docs/operating-schedules.md): cron and interval times across DST changes; the
overlap policies (skip, buffer_one, allow_all); the catch-up window after downtime; pause, resume
and trigger now; and exactly one fire record and one run per fire time with two schedulers at
once, after a crash mid-fire and after a restart."""
import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from engine.errors import Conflict, InvalidInput
from engine.models import AuditEntry, Schedule, ScheduleFire, WorkflowRun
from engine.scheduler import fire_schedules
from engine.services import schedules as services
from engine.services.definitions import draft_save, version_publish
from engine.services.runs import run_cancel
from engine.store import clock
from engine.store.schedules import Timing, fires_after, next_fire, overlap_outcome
from tests.support.flows import chain, publish, task
from tests.support.users import make_user

UTC = dt.timezone.utc
T0 = dt.datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
BERLIN = "Europe/Berlin"
F = ScheduleFire


def _utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


# -- fire times (pure) ------------------------------------------------------------------------

def test_a_cron_in_its_time_zone_fires_at_real_instants_across_both_dst_changes():
    daily = Timing(cron="30 2 * * *", timezone=BERLIN)
    # Spring forward (29 March 2026): 02:30 does not exist; it fires at 03:00 CEST, the first time that does.
    assert fires_after(daily, _utc(2026, 3, 27, 12), 3) == [_utc(2026, 3, 28, 1, 30), _utc(2026, 3, 29, 1, 0),
                                                            _utc(2026, 3, 30, 0, 30)]
    # Fall back (25 October): 02:30 happens twice; it fires once, at the first.
    assert fires_after(daily, _utc(2026, 10, 24, 12), 2) == [_utc(2026, 10, 25, 0, 30), _utc(2026, 10, 26, 1, 30)]
    # Asked during the repeated hour (02:10 CET, after the first 02:30): not that 02:30 again.
    assert next_fire(daily, _utc(2026, 10, 25, 1, 10)) == _utc(2026, 10, 26, 1, 30)
    hourly = fires_after(Timing(cron="0 * * * *", timezone=BERLIN), _utc(2026, 10, 24, 21, 59), 25)
    assert hourly[0] == _utc(2026, 10, 24, 22) and hourly[-1] == _utc(2026, 10, 25, 22)  # a 25-hour local day
    assert {b - a for a, b in zip(hourly, hourly[1:])} == {dt.timedelta(hours=1)}
    # The same cron in UTC does not move.
    assert fires_after(Timing(cron="30 2 * * *"), _utc(2026, 3, 28, 12), 1) == [_utc(2026, 3, 29, 2, 30)]


def test_an_interval_counts_elapsed_seconds_from_the_epoch_whatever_the_time_zone():
    daily = Timing(interval_seconds=86400, timezone=BERLIN)
    times = fires_after(daily, _utc(2026, 10, 24, 5), 3)
    assert times == [_utc(2026, 10, 25), _utc(2026, 10, 26), _utc(2026, 10, 27)]
    assert [t.astimezone(ZoneInfo(BERLIN)).hour for t in times] == [2, 1, 1]   # the wall clock moves, not the interval
    assert next_fire(Timing(interval_seconds=900), _utc(2026, 1, 1, 10, 14, 59)) == _utc(2026, 1, 1, 10, 15)
    assert next_fire(Timing(interval_seconds=900), _utc(2026, 1, 1, 10, 15)) == _utc(2026, 1, 1, 10, 30)


@pytest.mark.parametrize("policy,run_open,buffered,outcome", [
    ("skip", False, False, F.STARTED), ("skip", True, False, F.SKIPPED_OVERLAP),
    ("buffer_one", True, False, F.BUFFERED), ("buffer_one", True, True, F.SKIPPED_OVERLAP),
    ("buffer_one", False, False, F.STARTED), ("allow_all", True, True, F.STARTED),
])
def test_the_overlap_table(policy, run_open, buffered, outcome):
    assert overlap_outcome(policy, run_open=run_open, buffered=buffered) == outcome


# -- firing in process ------------------------------------------------------------------------

def _schedule(slug="nightly", *, at=T0, **fields) -> Schedule:
    if not Schedule.objects.exists():
        publish("report", chain(task("a")))
    fields = {"interval_seconds": 60, **fields}
    services.schedule_create(slug=slug, definition_key="report", input={"who": slug}, **fields)
    Schedule.objects.filter(slug=slug).update(next_fire_at=at)   # as if created just before T0
    return Schedule.objects.get(slug=slug)


def _fires(slug="nightly"):
    return list(ScheduleFire.objects.filter(schedule__slug=slug).order_by("fire_at", "id")
                .values_list("fire_at", "outcome"))


def _at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.mark.django_db
def test_each_fire_starts_one_run_keyed_by_schedule_and_time_and_moves_on():
    schedule = _schedule(overlap_policy="allow_all")
    assert fire_schedules(now=_at(-1)) == 0                    # not due yet
    assert fire_schedules(now=_at(1)) == 1
    assert fire_schedules(now=_at(2)) == 0                     # once per fire time, however many sweeps
    [fire] = ScheduleFire.objects.filter(schedule=schedule)
    run = WorkflowRun.objects.get(pk=fire.run_id)
    assert (fire.fire_at, fire.outcome, fire.kind) == (T0, F.STARTED, F.SCHEDULED)
    assert run.business_key == "schedule:nightly:2030-01-07T09:00:00Z" and run.input == {"who": "nightly"}
    assert run.definition.key == "report" and run.created_by is None
    schedule.refresh_from_db()
    assert schedule.next_fire_at == _at(60) and schedule.last_fire_at == T0 and schedule.last_run_id == run.id


@pytest.mark.django_db
def test_skip_records_a_skipped_fire_while_the_last_run_is_open():
    _schedule(overlap_policy="skip")
    fire_schedules(now=_at(1))
    fire_schedules(now=_at(61))
    first = Schedule.objects.get().last_run
    assert _fires() == [(T0, F.STARTED), (_at(60), F.SKIPPED_OVERLAP)]
    assert f"run {first.id} was still open" in ScheduleFire.objects.get(fire_at=_at(60)).reason
    run_cancel(run_id=first.id, reason="done with it")          # ended: the next fire starts
    fire_schedules(now=_at(121))
    assert _fires()[-1] == (_at(120), F.STARTED)
    assert WorkflowRun.objects.count() == 2


@pytest.mark.django_db
def test_buffer_one_keeps_one_fire_that_starts_when_the_open_run_ends():
    _schedule(overlap_policy="buffer_one")
    for second in (1, 61, 121):
        fire_schedules(now=_at(second))
    first = Schedule.objects.get().last_run
    assert _fires() == [(T0, F.STARTED), (_at(60), F.BUFFERED), (_at(120), F.SKIPPED_OVERLAP)]
    assert fire_schedules(now=_at(130)) == 0                   # its run is still open ...
    assert _fires()[1] == (_at(60), F.BUFFERED)                # ... and it waits
    run_cancel(run_id=first.id, reason="ended")
    assert fire_schedules(now=_at(140)) == 1
    buffered = ScheduleFire.objects.get(fire_at=_at(60))
    assert buffered.outcome == F.STARTED and buffered.started_at == _at(140)
    assert WorkflowRun.objects.get(pk=buffered.run_id).business_key == "schedule:nightly:2030-01-07T09:01:00Z"
    assert Schedule.objects.get().last_run_id == buffered.run_id
    fire_schedules(now=_at(181))
    assert _fires()[-1] == (_at(180), F.BUFFERED)              # the second run is open now


@pytest.mark.django_db
def test_allow_all_starts_every_fire():
    _schedule(overlap_policy="allow_all")
    for second in (1, 61, 121):
        fire_schedules(now=_at(second))
    assert [o for _, o in _fires()] == [F.STARTED] * 3 and WorkflowRun.objects.count() == 3


@pytest.mark.django_db
def test_after_downtime_fires_in_the_window_catch_up_oldest_first_and_older_ones_are_missed(monkeypatch):
    monkeypatch.setattr(services, "FIRES_PER_SWEEP", 4)
    _schedule(overlap_policy="allow_all", catchup_window_seconds=300)
    # Down for 1000 s: T0 .. T0+660 are more than 300 s late; T0+720 .. T0+960 are in the window.
    fire_schedules(now=_at(1000))
    assert len(_fires()) == 4                                  # bounded: the missed record and 3 fires
    fire_schedules(now=_at(1001))                              # the rest at the next sweep
    fires = _fires()
    assert fires[0] == (T0, F.MISSED)
    missed = ScheduleFire.objects.get(outcome=F.MISSED)
    assert missed.reason.startswith("12 fire times (2030-01-07T09:00:00+00:00 to 2030-01-07T09:11:00+00:00) missed")
    assert fires[1:] == [(_at(s), F.STARTED) for s in (720, 780, 840, 900, 960)]
    assert WorkflowRun.objects.count() == 5
    assert Schedule.objects.get().next_fire_at == _at(1020)


@pytest.mark.django_db
def test_catch_up_under_skip_starts_the_oldest_and_skips_the_rest():
    _schedule(overlap_policy="skip", catchup_window_seconds=600)
    fire_schedules(now=_at(130))
    assert _fires() == [(T0, F.STARTED), (_at(60), F.SKIPPED_OVERLAP), (_at(120), F.SKIPPED_OVERLAP)]


@pytest.mark.django_db
def test_pause_stops_fires_trigger_still_fires_and_resume_starts_after_now():
    _schedule(overlap_policy="allow_all")
    paused = services.schedule_pause(slug="nightly", reason="maintenance")
    assert paused.paused and paused.next_fire_at is None
    with pytest.raises(Conflict, match="paused already"):
        services.schedule_pause(slug="nightly")
    assert fire_schedules(now=_at(3600)) == 0 and _fires() == []
    fire, created = services.schedule_trigger(slug="nightly", reason="one now")
    assert created and fire.outcome == F.STARTED and fire.kind == F.TRIGGER and fire.run_id
    resumed = services.schedule_resume(slug="nightly")
    now = clock.now()
    assert not resumed.paused and now < resumed.next_fire_at <= now + dt.timedelta(seconds=60)
    with pytest.raises(Conflict, match="not paused"):
        services.schedule_resume(slug="nightly")
    actions = list(AuditEntry.objects.filter(object_type="schedule").order_by("id").values_list("action", "reason"))
    assert actions == [("schedule.create", ""), ("schedule.pause", "maintenance"), ("schedule.trigger", "one now"),
                       ("schedule.resume", "")]


@pytest.mark.django_db
def test_a_trigger_is_idempotent_per_request_and_follows_the_overlap_policy():
    user = make_user("ola", "operator")
    _schedule(overlap_policy="skip")
    first, created = services.schedule_trigger(slug="nightly", user=user, request_id="req-1")
    again, created_again = services.schedule_trigger(slug="nightly", user=user, request_id="req-1")
    assert created and not created_again and again.id == first.id
    assert WorkflowRun.objects.get().created_by == user
    other, _ = services.schedule_trigger(slug="nightly", user=user, request_id="req-2")
    assert other.outcome == F.SKIPPED_OVERLAP and other.run_id is None     # the first run is still open
    assert ScheduleFire.objects.count() == 2 and WorkflowRun.objects.count() == 1


@pytest.mark.django_db
def test_a_fire_after_a_new_version_is_published_pins_the_new_one(monkeypatch):
    """run_start keeps the latest version it found and checks it as it writes; inside a fire's
    transaction that check still fails and retries within run_start, not the whole fire."""
    monkeypatch.setattr("engine.services.runs._latest", {})
    _schedule(overlap_policy="allow_all")
    fire_schedules(now=_at(1))
    definition = WorkflowRun.objects.get().definition
    draft_save(definition=definition, spec=chain(task("a"), task("b")))
    version_publish(definition=definition, number=2)
    fire_schedules(now=_at(61))
    assert [(o, WorkflowRun.objects.get(pk=r).version.number) for o, r in
            ScheduleFire.objects.order_by("fire_at").values_list("outcome", "run_id")] == [(F.STARTED, 1), (F.STARTED, 2)]


@pytest.mark.django_db
def test_a_start_the_engine_refuses_is_recorded_as_failed_and_the_schedule_goes_on(monkeypatch):
    _schedule(overlap_policy="allow_all")

    def refuse(**kwargs):
        raise InvalidInput("the definition refuses this input")
    monkeypatch.setattr(services, "run_start", refuse)
    assert fire_schedules(now=_at(1)) == 1
    fire = ScheduleFire.objects.get()
    assert fire.outcome == F.FAILED and fire.reason == "the definition refuses this input" and fire.run_id is None
    assert Schedule.objects.get().next_fire_at == _at(60)


@pytest.mark.django_db
@pytest.mark.parametrize("fields,field", [
    ({"cron": "61 * * * *", "interval_seconds": None}, "cron"),
    ({"cron": "0 2 * *", "interval_seconds": None}, "cron"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"definition_key": "nope"}, "definition_key"),
    ({"input": [1, 2]}, "input"),
    ({"cron": "0 2 * * *", "interval_seconds": 60}, "interval_seconds"),
    ({"overlap_policy": "sometimes"}, "overlap_policy"),
    ({"catchup_window_seconds": 1}, "catchup_window_seconds"),
])
def test_bad_fields_are_refused_naming_the_field(fields, field):
    publish("report", chain(task("a")))
    values = {"slug": "bad", "definition_key": "report", "interval_seconds": 60, **fields}
    with pytest.raises(InvalidInput) as caught:
        services.schedule_create(**values)
    assert [e["field"] for e in caught.value.errors] == [field]
    assert not Schedule.objects.exists()


# -- exactly once, with several schedulers ------------------------------------------------------

def _in_thread(fn, results: list):
    def run():
        try:
            results.append(fn())
        finally:
            connection.close()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _one_fire_and_one_run_per_time(times):
    fires = list(ScheduleFire.objects.order_by("fire_at").values_list("fire_at", "outcome", "run_id"))
    assert [(f[0], f[1]) for f in fires] == [(t, F.STARTED) for t in times]
    keys = sorted(WorkflowRun.objects.values_list("business_key", flat=True))
    assert keys == [f"schedule:nightly:{t.isoformat().replace('+00:00', 'Z')}" for t in times]
    assert len({f[2] for f in fires}) == len(times)


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_a_crash_and_a_restart_fire_each_time_exactly_once(monkeypatch):
    monkeypatch.setattr("engine.services.runs._latest", {})   # no version id cached by an earlier test's database
    _schedule(overlap_policy="allow_all", catchup_window_seconds=600)
    real, calls = services.run_start, []

    def crashing(**kwargs):     # the first scheduler dies mid-fire: its transaction rolls back
        calls.append(kwargs["business_key"])
        if len(calls) == 1:
            raise RuntimeError("scheduler killed")
        return real(**kwargs)
    monkeypatch.setattr(services, "run_start", crashing)
    assert fire_schedules(now=_at(1)) == 0 and ScheduleFire.objects.count() == 0 and WorkflowRun.objects.count() == 0

    # Two schedulers at once: one holds the schedule's row mid-fire; the other's sweep skips it.
    holding, release = threading.Event(), threading.Event()

    def held(**kwargs):
        holding.set()
        assert release.wait(10)
        return real(**kwargs)
    monkeypatch.setattr(services, "run_start", held)
    first: list = []
    thread = _in_thread(lambda: fire_schedules(now=_at(121)), first)
    assert holding.wait(10)
    assert fire_schedules(now=_at(121)) == 0                   # locked elsewhere: left to it
    release.set()
    thread.join(10)
    assert first == [1]                                        # one schedule, its three fire times
    _one_fire_and_one_run_per_time([T0, _at(60), _at(120)])

    # Both at once, racing freely on the next fire times.
    monkeypatch.setattr(services, "run_start", real)
    barrier, results = threading.Barrier(2), []
    threads = [_in_thread(lambda: (barrier.wait(5), fire_schedules(now=_at(241)))[1], results) for _ in range(2)]
    for t in threads:
        t.join(10)
    assert sorted(results) == [0, 1]                           # one fired both times; the other found nothing due
    times = [T0, _at(60), _at(120), _at(180), _at(240)]
    _one_fire_and_one_run_per_time(times)

    # A restart: nothing kept in memory, and even a next fire time read stale (rewound) fires nothing again.
    clock.forget()
    monkeypatch.setattr("engine.services.runs._latest", {})
    assert fire_schedules(now=_at(241)) == 0
    Schedule.objects.update(next_fire_at=_at(120))
    fire_schedules(now=_at(241))
    _one_fire_and_one_run_per_time(times)
    assert Schedule.objects.get().next_fire_at == _at(300)
