"""/healthz: database, broker and channel layer, each reported on its own."""
import time

from asgiref.sync import async_to_sync
from django.db import connection
from django.http import JsonResponse


def _check(fn):
    started = time.perf_counter()
    try:
        fn()
    except Exception as exc:  # a health check reports, it never raises
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _database():
    with connection.cursor() as cur:
        cur.execute("SELECT 1")


def _broker():
    import dramatiq
    broker = dramatiq.get_broker()
    if hasattr(broker, "client"):
        broker.client.ping()
    else:  # RabbitMQ: opening a channel proves the connection
        broker.channel  # noqa: B018


def _channel_layer():
    from channels.layers import get_channel_layer
    layer = get_channel_layer()

    async def roundtrip():
        name = await layer.new_channel()
        await layer.send(name, {"type": "health.ping"})
        msg = await layer.receive(name)
        assert msg["type"] == "health.ping"
    async_to_sync(roundtrip)()


def healthz(request):
    checks = {"database": _check(_database), "broker": _check(_broker), "channel_layer": _check(_channel_layer)}
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse({"ok": ok, **checks}, status=200 if ok else 503)
