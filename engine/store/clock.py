"""One clock: the database's.

Due times, leases and heartbeats are written and compared on PostgreSQL's clock, never on a
process's: a worker or a scheduler whose clock is 30 s off still agrees with every other
process about what is due and what has expired.

The statements that lock a run (``sql.run_lock``, ``sql.run_and_step_lock``, the held guard)
return the database's ``clock_timestamp()`` with their rows, at no cost: ``seen`` keeps it
with the monotonic time it arrived. ``now`` is that time plus the monotonic time since, so a
transaction's ``now`` (``RunTx.now``) is the database's time even when it reads nothing (a
held record, a new run's start): no round trip. Monotonic time is never stepped by NTP or a
wrong wall clock; it only ticks. An anchor older than ``MAX_AGE`` is read again (one
``SELECT``, in a process that locked no run for that long). The scheduler's queries compare
with ``now()`` in SQL.
"""
from __future__ import annotations

import datetime as dt
import time

from engine.store import db

MAX_AGE = 30.0      # seconds an anchor is trusted without a fresh reading
KEEP_BEST = 5.0     # seconds a reading that arrived sooner (less lag) beats a later one

# (database time as read, monotonic seconds when it arrived): one per process, any thread.
_anchor: tuple[dt.datetime, float] | None = None


def seen(db_now: dt.datetime) -> None:
    """A time the database just returned. A reading is late by its trip back, so of the
    readings of the last few seconds the one that implies the latest database time wins;
    after that any new one does (the database's clock may have been set back)."""
    global _anchor
    arrived = time.monotonic()
    current = _anchor
    if (current is None or arrived - current[1] > KEEP_BEST
            or db_now - current[0] >= dt.timedelta(seconds=arrived - current[1])):
        _anchor = (db_now, arrived)


def now() -> dt.datetime:
    """The database's time, now (aware, UTC)."""
    current = _anchor
    mono = time.monotonic()
    if current is None or mono - current[1] > MAX_AGE:
        refresh()
        current = _anchor
        mono = time.monotonic()
    return current[0] + dt.timedelta(seconds=mono - current[1])


def refresh() -> None:
    seen(db.execute("SELECT clock_timestamp()").fetchone()[0])


def forget() -> None:
    """Drop the anchor (tests; a process that switched databases)."""
    global _anchor
    _anchor = None
