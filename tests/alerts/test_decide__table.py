"""alerts/decide.py's table: which message a group's change sends, and its status afterwards."""
import datetime as dt

import pytest

from alerts.decide import Decision, decide

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)
AGO = {None: None, 10: NOW - dt.timedelta(seconds=10), 100: NOW - dt.timedelta(seconds=100)}

TABLE = [  # notified, sent seconds ago, firing now, interval -> status, message
    ("", None, True, 60, "firing", "firing"),                  # new group
    ("", None, False, 60, "resolved", None),                   # never told: nothing to clear
    ("firing", 10, True, 60, "firing", None),                  # de-duplicated within the interval
    ("firing", 100, True, 60, "firing", "repeat"),             # reminded once the interval passed
    ("firing", 100, True, 0, "firing", None),                  # interval 0: never repeated
    ("firing", 10, False, 60, "resolved", "resolved"),         # cleared: at once, whatever the interval
    ("firing", 100, False, 0, "resolved", "resolved"),
    ("resolved", 10, True, 60, "firing", None),                # flapping back within the interval: not yet
    ("resolved", 100, True, 60, "firing", "firing"),           # back after the interval (or still, since)
    ("resolved", 10, True, 0, "firing", "firing"),             # interval 0: no flap guard
    ("resolved", 10, False, 60, "resolved", None),             # still clear
]


@pytest.mark.parametrize("notified,ago,firing_now,interval,status,message", TABLE)
def test_decide(notified, ago, firing_now, interval, status, message):
    assert decide(notified=notified, last_sent_at=AGO[ago], firing_now=firing_now, now=NOW,
                  interval=interval) == Decision(status, message)
