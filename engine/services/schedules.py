"""Schedule services: create, update, pause, resume, trigger, delete (each audited), and firing
what is due, for the scheduler's sweep (docs/operating-schedules.md).

A fire is one transaction on the schedule's locked row: it records the fire time (unique per
schedule and time: a second scheduler, or one restarted, cannot record it again), starts the
run through ``run_start`` (its business key names the schedule and the fire time) and moves the
schedule on. ``run_start`` joins that transaction, so the fire, its run and the schedule's next
time commit together or not at all; the run's messages go after that commit.
"""
from __future__ import annotations

import datetime as dt
import json
import re

from django.db import IntegrityError, transaction

from engine.errors import Conflict, EngineError, InvalidInput, NotFound
from engine.models import Schedule, ScheduleFire, WorkflowDefinition
from engine.selectors.schedules import schedule_refusal
from engine.services.actions import MAX_REASON
from engine.services.audit import audit_record
from engine.services.runs import MAX_INPUT_BYTES, run_start
from engine.states import RunStatus, VersionStatus
from engine.store import clock
from engine.store import schedules as store
from engine.store.schedules import Timing
from engine.workflows import latest as code_workflow

F = ScheduleFire
# Fire times one sweep handles per schedule, oldest first (a catch-up after downtime goes on at the next sweep).
FIRES_PER_SWEEP = 10
MISSED_COUNTED = 10_000          # missed fire times counted one by one for the record; beyond: "at least"
CATCHUP_MIN, CATCHUP_MAX = 10, 366 * 86400   # a sweep is a second or so late; a year back at most
INTERVAL_MAX = 366 * 86400
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
FIELDS = ("name", "description", "definition_key", "input", "cron", "interval_seconds", "timezone",
          "overlap_policy", "catchup_window_seconds")
TIMING = ("cron", "interval_seconds", "timezone")


# -- validation -------------------------------------------------------------------------------

def _definition_problem(key) -> str | None:
    if not isinstance(key, str) or not key:
        return "a definition key is required"
    if code_workflow(key) is not None:
        return None
    definition = WorkflowDefinition.objects.filter(key=key).first()
    if definition is None:
        return f"no definition with key {key[:100]!r}"
    if getattr(definition, "archived_at", None) is not None:
        return f"{key} is archived: it cannot be started"
    if not definition.versions.filter(status=VersionStatus.PUBLISHED, is_test=False).exists():
        return f"{key} has no published version: publish one first"
    return None


def _whole(value, low: int, high: int) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        return f"a whole number of seconds from {low} to {high}"
    return None


def _field_problems(v: dict) -> list[tuple[str, str]]:
    """Every problem of the schedule's fields ``v`` (all of them, merged with the current ones)."""
    out = []
    if not isinstance(v["name"], str) or not 0 < len(v["name"]) <= 200:
        out.append(("name", "a name of 1 to 200 characters is required"))
    if not isinstance(v["description"], str) or len(v["description"]) > 2000:
        out.append(("description", "at most 2000 characters"))
    if (why := _definition_problem(v["definition_key"])) is not None:
        out.append(("definition_key", why))
    if not isinstance(v["input"], dict):
        out.append(("input", "the run's input must be a JSON object"))
    elif (size := len(json.dumps(v["input"]))) > MAX_INPUT_BYTES:
        out.append(("input", f"the input is {size} bytes; the limit is {MAX_INPUT_BYTES}"))
    tz_why = store.tz_problem(v["timezone"])
    if tz_why is not None:
        out.append(("timezone", tz_why))
    cron, interval = v["cron"] or "", v["interval_seconds"]
    if cron and interval is not None:
        out.append(("interval_seconds", "give a cron expression or an interval, not both"))
    elif interval is not None:
        if (why := _whole(interval, 1, INTERVAL_MAX)) is not None:
            out.append(("interval_seconds", why))
    elif (why := store.cron_problem(cron, "UTC" if tz_why else v["timezone"])) is not None:
        out.append(("cron", why if cron else "a cron expression or an interval (interval_seconds) is required"))
    if v["overlap_policy"] not in Schedule.OVERLAP:
        out.append(("overlap_policy", f"one of {', '.join(Schedule.OVERLAP)}"))
    if (why := _whole(v["catchup_window_seconds"], CATCHUP_MIN, CATCHUP_MAX)) is not None:
        out.append(("catchup_window_seconds", why))
    return out


