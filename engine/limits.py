"""Size limits on what one run holds, in bytes of JSON (docs/reliability.md, "Limits").

A step's output (``FLOWDECK_MAX_OUTPUT_BYTES``), the run's data, which gathers the outputs
(``FLOWDECK_MAX_RUN_DATA_BYTES``), and one event (``FLOWDECK_MAX_EVENT_BYTES``). A value over its
limit is refused with ``TooLarge`` (a step's error type ``OutputTooLarge``, never retried)
before anything of it is written: one run's huge value costs that run its step, not every
other run the worker, the database and the consoles serve. Sizes are ``len(json.dumps(value))``,
the text the engine sends (ASCII: one byte a character).
"""
from __future__ import annotations

from django.conf import settings

from engine.errors import TooLarge

OUTPUT, RUN_DATA, EVENT = "FLOWDECK_MAX_OUTPUT_BYTES", "FLOWDECK_MAX_RUN_DATA_BYTES", "FLOWDECK_MAX_EVENT_BYTES"
# Not a size: how many signals one run keeps for signal nodes it has not reached (each at most
# an event's size), so a sender in a loop costs that run its signals, not the database its disk.
KEPT_SIGNALS = "FLOWDECK_MAX_KEPT_SIGNALS"
DEFAULTS = {OUTPUT: 1024 * 1024, RUN_DATA: 8 * 1024 * 1024, EVENT: 1024 * 1024, KEPT_SIGNALS: 100}


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def check(size: int, name: str, what: str) -> None:
    """Raise TooLarge when ``size`` is over the limit ``name``."""
    allowed = limit(name)
    if size > allowed:
        raise TooLarge(f"{what} is {_mb(size)} of JSON; the limit is {_mb(allowed)} ({name})", limit=name)


def _mb(size: int) -> str:
    return f"{size} bytes" if size < 10_000 else f"{size / 1024 / 1024:.2f} MB ({size} bytes)"

# Replays of one code run in one transaction (each finds a step that finished at once: a kept
# signal, a recorded value): bounds a function that would otherwise never stop asking.
CODE_REPLAYS = 100
