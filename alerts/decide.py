"""The one decision of alerting, pure: given what a group's receivers were last told and whether the
group fires now, which message (if any) to send. tests/alerts/test_decide.py holds its table.

- A group that starts firing: ``firing``.
- Still firing: ``repeat`` once ``interval`` seconds passed since the last message (0: never).
- Gone while the receivers were told "firing": ``resolved``, at once, whatever the interval.
- Back within ``interval`` of its resolved message (flapping): nothing yet; ``firing`` once the
  interval has passed, if it still fires then. So a group sends at most one message per interval,
  besides the resolved one that closes it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

FIRING, RESOLVED = "firing", "resolved"
REPEAT = "repeat"


@dataclasses.dataclass(frozen=True)
class Decision:
    status: str             # the group's status from now: firing or resolved
    message: str | None     # firing, repeat, resolved, or None: send nothing


def decide(*, notified: str, last_sent_at: dt.datetime | None, firing_now: bool, now: dt.datetime,
           interval: float) -> Decision:
    """``notified``: the last message's status ("" when none was sent)."""
    if not firing_now:
        return Decision(RESOLVED, RESOLVED if notified == FIRING else None)
    waited = last_sent_at is None or (now - last_sent_at).total_seconds() >= interval
    if notified == FIRING:
        return Decision(FIRING, REPEAT if interval > 0 and waited else None)
    return Decision(FIRING, FIRING if notified == "" or waited else None)
