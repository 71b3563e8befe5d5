"""GET /api/node-types/: the registry as the designer reads it; its never-retried errors are
exactly what the engine's retry decision refuses to retry, per node type."""
import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from engine import nodes, protocol

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    c = APIClient()
    c.force_authenticate(get_user_model().objects.create_superuser("d", password="x"))
    return c


def test_every_registered_type_with_its_defaults(client):
    body = client.get("/api/node-types/").json()
    assert [t["type"] for t in body] == list(nodes.NODE_TYPES)
    by_type = {t["type"]: t for t in body}
    assert by_type["task"]["defaults"]["timeout"] == 300 and by_type["join"]["defaults"] == {"mode": "all"}
    assert [t["type"] for t in body if t["runs_activity"]] == ["task", "http"]


@pytest.mark.parametrize("kind", ["task", "http"])
def test_the_errors_listed_as_never_retried_are_never_retried(client, kind):
    listed = {e["type"] for e in {t["type"]: t for t in client.get("/api/node-types/").json()}[kind]["final_errors"]}
    node = {"type": kind, "retry": {"max_attempts": 10}}
    for error_type in listed:
        assert protocol.retry_decide(node, attempt=1, error_type=error_type).retry is False, error_type
    # and every error type the engine never retries that an attempt of this type can meet is listed
    assert listed <= protocol.ALWAYS_FINAL
    assert protocol.retry_decide(node, attempt=1, error_type="Timeout").retry is True
    if kind == "http":
        assert {"HttpClientError", "HostNotAllowed"} <= listed and "OutputSchemaError" not in listed
    else:
        assert "OutputSchemaError" in listed and "HttpClientError" not in listed
