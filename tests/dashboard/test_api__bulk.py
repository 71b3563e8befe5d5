"""POST /api/runs/bulk/ on picked runs (run_ids) and the new actions: the dry run's count and
refusals, per-run results, and 400s for malformed bodies."""
import pytest

from engine.models import WorkflowRun
from tests.support.flows import chain, drain, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gates(ledger, api):
    publish("gate", chain(task("charge"), node("approval", "signal", signal="approve"), task("ship")))
    ids = [api.post("/api/runs/", {"definition": "gate"}, format="json").json()["id"] for _ in range(3)]
    for run_id in ids:
        drain(run_id)
    api.post(f"/api/runs/{ids[2]}/cancel/", {"reason": "gone"}, format="json")
    return ids


def bulk(api, **body):
    return api.post("/api/runs/bulk/", body, format="json")


def test_bulk_signal_on_picked_runs(api, gates):
    preview = bulk(api, action="signal", run_ids=gates, signal="approve")
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert (body["dry_run"], body["count"], body["selected"]) == (True, 2, 3)
    assert body["refused"] == [{"run_id": gates[2], "reason": body["refused"][0]["reason"]}]
    assert body["refused"][0]["reason"].startswith("the run is cancelled")
    done = bulk(api, action="signal", run_ids=gates, signal="approve", payload={"ok": True}, dry_run=False,
                reason="approve these 2").json()
    assert done["applied"] == 2 and done["errors"][0]["run_id"] == gates[2]
    for run_id in gates[:2]:
        drain(run_id)
    assert list(WorkflowRun.objects.filter(pk__in=gates).order_by("status").values_list("status", flat=True)) == [
        "cancelled", "completed", "completed"]


def test_bulk_skip_on_a_filter_counts_first(api, gates):
    assert bulk(api, action="skip", node_id="approval", filters={"status": "waiting"}).json() == {
        "action": "skip", "dry_run": True, "count": 2}
    done = bulk(api, action="skip", node_id="approval", filters={"status": "waiting"}, output={"by": "hand"},
                dry_run=False, reason="approved by phone").json()
    assert done["applied"] == 2 and not done["errors"]


@pytest.mark.parametrize("body, field", [
    ({"action": "signal", "run_ids": ["00000000-0000-0000-0000-000000000001"]}, "needs signal"),
    ({"action": "skip", "filters": {}}, "needs node_id"),
    ({"action": "retry", "run_ids": ["x"], "filters": {"status": "failed"}}, "not both"),
    ({"action": "retry", "run_ids": []}, "run_ids"),
    ({"action": "retry", "run_ids": ["nope"]}, "is not a run id"),
    ({"action": "retry", "filters": {"q": "a..b=1"}}, "not a field path"),
    ({"action": "retry", "filters": {"input": "[1]"}}, "JSON object"),
    ({"action": "explode", "filters": {}}, "action"),
])
def test_malformed_bulk_bodies_are_400(api, body, field):
    response = bulk(api, **body)
    assert response.status_code == 400, response.content
    assert field in response.json()["detail"]
