"""The Django admin: a rule is checked as the API checks it and audited; the alert log is read-only."""
import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from alerts.models import AlertMessage, AlertRule
from engine.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password="pw"))
    return client


def form(**over):
    return {"name": "Stuck orders", "kind": "stuck", "params": json.dumps({"older_than_seconds": 600}),
            "definition_key": "", "channels": json.dumps([{"type": "email", "to": ["ops@example.com"]}]),
            "repeat_interval_seconds": "3600", "enabled": "on", **over}


def test_a_rule_made_in_the_admin_is_checked_and_audited(admin_client, settings):
    settings.FLOWDECK_ALERT_ALLOWED_HOSTS = ["hooks.slack.com"]
    refused = admin_client.post("/admin/alerts/alertrule/add/", form(
        channels=json.dumps([{"type": "webhook", "url": "http://169.254.169.254/latest"}])))
    assert refused.status_code == 200 and "FLOWDECK_ALERT_ALLOWED_HOSTS" in refused.content.decode()
    assert not AlertRule.objects.exists()
    response = admin_client.post("/admin/alerts/alertrule/add/", form())
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = AlertRule.objects.get()
    assert rule.params == {"older_than_seconds": 600} and rule.created_by.username == "root"
    entry = AuditEntry.objects.get(action="alert_rule.create")
    assert entry.object_id == str(rule.id) and entry.username == "root"


def test_the_alert_log_is_read_only_in_the_admin(admin_client):
    message = AlertMessage.objects.create(rule_name="r", kind="firing", channel="email", target="a@example.com")
    assert admin_client.get("/admin/alerts/alertmessage/").status_code == 200
    assert admin_client.get("/admin/alerts/alertmessage/add/").status_code == 403
    page = admin_client.get(f"/admin/alerts/alertmessage/{message.id}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
