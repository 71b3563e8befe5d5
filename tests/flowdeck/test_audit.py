"""The audit log: who, when, why and what changed; exportable; immutable."""
import json

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from rest_framework.test import APIClient

from engine.models import AuditEntry
from tests.support.flows import chain, node, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def acted():
    designer, operator = make_user("desi", "designer"), make_user("oper", "operator")
    api = APIClient()
    api.force_authenticate(designer)
    spec = chain(task("a", activity="flowdeck.noop"), node("gate", "signal", signal="go"))
    api.post("/api/definitions/", {"key": "flow", "name": "Flow", "spec": spec}, format="json")
    api.post("/api/definitions/flow/versions/1/publish/")
    api.force_authenticate(operator)
    run = api.post("/api/runs/", {"definition": "flow", "input": {}}, format="json").json()
    api.post(f"/api/runs/{run['id']}/data/", {"data": {"x": 1}, "reason": "fix typo"}, format="json")
    api.post(f"/api/runs/{run['id']}/cancel/", {"reason": "customer called"}, format="json")
    return run["id"]


def test_every_action_is_recorded_with_who_why_and_what(acted):
    rows = list(AuditEntry.objects.order_by("id").values_list("username", "action", "object_id", "reason"))
    assert rows == [("desi", "definition.create", "flow", ""), ("desi", "definition.publish", "flow", ""),
                    ("oper", "run.edit_data", acted, "fix typo"), ("oper", "run.cancel", acted, "customer called")]
    edit = AuditEntry.objects.get(action="run.edit_data")
    assert edit.changes == {"before": {}, "after": {"x": 1}}


def test_admin_exports_json_lines_and_others_cannot(acted):
    admin = make_user("boss", "admin")
    api = APIClient()
    api.force_authenticate(admin)
    response = api.get("/api/audit/export/")
    assert response.status_code == 200 and response["Content-Type"] == "application/jsonl"
    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [entry["action"] for entry in lines] == ["definition.create", "definition.publish", "run.edit_data",
                                                    "run.cancel"]
    assert lines[-1]["username"] == "oper" and lines[-1]["reason"] == "customer called"
    api.force_authenticate(make_user("opx", "operator"))
    assert api.get("/api/audit/export/").status_code == 403


def test_audit_rows_cannot_be_changed_or_deleted(acted):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.update(reason="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.all().delete()
    entry = AuditEntry.objects.first()
    root = make_user("root", "admin")
    root.is_staff = root.is_superuser = True
    root.save()
    client = Client()
    client.force_login(root)
    assert client.get(f"/admin/engine/auditentry/{entry.id}/delete/").status_code == 403
    page = client.get(f"/admin/engine/auditentry/{entry.id}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content  # read-only view


def test_definition_history_lists_its_entries(acted):
    api = APIClient()
    api.force_authenticate(make_user("v", "viewer"))
    history = api.get("/api/definitions/flow/history/").json()
    assert [h["action"] for h in history] == ["definition.publish", "definition.create"]
