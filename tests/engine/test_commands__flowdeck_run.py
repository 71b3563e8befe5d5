"""manage.py flowdeck_run: the same door as the console (run_act), reason required."""
import pytest
from django.core.management import CommandError, call_command
from io import StringIO

from engine.models import RunEvent, WorkflowRun
from tests.support.flows import chain, drain, publish, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def run_cli(*args) -> str:
    out = StringIO()
    call_command("flowdeck_run", *args, stdout=out)
    return out.getvalue()


def test_the_cli_acts_through_the_policy_and_needs_a_reason(ledger):
    make_user("ops", "operator")
    publish("cli", chain(task("ship", activity="test.flaky", input={"succeed_on": "`2`"}, retry={"max_attempts": 1})))
    started = run_cli("start", "cli", "--business-key", "order-9")
    run_id = started.split()[0]
    drain(run_id)
    assert WorkflowRun.objects.get(pk=run_id).status == "failed"
    with pytest.raises(CommandError, match="engine.invalid_input: a reason is required"):
        run_cli("retry-step", run_id, "--node", "ship", "--user", "ops")
    with pytest.raises(CommandError, match="engine.conflict: the run is failed; force retry does not apply"):
        run_cli("force-retry", run_id, "--node", "ship", "--user", "ops", "--reason", "x")
    assert run_cli("retry-step", run_id, "--node", "ship", "--user", "ops", "--reason", "stock back").strip() \
        == f"{run_id} running"
    drain(run_id)
    assert WorkflowRun.objects.get(pk=run_id).status == "completed"
    retry = RunEvent.objects.get(run_id=run_id, type="operator.retry")
    assert (retry.actor, retry.reason) == ("ops", "stock back")


def test_the_cli_starts_a_code_workflow_by_name_and_signals_it(ledger):
    make_user("ops", "operator")
    started = run_cli("start", "code-signal", "--business-key", "order-c1", "--input", "{}")
    run_id = started.split()[0]
    assert run_cli("start", "code-signal", "--business-key", "order-c1").split()[0] == run_id   # idempotent
    run_cli("signal", run_id, "--signal", "go", "--input", '{"by": "ops"}', "--user", "ops", "--reason", "ok")
    drain(run_id)
    run = WorkflowRun.objects.get(pk=run_id)
    assert run.status == "completed" and run.output == {"approval": {"by": "ops"}}
