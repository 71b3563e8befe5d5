"""A process whose clock is off by some seconds, for the one-clock tests (tests/engine/test_clock.py).

``env(seconds)`` is what to add to a child process's environment: ``FLOWDECK_TEST_CLOCK_SKEW``,
which makes ``install()`` (called from tests/settings.py, so in every test process) shift
what the engine, Django and Dramatiq read the wall clock with: ``time.time`` and
``time.time_ns``, ``dramatiq.common.time`` (the etas of delayed messages, as sent and as
waited for) and ``django.utils.timezone.now``. The monotonic clock is left alone, as a wrong
wall clock leaves it. (libfaketime would skew C code too, but its 0.9.10 turns Python 3.11's
``time.sleep`` into EINVAL or an endless sleep.)
"""
from __future__ import annotations

import datetime as dt
import os

VARIABLE = "FLOWDECK_TEST_CLOCK_SKEW"


def env(seconds: float) -> dict:
    return {VARIABLE: str(seconds)}


def install() -> None:
    seconds = float(os.environ.get(VARIABLE) or 0)
    if not seconds:
        return
    import time

    import dramatiq.common
    from django.utils import timezone

    real_time, real_time_ns = time.time, time.time_ns
    time.time = lambda: real_time() + seconds
    time.time_ns = lambda: real_time_ns() + int(seconds * 1e9)
    dramatiq.common.time = time.time
    timezone.now = lambda: dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)
