"""Every role (and anonymous) against every endpoint and websocket action:
allowed or denied, exactly as engine.roles says."""
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.test import APIClient

from engine.models import AuditEntry, HumanTask
from flowdeck.asgi import application
from tests.support.flows import chain, node, publish, task
from tests.support.users import make_user

ROLES = ["anonymous", "norole", "viewer", "operator", "designer", "admin"]
ALLOWED = {
    "view": {"viewer", "operator", "designer", "admin"},
    "operate": {"operator", "admin"},
    "design": {"designer", "admin"},
    "audit": {"admin"},
    "administer": {"admin"},   # alert rules, webhook secrets, retention
    "tasks": {"operator", "designer", "admin"},   # human tasks: any role but viewer (assignment is checked after)
}

ENDPOINTS = [  # method, path, capability, body
    ("get", "/api/definitions/", "view", None),
    ("post", "/api/definitions/", "design", {"key": "new-flow", "name": "New"}),
    ("get", "/api/definitions/flow/", "view", None),
    ("patch", "/api/definitions/flow/", "design", {"name": "Renamed"}),
    ("get", "/api/definitions/flow/versions/", "view", None),
    ("post", "/api/definitions/flow/versions/", "design", {"spec": {"schema_version": 1, "nodes": [], "edges": []}}),
    ("get", "/api/definitions/flow/versions/1/", "view", None),
    ("post", "/api/definitions/flow/versions/1/publish/", "design", None),
    ("get", "/api/definitions/flow/versions/1/diff/1/", "view", None),
    ("post", "/api/definitions/flow/validate/", "view", {"spec": {}}),
    ("get", "/api/definitions/flow/export/", "view", None),
    ("get", "/api/definitions/flow/history/", "view", None),
    ("post", "/api/definitions/import/", "design", {"document": {"key": "imp", "name": "I", "spec": {"a": 1}}}),
    ("post", "/api/definitions/flow/test-runs/", "design", {"version": 1, "input": {}}),
    ("get", "/api/activities/", "view", None),
    ("get", "/api/node-types/", "view", None),
    ("get", "/api/runs/", "view", None),
    ("post", "/api/runs/", "operate", {"definition": "flow", "input": {}}),
    ("get", "/api/runs/counts/", "view", None),
    ("get", "/api/runs/{run}/", "view", None),
    ("get", "/api/runs/{run}/events/", "view", None),
    ("post", "/api/runs/{run}/cancel/", "operate", {"reason": "r"}),
    ("post", "/api/runs/{run}/compensate/", "operate", {"reason": "r"}),
    ("post", "/api/runs/{run}/signal/", "operate", {"name": "go", "reason": "r"}),
    ("post", "/api/runs/{run}/retry/", "operate", {"reason": "r"}),
    ("post", "/api/runs/{run}/data/", "operate", {"data": {}, "reason": "r"}),
    ("post", "/api/runs/{run}/steps/a/retry/", "operate", {"reason": "r"}),
    ("post", "/api/runs/{run}/steps/a/skip/", "operate", {"output": {}, "reason": "r"}),
    ("post", "/api/runs/{run}/steps/a/force-retry/", "operate", {"reason": "r"}),
    ("post", "/api/runs/bulk/", "operate", {"action": "retry", "filters": {}}),
    ("get", "/api/incidents/", "view", None),
    ("get", "/api/stats/", "view", None),
    ("get", "/api/health/", "view", None),
    ("get", "/api/audit/export/", "audit", None),
    ("get", "/api/inbox/", "view", None),
    ("get", "/api/inbox/{task}/", "view", None),
    ("post", "/api/inbox/{task}/claim/", "tasks", None),
    ("post", "/api/inbox/{task}/unclaim/", "tasks", None),
    ("post", "/api/inbox/{task}/complete/", "tasks", {"data": {}}),
    ("post", "/api/inbox/{task}/reject/", "tasks", {"reason": "r"}),
    ("post", "/api/definitions/flow/archive/", "design", {"reason": "r"}),
    ("post", "/api/definitions/flow/unarchive/", "design", {"reason": "r"}),
    ("delete", "/api/definitions/flow/", "design", {"reason": "r"}),
    ("post", "/api/runs/{run}/input/", "operate", {"input": {}, "reason": "r"}),
    ("get", "/api/schedules/", "view", None),
    ("post", "/api/schedules/", "design", {"slug": "nightly", "definition": "flow", "interval_seconds": 3600}),
    ("get", "/api/schedules/nightly/", "view", None),
    ("post", "/api/schedules/nightly/pause/", "operate", {"reason": "r"}),
    ("post", "/api/schedules/nightly/resume/", "operate", {"reason": "r"}),
    ("post", "/api/schedules/nightly/trigger/", "operate", {"reason": "r"}),
    ("get", "/api/schedules/nightly/fires/", "view", None),
    ("get", "/api/hooks/", "administer", None),
    ("post", "/api/hooks/", "administer", {"definition": "flow"}),
    ("post", "/api/hooks/flow/rotate/", "administer", {"reason": "r"}),
    ("get", "/api/hooks/flow/deliveries/", "administer", None),
    ("get", "/api/retention/", "view", None),
    ("put", "/api/retention/definitions/flow/", "administer", {"retention_days": 7, "reason": "r"}),
    ("get", "/api/alerts/rules/", "view", None),
    ("post", "/api/alerts/rules/", "administer", {"name": "r", "kind": "stuck", "params": {"older_than_seconds": 60},
                                                  "channels": [{"type": "email", "to": ["ops@example.com"]}]}),
    ("get", "/api/alerts/states/", "view", None),
    ("get", "/api/alerts/messages/", "view", None),
]


