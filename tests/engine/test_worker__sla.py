"""SLA timers on real worker and scheduler processes: the scheduler's sweep breaches a signal's SLA,
a worker runs its escalation beside the main path, and the run still completes when the signal comes."""
import pytest

from engine.models import RunEvent, StepRun
from engine.services.runs import run_signal, run_start
from tests.support.flows import assert_gapless, chain, event_types, node, publish, task, wait_status
from tests.support.stack import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_an_sla_breach_that_escalates_while_the_main_path_completes(stack, ledger):
    spec = chain(task("reserve"), node("approval", "signal", signal="order.approved",
                                       sla={"within": 1, "escalate": "page_oncall"}), task("ship"))
    spec["nodes"].append(task("page_oncall", input={"order": "input.order"}))
    publish("sla-escalate", spec)
    stack.worker()
    stack.scheduler()
    run, _ = run_start(definition_key="sla-escalate", input={"order": 7})
    wait_status(run.id, "waiting", stack=stack)
    wait_for(lambda: ledger.calls("page_oncall"), timeout=30, message="the escalation's ledger entry")
    [(_, key, _)] = ledger.calls("page_oncall")
    assert key == f"{run.id}:page_oncall"
    assert StepRun.objects.get(run=run, node_id="approval").status == "waiting"   # interrupted by nothing
    run_signal(run_id=run.id, name="order.approved", payload={"by": "ops"})
    wait_status(run.id, "completed", stack=stack)
    assert [c[0] for c in ledger.calls()] == ["reserve", "page_oncall", "ship"]
    approval = StepRun.objects.get(run=run, node_id="approval")
    assert approval.status == "succeeded" and approval.sla_breached_at is not None
    assert approval.sla_breached_at >= approval.sla_due_at
    assert StepRun.objects.get(run=run, node_id="page_oncall").status == "succeeded"
    [breach] = RunEvent.objects.filter(run=run, type="sla.breached")
    assert breach.node_id == "approval" and breach.payload["escalated"] is True
    assert event_types(run.id).count("sla.breached") == 1
    assert_gapless(run.id)
