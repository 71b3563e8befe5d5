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