@pytest.fixture
def world(db):
    publish("flow", chain(task("a"), node("gate", "signal", signal="go")))
    from engine.services.runs import run_start
    run, _ = run_start(definition_key="flow")
    publish("asks", chain(node("ask", "human", title="Check", assignee={"role": "operator"})))
    asking, _ = run_start(definition_key="asks")
    return {"run": str(run.id), "task": str(HumanTask.objects.get(run=asking).id)}


def client_for(role):
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(make_user(f"u_{role}", *([] if role == "norole" else [role])))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,path,capability,body", ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_rest_matrix(world, role, method, path, capability, body):
    client = client_for(role)
    response = getattr(client, method)(path.format(**world), body, format="json")
    allowed = role in ALLOWED[capability]
    if allowed:
        assert response.status_code not in (401, 403), (response.status_code, response.content)
        assert response.status_code < 500
    else:
        assert response.status_code == (401 if role == "anonymous" else 403), response.content


@pytest.mark.django_db
def test_api_tokens_carry_their_users_role(world):
    from rest_framework.authtoken.models import Token
    viewer, operator = make_user("tv", "viewer"), make_user("to", "operator")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=viewer).key}")
    assert client.get("/api/runs/").status_code == 200
    assert client.post(f"/api/runs/{world['run']}/cancel/", {"reason": "x"}, format="json").status_code == 403
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=operator).key}")
    assert client.post(f"/api/runs/{world['run']}/cancel/", {"reason": "x"}, format="json").status_code == 200
    entry = AuditEntry.objects.get(action="run.cancel")
    assert entry.username == "to" and entry.reason == "x"


@pytest.mark.django_db
def test_session_writes_need_csrf(world):
    make_user("csrf", "operator")
    client = Client(enforce_csrf_checks=True)
    client.login(username="csrf", password="pw")
    response = client.post(f"/api/runs/{world['run']}/cancel/", {"reason": "x"}, content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


@database_sync_to_async
def _world_and_headers(role):
    publish("flow", chain(task("a"), node("gate", "signal", signal="go")))
    from engine.services.runs import run_start
    run, _ = run_start(definition_key="flow")
    headers = [(b"origin", b"http://localhost")]
    if role != "anonymous":
        make_user(f"w_{role}", *([] if role == "norole" else [role]))
        client = Client()
        client.login(username=f"w_{role}", password="pw")
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return str(run.id), headers


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
async def test_websocket_matrix(role):
    run_id, headers = await _world_and_headers(role)
    for path in ("/ws/runs/", f"/ws/runs/{run_id}/"):
        comm = WebsocketCommunicator(application, path, headers=headers)
        connected, code = await comm.connect()
        assert connected is (role in ALLOWED["view"]), (path, code)
        if connected:
            await comm.disconnect()
    if role not in ALLOWED["view"]:
        return
    comm = WebsocketCommunicator(application, f"/ws/runs/{run_id}/", headers=headers)
    await comm.connect()
    await comm.send_json_to({"type": "action", "action": "cancel", "reason": "via socket", "request_id": 7})
    result = await comm.receive_json_from()
    while result["type"] != "action.result":
        result = await comm.receive_json_from()
    assert result["request_id"] == 7
    if role in ALLOWED["operate"]:
        assert result == {"type": "action.result", "request_id": 7, "ok": True, "status": "cancelled"}
    else:
        assert result == {"type": "action.result", "request_id": 7, "ok": False, "code": "forbidden",
                          "detail": "your role does not allow run actions"}
    await comm.disconnect()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["/designer/", "/designer/flow", "/console/", "/console/runs/x"])
def test_pages_matrix(role, page):
    client = Client()
    if role != "anonymous":
        make_user(f"p_{role}", *([] if role == "norole" else [role]))
        client.login(username=f"p_{role}", password="pw")
    response = client.get(page)
    if role in ALLOWED["view"]:
        # 200 with the app (503 explaining how to build it when frontend/dist is missing): never a login bounce
        assert response.status_code in (200, 503), response.status_code
    else:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
