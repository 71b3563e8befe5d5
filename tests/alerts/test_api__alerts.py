"""The alerts API: admins create, change, test and delete rules (each audited); every problem with a
rule is a 400 naming its field; other roles read (webhook URLs masked) and are refused writes."""
import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from alerts.models import AlertMessage, AlertRule, AlertState
from engine.models import AuditEntry
from tests.support.users import make_user

pytestmark = pytest.mark.django_db


def client_for(*roles, name=None):
    client = APIClient()
    client.force_authenticate(make_user(name or f"u_{'_'.join(roles) or 'none'}", *roles))
    return client


@pytest.fixture
def admin():
    return client_for("admin")


def body(receiver, **over):
    return {"name": "Payments failing", "kind": "failure_rate", "definition_key": "pay",
            "params": {"threshold": 0.2, "min_runs": 5},
            "channels": [{"type": "slack", "url": receiver.url("/T000/B000/secret-token")},
                         {"type": "email", "to": ["ops@example.com"]}],
            "repeat_interval_seconds": 900, "reason": "payments on call", **over}


def test_an_admin_creates_changes_and_deletes_a_rule_each_audited(admin, receiver):
    response = admin.post("/api/alerts/rules/", body(receiver), format="json")
    assert response.status_code == 201, response.content
    rule = response.json()
    assert rule["params"] == {"threshold": 0.2, "min_runs": 5, "window_seconds": 900}   # defaults filled in
    assert rule["channels"][0] == {"type": "slack", "url": receiver.url("/T000/B000/secret-token")}
    assert rule["created_by"] == "u_admin" and rule["enabled"] is True and rule["firing"] == 0
    created = AuditEntry.objects.get(action="alert_rule.create")
    assert created.object_type == "alert_rule" and created.object_id == str(rule["id"])
    assert created.reason == "payments on call" and created.username == "u_admin"
    assert created.changes["channels"][0] == {"type": "slack", "target": "http://127.0.0.1/…"}   # no token in the log

    response = admin.patch(f"/api/alerts/rules/{rule['id']}/", {"enabled": False, "reason": "quiet week"},
                           format="json")
    assert response.status_code == 200 and response.json()["enabled"] is False
    updated = AuditEntry.objects.get(action="alert_rule.update")
    assert updated.changes == {"enabled": [True, False]} and updated.reason == "quiet week"
    assert [r["name"] for r in admin.get("/api/alerts/rules/").json()] == ["Payments failing"]

    AlertMessage.objects.create(rule_id=rule["id"], rule_name="Payments failing", kind="test", channel="email",
                                target="ops@example.com", status="sent")
    assert admin.delete(f"/api/alerts/rules/{rule['id']}/", {"reason": "gone"}, format="json").status_code == 204
    assert not AlertRule.objects.exists()
    assert AuditEntry.objects.get(action="alert_rule.delete").reason == "gone"
    [kept] = admin.get("/api/alerts/messages/").json()["results"]   # the log outlives the rule
    assert kept["rule"] is None and kept["rule_name"] == "Payments failing"
    assert admin.get(f"/api/alerts/rules/{rule['id']}/").status_code == 404
    assert admin.get("/api/alerts/rules/nope/").status_code == 404


