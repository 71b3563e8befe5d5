"""A signal sent before its node, on real worker processes: kept while the run waits on a
timer, taken the moment the worker reaches the signal node."""
import pytest
from django.contrib.auth import get_user_model

from engine.models import RunSignal, StepRun
from engine.services.runs import run_signal, run_start
from tests.support.flows import assert_gapless, chain, event_types, node, publish, task, wait_status

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_a_signal_sent_during_an_earlier_wait_is_taken_when_its_node_is_reached(stack, ledger):
    publish("early-pay", chain(task("reserve"), node("settle", "wait", seconds=1),
                               node("paid", "signal", signal="payment.confirmed"), task("ship")))
    ops = get_user_model().objects.create_user("pat", password="x")
    stack.worker()
    run, _ = run_start(definition_key="early-pay", input={"order": 9})
    wait_status(run.id, "waiting", stack=stack)    # on the wait, before the signal node
    assert not StepRun.objects.filter(run=run, node_id="paid").exists()
    run_signal(run_id=run.id, name="payment.confirmed", payload={"psp": "ok"}, signal_id="psp-41", user=ops,
               reason="the provider confirmed early")
    run_signal(run_id=run.id, name="payment.confirmed", payload={"psp": "again"}, signal_id="psp-41", user=ops,
               reason="the provider's retry")
    wait_status(run.id, "completed", stack=stack)
    assert [c[0] for c in ledger.calls()] == ["reserve", "ship"]
    assert StepRun.objects.get(run=run, node_id="paid").output == {"psp": "ok"}
    assert RunSignal.objects.filter(run=run).count() == 1 and RunSignal.objects.get(run=run).node_id == "paid"
    types = event_types(run.id)
    assert types.index("signal.buffered") < types.index("signal.consumed") < types.index("run.completed")
    assert types.count("signal.buffered") == 1
    assert_gapless(run.id)
