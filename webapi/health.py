"""/healthz: database, broker, channel layer, workers and scheduler, each reported on its own.

Workers and the scheduler are read from their liveness beats (engine.selectors.processes),
so with the database down they are not asked again: the answer stays quick."""
import time

from asgiref.sync import async_to_sync
from django.db import connection
from django.http import JsonResponse

from engine.selectors import health_summary


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
    from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers
    # A layer of its own: the shared one's receive lock belongs to the consoles' event loop,
    # and this probe may run on another (a sync request outside daphne).
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)

    async def roundtrip():
        try:
            name = await layer.new_channel()
            await layer.send(name, {"type": "health.ping"})
            msg = await layer.receive(name)
            assert msg["type"] == "health.ping"
        finally:
            if hasattr(layer, "close_pools"):
                await layer.close_pools()
    async_to_sync(roundtrip)()


def _processes(checks: dict) -> dict:
    if not checks["database"]["ok"]:
        unknown = {"ok": False, "error": "unknown: the database is unavailable"}
        return {"workers": unknown, "scheduler": dict(unknown)}
    try:
        summary = health_summary()
    except Exception as exc:  # a health check reports, it never raises
        failed = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        return {"workers": failed, "scheduler": dict(failed)}
    alerts = {a["code"]: a["text"] for a in summary["alerts"]}
    alive = [w for w in summary["workers"] if w["alive"]]
    workers = {"ok": bool(alive), "alive": len(alive), "threads": sum(w["threads"] for w in alive),
               "in_hand": sum(w["in_hand"] for w in alive),
               # Running or dead; cleanly stopped ones are history (the console's Health page lists them).
               "processes": [{k: w[k] for k in ("name", "host", "pid", "threads", "queues", "in_hand", "beat_at",
                                                  "state")} for w in summary["workers"] if w["state"] != "stopped"]}
    scheduler = {"ok": summary["scheduler"]["alive"], **{k: v for k, v in summary["scheduler"].items() if k != "alive"}}
    for entry, code in ((workers, "workers.none"), (scheduler, "scheduler.down")):
        if code in alerts:
            entry["error"] = alerts[code]
    return {"workers": workers, "scheduler": scheduler}


def healthz(request):
    checks = {"database": _check(_database), "broker": _check(_broker), "channel_layer": _check(_channel_layer)}
    # The status code says whether this web process can serve (a load balancer acts on it); a
    # missing worker or scheduler is the engine's trouble, reported as engine_ok and on its own.
    ok = all(c["ok"] for c in checks.values())
    checks.update(_processes(checks))
    engine_ok = checks["workers"]["ok"] and checks["scheduler"]["ok"]
    return JsonResponse({"ok": ok, "engine_ok": engine_ok, **checks}, status=200 if ok else 503)
