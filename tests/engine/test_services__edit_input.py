"""Correcting a run's input (engine.services.runs.run_edit_input): a guarded transition in the
states the policy table allows, checked against the definition's input schema, recorded with the
changed paths and audited; steps that ran keep what they read, the others read the new input."""
import pytest

from engine.errors import Conflict, InvalidInput
from engine.models import AuditEntry, RunEvent, StepRun, WorkflowRun
from engine.services import runs
from engine.services.actions import run_act
from tests.support.flows import assert_gapless, chain, drain, publish, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = {"customer": {"email": "ann@example", "name": "Ann"}, "bad": True}


@pytest.fixture
def ops():
    return make_user("olivia", "operator")


def address_run(key="addr"):
    """a reads the input; b fails on a bad address (the first call, with the input's ``bad``); c reads it too."""
    publish(key, chain(task("a", input="input"),
                       task("b", activity="test.fail_first", input={"fail": "input.bad", "to": "input.customer.email"},
                            retry={"max_attempts": 1}),
                       task("c", input="input")))
    run, _ = runs.run_start(definition_key=key, input=ADDRESS)
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "failed" and run.error["node_id"] == "b"
    return run


def test_corrected_input_is_read_by_the_steps_not_run_yet(ops, ledger):
    run = address_run()
    fixed = {"customer": {"email": "ann@example.com", "name": "Ann"}, "bad": False, "note": "typo"}
    run_act(run_id=run.id, action="edit_input", input=fixed, user=ops, reason="customer called: typo in email")
    assert WorkflowRun.objects.get(pk=run.id).input == fixed
    event = RunEvent.objects.get(run=run, type="operator.input_edited")
    assert (event.actor, event.reason) == ("olivia", "customer called: typo in email")
    assert sorted(event.payload["changes"], key=lambda c: c["path"]) == [
        {"path": "bad", "op": "changed", "before": True, "after": False},
        {"path": "customer.email", "op": "changed", "before": "ann@example", "after": "ann@example.com"},
        {"path": "note", "op": "added", "after": "typo"}]
    assert event.payload["before"] == ADDRESS and event.payload["after"] == fixed and not event.payload["truncated"]
    audit = AuditEntry.objects.get(action="run.edit_input", object_id=str(run.id))
    assert audit.username == "olivia" and audit.changes["changes"] == event.payload["changes"]

    run_act(run_id=run.id, action="retry", user=ops, reason="address fixed")
    drain(run.id)
    run.refresh_from_db()
    assert run.status == "completed"
    steps = {s.node_id: s for s in StepRun.objects.filter(run=run, kind="node")}
    assert steps["a"].input == ADDRESS                                   # done before: keeps what it read
    assert steps["b"].input == {"fail": False, "to": "ann@example.com"}  # the retry reads the new input
    assert steps["c"].input == fixed
    assert_gapless(run.id)


def test_refused_where_the_policy_says(ops, ledger):
    publish("done", chain(task("a")))
    done, _ = runs.run_start(definition_key="done", input={"x": 1})
    drain(done.id)
    with pytest.raises(Conflict, match="the run is completed; edit input applies to a run that is pending"):
        runs.run_edit_input(run_id=done.id, input={"x": 2}, user=ops, reason="late")
    code, _ = runs.run_start(definition_key="code-four", input={"n": 1})
    with pytest.raises(Conflict, match="code run's input cannot be edited"):
        runs.run_edit_input(run_id=code.id, input={"n": 2}, user=ops, reason="x")
    assert not RunEvent.objects.filter(type="operator.input_edited").exists()
    assert not AuditEntry.objects.filter(action="run.edit_input").exists()


def test_bad_input_is_refused_before_anything(ops, ledger, monkeypatch):
    run = address_run("addr2")
    for bad in ([1], "x", None):
        with pytest.raises(InvalidInput, match="input must be a JSON object"):
            run_act(run_id=run.id, action="edit_input", input=bad, user=ops, reason="x")
    with pytest.raises(InvalidInput, match="reason is required"):
        run_act(run_id=run.id, action="edit_input", input={}, user=ops, reason=" ")
    with pytest.raises(InvalidInput, match="limit is"):
        runs.run_edit_input(run_id=run.id, input={"blob": "x" * 300_000}, user=ops, reason="x")
    # The definition's input schema, where the spec keeps one, is the check.
    schema = {"type": "object", "required": ["customer"],
              "properties": {"customer": {"type": "object", "properties": {"email": {"type": "string",
                                                                                     "pattern": "@.+[.]"}}}}}
    monkeypatch.setattr(runs, "_input_schema", lambda version_id: schema)
    with pytest.raises(InvalidInput, match=r"input schema at /customer/email") as info:
        runs.run_edit_input(run_id=run.id, input={"customer": {"email": "ann@example"}}, user=ops, reason="x")
    assert info.value.errors[0]["path"] == "/customer/email"
    with pytest.raises(InvalidInput, match="'customer' is a required property"):
        runs.run_edit_input(run_id=run.id, input={}, user=ops, reason="x")
    runs.run_edit_input(run_id=run.id, input={"customer": {"email": "ann@example.com"}}, user=ops, reason="ok")
    assert RunEvent.objects.filter(run=run, type="operator.input_edited").count() == 1


def test_the_schema_is_read_from_the_definitions_spec(ledger):
    version = publish("plain", chain(task("a")))
    assert runs._input_schema(version.id) is None
