"""A human task on real worker processes: the run waits on the task (holding no worker), the task
is completed through the service, and the worker takes the run on to its end; a rejection's
on_failure (incident) waits for an operator whose retry opens a new task."""
import pytest

from engine.models import HumanTask, StepRun
from engine.services import inbox
from engine.services.runs import run_start, step_retry
from tests.support.flows import assert_gapless, chain, event_types, node, publish, task, wait_status
from tests.support.stack import wait_for
from tests.support.users import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _open_task(run):
    return wait_for(lambda: HumanTask.objects.filter(run=run, status="open").order_by("-id").first(), timeout=60,
                    message="an open task")


def test_a_run_waits_on_a_human_task_then_completes_on_the_worker(stack, ledger):
    publish("hum-worker", chain(task("before"), node("approve", "human", title="Approve {{ input.order }}",
                                                     assignee={"role": "operator"}, on_failure="incident",
                                                     form={"type": "object", "required": ["ok"],
                                                           "properties": {"ok": {"type": "boolean"}}}),
                                task("after", input={"ok": "data.approve.data.ok", "by": "data.approve.completed_by"})))
    stack.worker(threads=2)
    olga = make_user("olga", "operator")
    run, _ = run_start(definition_key="hum-worker", input={"order": "o-9"})
    first = _open_task(run)
    wait_status(run.id, "waiting", stack=stack)
    step = StepRun.objects.get(run=run, node_id="approve")
    assert step.status == "waiting" and step.worker == "" and first.title == "Approve o-9"
    inbox.task_reject(task_id=first.id, user=olga, reason="ask the customer first")
    wait_status(run.id, "failed", stack=stack)
    step_retry(run_id=run.id, node_id="approve", user=olga, reason="customer answered")
    second = _open_task(run)
    assert second.id != first.id
    inbox.task_claim(task_id=second.id, user=olga)
    inbox.task_complete(task_id=second.id, user=olga, data={"ok": True})
    wait_status(run.id, "completed", stack=stack, timeout=60)
    assert StepRun.objects.get(run=run, node_id="after").input == {"ok": True, "by": "olga"}
    assert [c[0] for c in ledger.calls()] == ["before", "after"]
    assert [e for e in event_types(run.id) if e.startswith("task.")] == [
        "task.created", "task.claimed", "task.rejected", "task.created", "task.claimed", "task.completed"]
    assert_gapless(run.id)
