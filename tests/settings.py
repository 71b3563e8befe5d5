"""Settings for the test suite: flowdeck.settings_shop (the product and the demo shop,
which tests/examples and tests/ui exercise) plus the test activities,
short scheduler thresholds and a separate channel-layer prefix. Spawned
workers and schedulers use this module too."""
from flowdeck.settings_shop import *  # noqa: F401,F403
from flowdeck.settings_shop import CHANNEL_LAYERS, DRAMATIQ_BROKER, FLOWDECK_ACTIVITY_MODULES, env

FLOWDECK_ACTIVITY_MODULES = FLOWDECK_ACTIVITY_MODULES + ["tests.support.activities", "tests.support.fuzz_activities",
                                                     "tests.support.limits_activities"]
# The shop's code saga and the tests' own code workflows; a spawned worker given
# FLOWDECK_WORKFLOW_MODULES has only those (a worker on other versions: version pinning tests).
FLOWDECK_WORKFLOW_MODULES = env("FLOWDECK_WORKFLOW_MODULES") or ["examples.shop.workflows", "tests.support.workflows"]
FLOWDECK_REQUEUE_AFTER = 2.0
FLOWDECK_STUCK_MIN = 1.0
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = "flowdeck-test"
if DRAMATIQ_BROKER["BROKER"].endswith("RedisBroker"):
    # Never share queues with a `make run` on the same Redis.
    DRAMATIQ_BROKER["OPTIONS"]["namespace"] = "flowdeck-test"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test logins

from tests.support import skew  # noqa: E402

skew.install()  # a process whose clock is off, when tests/engine/test_clock.py asks (FLOWDECK_TEST_CLOCK_SKEW)
