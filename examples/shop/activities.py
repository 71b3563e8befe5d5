"""The order saga's activities: each one HTTP call to the demo shop.

Every call carries ``Idempotency-Key: ctx.idempotency_key`` (stable across the
step's attempts), so a retry after a timeout, a dropped connection or a
killed worker replays the shop's first answer instead of charging twice.
Business refusals raise ``ActivityError`` named by the shop's error type
(``CardDeclined``, ``OutOfStock``, ...; the definition lists them as
non-retryable); transport errors and 5xx raise retryable ``ShopUnavailable``.
"""
from __future__ import annotations

import threading

import httpx
from django.conf import settings

from engine import tracing
from engine.activities import ActivityError, activity

TIMEOUT = httpx.Timeout(5.0, connect=2.0)
_client: httpx.Client | None = None
_client_lock = threading.Lock()


def shop_client() -> httpx.Client:
    """One pooled, thread-safe client per process, made on first use (after any fork)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(base_url=settings.FLOWDECK_SHOP_URL, timeout=TIMEOUT,
                                   limits=httpx.Limits(max_connections=64, max_keepalive_connections=16))
        return _client


def shop_call(ctx, path: str, body: dict) -> dict:
    """POST ``body`` to the shop; the parsed answer, or an ActivityError."""
    try:
        # The step's span travels with the call (a W3C traceparent, when tracing is on).
        headers = tracing.inject({"Idempotency-Key": ctx.idempotency_key})
        response = shop_client().post(path, json=body, headers=headers)
    except httpx.TimeoutException as exc:
        raise ActivityError(f"POST {path}: no answer within the timeout ({type(exc).__name__})",
                            error_type="ShopUnavailable")
    except httpx.HTTPError as exc:
        raise ActivityError(f"POST {path}: {type(exc).__name__}: {exc}", error_type="ShopUnavailable")
    try:
        payload = response.json()
    except ValueError:
        payload = {"message": response.text[:500]}
    if response.status_code >= 500:
        raise ActivityError(f"POST {path} answered {response.status_code}: {payload.get('message', '')}",
                            error_type="ShopUnavailable", details={"status": response.status_code, **payload})
    if response.status_code >= 400:
        raise ActivityError(payload.get("message") or f"POST {path} answered {response.status_code}",
                            error_type=payload.get("error") or "ShopRejected",
                            details={"status": response.status_code, **payload})
    return payload


def _schema(required: dict, optional: dict | None = None) -> dict:
    return {"type": "object", "required": sorted(required), "properties": {**required, **(optional or {})}}


STR = {"type": "string", "minLength": 1}
CENTS = {"type": "integer", "minimum": 1}
ITEMS = {"type": "array", "minItems": 1, "items": _schema({"sku": STR, "qty": {"type": "integer", "minimum": 1}})}


@activity("shop.charge_payment", description="Charge the customer's card (payments service).",
          input_schema=_schema({"order_id": STR, "amount_cents": CENTS, "currency": STR}),
          output_schema=_schema({"charge_id": STR, "amount_cents": CENTS, "status": STR}))
def charge_payment(ctx, data):
    return shop_call(ctx, "/payments/charges", {k: data.get(k) for k in ("order_id", "amount_cents", "currency")})


@activity("shop.refund_payment", description="Refund a charge in full (payments service).",
          input_schema=_schema({"charge_id": STR}, {"order_id": STR}),
          output_schema=_schema({"refund_id": STR, "charge_id": STR}))
def refund_payment(ctx, data):
    return shop_call(ctx, f"/payments/charges/{data['charge_id']}/refund", {"order_id": data.get("order_id")})


@activity("shop.reserve_inventory", description="Hold stock for every item of the order (inventory service).",
          input_schema=_schema({"order_id": STR, "items": ITEMS}),
          output_schema=_schema({"reservation_id": STR, "status": STR}))
def reserve_inventory(ctx, data):
    return shop_call(ctx, "/inventory/reservations", {"order_id": data.get("order_id"), "items": data.get("items")})


@activity("shop.reserve_line", description="Hold stock for one line item of the order (inventory service): the "
                                           "per-line saga maps it over the order's items.",
          input_schema=_schema({"order_id": STR, "sku": STR, "qty": {"type": "integer", "minimum": 1}}),
          output_schema=_schema({"reservation_id": STR, "status": STR}))
def reserve_line(ctx, data):
    return shop_call(ctx, "/inventory/reservations", {"order_id": data.get("order_id"),
                                                      "items": [{"sku": data.get("sku"), "qty": data.get("qty")}]})


@activity("shop.release_inventory", description="Release a reservation (inventory service).",
          input_schema=_schema({"reservation_id": STR}, {"order_id": STR}),
          output_schema=_schema({"reservation_id": STR, "status": STR}))
def release_inventory(ctx, data):
    return shop_call(ctx, f"/inventory/reservations/{data['reservation_id']}/release",
                     {"order_id": data.get("order_id")})


@activity("shop.schedule_shipping", description="Book a shipment of the reserved items (shipping service).",
          input_schema=_schema({"order_id": STR, "reservation_id": STR, "address": {"type": "object"}}),
          output_schema=_schema({"shipment_id": STR, "status": STR}))
def schedule_shipping(ctx, data):
    return shop_call(ctx, "/shipping/shipments", {k: data.get(k) for k in ("order_id", "reservation_id", "address")})


@activity("shop.cancel_shipping", description="Cancel a booked shipment (shipping service).",
          input_schema=_schema({"shipment_id": STR}, {"order_id": STR}),
          output_schema=_schema({"shipment_id": STR, "status": STR}))
def cancel_shipping(ctx, data):
    return shop_call(ctx, f"/shipping/shipments/{data['shipment_id']}/cancel", {"order_id": data.get("order_id")})


@activity("shop.send_confirmation", description="Email the order confirmation (email service).",
          input_schema=_schema({"order_id": STR, "to": STR}, {"charge_id": STR, "shipment_id": STR}),
          output_schema=_schema({"message_id": STR}))
def send_confirmation(ctx, data):
    return shop_call(ctx, "/email/messages", {
        "order_id": data.get("order_id"), "to": data.get("to"),
        "subject": f"Order {data.get('order_id')} confirmed: shipment {data.get('shipment_id')}"})


@activity("shop.fraud_check", description="Score the order for fraud; returns a verdict (accept or reject).",
          input_schema=_schema({"order_id": STR, "email": STR, "amount_cents": CENTS}),
          output_schema=_schema({"verdict": {"enum": ["accept", "reject"]}, "score": {"type": "number"}}))
def fraud_check(ctx, data):
    return shop_call(ctx, "/fraud/checks", {k: data.get(k) for k in ("order_id", "email", "amount_cents")})
