"""The shop's business rules: one function per mutating endpoint.

Each runs inside ``store.idempotent``'s transaction and returns the response
to store. Business refusals (declined card, out of stock, already refunded)
are responses too, replayed like successes: the same key always gets the
same answer.
"""
from __future__ import annotations

import secrets

import psycopg
from psycopg.types.json import Jsonb

from examples.shop.store import Response

FRAUD_DOMAIN = "fraud.test"  # customers at this domain are always rejected by the fraud check


class BadRequest(ValueError):
    """The request body is malformed (400; nothing is stored)."""


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def _error(status: int, error: str, message: str, **extra) -> Response:
    return Response(status, {"error": error, "message": message, **extra})


def _text(body: dict, field: str, *, max_len: int = 200) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise BadRequest(f"{field} must be a non-empty string")
    return value


def _positive_int(body: dict, field: str) -> int:
    value = body.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BadRequest(f"{field} must be a positive integer")
    return value


def _items(body: dict) -> list[dict]:
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise BadRequest("items must be a non-empty list")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise BadRequest("each item must be an object with sku and qty")
        out.append({"sku": _text(item, "sku", max_len=64), "qty": _positive_int(item, "qty")})
    return out


# -- validation (before any fault or claim) ---------------------------------

def charge_validate(body: dict) -> None:
    _text(body, "order_id"), _positive_int(body, "amount_cents"), _text(body, "currency", max_len=3)


def reserve_validate(body: dict) -> None:
    _text(body, "order_id"), _items(body)


def ship_validate(body: dict) -> None:
    _text(body, "order_id"), _text(body, "reservation_id")
    if not isinstance(body.get("address"), dict):
        raise BadRequest("address must be an object")


def email_validate(body: dict) -> None:
    _text(body, "order_id"), _text(body, "to", max_len=320)


def fraud_validate(body: dict) -> None:
    _text(body, "order_id"), _text(body, "email", max_len=320), _positive_int(body, "amount_cents")


def by_id_validate(field: str):
    return lambda body: _text(body, field)


# -- effects -----------------------------------------------------------------

def charge(conn: psycopg.Connection, body: dict, *, key: str, config: dict) -> Response:
    if body["amount_cents"] in config.get("declined_amounts", []):
        return _error(402, "CardDeclined", f"the card was declined for {body['amount_cents']} cents",
                      order_id=body["order_id"])
    charge_id = _new_id("ch")
    conn.execute("INSERT INTO shop.charges (id, order_id, amount_cents, currency, status, idempotency_key) "
                 "VALUES (%s, %s, %s, %s, 'captured', %s)",
                 [charge_id, body["order_id"], body["amount_cents"], body["currency"], key])
    return Response(201, {"charge_id": charge_id, "order_id": body["order_id"], "amount_cents": body["amount_cents"],
                          "currency": body["currency"], "status": "captured"})


def refund(conn: psycopg.Connection, body: dict, *, key: str, config: dict) -> Response:
    row = conn.execute("SELECT amount_cents, status FROM shop.charges WHERE id = %s FOR UPDATE",
                       [body["charge_id"]]).fetchone()
    if row is None:
        return _error(404, "ChargeNotFound", f"no charge {body['charge_id']}")
    amount, status = row
    if status == "refunded":
        return _error(409, "AlreadyRefunded", f"charge {body['charge_id']} is already refunded")
    refund_id = _new_id("re")
    conn.execute("INSERT INTO shop.refunds (id, charge_id, amount_cents, idempotency_key) VALUES (%s, %s, %s, %s)",
                 [refund_id, body["charge_id"], amount, key])
    conn.execute("UPDATE shop.charges SET status = 'refunded' WHERE id = %s", [body["charge_id"]])
    return Response(201, {"refund_id": refund_id, "charge_id": body["charge_id"], "amount_cents": amount})


def reserve(conn: psycopg.Connection, body: dict, *, key: str, config: dict) -> Response:
    items = _items(body)
    missing = sorted({i["sku"] for i in items} & set(config.get("out_of_stock_skus", [])))
    if missing:
        return _error(409, "OutOfStock", f"out of stock: {', '.join(missing)}", skus=missing,
                      order_id=body["order_id"])
    reservation_id = _new_id("rs")
    conn.execute("INSERT INTO shop.reservations (id, order_id, items, status, idempotency_key) "
                 "VALUES (%s, %s, %s, 'held', %s)", [reservation_id, body["order_id"], Jsonb(items), key])
    return Response(201, {"reservation_id": reservation_id, "order_id": body["order_id"], "items": items,
                          "status": "held"})


