"""What follows a node's last failed attempt (``on_failure``), and the one door for operator actions."""
import pytest

from engine import protocol
from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import StepRun, WorkflowRun
from engine.selectors import run_available_actions, run_get, run_why, run_why_details
from engine.services import runs
from engine.services.actions import run_act
from tests.support.flows import chain, drain, publish, task

pytestmark = pytest.mark.django_db(transaction=True)
UNDO = {"activity": "test.compensate"}


def charge_then(failing: dict):
    return chain(task("charge", compensation=UNDO), failing)


def ended(key, spec):
    publish(key, spec)
    run, _ = runs.run_start(definition_key=key)
    drain(run.id)
    return WorkflowRun.objects.get(pk=run.id)


@pytest.mark.parametrize("on_failure, exhausted, pending, outcome", [
    (None, True, True, "compensate"), (None, False, True, "compensate"),
    (None, True, False, "incident"), (None, False, False, "abort"),
    ("compensate", False, False, "abort"),
    ("incident", False, True, "incident"), ("incident", True, False, "incident"),
    ("fail", True, True, "abort"), ("fail", False, False, "abort"),
])
def test_failure_outcome_table(on_failure, exhausted, pending, outcome):
    node = {"on_failure": on_failure} if on_failure else {}
    assert protocol.failure_outcome(node, exhausted=exhausted, compensation_pending=pending) == outcome


def test_default_compensates_what_succeeded(ledger):
    run = ended("p-default", charge_then(task("email", activity="test.boom", retry={"max_attempts": 1})))
    assert run.status == "compensated" and "undo:charge" in ledger.names()


def test_incident_waits_for_an_operator_and_undoes_nothing(ledger):
    run = ended("p-incident", charge_then(task("email", activity="test.boom", retry={"max_attempts": 2,
                                                                                     "initial_interval": 0.01},
                                               on_failure="incident")))
    assert run.status == "failed" and run.error["node_id"] == "email"
    assert not StepRun.objects.filter(run=run, kind="compensation").exists()
    assert "undo:charge" not in ledger.names()
    allowed = {e["action"] for e in run_available_actions(run=run_get(run_id=run.id)) if e["allowed"]}
    assert {"retry", "compensate", "cancel"} <= allowed


def test_fail_ends_aborted_with_nothing_undone_and_nothing_open(ledger):
    run = ended("p-fail", charge_then(task("email", activity="test.boom", retry={"max_attempts": 1},
                                           on_failure="fail")))
    assert run.status == "aborted" and run.finished_at is not None
    assert not StepRun.objects.filter(run=run, status__in=["scheduled", "running", "waiting"]).exists()
    assert "undo:charge" not in ledger.names()
    assert [e for e in run_available_actions(run=run_get(run_id=run.id)) if e["allowed"]] == []
    assert run_why(run=run) == []


def test_a_declined_card_with_nothing_to_undo_ends_aborted_without_a_retry_button(ledger):
    spec = chain(task("charge", activity="test.boom", input={"type": "`\"CardDeclined\"`"},
                      retry={"non_retryable_errors": ["CardDeclined"]}, compensation=UNDO))
    run = ended("p-declined", spec)
    assert run.status == "aborted" and run.error["type"] == "CardDeclined"
    retry = next(e for e in run_available_actions(run=run_get(run_id=run.id)) if e["action"] == "retry")
    assert not retry["allowed"] and "aborted" in retry["reason"]


def test_exhausted_retries_with_nothing_to_undo_wait_for_an_operator(ledger):
    run = ended("p-exhausted", chain(task("ship", activity="test.boom", retry={"max_attempts": 1})))
    assert run.status == "failed"


def test_the_countdown_says_what_follows_the_last_attempt(ledger):
    spec = chain(task("charge", compensation=UNDO), task("ship", activity="test.boom",
                                                         retry={"max_attempts": 5, "initial_interval": 60}))
    publish("p-countdown", spec)
    run, _ = runs.run_start(definition_key="p-countdown")
    drain(run.id)
    details = run_why_details(run=run_get(run_id=run.id))
    (ship,) = [d for d in details if d["node_id"] == "ship"]
    assert (ship["attempt"], ship["max_attempts"], ship["error_type"]) == (1, 5, "Boom")
    assert ship["after_last"] == "compensate" and ship["compensations"] == ["charge"] and ship["at"] is not None
    assert ship["text"].startswith("ship: attempt 1 of 5 failed (Boom); next at ")
    assert ship["text"].endswith("; after the last: compensate (undo charge)")


def test_run_act_checks_what_every_interface_must(ledger):
    run = ended("p-act", chain(task("ship", activity="test.boom", retry={"max_attempts": 1})))
    with pytest.raises(InvalidInput, match="reason is required"):
        run_act(run_id=run.id, action="retry", reason="   ")
    with pytest.raises(InvalidInput, match="unknown action"):
        run_act(run_id=run.id, action="restart", reason="x")
    with pytest.raises(InvalidInput, match="node_id is required"):
        run_act(run_id=run.id, action="skip", reason="x")
    with pytest.raises(NotFound):
        run_act(run_id=run.id, action="skip", node_id="nope", reason="x")
    with pytest.raises(Conflict, match="send signal applies to a run that is pending, running, waiting"):
        run_act(run_id=run.id, action="signal", signal="go", reason="x")
    assert run_act(run_id=run.id, action="cancel", reason="customer left").status == "cancelled"
    with pytest.raises(Conflict, match="the run is cancelled"):
        run_act(run_id=run.id, action="cancel", reason="again")


@pytest.mark.parametrize("value, ok", [("compensate", True), ("incident", True), ("fail", True), ("undo", False),
                                       (None, False)])
def test_on_failure_is_checked_by_the_validator(value, ok):
    from engine.spec.validate import validate_spec
    spec = chain(task("ship", activity="test.record", on_failure=value))
    errors = validate_spec(spec, activity_exists={"test.record"})
    assert (errors == []) == ok
    if not ok:
        assert {e["code"] for e in errors} == {"spec.E001"} and errors[0]["node_id"] == "ship"
