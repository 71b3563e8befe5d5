"""POST /api/callbacks/{token}/ and .../heartbeat/: the token is the only credential."""
import pytest
from rest_framework.test import APIClient

from engine.models import RunEvent, StepRun
from engine.services.runs import run_start
from tests.support.flows import chain, drain, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def waiting(ledger):
    publish("cb-api", chain(task("pickup", "test.start_callback", callback={"timeout": 60, "heartbeat_timeout": 30},
                                 retry={"max_attempts": 2, "initial_interval": 0.1})))
    run, _ = run_start(definition_key="cb-api", input={})
    drain(run.id)
    token = RunEvent.objects.filter(run=run, type="step.waiting").last().payload["started"]["token"]
    return run, token


def test_an_anonymous_system_completes_once_with_its_token(waiting):
    run, token = waiting
    client = APIClient(enforce_csrf_checks=True)   # no session, no CSRF token: the token is the credential
    beat = client.post(f"/api/callbacks/{token}/heartbeat/", format="json")
    assert beat.status_code == 200 and beat.json()["step_status"] == "waiting"
    done = client.post(f"/api/callbacks/{token}/", {"output": {"tracking": "1Z999"}}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json() == {"run_id": str(run.id), "node_id": "pickup", "step_status": "succeeded",
                           "detail": "recorded"}
    again = client.post(f"/api/callbacks/{token}/", {"output": {}}, format="json")
    assert again.status_code == 409 and "already completed" in again.json()["detail"]
    assert StepRun.objects.get(run=run, node_id="pickup").output == {"tracking": "1Z999"}


def test_run_detail_shows_the_token_state(waiting, api):
    run, token = waiting
    step = next(s for s in api.get(f"/api/runs/{run.id}/").json()["steps"] if s["node_id"] == "pickup")
    assert step["callback"]["state"] == "open" and step["callback"]["attempt"] == 1
    assert step["callback"]["expires_at"] and step["callback"]["heartbeat_due"]
    assert token not in str(api.get(f"/api/runs/{run.id}/").json()["steps"])   # the token itself is never shown


@pytest.mark.parametrize("body, field", [
    ({"status": "failed"}, "error"),
    ({"status": "failed", "error": {"type": "bad name!"}}, None),
    ({"status": "maybe"}, "status"),
    ({"output": {"s": "\u0000"}}, None),
])
def test_bad_bodies_are_400_and_change_nothing(waiting, body, field):
    run, token = waiting
    response = APIClient().post(f"/api/callbacks/{token}/", body, format="json")
    assert response.status_code == 400, response.content
    if field:
        assert field in response.json()
    assert StepRun.objects.get(run=run, node_id="pickup").status == "waiting"


def test_forged_tokens_are_404_without_a_hint(waiting):
    run, token = waiting
    for forged in (token[:-2] + "00", "1.1." + "f" * 64, "nonsense", "9" * 300):
        response = APIClient().post(f"/api/callbacks/{forged}/", {"output": {}}, format="json")
        assert response.status_code == 404 and response.json()["detail"] == "no such callback"
    assert APIClient().post("/api/callbacks/%00/", {"output": {}}, format="json").status_code == 400
    assert StepRun.objects.get(run=run, node_id="pickup").status == "waiting"


def test_a_failed_callback_retries_with_a_new_token(waiting):
    run, token = waiting
    response = APIClient().post(f"/api/callbacks/{token}/",
                                {"status": "failed", "error": {"type": "CarrierBusy", "message": "later"}},
                                format="json")
    assert response.status_code == 200 and response.json()["step_status"] == "scheduled"
    stale = APIClient().post(f"/api/callbacks/{token}/", {"output": {}}, format="json")
    assert stale.status_code == 409 and "already failed" in stale.json()["detail"]
