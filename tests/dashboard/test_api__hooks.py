"""/api/hooks/: admins create, read, update, rotate and delete webhooks, each audited; the secret is
in the create and rotate answers only; everyone else is refused."""
import json
import time

import pytest
from rest_framework.test import APIClient

from engine.models import AuditEntry, WebhookHook
from engine.services.hooks import signature_header
from tests.support.flows import chain, publish, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db


def client_of(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def admin():
    publish("orders-in", chain(task("a")))
    return client_of(make_user("ada", "admin"))


def start(secret, n="o-1", t=None):
    raw = json.dumps({"order": {"id": n}}).encode()
    header = signature_header(secret=secret, body=raw, timestamp=int(time.time()) if t is None else t)
    return APIClient().post("/hooks/orders-in/", data=raw, content_type="application/json",
                            HTTP_FLOWDECK_SIGNATURE=header)


def create(admin, **fields):
    body = {"definition": "orders-in", "business_key_from": "body:order.id", "rate_per_minute": 30,
            "reason": "shop events", **fields}
    return admin.post("/api/hooks/", body, format="json")


def audits():
    return list(AuditEntry.objects.filter(object_type="hook").order_by("id").values_list("action", "username",
                                                                                          "changes"))


def test_create_shows_the_secret_once_and_no_read_shows_it_again(admin):
    created = create(admin)
    assert created.status_code == 201, created.json()
    body = created.json()
    secret = body["secret"]
    assert len(secret) >= 40 and body["secret_hint"] == "..." + secret[-4:]
    assert body["url"] == "http://testserver/hooks/orders-in/" and body["key"] == "orders-in"
    assert body["business_key_from"] == "body:order.id" and body["rate_per_minute"] == 30 and body["enabled"]
    assert body["created_by"] == "ada" and body["last_delivery_at"] is None
    listed = admin.get("/api/hooks/")
    detail = admin.get("/api/hooks/orders-in/")
    assert listed.status_code == 200 and [h["key"] for h in listed.json()] == ["orders-in"]
    for read in (listed, detail):
        assert secret not in read.content.decode() and "secret" not in (read.json()[0] if isinstance(
            read.json(), list) else read.json())
    assert audits() == [("hook.create", "ada", {"business_key_from": "body:order.id", "rate_per_minute": 30,
                                                 "enabled": True})]
    assert secret not in json.dumps(audits())
    assert start(secret).status_code == 201       # the secret shown is the one that signs
    assert admin.get("/api/hooks/orders-in/").json()["last_outcome"] == "started"
    [delivery] = admin.get("/api/hooks/orders-in/deliveries/").json()
    assert delivery["outcome"] == "started" and delivery["business_key"] == "o-1" and delivery["run_id"]


@pytest.mark.parametrize("fields, status, says", [
    ({"definition": "nope"}, 404, "no definition with key 'nope'"),
    ({"business_key_from": "header:bad name"}, 400, "business_key_from must be"),
    ({"business_key_from": "body:foo("}, 400, "does not parse"),
    ({"business_key_from": "order.id"}, 400, "business_key_from must be"),
    ({"rate_per_minute": 0}, 400, "rate_per_minute"),
])
def test_create_refuses_bad_fields(admin, fields, status, says):
    response = create(admin, **fields)
    assert response.status_code == status and says in response.json()["detail"], response.json()
    assert not WebhookHook.objects.exists() and audits() == []


def test_one_hook_per_definition(admin):
    assert create(admin).status_code == 201
    again = create(admin)
    assert again.status_code == 409 and "already has a webhook" in again.json()["detail"]


def test_update_is_audited_with_before_and_after(admin):
    secret = create(admin).json()["secret"]
    response = admin.patch("/api/hooks/orders-in/", {"enabled": False, "rate_per_minute": 30, "reason": "pause"},
                           format="json")
    assert response.status_code == 200 and response.json()["enabled"] is False
    assert audits()[-1] == ("hook.update", "ada", {"enabled": [True, False]})   # the unchanged rate is not listed
    assert start(secret).status_code == 404
    assert admin.patch("/api/hooks/orders-in/", {"business_key_from": "header:X-Id"}, format="json").json()[
        "business_key_from"] == "header:X-Id"
    assert admin.patch("/api/hooks/nope/", {"enabled": True}, format="json").status_code == 404


def test_rotate_returns_a_new_secret_once_and_the_old_one_stops_working(admin):
    old = create(admin).json()["secret"]
    rotated = admin.post("/api/hooks/orders-in/rotate/", {"reason": "leaked"}, format="json")
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new != old and new not in admin.get("/api/hooks/").content.decode()
    assert start(old).status_code == 401 and start(new).status_code == 201
    # With a grace period the old one is still accepted meanwhile.
    kept = admin.post("/api/hooks/orders-in/rotate/", {"keep_previous_for": 3600}, format="json").json()
    assert kept["previous_secret_valid_until"] and kept["secret"] != new
    assert start(new, "o-2").status_code == 201 and start(kept["secret"], "o-3").status_code == 201
    assert [a[0] for a in audits()] == ["hook.create", "hook.rotate_secret", "hook.rotate_secret"]
    assert audits()[1][2] == {"keep_previous_for": 0} and audits()[2][2] == {"keep_previous_for": 3600}
    assert all(s not in json.dumps(audits()) for s in (old, new, kept["secret"]))
    too_long = admin.post("/api/hooks/orders-in/rotate/", {"keep_previous_for": 10**6}, format="json")
    assert too_long.status_code == 400


def test_delete_is_audited_and_the_runs_stay(admin):
    secret = create(admin).json()["secret"]
    run_id = start(secret).json()["run_id"]
    response = admin.delete("/api/hooks/orders-in/", {"reason": "moved to queue"}, format="json")
    assert response.status_code == 204
    assert audits()[-1] == ("hook.delete", "ada", {"deliveries": 1})
    assert admin.get("/api/hooks/orders-in/").status_code == 404
    assert start(secret, "o-2").status_code == 404
    assert admin.get(f"/api/runs/{run_id}/").status_code == 200


def test_only_admins_may_see_or_change_hooks(admin):
    secret = create(admin).json()["secret"]
    for roles in (("operator", "designer"), ("viewer",)):
        other = client_of(make_user("-".join(roles), *roles))
        for response in (other.get("/api/hooks/"), other.get("/api/hooks/orders-in/"),
                         other.get("/api/hooks/orders-in/deliveries/"),
                         other.post("/api/hooks/", {"definition": "orders-in"}, format="json"),
                         other.patch("/api/hooks/orders-in/", {"enabled": False}, format="json"),
                         other.post("/api/hooks/orders-in/rotate/", {}, format="json"),
                         other.delete("/api/hooks/orders-in/", {}, format="json")):
            assert response.status_code == 403, (roles, response.request["PATH_INFO"])
            assert secret not in response.content.decode()
    assert APIClient().get("/api/hooks/").status_code == 401
    assert WebhookHook.objects.get().enabled and [a[0] for a in audits()] == ["hook.create"]


def test_the_django_admin_shows_hooks_and_deliveries_without_secrets(admin, client):
    secret = create(admin).json()["secret"]
    assert start(secret).status_code == 201
    staff = make_user("root")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    hook_id = WebhookHook.objects.get().id
    for path in ("/admin/engine/webhookhook/", f"/admin/engine/webhookhook/{hook_id}/change/",
                 "/admin/engine/webhookdelivery/"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert secret not in page.content.decode()
    assert client.post(f"/admin/engine/webhookhook/{hook_id}/delete/", {"post": "yes"}).status_code == 403
    assert WebhookHook.objects.filter(pk=hook_id).exists()
