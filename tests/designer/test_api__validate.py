"""POST /api/definitions/<key>/validate/: a checked spec is 200 (valid or not); a malformed request is 4xx."""
import json

import pytest
from rest_framework.test import APIClient

from tests.support.flows import chain, node, task
from tests.support.users import make_user

pytestmark = pytest.mark.django_db

GOOD = chain(task("charge", activity="flowdeck.noop"))
URL = "/api/definitions/orders/validate/"


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(make_user("vera", "viewer"))   # checking changes nothing: viewers may
    designer = APIClient()
    designer.force_authenticate(make_user("dana", "designer"))
    assert designer.post("/api/definitions/", {"key": "orders", "name": "Orders", "spec": GOOD},
                         format="json").status_code == 201
    return client


def test_a_valid_spec_is_valid(api):
    response = api.post(URL, {"spec": GOOD}, format="json")
    assert response.status_code == 200 and response.json() == {"valid": True, "errors": []}


def test_an_invalid_spec_is_answered_200_with_every_problem(api):
    spec = chain(task("charge", activity="shop.nope"), node("ship", "task"))   # unknown; no activity
    response = api.post(URL, {"spec": spec}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["valid"] is False
    assert {(e["code"], e["node_id"]) for e in body["errors"]} >= {("spec.E013", "charge"), ("spec.E001", "ship")}
    assert all(set(e) >= {"code", "message", "node_id", "edge_id", "path"} for e in body["errors"])


@pytest.mark.parametrize("body", [
    "not json", "{", "[]", "5", '"spec"', "null", json.dumps({}), json.dumps({"spek": GOOD}),
    json.dumps({"spec": None}), json.dumps({"spec": ["nodes"]}), json.dumps({"spec": "x"}), json.dumps({"spec": 1}),
], ids=["text", "truncated", "array", "number", "string", "null", "no-spec", "misspelt", "spec-null", "spec-array",
        "spec-string", "spec-number"])
def test_a_malformed_request_is_4xx_with_errors(api, body):
    response = api.post(URL, body, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    answer = response.json()
    assert answer["code"] and answer["detail"] and answer["errors"], answer
    assert "valid" not in answer


def test_an_unknown_definition_is_404(api):
    assert api.post("/api/definitions/nope/validate/", {"spec": GOOD}, format="json").status_code == 404
