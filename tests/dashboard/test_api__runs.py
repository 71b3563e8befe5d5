"""The runs API: every endpoint and action, 409s and validation errors."""
import pytest
from rest_framework.test import APIClient

from engine.models import RunEvent, WorkflowRun
from tests.support.flows import chain, drain, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def flows(ledger):
    publish("ok", chain(task("a"), task("b")))
    publish("fails", chain(task("a"), task("b", activity="test.boom", retry={"max_attempts": 1}), task("c")))
    publish("gate", chain(task("charge", compensation={"activity": "test.compensate"}),
                          node("approval", "signal", signal="approve"), task("ship")))


def start(api, definition, **body):
    response = api.post("/api/runs/", {"definition": definition, **body}, format="json")
    assert response.status_code in (200, 201), response.content
    return response


def test_start_is_idempotent_by_business_key(api, flows):
    first = start(api, "ok", business_key="order-1001", input={"amount": 5})
    again = start(api, "ok", business_key="order-1001", input={"amount": 5})
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    body = first.json()
    assert body["definition"] == "ok" and body["version"] == 1 and body["input"] == {"amount": 5}
    assert {s["node_id"] for s in body["steps"]} >= {"start", "a"} and body["spec"]["nodes"]


def test_detail_events_and_list_filters(api, flows):
    ok = start(api, "ok", business_key="order-1").json()
    bad = start(api, "fails", business_key="order-2").json()
    drain(ok["id"]), drain(bad["id"])
    detail = api.get(f"/api/runs/{bad['id']}/").json()
    assert detail["status"] == "failed" and detail["why"][0].startswith("failed at b: Boom")
    b = next(s for s in detail["steps"] if s["node_id"] == "b")
    assert b["attempts"][0]["error"]["traceback"].startswith("Traceback")
    events = api.get(f"/api/runs/{ok['id']}/events/?after_seq=3").json()
    assert events[0]["seq"] == 4 and [e["seq"] for e in events] == list(range(4, 4 + len(events)))

    def ids(query):
        return [r["id"] for r in api.get(f"/api/runs/?{query}").json()["results"]]
    assert ids("status=failed") == [bad["id"]]
    assert ids("needs_operator=true") == [bad["id"]]
    assert ids("failed_at=b") == [bad["id"]]
    assert ids("error_type=Boom") == [bad["id"]] and ids("error_type=CardDeclined") == []
    assert ids("q=order-1") == [ok["id"]]
    assert ids("definition=ok") == [ok["id"]]
    assert set(ids("")) == {ok["id"], bad["id"]}
    counts = api.get("/api/runs/counts/").json()
    assert counts["completed"] == 1 and counts["failed"] == 1


