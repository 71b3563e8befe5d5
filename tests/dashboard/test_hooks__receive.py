"""POST /hooks/<key>/: a request signed with the hook's secret starts a run, once per business key;
unsigned, forged, stale and replayed requests, disabled hooks, bad bodies and floods are refused
with their own 4xx and start nothing."""
import json
import time

import pytest
from rest_framework.test import APIClient

from engine.models import WebhookDelivery, WorkflowRun
from engine.services.hooks import hook_create, hook_update, signature_header
from tests.support.flows import chain, publish, task

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook():
    publish("orders-in", chain(task("a")))
    made, secret = hook_create(definition_key="orders-in", business_key_from="body:order.id")
    return made, secret


def send(raw, *, secret=None, t=None, header=None, key="orders-in", **headers):
    """POST ``raw`` (bytes, or a value sent as JSON) signed with ``secret`` at ``t``, or with ``header`` as given."""
    raw = raw if isinstance(raw, bytes) else json.dumps(raw).encode()
    if header is None and secret is not None:
        header = signature_header(secret=secret, body=raw, timestamp=int(time.time()) if t is None else t)
    if header is not None:
        headers["HTTP_FLOWDECK_SIGNATURE"] = header
    # No session and CSRF enforced: the signature alone must be enough.
    return APIClient(enforce_csrf_checks=True).post(f"/hooks/{key}/", data=raw, content_type="application/json",
                                                    **headers)


def order(n="o-1", **extra):
    return {"order": {"id": n, "amount_cents": 1200, **extra}}


def test_a_signed_start_is_201_and_its_business_key_again_is_200_with_the_same_run(hook):
    _, secret = hook
    first = send(order(), secret=secret)
    assert first.status_code == 201, first.json()
    assert first.json()["created"] is True and first.json()["business_key"] == "o-1"
    run = WorkflowRun.objects.get(pk=first.json()["run_id"])
    assert run.business_key == "o-1" and run.input == order() and run.definition.key == "orders-in"
    # The sender retries (a new signature, a new time): the same run, not a second one.
    again = send(order(note="retry"), secret=secret, t=int(time.time()) + 1)
    assert again.status_code == 200 and again.json() == {"run_id": str(run.id), "created": False,
                                                         "business_key": "o-1"}
    assert WorkflowRun.objects.filter(definition__key="orders-in").count() == 1
    assert list(WebhookDelivery.objects.order_by("id").values_list("outcome", "run_id")) == \
        [("started", run.id), ("existing", run.id)]


def test_the_same_signed_request_again_is_a_409_replay(hook):
    _, secret = hook
    raw = json.dumps(order()).encode()
    header = signature_header(secret=secret, body=raw, timestamp=int(time.time()))
    assert send(raw, header=header).status_code == 201
    replay = send(raw, header=header)
    assert replay.status_code == 409 and replay.json()["code"] == "hook.replayed"
    assert "replayed" in replay.json()["detail"]
    # Dropping the header's other parts changes nothing: what was signed was seen.
    assert send(raw, header=header.split(",")[0] + "," + header.split(",")[1] + ",v0=x").status_code == 409
    assert WorkflowRun.objects.count() == 1 and WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize("header, code, says", [
    (None, "hook.signature_missing", "no Flowdeck-Signature header"),
    ("", "hook.signature_missing", "no Flowdeck-Signature header"),
    ("sha256=abc", "hook.signature_malformed", "has no t="),
    ("t=123", "hook.signature_malformed", "has no v1= signature"),
    ("t=soon,v1=" + "0" * 64, "hook.signature_malformed", "whole unix seconds"),
    ("t=1,v1=XYZ", "hook.signature_malformed", "64 lowercase hex digits"),
    ("garbage", "hook.signature_malformed", "not name=value"),
    ("t=1," * 400, "hook.signature_malformed", "longer than"),
])
def test_unsigned_or_malformed_is_401_saying_what_is_wrong(hook, header, code, says):
    response = send(order(), header=header)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == code and says in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Flowdeck-Signature")
    assert WorkflowRun.objects.count() == 0 and WebhookDelivery.objects.count() == 0


