"""Human tasks in-process: who may claim, unclaim, complete and reject; completion validated
against the form; a rejection goes where the node's on_failure says; a task closes with its
step (the run cancelled, failed elsewhere, the step skipped) and reopens when the run resumes;
a retry of a rejected step opens a new task; every change is an event, in order."""
import pytest

from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import AuditEntry, HumanTask, RunEvent, StepRun, WorkflowRun
from engine.selectors.inbox import inbox_list, inbox_open_count, task_get
from engine.services import inbox, runs
from tests.support.flows import assert_gapless, chain, drain, edge, event_types, node, publish, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)
FORM = {"type": "object", "required": ["approved"],
        "properties": {"approved": {"type": "boolean"}, "note": {"type": "string", "maxLength": 20}}}


def human(id="approve", **fields):
    return node(id, "human", **{"title": "Approve order {{ input.order }}", "assignee": {"role": "operator"},
                                **fields})


@pytest.fixture
def people():
    return {"op": make_user("olga", "operator"), "op2": make_user("oscar", "operator"),
            "des": make_user("dora", "designer"), "admin": make_user("ada", "admin"),
            "viewer": make_user("vic", "viewer")}


def _start(key, *nodes, input=None):
    publish(key, chain(*nodes))
    run, _ = runs.run_start(definition_key=key, input=input or {"order": 42})
    drain(run.id)
    return run


def _status(run):
    return WorkflowRun.objects.get(pk=run.id).status


def _task(run, **filters):
    return HumanTask.objects.filter(run=run, **filters).order_by("-id").first()


def test_the_step_waits_on_a_task_in_the_assignees_inbox_with_its_title_rendered(people, ledger):
    run = _start("hum-wait", task("before"), human(description="Order {{ input.order }}", form=FORM, due=3600))
    step = StepRun.objects.get(run=run, node_id="approve")
    assert step.status == "waiting" and _status(run) == "waiting"
    assert step.wait_reason == "waiting for operator to complete 'Approve order 42'"
    t = _task(run)
    assert (t.status, t.title, t.description, t.assignee_role, t.form) == ("open", "Approve order 42", "Order 42",
                                                                            "operator", FORM)
    assert t.due_at is not None and abs((t.due_at - t.created_at).total_seconds() - 3600) < 1
    [row] = inbox_list(user=people["op"])
    assert row["id"] == t.id and row["definition"] == "hum-wait" and row["overdue"] is False
    assert row["actions"] == {"claim": None, "unclaim": "the task is not claimed", "complete": None, "reject": None}
    assert inbox_list(user=people["des"]) == [] and len(inbox_list(user=people["admin"])) == 1
    assert inbox_open_count(user=people["op"]) == 1 and inbox_open_count(user=people["viewer"]) == 0
    viewer_row = inbox_list(user=people["viewer"])[0]   # a viewer sees it, and may do nothing to it
    assert all(why.startswith("a viewer sees tasks") for why in viewer_row["actions"].values())
    with pytest.raises(NotFound):
        task_get(task_id=t.id, user=people["des"])


def test_claim_rules_by_role_user_and_admin(people):
    run = _start("hum-claim", human())
    t = _task(run)
    for who in ("des", "viewer"):
        with pytest.raises(Conflict):
            inbox.task_claim(task_id=t.id, user=people[who])
    inbox.task_claim(task_id=t.id, user=people["op"])
    with pytest.raises(Conflict, match="claimed by olga"):
        inbox.task_claim(task_id=t.id, user=people["op2"])
    assert inbox_list(user=people["op2"])[0]["actions"]["complete"] == "the task is claimed by olga"
    assert [r["id"] for r in inbox_list(user=people["op"], mine=True)] == [t.id]
    assert inbox_list(user=people["op2"], mine=True) == []
    with pytest.raises(Conflict, match="only they or an admin"):
        inbox.task_unclaim(task_id=t.id, user=people["op2"])
    with pytest.raises(Conflict, match="claimed by olga"):
        inbox.task_complete(task_id=t.id, user=people["op2"], data={})
    inbox.task_unclaim(task_id=t.id, user=people["admin"])
    assert _task(run).status == "open" and _task(run).claimed_by is None
    inbox.task_claim(task_id=t.id, user=people["admin"])   # an admin may claim any task
    assert _task(run).claimed_by == people["admin"]
    # Assigned to a user by name: only they (or an admin).
    named = _start("hum-named", human(assignee={"user": "dora"}))
    n = _task(named)
    with pytest.raises(Conflict, match="assigned to user dora"):
        inbox.task_claim(task_id=n.id, user=people["op"])
    inbox.task_claim(task_id=n.id, user=people["des"])
    with pytest.raises(NotFound):
        inbox.task_claim(task_id=999999, user=people["op"])
    assert list(AuditEntry.objects.filter(object_type="task").values_list("action", "username")) == [
        ("task.claim", "olga"), ("task.unclaim", "ada"), ("task.claim", "ada"), ("task.claim", "dora")]