def release(conn: psycopg.Connection, body: dict, *, key: str, config: dict) -> Response:
    row = conn.execute("SELECT status FROM shop.reservations WHERE id = %s FOR UPDATE",
                       [body["reservation_id"]]).fetchone()
    if row is None:
        return _error(404, "ReservationNotFound", f"no reservation {body['reservation_id']}")
    if row[0] == "held":
        conn.execute("UPDATE shop.reservations SET status = 'released', released_at = now() WHERE id = %s",
                     [body["reservation_id"]])
    return Response(200, {"reservation_id": body["reservation_id"], "status": "released",
                          "already_released": row[0] == "released"})


def ship(conn: psycopg.Connection, body: dict, *, key: str, config: dict) -> Response:
    shipment_id = _new_id("sh")
    conn.execute("INSERT INTO shop.shipments (id, order_id, reservation_id, address, status, idempotency_key) "
                 "VALUES (%s, %s, %s, %s, 'scheduled', %s)",
                 [shipment_id, body["order_id"], body["reservation_id"], Jsonb(body["address"]), key])
    return Response(201, {"shipment_id": shipment_id, "order_id": body["order_id"], "status": "scheduled"})


def cancel_shipment(conn: psycopg.Connection, body: dict, *, key: str, config: dict) -> Response:
    row = conn.execute("SELECT status FROM shop.shipments WHERE id = %s FOR UPDATE",
                       [body["shipment_id"]]).fetchone()
    if row is None:
        return _error(404, "ShipmentNotFound", f"no shipment {body['shipment_id']}")
    if row[0] == "scheduled":
        conn.execute("UPDATE shop.shipments SET status = 'cancelled', cancelled_at = now() WHERE id = %s",
                     [body["shipment_id"]])
    return Response(200, {"shipment_id": body["shipment_id"], "status": "cancelled"})


def email(conn: psycopg.Connection, body: dict, *, key: str, config: dict) -> Response:
    message_id = _new_id("em")
    subject = str(body.get("subject") or f"Your order {body['order_id']} is confirmed")[:300]
    conn.execute("INSERT INTO shop.emails (id, order_id, recipient, subject, idempotency_key) "
                 "VALUES (%s, %s, %s, %s, %s)", [message_id, body["order_id"], body["to"], subject, key])
    return Response(201, {"message_id": message_id, "order_id": body["order_id"], "to": body["to"]})


def fraud(conn: psycopg.Connection, body: dict, *, key: str, config: dict) -> Response:
    """A verdict, not an error: the workflow decides what a rejection means."""
    reasons = []
    if body["email"].lower().endswith("@" + FRAUD_DOMAIN):
        reasons.append(f"customer domain {FRAUD_DOMAIN} is on the block list")
    if body["amount_cents"] >= 500_000:
        reasons.append("very large amount")
    score = 0.97 if any("block list" in r for r in reasons) else (0.6 if reasons else 0.05)
    return Response(200, {"order_id": body["order_id"], "verdict": "reject" if score > 0.9 else "accept",
                          "score": score, "reasons": reasons})


# endpoint -> (validate, effect, path parameter name or None)
ENDPOINTS = {
    "charge": (charge_validate, charge, None),
    "refund": (by_id_validate("charge_id"), refund, "charge_id"),
    "reserve": (reserve_validate, reserve, None),
    "release": (by_id_validate("reservation_id"), release, "reservation_id"),
    "ship": (ship_validate, ship, None),
    "cancel_shipment": (by_id_validate("shipment_id"), cancel_shipment, "shipment_id"),
    "email": (email_validate, email, None),
    "fraud": (fraud_validate, fraud, None),
}


def order_ledger(conn: psycopg.Connection, order_id: str) -> dict:
    """Everything the shop holds about one order (for people and tests)."""
    def rows(sql):
        cur = conn.execute(sql, [order_id])
        names = [c.name for c in cur.description]
        return [{n: (v.isoformat() if hasattr(v, "isoformat") else v) for n, v in zip(names, r)} for r in cur]
    return {
        "order_id": order_id,
        "charges": rows("SELECT id, amount_cents, currency, status, created_at FROM shop.charges "
                        "WHERE order_id = %s ORDER BY created_at"),
        "refunds": rows("SELECT r.id, r.charge_id, r.amount_cents, r.created_at FROM shop.refunds r "
                        "JOIN shop.charges c ON c.id = r.charge_id WHERE c.order_id = %s ORDER BY r.created_at"),
        "reservations": rows("SELECT id, items, status, created_at, released_at FROM shop.reservations "
                             "WHERE order_id = %s ORDER BY created_at"),
        "shipments": rows("SELECT id, reservation_id, status, created_at, cancelled_at FROM shop.shipments "
                          "WHERE order_id = %s ORDER BY created_at"),
        "emails": rows("SELECT id, recipient, subject, created_at FROM shop.emails WHERE order_id = %s "
                       "ORDER BY created_at"),
    }
