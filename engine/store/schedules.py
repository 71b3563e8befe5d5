"""A schedule's fire times, and its rows as the firing transaction reads and writes them.

The times are pure functions of the schedule's timing (docs/operating-schedules.md, "Fire
times"): a 5-field cron expression read in an IANA time zone (cronsim; across a DST change a
wall-clock time that does not exist fires at the first one that does, and one that happens
twice fires once), or a fixed interval counted in seconds from the Unix epoch (elapsed time:
time zones do not move it).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from django.db import IntegrityError, transaction

from engine.models import Schedule, ScheduleFire

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
# Times a cron iteration may give at or before the one asked after (an hour that repeats when
# the clocks go back is walked twice by cron's wall clock): more means the expression is broken.
_MAX_BEHIND = 200


@dataclasses.dataclass(frozen=True, slots=True)
class Timing:
    """When a schedule fires: ``cron`` in ``timezone``, or every ``interval_seconds``."""
    cron: str = ""
    interval_seconds: int | None = None
    timezone: str = "UTC"

    @classmethod
    def of(cls, schedule: Schedule) -> Timing:
        return cls(schedule.cron, schedule.interval_seconds, schedule.timezone)


def tz_problem(name) -> str | None:
    """Why ``name`` is not a time zone (None: it is one)."""
    if not isinstance(name, str) or not name:
        return "a time zone name is required, e.g. UTC or Europe/Berlin"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return f"unknown time zone {name[:64]!r}: an IANA name, e.g. UTC or Europe/Berlin"
    return None


def cron_problem(expr, timezone: str = "UTC") -> str | None:
    """Why ``expr`` is not a usable 5-field cron expression (None: it is)."""
    if not isinstance(expr, str) or not expr.strip():
        return "a cron expression is required, e.g. '0 2 * * *' (minute hour day-of-month month day-of-week)"
    fields = expr.split()
    if len(fields) != 5:
        return (f"a cron expression has 5 fields (minute hour day-of-month month day-of-week), "
                f"not {len(fields)}: {expr[:80]!r}")
    try:
        next_fire(Timing(cron=expr, timezone=timezone), EPOCH.replace(year=2000))
    except (CronSimError, ValueError, StopIteration) as exc:
        return f"bad cron expression {expr[:80]!r}: {exc or 'it never fires'}"
    return None


def next_fire(timing: Timing, after: dt.datetime) -> dt.datetime:
    """The first fire time strictly later than ``after`` (aware, UTC)."""
    after = after.astimezone(UTC)
    if timing.interval_seconds:
        step = dt.timedelta(seconds=timing.interval_seconds)
        return EPOCH + ((after - EPOCH) // step + 1) * step
    it = CronSim(timing.cron, after.astimezone(ZoneInfo(timing.timezone)))
    for _ in range(_MAX_BEHIND):
        at = next(it).astimezone(UTC)
        if at > after:
            return at
    raise ValueError("its fire times do not move forward")


def fires_after(timing: Timing, after: dt.datetime, count: int) -> list[dt.datetime]:
    """The next ``count`` fire times after ``after``."""
    out = []
    for _ in range(count):
        after = next_fire(timing, after)
        out.append(after)
    return out


def first_not_before(timing: Timing, cutoff: dt.datetime, *, floor: dt.datetime) -> dt.datetime:
    """The first fire time at or after ``cutoff`` (of those after ``floor``): jumps over a long
    downtime without walking each fire time it missed."""
    at = next_fire(timing, max(floor, cutoff - dt.timedelta(seconds=1)))
    while at < cutoff:
        at = next_fire(timing, at)
    return at


def count_between(timing: Timing, first: dt.datetime, before: dt.datetime, cap: int) -> tuple[int, dt.datetime]:
    """How many fire times from ``first`` (one) up to, not including, ``before``, counting at most
    ``cap``; and the last one counted."""
    n, last, at = 1, first, first
    while n < cap:
        at = next_fire(timing, at)
        if at >= before:
            break
        n, last = n + 1, at
    return n, last


# -- rows ------------------------------------------------------------------------------------

def schedule_locked(*, schedule_id=None, slug=None, skip_locked: bool = False) -> Schedule | None:
    """The schedule, its row locked for this transaction (None: absent, or held elsewhere with ``skip_locked``)."""
    qs = Schedule.objects.select_for_update(skip_locked=skip_locked, of=("self",)).select_related("last_run")
    return qs.filter(pk=schedule_id).first() if schedule_id is not None else qs.filter(slug=slug).first()


def fire_insert(**fields) -> ScheduleFire | None:
    """Record a fire time (None: it is recorded already: another scheduler, or before a restart).
    In a savepoint, so a conflict leaves the enclosing transaction usable."""
    try:
        with transaction.atomic():
            return ScheduleFire.objects.create(**fields)
    except IntegrityError:
        return None


def fire_buffered(schedule: Schedule) -> ScheduleFire | None:
    """The fire waiting for the schedule's open run to end (buffer_one keeps at most one), locked."""
    return (ScheduleFire.objects.select_for_update().filter(schedule=schedule, outcome=ScheduleFire.BUFFERED)
            .order_by("fire_at").first())


def overlap_outcome(policy: str, *, run_open: bool, buffered: bool) -> str:
    """What a fire time comes to under the overlap ``policy`` while the schedule's last run is
    open (or not) and a fire is buffered (or not): started, buffered or skipped_overlap."""
    if policy == Schedule.ALLOW_ALL or not run_open:
        return ScheduleFire.STARTED
    if policy == Schedule.BUFFER_ONE and not buffered:
        return ScheduleFire.BUFFERED
    return ScheduleFire.SKIPPED_OVERLAP