@pytest.mark.parametrize("over,field,message", [
    ({"kind": "weather"}, "kind", "is not a valid choice"),
    ({"params": {"min_runs": 5}}, "params", "'threshold' is a required property"),
    ({"params": {"threshold": 1.5}}, "params.threshold", "1.5 is greater than the maximum of 1"),
    ({"params": {"threshold": 0.5, "window": 60}}, "params.window", "unknown parameter for failure_rate"),
    ({"kind": "stuck", "params": {"older_than_seconds": "soon"}}, "params.older_than_seconds",
     "is not of type 'number'"),
    ({"channels": []}, "channels", "1 to 10 channels"),
    ({"channels": [{"type": "webhook", "url": "http://10.0.0.5/hook"}]}, "channels.0.url", "ALERT_ALLOWED_HOSTS"),
    ({"channels": [{"type": "webhook", "url": "file:///etc/passwd"}]}, "channels.0.url", "ALERT_ALLOWED_HOSTS"),
    ({"channels": [{"type": "slack"}]}, "channels.0.url", "with a URL"),
    ({"channels": [{"type": "email", "to": ["not-an-address"]}]}, "channels.0.to.0", "valid email"),
    ({"channels": [{"type": "pager", "url": "http://127.0.0.1/"}]}, "channels.0.type", "is not a valid choice"),
    ({"definition_key": "no spaces"}, "definition_key", "a definition key"),
    ({"repeat_interval_seconds": -1}, "repeat_interval_seconds", "greater than or equal to 0"),
    ({"name": ""}, "name", "may not be blank"),
])
def test_every_problem_with_a_rule_is_a_400_naming_its_field(admin, receiver, over, field, message):
    response = admin.post("/api/alerts/rules/", body(receiver, **over), format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(e.get("field") == field and message in e["message"] for e in errors), errors
    assert not AlertRule.objects.exists() and not AuditEntry.objects.exists()


def test_a_change_is_checked_like_a_creation(admin, receiver):
    rule = admin.post("/api/alerts/rules/", body(receiver), format="json").json()
    response = admin.patch(f"/api/alerts/rules/{rule['id']}/", {"kind": "stuck"}, format="json")
    assert response.status_code == 200 and response.json()["params"] == {"older_than_seconds": 0}
    response = admin.patch(f"/api/alerts/rules/{rule['id']}/", {"params": {"threshold": 2}}, format="json")
    assert response.status_code == 400 and "unknown parameter for stuck" in response.json()["detail"]


def test_other_roles_read_with_webhook_urls_masked_and_are_refused_writes(admin, receiver):
    rule = admin.post("/api/alerts/rules/", body(receiver), format="json").json()
    AlertMessage.objects.create(rule_id=rule["id"], rule_name="x", kind="firing", channel="slack",
                                target=receiver.url("/T000/B000/secret-token"), status="sent", response_code=200)
    for role in ("viewer", "operator", "designer"):
        client = client_for(role)
        [seen] = client.get("/api/alerts/rules/").json()
        assert seen["channels"] == [{"type": "slack", "url": "http://127.0.0.1/…"},
                                    {"type": "email", "to": ["ops@example.com"]}]
        [logged] = client.get("/api/alerts/messages/").json()["results"]
        assert logged["target"] == "http://127.0.0.1/…" and logged["ok"] is True
        assert client.get("/api/alerts/states/").status_code == 200
        for method, path in (("post", "/api/alerts/rules/"), ("patch", f"/api/alerts/rules/{rule['id']}/"),
                             ("delete", f"/api/alerts/rules/{rule['id']}/"),
                             ("post", f"/api/alerts/rules/{rule['id']}/test/")):
            response = getattr(client, method)(path, body(receiver), format="json")
            assert response.status_code == 403, (role, method, path, response.content)
    assert APIClient().get("/api/alerts/rules/").status_code == 401
    assert client_for().get("/api/alerts/rules/").status_code == 403   # no role
    assert AlertRule.objects.get().enabled and AuditEntry.objects.filter(action="alert_rule.create").count() == 1


@pytest.mark.django_db(transaction=True)   # sent after commit, before the answer: a real commit
def test_a_test_message_goes_to_each_channel_and_says_how_it_went(admin, receiver):
    rule = admin.post("/api/alerts/rules/", body(receiver, channels=[
        {"type": "webhook", "url": receiver.url("/hook")}, {"type": "webhook", "url": receiver.url("/fail")},
        {"type": "email", "to": ["a@example.com", "b@example.com"]}]), format="json").json()
    response = admin.post(f"/api/alerts/rules/{rule['id']}/test/", {"reason": "checking"}, format="json")
    assert response.status_code == 200, response.content
    messages = response.json()["messages"]
    assert [(m["channel"], m["kind"], m["status"], m["response_code"]) for m in messages] == [
        ("webhook", "test", "sent", 200), ("webhook", "test", "failed", 500), ("email", "test", "sent", None)]
    [hook] = receiver.bodies("/hook")
    assert hook["status"] == "test" and hook["summary"] == "a test message from the alert rule 'Payments failing'"
    assert mail.outbox[0].to == ["a@example.com", "b@example.com"]
    assert AuditEntry.objects.get(action="alert_rule.test").reason == "checking"


def test_the_log_pages_newest_first_and_states_list_what_fires(admin, receiver):
    rule = admin.post("/api/alerts/rules/", body(receiver), format="json").json()
    made = [AlertMessage.objects.create(rule_id=rule["id"], rule_name="r", kind="firing", channel="email",
                                        target="ops@example.com", summary=f"m{i}") for i in range(5)]
    page = admin.get("/api/alerts/messages/?limit=2").json()
    assert [m["summary"] for m in page["results"]] == ["m4", "m3"] and page["next_cursor"] == str(made[3].id)
    page = admin.get(f"/api/alerts/messages/?limit=2&cursor={page['next_cursor']}").json()
    assert [m["summary"] for m in page["results"]] == ["m2", "m1"]
    page = admin.get(f"/api/alerts/messages/?limit=2&cursor={page['next_cursor']}").json()
    assert [m["summary"] for m in page["results"]] == ["m0"] and page["next_cursor"] is None
    assert admin.get("/api/alerts/messages/?cursor=x").status_code == 400
    assert admin.get(f"/api/alerts/messages/?cursor={10 ** 30}").status_code == 400
    now = timezone.now()
    AlertState.objects.create(rule_id=rule["id"], group_key="pay", status="firing", notified="firing",
                              summary="pay: 3 of 4 failed", detail={"runs": ["r1"], "console_path": "/console/runs"},
                              first_seen=now, last_seen=now, last_sent_at=now)
    AlertState.objects.create(rule_id=rule["id"], group_key="old", status="resolved", notified="resolved",
                              first_seen=now, last_seen=now)
    [firing] = admin.get("/api/alerts/states/").json()
    assert firing["group_key"] == "pay" and firing["rule_name"] == "Payments failing" and firing["runs"] == ["r1"]
    assert len(admin.get("/api/alerts/states/?status=all").json()) == 2
    assert admin.get("/api/alerts/states/?status=maybe").status_code == 400
    assert admin.get("/api/alerts/rules/").json()[0]["firing"] == 1
