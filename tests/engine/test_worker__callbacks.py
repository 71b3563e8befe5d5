"""Callback tasks on real worker processes: the activity hands out a token and returns; the step
waits with no worker until the token completes or fails it, heartbeats it, or it times out."""
import time

import pytest

from engine import callbacks
from engine.errors import Conflict, NotFound
from engine.models import RunEvent, StepRun
from engine.services.callbacks import callback_complete, callback_fail, callback_heartbeat
from engine.services.runs import run_start
from engine.states import StepStatus
from tests.support.flows import assert_gapless, chain, event_types, publish, task, wait_status
from tests.support.stack import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _pickup(key: str, **callback):
    publish(key, chain(task("charge"), task("pickup", "test.start_callback", callback=callback,
                                            retry={"max_attempts": 2, "initial_interval": 0.1}),
                       task("notify")))


def _token(run_id, attempt: int) -> str:
    """The token the activity got, read from what it returned (recorded when the step waits)."""
    def found():
        for e in RunEvent.objects.filter(run_id=run_id, type="step.waiting", node_id="pickup"):
            if e.payload.get("started", {}).get("attempt") == attempt:
                return e.payload["started"]["token"]
        return None
    return wait_for(found, timeout=20, message=f"pickup attempt {attempt} waiting for its callback")


def test_a_callback_completes_the_waiting_step_once_and_a_second_one_is_refused(stack, ledger):
    _pickup("cb-once", timeout=60)
    stack.worker()
    run, _ = run_start(definition_key="cb-once", input={"order": 1})
    token = _token(run.id, 1)
    step = StepRun.objects.get(run=run, node_id="pickup")
    assert step.status == StepStatus.WAITING and step.wait_reason == "awaiting callback" and step.worker
    wait_status(run.id, "waiting", stack=stack)      # nothing runs: no worker is held
    outcome = callback_complete(token=token, output={"carrier": "DHL", "picked_up": True})
    assert outcome.ok and outcome.node_id == "pickup"
    wait_status(run.id, "completed", stack=stack)
    assert StepRun.objects.get(run=run, node_id="pickup").output == {"carrier": "DHL", "picked_up": True}
    with pytest.raises(Conflict, match="already completed"):
        callback_complete(token=token, output={"again": True})
    with pytest.raises(NotFound):
        callback_complete(token=token[:-1] + ("0" if token[-1] != "0" else "1"), output={})
    assert [c[0] for c in ledger.calls()] == ["charge", "pickup", "notify"]
    assert_gapless(run.id)


def test_an_expired_token_is_void_and_the_retry_hands_out_a_new_one(stack, ledger):
    _pickup("cb-expire", timeout=1)
    stack.worker()
    run, _ = run_start(definition_key="cb-expire", input={})
    first = _token(run.id, 1)
    second = _token(run.id, 2)                       # attempt 1 timed out (CallbackTimeout), retried
    assert first != second
    with pytest.raises(Conflict, match="expired"):
        callback_complete(token=first, output={})
    callback_complete(token=second, output={"picked_up": True})
    wait_status(run.id, "completed", stack=stack)
    attempts = StepRun.objects.get(run=run, node_id="pickup").attempts
    assert [a["status"] for a in attempts] == ["timed_out", "succeeded"]
    assert attempts[0]["error"]["type"] == "CallbackTimeout"
    assert callbacks.token_state(StepRun.objects.get(run=run, node_id="pickup"), 1) == callbacks.EXPIRED


def test_the_last_attempt_expiring_fails_the_step_by_its_policy(stack, ledger):
    publish("cb-lost", chain(task("pickup", "test.start_callback", callback={"timeout": 0.5},
                                  retry={"max_attempts": 1}, on_failure="fail")))
    stack.worker()
    run, _ = run_start(definition_key="cb-lost", input={})
    token = _token(run.id, 1)
    run = wait_status(run.id, "aborted", stack=stack)
    assert run.error["type"] == "CallbackTimeout" and run.error["node_id"] == "pickup"
    with pytest.raises(Conflict):
        callback_complete(token=token, output={})


def test_a_failed_callback_goes_through_the_retry_policy(stack, ledger):
    publish("cb-fail", chain(task("pickup", "test.start_callback", callback={"timeout": 60}, on_failure="fail",
                                  retry={"max_attempts": 3, "initial_interval": 0.1,
                                         "non_retryable_errors": ["AddressInvalid"]})))
    stack.worker()
    run, _ = run_start(definition_key="cb-fail", input={})
    callback_fail(token=_token(run.id, 1), error_type="CarrierBusy", message="no truck today")
    callback_fail(token=_token(run.id, 2), error_type="AddressInvalid", message="no such street")
    run = wait_status(run.id, "aborted", stack=stack)
    assert run.error["type"] == "AddressInvalid" and run.error["via"] == "callback"
    assert [c[0] for c in ledger.calls()] == ["pickup", "pickup"]


def test_heartbeats_keep_the_attempt_alive_until_they_stop(stack, ledger):
    publish("cb-beat", chain(task("pickup", "test.start_callback", on_failure="fail", retry={"max_attempts": 1},
                                  callback={"timeout": 60, "heartbeat_timeout": 1.5})))
    stack.worker()
    run, _ = run_start(definition_key="cb-beat", input={})
    token = _token(run.id, 1)
    for _ in range(5):                               # 2.5 s: past the heartbeat timeout without them
        time.sleep(0.5)
        assert callback_heartbeat(token=token).ok
    assert StepRun.objects.get(run=run, node_id="pickup").status == StepStatus.WAITING
    run = wait_status(run.id, "aborted", stack=stack)  # then none: the heartbeat timeout
    assert run.error["type"] == "CallbackTimeout" and run.error["missed"] == "heartbeat"
