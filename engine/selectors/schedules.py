"""Reads of schedules and their fires (docs/operating-schedules.md), and the one rule of who may
do what to a schedule: the services enforce ``schedule_refusal`` under the schedule's lock, the
API serves it as each schedule's ``actions``, and the console draws exactly those buttons."""
from __future__ import annotations

import datetime as dt

from engine.errors import InvalidInput, NotFound
from engine.models import Schedule, ScheduleFire
from engine.roles import CAPABILITIES, user_can
from engine.states import RunStatus
from engine.store.schedules import Timing, fires_after

# action -> the capability it needs (engine/roles.py)
ACTIONS = {"create": "design", "update": "design", "delete": "design",
           "pause": "operate", "resume": "operate", "trigger": "operate"}
SCHEDULE_ACTIONS = ("update", "delete", "pause", "resume", "trigger")
UPCOMING = 5
MAX_FIRES = 200


def _who(capability: str) -> str:
    return " or ".join(f"an {r}" if r[0] in "aeiou" else f"a {r}" for r in sorted(CAPABILITIES[capability]))


def schedule_refusal(schedule: Schedule | None, user, action: str, *, roles: bool = True) -> str | None:
    """Why ``user`` may not ``action`` the schedule now (None: they may). ``roles=False``: the
    system acts, only the schedule's state counts."""
    need = ACTIONS.get(action)
    if need is None:
        return f"unknown action {action!r}; one of {', '.join(ACTIONS)}"
    if roles and not user_can(user, need):
        return f"your role cannot {action} schedules: that needs {_who(need)}"
    if action == "pause" and schedule is not None and schedule.paused:
        return "it is paused already"
    if action == "resume" and schedule is not None and not schedule.paused:
        return "it is not paused"
    return None


def timing_text(schedule: Schedule) -> str:
    """The timing in words: "cron 0 2 * * * (Europe/Berlin)", "every 15 min"."""
    if schedule.cron:
        return f"cron {schedule.cron} ({schedule.timezone})"
    seconds = schedule.interval_seconds or 0
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"every {seconds // size} {unit}"
    return f"every {seconds} s"


def upcoming(schedule: Schedule, count: int = UPCOMING) -> list[dt.datetime]:
    """Its next ``count`` fire times (none while paused)."""
    if schedule.paused or schedule.next_fire_at is None:
        return []
    return [schedule.next_fire_at, *fires_after(Timing.of(schedule), schedule.next_fire_at, count - 1)]


def fire_view(fire: ScheduleFire) -> dict:
    run = fire.run   # None when its run was deleted since (no constraint: old runs go on their own)
    return {"id": fire.id, "fire_at": fire.fire_at, "kind": fire.kind, "outcome": fire.outcome, "reason": fire.reason,
            "run_id": run.id if run is not None else None, "run_status": run.status if run is not None else None,
            "business_key": run.business_key if run is not None else None,
            "user": fire.user.get_username() if fire.user_id and fire.user else None,
            "request_id": fire.request_id or None, "recorded_at": fire.recorded_at, "started_at": fire.started_at}


def schedule_view(schedule: Schedule, user, last: ScheduleFire | None) -> dict:
    run = schedule.last_run
    return {"slug": schedule.slug, "name": schedule.name, "description": schedule.description,
            "definition_key": schedule.definition_key, "input": schedule.input, "cron": schedule.cron or None,
            "interval_seconds": schedule.interval_seconds, "timezone": schedule.timezone,
            "timing": timing_text(schedule), "overlap_policy": schedule.overlap_policy,
            "catchup_window_seconds": schedule.catchup_window_seconds, "paused": schedule.paused,
            "paused_reason": schedule.paused_reason, "next_fire_at": schedule.next_fire_at,
            "last_fire_at": schedule.last_fire_at,
            "last_outcome": last.outcome if last is not None else None,
            "last_reason": last.reason if last is not None else "",
            "last_run_id": run.id if run is not None else None,
            "last_run_status": run.status if run is not None else None,
            "last_run_open": run is not None and run.status in RunStatus.ACTIVE,
            "created_by": schedule.created_by.get_username() if schedule.created_by_id and schedule.created_by else None,
            "created_at": schedule.created_at, "updated_at": schedule.updated_at,
            "actions": {action: schedule_refusal(schedule, user, action) for action in SCHEDULE_ACTIONS}}


def _base():
    return Schedule.objects.select_related("last_run", "created_by")


def _latest_fires(ids) -> dict:
    """Each schedule's newest fire, in one query (schedule_fire_once, read backwards)."""
    rows = (ScheduleFire.objects.filter(schedule_id__in=list(ids)).order_by("schedule_id", "-fire_at")
            .distinct("schedule_id"))
    return {f.schedule_id: f for f in rows}


def schedule_list(*, user) -> dict:
    schedules = list(_base().order_by("slug"))
    latest = _latest_fires(s.id for s in schedules)
    return {"results": [schedule_view(s, user, latest.get(s.id)) for s in schedules],
            "actions": {"create": schedule_refusal(None, user, "create")}}


def _get(slug) -> Schedule:
    schedule = _base().filter(slug=slug).first() if isinstance(slug, str) else None
    if schedule is None:
        raise NotFound(f"no schedule {str(slug)[:100]!r}")
    return schedule


def schedule_get(*, slug, user) -> dict:
    schedule = _get(slug)
    return schedule_view(schedule, user, _latest_fires([schedule.id]).get(schedule.id))


def schedule_fires(*, slug, limit: int = 50) -> dict:
    """Its newest fires (with their runs and outcomes), and its next fire times."""
    if not isinstance(limit, int) or not 1 <= limit <= MAX_FIRES:
        raise InvalidInput(f"limit: from 1 to {MAX_FIRES}", errors=[{"field": "limit", "message": f"1 to {MAX_FIRES}"}])
    schedule = _get(slug)
    fires = (ScheduleFire.objects.filter(schedule=schedule).select_related("run", "user")
             .order_by("-fire_at")[:limit])
    return {"results": [fire_view(f) for f in fires], "upcoming": upcoming(schedule)}


def fire_get(*, fire_id) -> dict:
    fire = ScheduleFire.objects.select_related("run", "user").filter(pk=fire_id).first()
    if fire is None:
        raise NotFound(f"no fire {fire_id}")
    return fire_view(fire)
