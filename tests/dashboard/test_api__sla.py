"""SLA timers in the runs API: the run detail's ``sla``, each row's ``sla_state``, the list's ``sla``
filter (documented in the OpenAPI schema), the why line and the incidents of breached runs."""
import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from engine.models import StepRun, WorkflowRun
from engine.scheduler import fire_slas
from tests.support.flows import chain, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def flows(ledger):
    spec = chain(node("approval", "signal", signal="approve", sla={"within": 300, "escalate": "page"}))
    spec["nodes"].append(task("page"))
    publish("approve", spec)
    publish("plain", chain(node("approval", "signal", signal="approve")))
    publish("deadline", {**chain(node("approval", "signal", signal="approve")), "settings": {"sla": {"within": 7200}}})


def start(api, definition):
    response = api.post("/api/runs/", {"definition": definition}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def shift(model, seconds, **where):
    """Move an SLA's clock ``seconds`` back (its start and its due time alike)."""
    start_field = "created_at" if model is WorkflowRun else "scheduled_at"
    delta = dt.timedelta(seconds=seconds)
    model.objects.filter(**where).update(sla_due_at=F("sla_due_at") - delta, **{start_field: F(start_field) - delta})


def test_the_detail_says_each_sla_and_the_why_says_a_breach(api, flows):
    run = start(api, "approve")
    assert run["sla"]["state"] == "ok" and run["sla_state"] == "ok"
    assert run["sla"]["due_at"] is None and run["sla"]["run_state"] is None   # no SLA of the run's own
    [step] = run["sla"]["steps"]
    assert step["node_id"] == "approval" and step["state"] == "ok" and step["breached_at"] is None
    assert step["within"] == 300
    assert not [line for line in run["why"] if line.startswith("SLA")]
    shift(StepRun, 301, run_id=run["id"], node_id="approval")
    assert fire_slas() == 1
    detail = api.get(f"/api/runs/{run['id']}/").json()
    assert detail["sla"]["state"] == "breached" and detail["sla_state"] == "breached"
    [step] = detail["sla"]["steps"]
    assert step["state"] == "breached" and step["breached_at"]
    breached_at = StepRun.objects.get(run_id=run["id"], node_id="approval").sla_breached_at
    assert f"SLA breached at {breached_at.isoformat()}: approval not done within 5m" in detail["why"]
    assert {s["node_id"] for s in detail["steps"]} == {"start", "approval", "page"}   # escalated


def test_a_run_without_slas_has_none_and_a_run_sla_is_its_own(api, flows):
    plain = start(api, "plain")
    assert plain["sla"] is None and plain["sla_state"] is None
    run = start(api, "deadline")
    assert run["sla"]["run_state"] == "ok" and run["sla"]["within"] == 7200 and run["sla"]["steps"] == []
    shift(WorkflowRun, 6000, pk=run["id"])   # 1200 of 7200 s left: under 20%
    detail = api.get(f"/api/runs/{run['id']}/").json()
    assert detail["sla"]["state"] == "at_risk" and detail["sla_state"] == "at_risk"
    due = WorkflowRun.objects.get(pk=run["id"]).sla_due_at
    assert f"SLA at risk: due at {due.isoformat()}" in detail["why"]


def test_the_list_filters_by_sla_and_each_row_has_its_state(api, flows):
    breached, risky, calm, plain = start(api, "approve"), start(api, "approve"), start(api, "approve"), start(api, "plain")
    shift(StepRun, 400, run_id=breached["id"], node_id="approval")
    fire_slas()
    shift(StepRun, 250, run_id=risky["id"], node_id="approval")   # 50 of 300 s left

    def rows(query=""):
        return {r["id"]: r["sla_state"] for r in api.get(f"/api/runs/?{query}").json()["results"]}
    assert rows() == {breached["id"]: "breached", risky["id"]: "at_risk", calm["id"]: "ok", plain["id"]: None}
    assert list(rows("sla=breached")) == [breached["id"]]
    assert list(rows("sla=at_risk")) == [risky["id"]]
    assert list(rows("sla=at_risk&definition=plain")) == []
    response = api.get("/api/runs/?sla=late")
    assert response.status_code == 400 and "sla must be one of breached, at_risk" in response.content.decode()
    counts = api.get("/api/runs/counts/?sla=breached").json()
    assert counts["waiting"] + counts["running"] == 1
    dry = api.post("/api/runs/bulk/", {"action": "cancel", "filters": {"sla": "breached"}}, format="json").json()
    assert dry["count"] == 1


def test_the_openapi_schema_documents_the_filter_and_the_fields(api, flows):
    schema = api.get("/api/schema/?format=json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/runs/"]["get"]["parameters"]}
    assert sorted(params["sla"]["schema"]["enum"]) == ["at_risk", "breached"]
    components = schema["components"]["schemas"]
    assert "sla_state" in components["RunSummary"]["properties"] and "sla" in components["RunDetail"]["properties"]
    assert "kind" in components["Incident"]["properties"]


def test_incidents_list_runs_going_on_past_a_breached_sla(api, flows):
    runs = [start(api, "approve") for _ in range(2)]
    start(api, "approve")   # in time: no incident
    for run in runs:
        shift(StepRun, 400, run_id=run["id"], node_id="approval")
    fire_slas()
    [group] = [i for i in api.get("/api/incidents/").json() if i["kind"] == "sla_breached"]
    assert group["definition"] == "approve" and group["node_id"] == "approval" and group["count"] == 2
    assert group["error_type"] == "SlaBreached" and group["status"] in ("running", "waiting")
    assert sorted(group["sample_run_ids"]) == sorted(r["id"] for r in runs)
    assert group["title"] == "SLA breached: approval not done in time"
    assert timezone.now() - dt.timedelta(minutes=1) < dt.datetime.fromisoformat(group["last_seen"])
