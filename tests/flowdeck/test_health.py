import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_broker_and_channel_layer_separately():
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["ok"] is True
    assert {k: v["ok"] for k, v in body.items() if k != "ok"} == {"database": True, "broker": True,
                                                                  "channel_layer": True}


def test_healthz_says_which_part_is_down(monkeypatch):
    import dramatiq
    from dramatiq.brokers.redis import RedisBroker
    dead = RedisBroker(url="redis://127.0.0.1:1/0")  # a real broker, nothing listening
    monkeypatch.setattr(dramatiq, "get_broker", lambda: dead)
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["database"]["ok"] and body["channel_layer"]["ok"]
    assert body["broker"]["ok"] is False and "ConnectionError" in body["broker"]["error"]
