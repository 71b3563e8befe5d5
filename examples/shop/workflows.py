"""The order saga as a code workflow: examples/definitions/order_saga.json written as one plain
function (docs/workflows-as-code.md). Same activities, same shop, same outcomes."""
from engine.workflows import workflow

STEP = {"max_attempts": 12, "initial_interval": 0.5, "backoff_coefficient": 2, "max_interval": 5,
        "non_retryable_errors": ["IdempotencyKeyReused", "BadRequest"]}
UNDO = {"max_attempts": 30, "initial_interval": 0.5, "backoff_coefficient": 2, "max_interval": 5}


def _retry(*final: str) -> dict:
    return {**STEP, "non_retryable_errors": [*STEP["non_retryable_errors"], *final]}


@workflow("order-saga-code", version="2026-12-01")
def place_order(ctx, order):
    """Charge, check fraud and reserve stock side by side, ship, confirm; large orders wait for approval."""
    if order["amount_cents"] >= 100000:
        approval = ctx.wait_signal("order.approved", timeout="24h")
        if approval is None:
            raise ctx.Fail("no approval within 24 hours", code="ApprovalTimeout")
        if approval.get("approved") is False:
            raise ctx.Fail("a reviewer rejected the order", code="OrderRejected")
    charge = ctx.step("shop.charge_payment", {"order_id": order["order_id"], "amount_cents": order["amount_cents"],
                                              "currency": order["currency"]},
                      compensate="shop.refund_payment", compensate_retry=UNDO, timeout=15,
                      retry=_retry("CardDeclined"), label="Charge payment")
    fraud, stock = ctx.parallel(
        ctx.call("shop.fraud_check", {"order_id": order["order_id"], "email": order["customer"]["email"],
                                      "amount_cents": order["amount_cents"]},
                 timeout=15, retry=_retry(), label="Fraud check"),
        ctx.call("shop.reserve_inventory", {"order_id": order["order_id"], "items": order["items"]},
                 compensate="shop.release_inventory", compensate_retry=UNDO, timeout=15,
                 retry=_retry("OutOfStock"), label="Reserve inventory"))
    if fraud["verdict"] == "reject":
        raise ctx.Fail("the fraud check rejected the order", code="FraudSuspected")
    shipment = ctx.step("shop.schedule_shipping", {"order_id": order["order_id"],
                                                   "reservation_id": stock["reservation_id"],
                                                   "address": order["address"]},
                        compensate="shop.cancel_shipping", compensate_retry=UNDO, timeout=15, retry=_retry(),
                        label="Schedule shipping")
    message = ctx.step("shop.send_confirmation", {"order_id": order["order_id"], "to": order["customer"]["email"],
                                                  "charge_id": charge["charge_id"],
                                                  "shipment_id": shipment["shipment_id"]},
                       on_failure="incident", timeout=15, retry=STEP, label="Send confirmation")
    return {"order_id": order["order_id"], "charge_id": charge["charge_id"],
            "reservation_id": stock["reservation_id"], "shipment_id": shipment["shipment_id"],
            "message_id": message["message_id"]}
