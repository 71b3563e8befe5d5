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


def test_healthz_says_which_part_is_down(settings, monkeypatch):
    import dramatiq

    class DownBroker:
        class client:
            @staticmethod
            def ping():
                raise ConnectionError("redis unreachable")
    monkeypatch.setattr(dramatiq, "get_broker", lambda: DownBroker)
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["database"]["ok"] and body["channel_layer"]["ok"]
    assert body["broker"] == {"ok": False, "error": "ConnectionError: redis unreachable"}
