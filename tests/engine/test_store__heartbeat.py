"""Heartbeats extend an attempt's lease, never past the attempt's timeout."""
import datetime as dt

import pytest
from django.utils import timezone

from engine.models import StepRun
from engine.services.runs import run_start
from engine.store.steps import step_claim, step_heartbeat
from tests.support.flows import chain, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


def claimed(**node):
    publish("hb", chain(task("a", activity="flowdeck.sleep", **node)))
    run, _ = run_start(definition_key="hb")
    step = StepRun.objects.get(run=run, node_id="a")
    return step_claim(step_id=step.id, worker="w:1:T"), step


def test_lease_starts_at_the_heartbeat_timeout_and_heartbeats_extend_it():
    claim, step = claimed(timeout=60, heartbeat_timeout=2)
    step.refresh_from_db()
    assert (step.lease_expires_at - step.started_at).total_seconds() == pytest.approx(2, abs=0.01)
    assert step_heartbeat(claim=claim) is True
    step.refresh_from_db()
    remaining = (step.lease_expires_at - timezone.now()).total_seconds()
    assert 1.5 < remaining <= 2.0 and step.heartbeat_at is not None


def test_heartbeats_never_extend_past_the_attempt_timeout():
    claim, step = claimed(timeout=3, heartbeat_timeout=2)
    StepRun.objects.filter(pk=step.id).update(started_at=timezone.now() - dt.timedelta(seconds=2.5))
    assert step_heartbeat(claim=claim) is True
    step.refresh_from_db()
    assert step.lease_expires_at == step.started_at + dt.timedelta(seconds=3)


def test_a_heartbeat_for_a_superseded_attempt_says_so():
    claim, step = claimed(timeout=60, heartbeat_timeout=2)
    StepRun.objects.filter(pk=step.id).update(attempt=2)
    assert step_heartbeat(claim=claim) is False