def test_a_bad_signature_is_401(hook):
    _, secret = hook
    wrong = send(order(), secret="not-the-secret")
    assert wrong.status_code == 401 and wrong.json()["code"] == "hook.signature_mismatch"
    raw = json.dumps(order()).encode()
    t = int(time.time())
    tampered = send(raw.replace(b"1200", b"9999"), header=signature_header(secret=secret, body=raw, timestamp=t))
    assert tampered.status_code == 401 and tampered.json()["code"] == "hook.signature_mismatch"
    shifted = send(raw, header=signature_header(secret=secret, body=raw, timestamp=t).replace(f"t={t}", f"t={t + 1}"))
    assert shifted.status_code == 401
    assert WorkflowRun.objects.count() == 0 and WebhookDelivery.objects.count() == 0


@pytest.mark.parametrize("offset", [-301, 400])
def test_a_timestamp_outside_the_tolerance_is_401_too_old(hook, offset):
    _, secret = hook
    response = send(order(), secret=secret, t=int(time.time()) + offset)
    assert response.status_code == 401 and response.json()["code"] == "hook.signature_expired"
    assert "too old, or a replay" in response.json()["detail"] and "tolerance 300 s" in response.json()["detail"]
    assert WorkflowRun.objects.count() == 0


def test_past_the_rate_it_is_429_with_retry_after(hook):
    _, secret = hook
    hook_update(key="orders-in", rate_per_minute=2)
    assert [send(order(f"o-{n}"), secret=secret).status_code for n in range(2)] == [201, 201]
    limited = send(order("o-3"), secret=secret)
    assert limited.status_code == 429 and limited.json()["code"] == "hook.rate_limited"
    assert "2 requests a minute" in limited.json()["detail"]
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert WorkflowRun.objects.count() == 2
    # Forgeries are refused before the limit: they cannot spend a sender's rate.
    assert send(order("o-4"), secret="forged").status_code == 401


def test_a_disabled_or_unknown_hook_is_404(hook):
    _, secret = hook
    hook_update(key="orders-in", enabled=False)
    disabled = send(order(), secret=secret)
    assert disabled.status_code == 404 and disabled.json()["detail"] == "no enabled webhook for 'orders-in'"
    assert send(order(), secret=secret, key="no-such-flow").status_code == 404
    assert WorkflowRun.objects.count() == 0


@pytest.mark.parametrize("raw, says, code", [
    (b"[1, 2]", "must be a JSON object, not an array", "engine.invalid_input"),
    (b'"text"', "must be a JSON object, not a string", "engine.invalid_input"),
    (b"{not json", "the body is not JSON", "body.not_json"),
    (b'{"order": {"id": NaN}}', "NaN is not a JSON number", "body.not_json"),
    (b"[" * 200 + b"]" * 200, "nested 200 levels deep", "body.too_deep"),
    (b"", "the body is not JSON", "body.not_json"),
    (json.dumps({"order": {"amount_cents": 5}}).encode(), "no business key: the body at 'order.id' is missing",
     "engine.invalid_input"),
    (json.dumps({"order": {"id": ["a"]}}).encode(), "must be a string or an integer, not list", "engine.invalid_input"),
    (json.dumps({"order": {"id": "o-1"}, "pad": "x" * 300_000}).encode(), "the limit is", "engine.invalid_input"),
])
def test_a_signed_body_that_cannot_start_a_run_is_400_and_recorded(hook, raw, says, code):
    _, secret = hook
    response = send(raw, secret=secret)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "engine.invalid_input" and says in response.json()["detail"]
    assert response.json()["errors"][0]["code"] == code
    assert WorkflowRun.objects.count() == 0
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.outcome == "refused" and says in delivery.detail and delivery.run_id is None


def test_a_business_key_from_a_header(hook):
    _, secret = hook
    hook_update(key="orders-in", business_key_from="header:X-Request-Id")
    missing = send(order(), secret=secret)
    assert missing.status_code == 400 and "the X-Request-Id header is missing" in missing.json()["detail"]
    ok = send(order(), secret=secret, t=int(time.time()) - 1, HTTP_X_REQUEST_ID="req-7")
    assert ok.status_code == 201 and ok.json()["business_key"] == "req-7"


def test_a_body_over_the_limit_is_413_before_anything_else(hook, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = send({"pad": "x" * 2000}, header="unchecked")
    assert response.status_code == 413 and response.json()["code"] == "body.too_large"


def test_the_route_is_the_hooks_not_the_browser_app(hook):
    assert APIClient().get("/hooks/orders-in/").status_code == 405
    assert b"<html" not in APIClient().get("/hooks/orders-in/").content.lower()
