"""Code runs through the runs API: started by name, drawn from their steps, operated like any run."""
import pytest

from tests.support.flows import drain

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_code_run_starts_by_name_idempotently_and_its_graph_is_its_steps(api, ledger):
    first = api.post("/api/runs/", {"definition": "code-parallel", "input": {}, "business_key": "o-1"}, format="json")
    assert first.status_code == 201, first.content
    again = api.post("/api/runs/", {"definition": "code-parallel", "input": {}, "business_key": "o-1"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    run_id = first.json()["id"]
    drain(run_id)
    detail = api.get(f"/api/runs/{run_id}/").json()
    assert detail["status"] == "completed"
    spec = detail["spec"]
    assert spec["kind"] == "code" and spec["workflow"] == "code-parallel" and "def parallel" in spec["source"]
    ids = [n["id"] for n in spec["nodes"]]
    assert ids == ["start", "1:test.record", "2:test.sleep", "3:test.sleep", "4:test.record", "end"]
    xs = {n["id"]: n["position"]["x"] for n in spec["nodes"]}
    assert xs["2:test.sleep"] == xs["3:test.sleep"] > xs["1:test.record"]   # the parallel calls side by side
    edges = {(e["source"], e["target"]) for e in spec["edges"]}
    assert {("1:test.record", "2:test.sleep"), ("1:test.record", "3:test.sleep"), ("2:test.sleep", "4:test.record"),
            ("3:test.sleep", "4:test.record"), ("4:test.record", "end")} <= edges


def test_a_code_run_is_signalled_and_a_signal_for_a_later_wait_is_kept(api, ledger):
    run_id = api.post("/api/runs/", {"definition": "code-signal", "input": {}}, format="json").json()["id"]
    response = api.post(f"/api/runs/{run_id}/signal/", {"name": "go", "payload": {"ok": True}, "reason": "r"},
                        format="json")
    assert response.status_code == 200, response.content
    drain(run_id)
    assert api.get(f"/api/runs/{run_id}/").json()["output"] == {"approval": {"ok": True}}
    # Before the run reaches its wait (a code run's waits are its function's to say): kept.
    other = api.post("/api/runs/", {"definition": "code-changing", "input": {}}, format="json").json()["id"]
    kept = api.post(f"/api/runs/{other}/signal/", {"name": "next", "payload": {}, "reason": "early"}, format="json")
    assert kept.status_code == 200, kept.content
    drain(other)
    assert api.get(f"/api/runs/{other}/").json()["status"] == "completed"


def test_an_unknown_workflow_name_is_a_404_with_the_name(api):
    response = api.post("/api/runs/", {"definition": "no-such-code", "input": {}}, format="json")
    assert response.status_code in (400, 404) and "no-such-code" in response.content.decode()