def test_keyset_pagination_walks_every_run_once(api, flows):
    made = {start(api, "ok").json()["id"] for _ in range(7)}
    seen, cursor = [], None
    while True:
        page = api.get("/api/runs/", {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [r["id"] for r in page["results"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 and set(seen) == made


@pytest.mark.parametrize("query", ["status=exploded", "stuck=maybe", "created_after=yesterday", "cursor=%%%",
                                   "limit=abc", "version=x"])
def test_bad_filters_are_400(api, query):
    response = api.get(f"/api/runs/?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["detail"]


def test_actions_retry_skip_data_signal_cancel_compensate(api, flows):
    run = start(api, "fails").json()
    drain(run["id"])
    url = f"/api/runs/{run['id']}"
    assert api.post(f"{url}/retry/", {}, format="json").status_code == 400  # a reason is required
    edited = api.post(f"{url}/data/", {"data": {"patched": True}, "reason": "fix input"}, format="json")
    assert edited.status_code == 200 and edited.json()["data"] == {"patched": True}
    skipped = api.post(f"{url}/steps/b/skip/", {"output": {"manual": 1}, "reason": "done by hand"}, format="json")
    assert skipped.status_code == 200
    drain(run["id"])
    assert api.get(f"{url}/").json()["status"] == "completed"
    audit = RunEvent.objects.filter(run_id=run["id"], type__startswith="operator.").values_list("type", "actor", "reason")
    assert list(audit) == [("operator.data_edited", "opal", "fix input"), ("operator.skip", "opal", "done by hand")]

    gate = start(api, "gate").json()
    drain(gate["id"])
    gurl = f"/api/runs/{gate['id']}"
    wrong = api.post(f"{gurl}/signal/", {"name": "reject", "reason": "x"}, format="json")
    assert wrong.status_code == 409 and "approve" in wrong.json()["detail"]
    ok = api.post(f"{gurl}/signal/", {"name": "approve", "payload": {"by": "opal"}, "reason": "big order OK"},
                  format="json")
    assert ok.status_code == 200
    drain(gate["id"])
    assert api.get(f"{gurl}/").json()["status"] == "completed"
    assert api.post(f"{gurl}/cancel/", {"reason": "late"}, format="json").status_code == 409

    gate2 = start(api, "gate").json()
    drain(gate2["id"])
    comp = api.post(f"/api/runs/{gate2['id']}/compensate/", {"reason": "withdrawn"}, format="json")
    assert comp.status_code == 200 and comp.json()["status"] == "compensating"
    drain(gate2["id"])
    assert api.get(f"/api/runs/{gate2['id']}/").json()["status"] == "compensated"

    gate3 = start(api, "gate").json()
    cancelled = api.post(f"/api/runs/{gate3['id']}/cancel/", {"reason": "customer left"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_step_retry_and_skip_errors(api, flows):
    run = start(api, "fails").json()
    drain(run["id"])
    url = f"/api/runs/{run['id']}"
    assert api.post(f"{url}/steps/a/retry/", {"reason": "x"}, format="json").status_code == 409  # succeeded
    assert api.post(f"{url}/steps/zzz/retry/", {"reason": "x"}, format="json").status_code == 404
    retried = api.post(f"{url}/steps/b/retry/", {"reason": "try again"}, format="json")
    assert retried.status_code == 200 and retried.json()["status"] == "running"
    assert api.post(f"{url}/data/", {"data": [1], "reason": "x"}, format="json").status_code == 400
    assert api.get("/api/runs/not-a-uuid/").status_code == 404
    assert api.post("/api/runs/00000000-0000-0000-0000-000000000000/cancel/", {"reason": "x"},
                    format="json").status_code == 404


def test_bulk_retry_shows_the_count_then_acts(api, flows):
    runs = [start(api, "fails").json()["id"] for _ in range(3)]
    for run_id in runs:
        drain(run_id)
    preview = api.post("/api/runs/bulk/", {"action": "retry", "filters": {"failed_at": "b"}}, format="json").json()
    assert preview == {"action": "retry", "dry_run": True, "count": 3}
    assert api.post("/api/runs/bulk/", {"action": "retry", "filters": {"failed_at": "b"}, "dry_run": False},
                    format="json").status_code == 400  # reason required
    done = api.post("/api/runs/bulk/", {"action": "retry", "filters": {"failed_at": "b"}, "dry_run": False,
                                        "reason": "payment provider back"}, format="json").json()
    assert done["applied"] == 3 and not done["errors"]
    assert set(WorkflowRun.objects.filter(pk__in=runs).values_list("status", flat=True)) == {"running"}


def test_incidents_group_failures_by_step_and_error(api, flows):
    for _ in range(3):
        drain(start(api, "fails").json()["id"])
    incidents = api.get("/api/incidents/").json()
    assert len(incidents) == 1
    assert incidents[0]["definition"] == "fails" and incidents[0]["node_id"] == "b"
    assert incidents[0]["error_type"] == "Boom" and incidents[0]["count"] == 3


def test_stats_per_definition(api, flows):
    drain(start(api, "ok").json()["id"])
    drain(start(api, "fails").json()["id"])
    stats = {s["definition"]: s for s in api.get("/api/stats/?minutes=60").json()}
    assert stats["ok"]["completed"] == 1 and stats["ok"]["failure_rate"] == 0.0
    assert stats["fails"]["failed"] == 1 and stats["fails"]["failure_rate"] == 1.0
    assert stats["ok"]["step_latency_p50"] is not None


def test_designer_test_run_of_a_draft(api, ledger):
    publish("draft-me", chain(task("a")))
    spec = chain(task("x"), task("y"))
    response = api.post("/api/definitions/draft-me/test-runs/", {"spec": spec, "input": {"k": 1}}, format="json")
    assert response.status_code == 201, response.content
    run_id = response.json()["run"]["id"]
    drain(run_id)
    run = WorkflowRun.objects.get(pk=run_id)
    assert run.status == "completed" and run.is_test and run.version.is_test
    assert ledger.names() == ["x", "y"]
    assert api.get("/api/runs/").json()["results"] == []  # test runs stay out of the console by default
    bad = api.post("/api/definitions/draft-me/test-runs/", {"spec": {"nodes": 1}}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"]


def test_anonymous_is_refused():
    assert APIClient().get("/api/runs/").status_code in (401, 403)
