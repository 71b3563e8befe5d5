"""POST /api/runs/<id>/input/: the run's input corrected, 409 where the policy refuses, 400 for bad bodies;
the action is listed in available_actions like every other."""
import pytest

from engine.models import RunEvent
from tests.support.flows import chain, drain, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


def test_correct_a_runs_input(api, ledger):
    publish("fails", chain(task("a"), task("b", activity="test.boom", retry={"max_attempts": 1})))
    run = api.post("/api/runs/", {"definition": "fails", "input": {"email": "ann@example"}}, format="json").json()
    drain(run["id"])
    url = f"/api/runs/{run['id']}"
    entry = next(a for a in api.get(f"{url}/").json()["available_actions"] if a["action"] == "edit_input")
    assert entry["allowed"] and entry["label"] == "Edit input"
    done = api.post(f"{url}/input/", {"input": {"email": "ann@example.com"}, "reason": "typo"}, format="json")
    assert done.status_code == 200 and done.json()["input"] == {"email": "ann@example.com"}
    event = RunEvent.objects.get(run_id=run["id"], type="operator.input_edited")
    assert event.payload["changes"] == [{"path": "email", "op": "changed", "before": "ann@example",
                                         "after": "ann@example.com"}]
    assert api.post(f"{url}/input/", {"input": [1], "reason": "x"}, format="json").status_code == 400
    assert api.post(f"{url}/input/", {"input": {}}, format="json").status_code == 400   # no reason
    api.post(f"{url}/cancel/", {"reason": "gone"}, format="json")
    refused = api.post(f"{url}/input/", {"input": {"email": "x"}, "reason": "late"}, format="json")
    assert refused.status_code == 409 and "the run is cancelled" in refused.json()["detail"]
