"""/api/retention/: anyone who may view reads how long runs are kept (the default, each definition's own
and effective days); only an admin sets a definition's retention, audited; bad values are a 400 that
says what is wrong, an unknown definition a 404."""
import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from engine.models import AuditEntry, WorkflowDefinition
from engine.services.definitions import definition_create
from tests.support.users import make_user

pytestmark = pytest.mark.django_db


def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def people():
    definition_create(key="orders", name="Orders")
    definition_create(key="audit-trail", name="Audit trail")
    return {"admin": client(make_user("ada", "admin")), "operator": client(make_user("olga", "operator", "designer")),
            "viewer": client(make_user("vic", "viewer"))}


def put(api, key, body):
    return api.put(f"/api/retention/definitions/{key}/", body, format="json")


@override_settings(FLOWDECK_RETENTION_DAYS=30, FLOWDECK_ARCHIVE_URL="/var/lib/flowdeck/archive", FLOWDECK_RETENTION_AT="03:00")
def test_anyone_who_views_reads_how_long_runs_are_kept(people):
    body = people["viewer"].get("/api/retention/").json()
    assert body["default_days"] == 30 and body["archived"] is True and body["daily_at"] == "03:00"
    assert body["definitions"] == [
        {"key": "audit-trail", "name": "Audit trail", "retention_days": None, "kept_days": 30},
        {"key": "orders", "name": "Orders", "retention_days": None, "kept_days": 30}]
    assert "archive" not in str(body).replace("archived", "")   # where archives go is not shown
    assert people["viewer"].get("/api/retention/definitions/orders/").json()["kept_days"] == 30


def test_an_admin_sets_a_definitions_retention_and_it_is_audited(people):
    response = put(people["admin"], "audit-trail", {"retention_days": 3650, "reason": "kept ten years (SOX)"})
    assert response.status_code == 200, response.content
    assert response.json() == {"key": "audit-trail", "name": "Audit trail", "retention_days": 3650, "kept_days": 3650}
    assert WorkflowDefinition.objects.get(key="audit-trail").retention_days == 3650
    assert put(people["admin"], "orders", {"retention_days": 0}).json()["kept_days"] == 0   # forever
    assert put(people["admin"], "audit-trail", {"retention_days": None}).json()["kept_days"] == 30   # the default
    entries = list(AuditEntry.objects.filter(action="definition.retention").order_by("id")
                   .values_list("username", "object_id", "reason", "changes"))
    assert entries == [("ada", "audit-trail", "kept ten years (SOX)", {"before": None, "after": 3650}),
                       ("ada", "orders", "", {"before": None, "after": 0}),
                       ("ada", "audit-trail", "", {"before": 3650, "after": None})]
    listed = {d["key"]: d for d in people["viewer"].get("/api/retention/").json()["definitions"]}
    assert listed["orders"]["retention_days"] == 0 and listed["audit-trail"]["retention_days"] is None


def test_only_an_admin_may_set_it(people):
    for role in ("operator", "viewer"):
        response = put(people[role], "orders", {"retention_days": 7})
        assert response.status_code == 403, role
        assert response.json()["detail"] == "your role does not allow this"
    assert WorkflowDefinition.objects.get(key="orders").retention_days is None
    assert not AuditEntry.objects.filter(action="definition.retention").exists()


@pytest.mark.parametrize("body,field", [
    ({"retention_days": -1}, "retention_days"), ({"retention_days": 1.5}, "retention_days"),
    ({"retention_days": "soon"}, "retention_days"), ({"retention_days": True}, "retention_days"),
    ({"retention_days": 10**9}, "retention_days"), ({}, "retention_days"),
    ({"retention_days": 5, "reason": "x" * 2001}, "reason")])
def test_bad_values_are_a_400_naming_the_field(people, body, field):
    response = put(people["admin"], "orders", body)
    assert response.status_code == 400, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert WorkflowDefinition.objects.get(key="orders").retention_days is None


def test_an_unknown_definition_is_a_404(people):
    response = put(people["admin"], "nope", {"retention_days": 5})
    assert response.status_code == 404 and "no definition with key 'nope'" in response.json()["detail"]
