import time

import pytest
from django.db import connection
from django.test import Client

from engine.services.processes import process_beat, process_stop
from tests.support.users import make_user

pytestmark = pytest.mark.django_db


def _beat_worker_and_scheduler():
    process_beat(kind="worker", name="vm:10", host="vm", pid=10, threads=8, queues=["flowdeck"], in_hand=2,
                 threads_busy=2)
    process_beat(kind="scheduler", name="vm:11", host="vm", pid=11, threads=1,
                 info={"sweep_ms": 4.2, "lag_seconds": 0.0, "counts": {"timers": 0}})


def test_healthz_reports_each_part_separately():
    _beat_worker_and_scheduler()
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["ok"] is True and body["engine_ok"] is True
    assert {k: v["ok"] for k, v in body.items() if k not in ("ok", "engine_ok")} == {"database": True, "broker": True,
                                                                  "channel_layer": True, "workers": True,
                                                                  "scheduler": True}
    assert body["workers"]["alive"] == 1 and body["workers"]["threads"] == 8 and body["workers"]["in_hand"] == 2
    assert [(p["name"], p["pid"], p["queues"], p["state"]) for p in body["workers"]["processes"]] == [
        ("vm:10", 10, ["flowdeck"], "alive")]
    assert body["scheduler"]["sweep_ms"] == 4.2 and body["scheduler"]["last_sweep_at"]


def test_healthz_says_which_part_is_down(monkeypatch):
    import dramatiq
    from dramatiq.brokers.redis import RedisBroker
    _beat_worker_and_scheduler()
    dead = RedisBroker(url="redis://127.0.0.1:1/0")  # a real broker, nothing listening
    monkeypatch.setattr(dramatiq, "get_broker", lambda: dead)
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["database"]["ok"] and body["channel_layer"]["ok"]
    assert body["broker"]["ok"] is False and "ConnectionError" in body["broker"]["error"]


def test_healthz_says_when_no_worker_or_scheduler_is_alive():
    process_beat(kind="worker", name="vm:10", host="vm", pid=10)
    process_stop(name="vm:10")
    response = Client().get("/healthz")
    body = response.json()
    # This web process can serve (a load balancer keeps it); the engine cannot move runs.
    assert response.status_code == 200 and body["ok"] is True and body["engine_ok"] is False
    assert body["database"]["ok"] and body["broker"]["ok"] and body["channel_layer"]["ok"]
    assert body["workers"] == {"ok": False, "alive": 0, "threads": 0, "in_hand": 0, "processes": [],
                               "error": "No worker is alive (the last beat 0 s ago): no step is being executed."}
    assert body["scheduler"]["ok"] is False
    assert body["scheduler"]["error"] == ("No scheduler has swept yet: timers, retries and lease expiry "
                                          "are not running.")


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_quickly_when_the_database_is_down():
    settings_dict = connection.settings_dict
    port = settings_dict["PORT"]
    connection.close()
    settings_dict["PORT"] = 1  # a real connection attempt, nothing listening
    try:
        started = time.monotonic()
        response = Client().get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        connection.close()
        settings_dict["PORT"] = port
    body = response.json()
    assert response.status_code == 503 and elapsed < 3, elapsed
    assert body["database"]["ok"] is False and body["broker"]["ok"] and body["channel_layer"]["ok"]
    assert body["workers"] == body["scheduler"] == {"ok": False, "error": "unknown: the database is unavailable"}


def test_api_health_needs_a_login_with_a_role():
    assert Client().get("/api/health/").status_code == 401
    client = Client()
    client.force_login(make_user("h-norole"))
    assert client.get("/api/health/").status_code == 403


@pytest.mark.parametrize("role", ["viewer", "operator", "designer", "admin"])
def test_api_health_is_readable_by_every_console_role(role):
    _beat_worker_and_scheduler()
    client = Client()
    client.force_login(make_user(f"h-{role}", role))
    response = client.get("/api/health/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"now", "workers", "schedulers", "scheduler", "alerts"}
    assert body["alerts"] == []
    worker, = body["workers"]
    assert set(worker) == {"name", "kind", "host", "pid", "threads", "queues", "in_hand", "threads_busy", "info",
                           "started_at", "beat_at", "stopped_at", "alive", "state", "beat_age_seconds"}
    assert (worker["name"], worker["alive"], worker["in_hand"], worker["threads"]) == ("vm:10", True, 2, 8)
    assert body["scheduler"]["alive"] is True and body["scheduler"]["sweep_ms"] == 4.2
    assert set(body["scheduler"]) == {"alive", "last_sweep_at", "lag_seconds", "sweep_ms"}
    assert [s["name"] for s in body["schedulers"]] == ["vm:11"]


def test_api_health_alerts_name_what_is_down():
    client = Client()
    client.force_login(make_user("h-viewer", "viewer"))
    body = client.get("/api/health/").json()
    assert [a["code"] for a in body["alerts"]] == ["scheduler.down", "workers.none"]
    assert all(a["text"] and "since" in a for a in body["alerts"])


def test_api_health_is_read_only():
    client = Client()
    client.force_login(make_user("h-admin", "admin"))
    assert client.post("/api/health/", {}, content_type="application/json").status_code == 405
