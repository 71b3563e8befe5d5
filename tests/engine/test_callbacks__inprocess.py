"""Callback tasks in this process (the real executor, no worker): token states and refusals."""
import pytest

from engine import callbacks
from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import RunEvent, StepRun
from engine.services.callbacks import callback_complete, callback_fail, callback_heartbeat
from engine.services.runs import run_cancel, run_start
from engine.states import StepStatus
from tests.support.flows import chain, drain, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


def _started(run_id) -> dict:
    return RunEvent.objects.filter(run_id=run_id, type="step.waiting", node_id="pickup").last().payload


def _run(key="cb-local", **callback):
    publish(key, chain(task("pickup", "test.start_callback", callback=callback or {"timeout": 60})))
    run, _ = run_start(definition_key=key, input={})
    drain(run.id)
    return run


def test_the_step_waits_with_its_token_and_the_console_sees_its_state(ledger):
    run = _run()
    payload = _started(run.id)
    step = StepRun.objects.get(run=run, node_id="pickup")
    assert step.status == StepStatus.WAITING and step.lease_expires_at is None
    assert callbacks.token_parse(payload["started"]["token"]) == (step.id, 1)
    assert payload["callback"]["expires_at"]
    from engine.selectors import step_callback
    view = step_callback(StepRun.objects.select_related("run").get(pk=step.id))
    assert view["state"] == "open" and view["attempt"] == 1 and view["heartbeat_due"] is None


def test_forged_malformed_and_foreign_tokens_are_no_such_callback(ledger):
    run = _run()
    step = StepRun.objects.get(run=run, node_id="pickup")
    for token in ("", "x", f"{step.id}.1." + "0" * 64, f"{step.id}.1.{'a' * 63}", "1" * 200,
                  callbacks.token_for(step.id + 999, 1)):
        with pytest.raises(NotFound, match="no such callback"):
            callback_complete(token=token, output={})


def test_a_token_of_an_attempt_not_begun_is_refused(ledger):
    run = _run()
    step = StepRun.objects.get(run=run, node_id="pickup")
    with pytest.raises(Conflict, match="attempt 2"):
        callback_complete(token=callbacks.token_for(step.id, 2), output={})


def test_bad_callback_input_is_refused_before_anything_changes(ledger):
    run = _run()
    token = _started(run.id)["started"]["token"]
    with pytest.raises(InvalidInput):
        callback_fail(token=token, error_type="not a name!", message="x")
    with pytest.raises(InvalidInput):
        callback_complete(token=token, output={"bad": "\x00"})
    with pytest.raises(InvalidInput):
        callback_complete(token=token, output={"n": float("nan")})
    assert StepRun.objects.get(run=run, node_id="pickup").status == StepStatus.WAITING


def test_a_cancelled_runs_token_is_refused(ledger):
    run = _run()
    token = _started(run.id)["started"]["token"]
    from django.contrib.auth import get_user_model
    run_cancel(run_id=run.id, user=get_user_model().objects.create_user("op"), reason="customer cancelled")
    with pytest.raises(Conflict, match="cancelled"):
        callback_complete(token=token, output={})
    with pytest.raises(Conflict):
        callback_heartbeat(token=token)


def test_completing_succeeds_the_step_and_the_run(ledger):
    run = _run()
    token = _started(run.id)["started"]["token"]
    assert callback_complete(token=token, output={"ok": 1}).step_status == StepStatus.SUCCEEDED
    run.refresh_from_db()
    assert run.status == "completed" and run.data["pickup"] == {"ok": 1}
    assert RunEvent.objects.filter(run=run, type="step.succeeded", node_id="pickup").get().payload["via"] == "callback"
