"""The step transition table is enforced by the store's writes: a move it does not allow is
refused (the transaction rolls back), whoever attempts it."""
from __future__ import annotations

import pytest

from engine.models import StepRun
from engine.services.runs import run_start
from engine.states import STEP_TRANSITIONS, StepStatus, TransitionRefused, step_can
from engine.store import rows
from engine.store.tx import run_tx
from tests.support.flows import chain, publish, task

S = StepStatus


@pytest.mark.parametrize("current, target, allowed", [
    (None, S.RUNNING, True), (None, S.SUCCEEDED, True),             # a step not yet stored: any first status
    (S.SCHEDULED, S.RUNNING, True), (S.SCHEDULED, S.FAILED, True),   # its input mapping failed at the claim
    (S.RUNNING, S.SCHEDULED, True), (S.RUNNING, S.WAITING, True),     # a callback task waits for its callback
    (S.WAITING, S.SUCCEEDED, True), (S.WAITING, S.SCHEDULED, True),   # its callback failed: retried
    (S.WAITING, S.RUNNING, False),
    (S.FAILED, S.WAITING, True), (S.FAILED, S.SUCCEEDED, True),      # run again: a wait waits, a choice decides
    (S.CANCELLED, S.SCHEDULED, True), (S.CANCELLED, S.SUCCEEDED, False),   # reopened when its run resumes
    (S.SUCCEEDED, S.SCHEDULED, False), (S.SUCCEEDED, S.FAILED, False), (S.SKIPPED, S.RUNNING, False),
    (S.RUNNING, S.RUNNING, True),
])
def test_step_can(current, target, allowed):
    assert step_can(current, target) is allowed


def test_every_status_has_a_row_and_done_ones_are_final():
    assert set(STEP_TRANSITIONS) == set(S.ALL)
    assert all(not STEP_TRANSITIONS[s] for s in S.DONE)


@pytest.mark.django_db(transaction=True)
def test_a_write_that_would_move_a_succeeded_step_is_refused_and_rolled_back(ledger):
    publish("moves", chain(task("a")))
    run, _ = run_start(definition_key="moves")
    step = StepRun.objects.get(run=run, node_id="a")
    StepRun.objects.filter(pk=step.pk).update(status=S.SUCCEEDED)
    with pytest.raises(TransitionRefused, match="succeeded -> scheduled"):
        with run_tx(run.id) as tx:
            step = StepRun.objects.select_for_update().get(pk=step.pk)
            step.status = S.SCHEDULED
            rows.update(step, ["status"], now=tx.now)
    assert StepRun.objects.get(pk=step.pk).status == S.SUCCEEDED
