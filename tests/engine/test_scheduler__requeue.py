"""The scheduler re-sends steps no worker took, backing off per step so a
long queue is not multiplied."""
import datetime as dt

import pytest
from django.utils import timezone

from engine.models import StepRun
from engine.scheduler import requeue_lost
from engine.services.runs import run_start
from tests.support.flows import chain, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


def test_requeue_backs_off_exponentially(settings):
    settings.FLOWDECK_REQUEUE_AFTER = 10
    publish("lost", chain(task("a")))
    run, _ = run_start(definition_key="lost")
    t0 = timezone.now()
    StepRun.objects.filter(run=run).update(scheduled_at=t0 - dt.timedelta(seconds=60),
                                           enqueued_at=t0 - dt.timedelta(seconds=60))
    sweeps = []
    for second in range(0, 400, 5):  # a sweep every 5 s of simulated time, 400 s in all
        sent = requeue_lost(t0 + dt.timedelta(seconds=second))
        if sent:
            sweeps.append(second)
            # what step_requeue stamped is "now" in real time; pin it to the simulated clock
            StepRun.objects.filter(run=run, node_id="a").update(enqueued_at=t0 + dt.timedelta(seconds=second))
    # Re-sent at once (nothing sent it for 60 s), then only after 20 s, 40 s, 80 s, 160 s:
    # with a sweep every 5 s, that is the first sweep past each wait.
    assert sweeps == [0, 25, 70, 155, 320]
    assert StepRun.objects.get(run=run, node_id="a").requeues == 5
