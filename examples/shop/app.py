"""The shop's WSGI application: routing, faults, idempotency, JSON.

| method and path | endpoint |
|---|---|
| ``POST /payments/charges`` | charge |
| ``POST /payments/charges/<id>/refund`` | refund |
| ``POST /inventory/reservations`` | reserve |
| ``POST /inventory/reservations/<id>/release`` | release |
| ``POST /shipping/shipments`` | ship |
| ``POST /shipping/shipments/<id>/cancel`` | cancel_shipment |
| ``POST /email/messages`` | email |
| ``POST /fraud/checks`` | fraud |
| ``GET /faults``, ``PUT /faults`` (all), ``PUT /faults/<endpoint>``, ``DELETE /faults`` | fault configuration |
| ``GET /orders/<order_id>`` | what the ledgers hold about an order |
| ``GET /healthz`` | liveness |

Every ``POST`` needs an ``Idempotency-Key`` header; a replayed answer carries
``Idempotent-Replayed: true``. Errors are ``{"error": Type, "message": ...}``.
"""
from __future__ import annotations

import json
import logging
import os
import re
import time

import psycopg
import psycopg_pool

from examples.shop import services, store
from examples.shop.faults import FaultConfigError, Faults, configs_clean, config_clean, plan_for

log = logging.getLogger("shop")
CRASH_EXIT_CODE = 70
MAX_BODY = 256 * 1024

ROUTES = [
    ("POST", re.compile(r"^/payments/charges$"), "charge"),
    ("POST", re.compile(r"^/payments/charges/(?P<id>[\w-]+)/refund$"), "refund"),
    ("POST", re.compile(r"^/inventory/reservations$"), "reserve"),
    ("POST", re.compile(r"^/inventory/reservations/(?P<id>[\w-]+)/release$"), "release"),
    ("POST", re.compile(r"^/shipping/shipments$"), "ship"),
    ("POST", re.compile(r"^/shipping/shipments/(?P<id>[\w-]+)/cancel$"), "cancel_shipment"),
    ("POST", re.compile(r"^/email/messages$"), "email"),
    ("POST", re.compile(r"^/fraud/checks$"), "fraud"),
]
STATUS_TEXT = {200: "OK", 201: "Created", 400: "Bad Request", 402: "Payment Required", 404: "Not Found",
               409: "Conflict", 405: "Method Not Allowed", 422: "Unprocessable Entity",
               503: "Service Unavailable"}


def _die() -> None:
    """The "crash after the side effect" fault: the process ends at once, every
    open connection drops unanswered; the supervisor starts a new server."""
    os._exit(CRASH_EXIT_CODE)


class ShopApp:
    def __init__(self, pool: psycopg_pool.ConnectionPool, faults: Faults, *, die=_die, sleep=time.sleep):
        self.pool, self.faults, self._die, self._sleep = pool, faults, die, sleep

    def __call__(self, environ, start_response):
        try:
            status, body, headers = self.handle(environ)
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
            log.warning("database unavailable: %s", exc)
            status, body, headers = 503, {"error": "DatabaseUnavailable", "message": str(exc)[:300]}, {}
        except Exception as exc:  # a bug: answer 500, keep serving
            log.exception("unhandled error")
            status, body, headers = 500, {"error": "InternalError", "message": str(exc)[:300]}, {}
        payload = json.dumps(body).encode()
        start_response(f"{status} {STATUS_TEXT.get(status, 'Error')}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
                        *headers.items()])
        return [payload]

    # -- dispatch -------------------------------------------------------------

    def handle(self, environ) -> tuple[int, dict, dict]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        if path == "/healthz":
            return 200, {"ok": True, "pid": os.getpid()}, {}
        if path == "/faults" or path.startswith("/faults/"):
            return self.faults_view(method, path, environ)
        if path.startswith("/orders/") and method == "GET":
            with self.pool.connection() as conn:
                return 200, services.order_ledger(conn, path[len("/orders/"):]), {}
        for route_method, pattern, endpoint in ROUTES:
            match = pattern.match(path)
            if match:
                if method != route_method:
                    return 405, {"error": "MethodNotAllowed", "message": f"use {route_method}"}, {}
                return self.mutate(endpoint, match.groupdict().get("id"), environ)
        return 404, {"error": "NotFound", "message": f"no route {method} {path}"}, {}

    def mutate(self, endpoint: str, path_id: str | None, environ) -> tuple[int, dict, dict]:
        key = environ.get("HTTP_IDEMPOTENCY_KEY", "").strip()
        if not key or len(key) > 255:
            return 400, {"error": "IdempotencyKeyRequired", "message": "send an Idempotency-Key header"}, {}
        try:
            body = _read_json(environ)
            validate, effect, id_field = services.ENDPOINTS[endpoint]
            if id_field:
                body = {**body, id_field: path_id}
            validate(body)
        except services.BadRequest as exc:
            return 400, {"error": "BadRequest", "message": str(exc)}, {}
        config = self.faults.for_endpoint(endpoint)
        plan = plan_for(config)
        if plan.latency:
            self._sleep(plan.latency)
        if plan.hang:
            self._sleep(plan.hang)
            return 503, {"error": "Hung", "message": f"no answer for {plan.hang}s (injected)"}, {}
        if plan.fail or self.faults.flaky(endpoint, body.get("order_id")):
            return 503, {"error": "InjectedFailure", "message": f"{endpoint} failed (injected)"}, {}
        try:
            with self.pool.connection() as conn:
                response = store.idempotent(conn, endpoint=endpoint, key=key, body=body,
                                            effect=lambda c: effect(c, body, key=key, config=config),
                                            traceparent=environ.get("HTTP_TRACEPARENT", "")[:100] or None)
        except store.KeyReused as exc:
            return 422, {"error": "IdempotencyKeyReused", "message": str(exc)}, {}
        if plan.crash and not response.replayed:
            log.warning("crashing after %s (key %s): injected", endpoint, key)
            self._die()
        return response.status, response.body, ({"Idempotent-Replayed": "true"} if response.replayed else {})

    def faults_view(self, method: str, path: str, environ) -> tuple[int, dict, dict]:
        endpoint = path[len("/faults/"):] if path.startswith("/faults/") else None
        if method == "GET":
            return 200, self.faults.all(), {}
        try:
            if method == "DELETE" and endpoint is None:
                configs = {}
            elif method == "PUT" and endpoint is None:
                configs = configs_clean(_read_json(environ))
            elif method == "PUT":
                configs = {**self.faults.all(), endpoint: config_clean(endpoint, _read_json(environ))}
            else:
                return 405, {"error": "MethodNotAllowed", "message": "GET, PUT or DELETE"}, {}
        except (FaultConfigError, services.BadRequest) as exc:
            return 400, {"error": "BadFaultConfig", "message": str(exc)}, {}
        with self.pool.connection() as conn:
            store.faults_save(conn, configs)  # survives a restart of the server (crash faults)
        self.faults.replace(configs)
        return 200, configs, {}


def _read_json(environ) -> dict:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise services.BadRequest("request body too large")
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        body = json.loads(raw or b"{}")
    except ValueError as exc:
        raise services.BadRequest(f"the body is not JSON: {exc}")
    if not isinstance(body, dict):
        raise services.BadRequest("the body must be a JSON object")
    return body
