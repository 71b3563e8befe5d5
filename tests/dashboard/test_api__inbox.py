"""The Inbox API: list and detail for whoever may view; claim, unclaim, complete (validated against
the form, 400 per field) and reject (a reason required) with 403 for viewers, 404 for tasks not in
one's inbox, 409 for a task in the wrong state or someone else's."""
import pytest
from rest_framework.test import APIClient

from engine.models import HumanTask, StepRun, WorkflowRun
from engine.services.runs import run_start
from tests.support.flows import chain, node, publish, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db
FORM = {"type": "object", "required": ["amount"], "properties": {"amount": {"type": "integer", "minimum": 1},
                                                                  "kind": {"enum": ["refund", "credit"]}}}


def client_of(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world():
    publish("refund", chain(node("approve", "human", title="Refund <b>{{ input.order }}</b>",
                                 assignee={"role": "operator"}, form=FORM, due=60, on_failure="incident"),
                            node("after", "wait", seconds=0)))
    run, _ = run_start(definition_key="refund", input={"order": "o-1"}, business_key="o-1")
    users = {name: make_user(name, *roles) for name, roles in
             {"olga": ["operator"], "oscar": ["operator"], "dora": ["designer"], "vic": ["viewer"]}.items()}
    return {"run": run, "task": HumanTask.objects.get(run=run), **{k: client_of(u) for k, u in users.items()}}


def test_list_and_detail_with_the_actions_each_user_may_take(world):
    body = world["olga"].get("/api/inbox/").json()
    assert body["open_count"] == 1
    [row] = body["results"]
    assert row["title"] == "Refund <b>o-1</b>" and row["definition"] == "refund" and row["business_key"] == "o-1"
    assert row["form"] == FORM and row["status"] == "open" and row["overdue"] is False and row["due_at"]
    assert row["actions"] == {"claim": None, "unclaim": "the task is not claimed", "complete": None, "reject": None}
    assert world["dora"].get("/api/inbox/").json() == {"results": [], "open_count": 0}
    viewer = world["vic"].get(f"/api/inbox/{row['id']}/")
    assert viewer.status_code == 200 and viewer.json()["actions"]["complete"].startswith("a viewer sees tasks")
    assert world["dora"].get(f"/api/inbox/{row['id']}/").status_code == 404
    assert world["olga"].get("/api/inbox/999999/").status_code == 404
    assert world["olga"].get("/api/inbox/nope/").status_code == 404
    assert world["olga"].get("/api/inbox/?status=completed").json()["results"] == []
    bad = world["olga"].get("/api/inbox/?status=bogus")
    assert bad.status_code == 400 and bad.json()["code"] == "engine.invalid_input" and bad.json()["errors"]
    assert world["olga"].get("/api/inbox/?mine=maybe").status_code == 400


def test_a_viewer_sees_but_every_write_is_403_saying_why(world):
    tid = world["task"].id
    for action, body in (("claim", {}), ("unclaim", {}), ("complete", {"data": {"amount": 1}}),
                         ("reject", {"reason": "no"})):
        response = world["vic"].post(f"/api/inbox/{tid}/{action}/", body, format="json")
        assert response.status_code == 403, action
        assert "a viewer can see tasks but not claim" in response.json()["detail"]
    assert HumanTask.objects.get(pk=tid).status == "open"
    assert APIClient().get("/api/inbox/").status_code == 401


def test_claim_conflicts_and_unclaim(world):
    tid = world["task"].id
    assert world["olga"].post(f"/api/inbox/{tid}/claim/").json()["status"] == "claimed"
    taken = world["oscar"].post(f"/api/inbox/{tid}/claim/")
    assert taken.status_code == 409 and "claimed by olga" in taken.json()["detail"]
    assert world["dora"].post(f"/api/inbox/{tid}/claim/").status_code == 409   # assigned to role operator
    assert world["oscar"].post(f"/api/inbox/{tid}/unclaim/").status_code == 409
    assert world["olga"].get("/api/inbox/?mine=true").json()["results"][0]["id"] == tid
    assert world["olga"].post(f"/api/inbox/{tid}/unclaim/").json()["status"] == "open"
    assert world["olga"].post("/api/inbox/424242/claim/").status_code == 404


def test_complete_is_validated_per_field_then_the_run_goes_on(world):
    tid, run = world["task"].id, world["run"]
    bad = world["olga"].post(f"/api/inbox/{tid}/complete/", {"data": {"amount": 0, "kind": "cash"}}, format="json")
    assert bad.status_code == 400
    assert {(e["field"], e["code"]) for e in bad.json()["errors"]} == {("/amount", "engine.invalid_input"),
                                                                        ("/kind", "engine.invalid_input")}
    missing = world["olga"].post(f"/api/inbox/{tid}/complete/", {"data": {}}, format="json")
    assert [e["field"] for e in missing.json()["errors"]] == ["/amount"]
    shape = world["olga"].post(f"/api/inbox/{tid}/complete/", {"data": [1]}, format="json")
    assert shape.status_code == 400 and shape.json()["code"] == "invalid"
    done = world["olga"].post(f"/api/inbox/{tid}/complete/", {"data": {"amount": 5, "kind": "refund"}}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "completed" and done.json()["completed_by"] == "olga"
    step = StepRun.objects.get(run=run, node_id="approve")
    assert step.output == {"data": {"amount": 5, "kind": "refund"}, "completed_by": "olga"}
    again = world["olga"].post(f"/api/inbox/{tid}/complete/", {"data": {"amount": 5}}, format="json")
    assert again.status_code == 409 and "the task is completed" in again.json()["detail"]
    assert world["olga"].get("/api/inbox/").json()["results"] == []


def test_reject_needs_a_reason_then_fails_the_step(world):
    tid, run = world["task"].id, world["run"]
    assert world["olga"].post(f"/api/inbox/{tid}/reject/", {}, format="json").status_code == 400
    blank = world["olga"].post(f"/api/inbox/{tid}/reject/", {"reason": "  "}, format="json")
    assert blank.status_code == 400 and blank.json()["errors"][0]["field"] == "reason"
    done = world["olga"].post(f"/api/inbox/{tid}/reject/", {"reason": "duplicate order"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "rejected" and done.json()["reason"] == "duplicate order"
    step = StepRun.objects.get(run=run, node_id="approve")
    assert step.status == "failed" and step.error["type"] == "HumanTaskRejected"
    assert WorkflowRun.objects.get(pk=run.id).status == "failed"   # on_failure: incident


def test_the_schema_documents_the_inbox(world):
    schema = world["olga"].get("/api/schema/?format=json")
    if schema.status_code == 404:
        pytest.skip("no schema endpoint")
    paths = schema.json()["paths"]
    assert {"/api/inbox/", "/api/inbox/{task_id}/", "/api/inbox/{task_id}/complete/"} <= set(paths)
    assert "CompleteRequest" in str(paths["/api/inbox/{task_id}/complete/"])