def _refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        field, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidInput(f"{field}: {message}{more}", errors=[{"field": f, "message": m} for f, m in problems])


def _text(value, what: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput(f"{what}: a string of at most {limit} characters", errors=[{"field": what, "message":
                                                                                         f"at most {limit} characters"}])
    return value.strip()


def _values(schedule: Schedule) -> dict:
    return {f: getattr(schedule, f) for f in FIELDS}


# -- management -------------------------------------------------------------------------------

def _locked(slug) -> Schedule:
    schedule = store.schedule_locked(slug=slug) if isinstance(slug, str) else None
    if schedule is None:
        raise NotFound(f"no schedule {str(slug)[:100]!r}")
    return schedule


def _allow(schedule: Schedule, user, action: str) -> None:
    why = schedule_refusal(schedule, user, action, roles=user is not None)
    if why is not None:
        raise Conflict(f"cannot {action} schedule {schedule.slug}: {why}")


def _audit(schedule: Schedule, user, action: str, reason: str = "", **changes) -> None:
    audit_record(user=user, action=f"schedule.{action}", object_type="schedule", object_id=schedule.slug,
                 reason=reason, changes=changes)


def schedule_create(*, slug, definition_key, name=None, description="", input=None, cron="", interval_seconds=None,
                    timezone="UTC", overlap_policy=Schedule.SKIP, catchup_window_seconds=300, paused=False,
                    user=None, reason="") -> Schedule:
    """A new schedule; unless ``paused``, its first fire time is the first after now."""
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise InvalidInput("slug: 1 to 100 lowercase letters, digits, - or _, starting with a letter or digit",
                           errors=[{"field": "slug", "message": "lowercase letters, digits, - and _"}])
    values = {"name": slug if name in (None, "") else name, "description": description or "",
              "definition_key": definition_key, "input": {} if input is None else input, "cron": cron or "",
              "interval_seconds": interval_seconds, "timezone": timezone or "UTC", "overlap_policy": overlap_policy,
              "catchup_window_seconds": catchup_window_seconds}
    _refuse(_field_problems(values))
    reason = _text(reason, "reason", MAX_REASON)
    next_at = None if paused else store.next_fire(Timing(values["cron"], values["interval_seconds"],
                                                         values["timezone"]), clock.now())
    try:
        with transaction.atomic():
            schedule = Schedule.objects.create(slug=slug, paused=bool(paused), next_fire_at=next_at, created_by=user,
                                               paused_reason=reason if paused else "", **values)
            _audit(schedule, user, "create", reason, **values, paused=bool(paused))
    except IntegrityError:
        raise Conflict(f"a schedule {slug!r} exists already")
    return schedule


def schedule_update(*, slug, changes: dict, user=None, reason="") -> Schedule:
    """Change some of its fields; a new timing (cron, interval, time zone) fires next at its
    first time after now. Fires already recorded stay as they were."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(u[:40] for u in unknown[:5])}: one of {', '.join(FIELDS)}",
                           errors=[{"field": u[:40], "message": "not a field you can change"} for u in unknown[:5]])
    reason = _text(reason, "reason", MAX_REASON)
    with transaction.atomic():
        schedule = _locked(slug)
        _allow(schedule, user, "update")
        before = _values(schedule)
        after = {**before, **changes}
        if "cron" in changes and changes["cron"] and "interval_seconds" not in changes:
            after["interval_seconds"] = None      # switching to cron: the interval goes
        if changes.get("interval_seconds") is not None and "cron" not in changes:
            after["cron"] = ""
        after["cron"] = after["cron"] or ""
        _refuse(_field_problems(after))
        diff = {f: [before[f], after[f]] for f in FIELDS if before[f] != after[f]}
        for field, value in after.items():
            setattr(schedule, field, value)
        if not schedule.paused and any(f in diff for f in TIMING):
            schedule.next_fire_at = store.next_fire(Timing.of(schedule), clock.now())
        schedule.save()
        _audit(schedule, user, "update", reason, **diff)
    return schedule


def schedule_pause(*, slug, user=None, reason="") -> Schedule:
    """No fires until resumed (a trigger still starts one); fire times meanwhile are not caught up."""
    reason = _text(reason, "reason", MAX_REASON)
    with transaction.atomic():
        schedule = _locked(slug)
        _allow(schedule, user, "pause")
        schedule.paused, schedule.paused_reason, schedule.next_fire_at = True, reason, None
        schedule.save(update_fields=["paused", "paused_reason", "next_fire_at", "updated_at"])
        _audit(schedule, user, "pause", reason)
    return schedule


def schedule_resume(*, slug, user=None, reason="") -> Schedule:
    """Fires again from its first fire time after now."""
    reason = _text(reason, "reason", MAX_REASON)
    with transaction.atomic():
        schedule = _locked(slug)
        _allow(schedule, user, "resume")
        schedule.paused, schedule.paused_reason = False, ""
        schedule.next_fire_at = store.next_fire(Timing.of(schedule), clock.now())
        schedule.save(update_fields=["paused", "paused_reason", "next_fire_at", "updated_at"])
        _audit(schedule, user, "resume", reason, next_fire_at=schedule.next_fire_at.isoformat())
    return schedule


def schedule_delete(*, slug, user=None, reason="") -> None:
    """The schedule and its fire records go; the runs it started stay."""
    reason = _text(reason, "reason", MAX_REASON)
    with transaction.atomic():
        schedule = _locked(slug)
        _allow(schedule, user, "delete")
        _audit(schedule, user, "delete", reason, **_values(schedule))
        schedule.delete()


def schedule_trigger(*, slug, user=None, request_id="", reason="") -> tuple[ScheduleFire, bool]:
    """Fire now (paused or not), under the schedule's overlap policy: ``(fire, created)``. Asked
    again with the same ``request_id``, it returns that request's fire and starts nothing."""
    request_id = _text(request_id, "request_id", 100)
    reason = _text(reason, "reason", MAX_REASON)
    with transaction.atomic():
        schedule = _locked(slug)
        _allow(schedule, user, "trigger")
        if request_id and (seen := schedule.fires.filter(request_id=request_id).first()) is not None:
            return seen, False
        now = clock.now()
        fire = _fire(schedule, fire_at=now, kind=F.TRIGGER, now=now, user=user, request_id=request_id, reason=reason)
        if fire is None:   # a fire recorded at this very microsecond
            raise Conflict(f"schedule {schedule.slug} fired at this moment already; trigger it again")
        schedule.last_fire_at = max(filter(None, [schedule.last_fire_at, now]))
        schedule.save(update_fields=["last_fire_at", "last_run", "updated_at"])
        _audit(schedule, user, "trigger", reason, fire_at=now.isoformat(), outcome=fire.outcome,
               run_id=str(fire.run_id) if fire.run_id else None, request_id=request_id or None)
    return fire, True


# -- firing -----------------------------------------------------------------------------------

def business_key(schedule: Schedule, fire_at: dt.datetime) -> str:
    """The run's business key: one run per schedule and fire time, however often it is asked."""
    at = fire_at.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    return f"schedule:{schedule.slug}:{at}"


def _open(schedule: Schedule) -> bool:
    run = schedule.last_run
    return run is not None and run.status in RunStatus.ACTIVE


def _start(schedule: Schedule, fire: ScheduleFire, *, now, user=None, reason: str = "") -> None:
    """Start ``fire``'s run in this transaction (a savepoint: a refusal is recorded as failed)."""
    try:
        with transaction.atomic():
            run, created = run_start(definition_key=schedule.definition_key, input=schedule.input,
                                     business_key=business_key(schedule, fire.fire_at), user=user,
                                     reason=reason or f"schedule {schedule.slug}, fire time {fire.fire_at.isoformat()}")
    except EngineError as exc:
        fire.outcome, fire.reason = F.FAILED, str(exc)[:2000]
    else:
        fire.outcome, fire.run, fire.started_at = F.STARTED, run, now
        fire.reason = "" if created else "its run had been started already (same business key)"
        schedule.last_run = run
    fire.save(update_fields=["outcome", "reason", "run", "started_at"])


def _fire(schedule: Schedule, *, fire_at, kind: str, now, user=None, request_id: str = "",
          reason: str = "") -> ScheduleFire | None:
    """Record fire time ``fire_at`` and do what the overlap policy says; None when it was
    recorded already (nothing done)."""
    buffered = store.fire_buffered(schedule) is not None
    outcome = store.overlap_outcome(schedule.overlap_policy, run_open=_open(schedule), buffered=buffered)
    why = {F.BUFFERED: f"waits for run {schedule.last_run_id} to end",
           F.SKIPPED_OVERLAP: f"run {schedule.last_run_id} was still open"
           + (" and one fire is buffered already" if buffered else "")}.get(outcome, "")
    fire = store.fire_insert(schedule=schedule, fire_at=fire_at, kind=kind, outcome=outcome, reason=why,
                             recorded_at=now, user=user, request_id=request_id)
    if fire is not None and outcome == F.STARTED:
        _start(schedule, fire, now=now, user=user, reason=reason)
    return fire


def _release_buffered(schedule: Schedule, now) -> int:
    """Start the buffered fire once the run it waited for ended (or the policy no longer waits)."""
    fire = store.fire_buffered(schedule)
    if fire is None or (_open(schedule) and schedule.overlap_policy != Schedule.ALLOW_ALL):
        return 0
    _start(schedule, fire, now=now)
    return 1


def _missed(schedule: Schedule, timing: Timing, at: dt.datetime, now, window: dt.timedelta) -> dt.datetime:
    """Record the fire times from ``at`` that are older than the catch-up window as one missed
    fire; returns the first fire time inside the window."""
    keep = store.first_not_before(timing, now - window, floor=at)
    n, last = store.count_between(timing, at, keep, MISSED_COUNTED)
    count = f"at least {n}" if n >= MISSED_COUNTED else str(n)
    span = at.isoformat() if n == 1 else f"{at.isoformat()} to {last.isoformat()}"
    store.fire_insert(schedule=schedule, fire_at=at, kind=F.SCHEDULED, outcome=F.MISSED, recorded_at=now,
                      reason=f"{count} fire time{'s' if n != 1 else ''} ({span}) missed: more than the catch-up "
                             f"window ({int(window.total_seconds())} s) late")
    return keep


def schedule_fire_due(*, schedule_id, now=None) -> int:
    """Handle what is due of one schedule (the sweep's item): its buffered fire if the run it
    waits for ended, then its fire times up to now, oldest first (at most FIRES_PER_SWEEP);
    those more than the catch-up window late are recorded as missed. Skips a schedule another
    scheduler holds. Returns how many fires it handled."""
    with transaction.atomic():
        schedule = store.schedule_locked(schedule_id=schedule_id, skip_locked=True)
        if schedule is None or schedule.paused:
            return 0
        now = clock.now() if now is None else now
        done = _release_buffered(schedule, now)
        timing, window = Timing.of(schedule), dt.timedelta(seconds=schedule.catchup_window_seconds)
        for _ in range(FIRES_PER_SWEEP):
            at = schedule.next_fire_at
            if at is None or at > now:
                break
            if now - at > window:
                schedule.next_fire_at = _missed(schedule, timing, at, now, window)
            else:
                _fire(schedule, fire_at=at, kind=F.SCHEDULED, now=now)
                schedule.last_fire_at = max(filter(None, [schedule.last_fire_at, at]))
                schedule.next_fire_at = store.next_fire(timing, at)
            done += 1
        schedule.save(update_fields=["next_fire_at", "last_fire_at", "last_run", "updated_at"])
        return done