def test_complete_is_validated_against_the_form_then_the_run_goes_on(people, ledger):
    run = _start("hum-complete", human(form=FORM), task("after", input={"ok": "data.approve.data.approved"}))
    t = _task(run)
    with pytest.raises(InvalidInput) as bad:
        inbox.task_complete(task_id=t.id, user=people["op"], data={"note": "x" * 30})
    assert {e["field"] for e in bad.value.errors} == {"/approved", "/note"}
    with pytest.raises(InvalidInput):
        inbox.task_complete(task_id=t.id, user=people["op"], data=["not", "an", "object"])
    assert _task(run).status == "open" and StepRun.objects.get(run=run, node_id="approve").status == "waiting"
    inbox.task_complete(task_id=t.id, user=people["op"], data={"approved": True, "note": "fine"}, reason="checked")
    t = _task(run)
    assert (t.status, t.claimed_by, t.completed_by, t.result) == ("completed", people["op"], people["op"],
                                                                  {"approved": True, "note": "fine"})
    step = StepRun.objects.get(run=run, node_id="approve")
    assert step.status == "succeeded" and step.output == {"data": {"approved": True, "note": "fine"},
                                                          "completed_by": "olga"}
    drain(run.id)
    assert _status(run) == "completed"
    assert StepRun.objects.get(run=run, node_id="after").input == {"ok": True}
    with pytest.raises(Conflict, match="the task is completed"):
        inbox.task_complete(task_id=t.id, user=people["op"], data={"approved": False})
    types = event_types(run.id)
    assert [e for e in types if e.startswith("task.")] == ["task.created", "task.claimed", "task.completed"]
    assert types.index("task.completed") < types.index("step.succeeded", types.index("task.created"))
    claimed = RunEvent.objects.get(run=run, type="task.claimed")
    assert claimed.actor == "olga" and claimed.payload["implicit"] is True
    assert_gapless(run.id)


def test_reject_needs_a_reason_and_fails_the_step_for_on_failure_to_decide(people):
    run = _start("hum-reject", human(on_failure="incident"))
    t = _task(run)
    for reason in ("", "   ", None):
        with pytest.raises(InvalidInput, match="reason is required"):
            inbox.task_reject(task_id=t.id, user=people["op"], reason=reason)
    inbox.task_reject(task_id=t.id, user=people["op"], reason="customer unknown")
    step = StepRun.objects.get(run=run, node_id="approve")
    assert step.status == "failed" and step.error["type"] == "HumanTaskRejected"
    assert step.error["message"] == "customer unknown" and _task(run).status == "rejected"
    assert _status(run) == "failed"   # incident: an operator decides
    # An operator's retry of the rejected step opens a new task; the rejected one stays as it was.
    runs.step_retry(run_id=run.id, node_id="approve", user=people["op"], reason="ask again")
    assert _status(run) == "waiting"
    tasks = list(HumanTask.objects.filter(run=run).order_by("id"))
    assert [x.status for x in tasks] == ["rejected", "open"] and tasks[1].id != t.id
    inbox.task_complete(task_id=tasks[1].id, user=people["op2"], data={})
    assert _status(run) == "completed"
    assert [e for e in event_types(run.id) if e.startswith("task.")] == [
        "task.created", "task.claimed", "task.rejected", "task.created", "task.claimed", "task.completed"]
    # Default on_failure with nothing to undo: the run ends aborted.
    other = _start("hum-reject-abort", human())
    inbox.task_reject(task_id=_task(other).id, user=people["op"], reason="no")
    assert _status(other) == "aborted"


def test_a_task_closes_with_its_step_and_reopens_when_the_failed_run_resumes(people, ledger):
    run = _start("hum-cancel", human())
    t = _task(run)
    inbox.task_claim(task_id=t.id, user=people["op"])
    runs.run_cancel(run_id=run.id, user=people["op"], reason="customer left")
    assert _task(run).status == "cancelled" and inbox_list(user=people["op"]) == []
    with pytest.raises(Conflict, match="the task is cancelled"):
        inbox.task_complete(task_id=t.id, user=people["op"], data={})
    assert event_types(run.id)[-3:] == ["step.cancelled", "task.cancelled", "run.cancelled"]
    # Skipped by an operator: its task is cancelled too.
    skipped = _start("hum-skip", human())
    runs.step_skip(run_id=skipped.id, node_id="approve", output={"data": {}}, user=people["op"], reason="by phone")
    assert _task(skipped).status == "cancelled" and _status(skipped) == "completed"
    # The run failing elsewhere closes it; resuming reopens it.
    spec = {"schema_version": 1, "nodes": [
        node("start", "start"), node("fork", "parallel"), human(),
        task("boom", "test.fail_first", retry={"max_attempts": 1}, on_failure="incident"),
        node("join", "join", fork="fork"), node("end", "end")],
        "edges": [edge("start", "fork"), edge("fork", "approve"), edge("fork", "boom"), edge("approve", "join"),
                  edge("boom", "join"), edge("join", "end")]}
    publish("hum-resume", spec)
    resumed, _ = runs.run_start(definition_key="hum-resume", input={"order": 7, "fail": True})
    drain(resumed.id)
    assert _status(resumed) == "failed" and _task(resumed).status == "cancelled"
    runs.step_retry(run_id=resumed.id, node_id="boom", user=people["op"], reason="fixed")
    drain(resumed.id)
    reopened = _task(resumed)
    assert reopened.id == _task(resumed).id and reopened.status == "open"
    assert HumanTask.objects.filter(run=resumed).count() == 1
    assert StepRun.objects.get(run=resumed, node_id="approve").status == "waiting"
    inbox.task_complete(task_id=reopened.id, user=people["op"], data={})
    drain(resumed.id)
    assert _status(resumed) == "completed"
    assert [e for e in event_types(resumed.id) if e.startswith("task.")] == [
        "task.created", "task.cancelled", "task.reopened", "task.claimed", "task.completed"]
    assert_gapless(resumed.id)
