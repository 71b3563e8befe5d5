"""The demo shop over real HTTP: idempotency, each fault kind, and the shop
activities calling it. The shop process runs against the test database."""
import threading
import time
import uuid

import httpx
import pytest

from engine.activities import ActivityContext, ActivityError, activity_get
from examples.shop import activities as shop_activities
from examples.shop.faults import FaultConfigError, config_clean, plan_for

ORDER = {"order_id": "o-1", "amount_cents": 4990, "currency": "EUR"}


def key() -> str:
    return f"test:{uuid.uuid4()}"


def charge(shop, body=ORDER, k=None, **kw):
    return shop.post("/payments/charges", body, k or key(), **kw)


# -- idempotency ---------------------------------------------------------------

def test_the_same_key_twice_is_one_ledger_row_and_the_same_answer(shop):
    k = key()
    first, second = charge(shop, k=k), charge(shop, k=k)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert shop.sql("SELECT count(*) FROM shop.charges WHERE order_id = 'o-1'") == [(1,)]
    assert charge(shop).json()["charge_id"] != first.json()["charge_id"]  # another key: another charge


def test_concurrent_requests_with_one_key_charge_once(shop):
    k, answers = key(), []
    barrier = threading.Barrier(8)

    def call():
        with httpx.Client(base_url=shop.url, timeout=10) as client:
            barrier.wait()
            answers.append(client.post("/payments/charges", json=ORDER, headers={"Idempotency-Key": k}))
    threads = [threading.Thread(target=call) for _ in range(8)]
    [t.start() for t in threads], [t.join() for t in threads]
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["charge_id"] for a in answers}) == 1
    assert shop.sql("SELECT count(*) FROM shop.charges") == [(1,)]


def test_a_key_reused_for_another_request_is_refused(shop):
    k = key()
    charge(shop, k=k)
    reused = charge(shop, {**ORDER, "amount_cents": 1}, k=k)
    assert reused.status_code == 422 and reused.json()["error"] == "IdempotencyKeyReused"
    assert shop.sql("SELECT amount_cents FROM shop.charges") == [(4990,)]


def test_mutating_calls_need_a_key_and_a_valid_body(shop):
    assert shop.post("/payments/charges", ORDER, None).json()["error"] == "IdempotencyKeyRequired"
    bad = charge(shop, {"order_id": "o-1", "amount_cents": -5, "currency": "EUR"})
    assert bad.status_code == 400 and "amount_cents" in bad.json()["message"]
    assert shop.sql("SELECT count(*) FROM shop.idempotency") == [(0,)]


def test_refund_replays_for_its_key_and_refuses_a_second_refund(shop):
    charge_id = charge(shop).json()["charge_id"]
    k = key()
    first = shop.post(f"/payments/charges/{charge_id}/refund", {}, k)
    assert first.status_code == 201
    assert shop.post(f"/payments/charges/{charge_id}/refund", {}, k).json() == first.json()
    again = shop.post(f"/payments/charges/{charge_id}/refund", {}, key())
    assert again.status_code == 409 and again.json()["error"] == "AlreadyRefunded"
    assert shop.sql("SELECT count(*) FROM shop.refunds") == [(1,)]
    assert shop.sql("SELECT status FROM shop.charges") == [("refunded",)]


def test_reserve_release_ship_cancel_email_fraud(shop):
    reservation = shop.post("/inventory/reservations", {"order_id": "o-2", "items": [{"sku": "A", "qty": 2}]}, key())
    assert reservation.status_code == 201
    rid = reservation.json()["reservation_id"]
    shipment = shop.post("/shipping/shipments", {"order_id": "o-2", "reservation_id": rid, "address": {}}, key())
    sid = shipment.json()["shipment_id"]
    assert shop.post(f"/shipping/shipments/{sid}/cancel", {}, key()).json()["status"] == "cancelled"
    assert shop.post(f"/inventory/reservations/{rid}/release", {}, key()).json()["status"] == "released"
    assert shop.post("/email/messages", {"order_id": "o-2", "to": "a@example.com"}, key()).status_code == 201
    fraud = shop.post("/fraud/checks", {"order_id": "o-2", "email": "x@fraud.test", "amount_cents": 10}, key())
    assert fraud.json()["verdict"] == "reject"
    ledger = shop.client.get("/orders/o-2").json()
    assert [r["status"] for r in ledger["reservations"]] == ["released"]
    assert [s["status"] for s in ledger["shipments"]] == ["cancelled"] and len(ledger["emails"]) == 1


# -- faults --------------------------------------------------------------------

def test_failure_rate_answers_503_before_any_side_effect(shop):
    shop.faults({"charge": {"failure_rate": 1}})
    k = key()
    failed = charge(shop, k=k)
    assert failed.status_code == 503 and failed.json()["error"] == "InjectedFailure"
    assert shop.sql("SELECT count(*) FROM shop.charges") == [(0,)]
    shop.faults({})
    assert charge(shop, k=k).status_code == 201  # the key was not used up


def test_latency_is_added(shop):
    shop.faults({"*": {"latency_ms": 400}})
    began = time.monotonic()
    assert charge(shop).status_code == 201
    assert time.monotonic() - began >= 0.4


def test_hang_gives_no_answer_and_changes_nothing(shop):
    shop.faults({"charge": {"hang_rate": 1, "hang_seconds": 3}})
    with pytest.raises(httpx.ReadTimeout):
        charge(shop, timeout=1)
    assert shop.sql("SELECT count(*) FROM shop.charges") == [(0,)]


def test_declined_amounts_are_402_and_replayed(shop):
    shop.faults({"charge": {"declined_amounts": [666]}})
    k = key()
    declined = charge(shop, {**ORDER, "amount_cents": 666}, k=k)
    assert declined.status_code == 402 and declined.json()["error"] == "CardDeclined"
    shop.faults({})
    assert charge(shop, {**ORDER, "amount_cents": 666}, k=k).status_code == 402  # the answer is final
    assert shop.sql("SELECT count(*) FROM shop.charges") == [(0,)]


def test_out_of_stock_skus_are_409(shop):
    shop.faults({"reserve": {"out_of_stock_skus": ["GONE"]}})
    body = {"order_id": "o-3", "items": [{"sku": "A", "qty": 1}, {"sku": "GONE", "qty": 1}]}
    refused = shop.post("/inventory/reservations", body, key())
    assert refused.status_code == 409 and refused.json() | {"skus": ["GONE"]} == refused.json()
    assert shop.sql("SELECT count(*) FROM shop.reservations") == [(0,)]


def test_crash_commits_then_dies_unanswered_and_the_retry_replays(shop):
    shop.faults({"charge": {"crash_rate": 1}})
    k = key()
    with pytest.raises(httpx.TransportError):  # the connection drops without an answer
        charge(shop, k=k)
    assert shop.sql("SELECT count(*) FROM shop.charges") == [(1,)]  # the side effect committed
    shop.wait_ready()  # the supervisor started a new server on the same socket
    assert shop.client.get("/faults").json() == {"charge": {"crash_rate": 1.0}}  # faults survive the restart
    shop.faults({})
    retry = charge(shop, k=k)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert shop.sql("SELECT count(*) FROM shop.charges") == [(1,)]
    assert "restart #" in shop.output()


def test_flaky_orders_fail_their_first_n_requests(shop):
    shop.faults({"charge": {"flaky_orders": {"o-9": 2}}})
    k = key()
    codes = [charge(shop, {**ORDER, "order_id": "o-9"}, k=k).status_code for _ in range(3)]
    assert codes == [503, 503, 201]
    assert charge(shop).status_code == 201  # other orders are not affected


def test_bad_fault_configurations_are_refused(shop):
    assert shop.client.put("/faults", json={"charge": {"failure_rate": 2}}).status_code == 400
    assert shop.client.put("/faults", json={"nope": {}}).status_code == 400
    assert shop.client.put("/faults/charge", json={"bogus": 1}).status_code == 400
    with pytest.raises(FaultConfigError):
        config_clean("charge", {"declined_amounts": ["1"]})


def test_fault_plans_follow_the_rates():
    always = plan_for({"failure_rate": 1, "hang_rate": 1, "hang_seconds": 2, "crash_rate": 1, "latency_ms": 50},
                      rand=lambda: 0.5)
    assert always.fail and always.crash and always.hang == 2 and always.latency == 0.05
    never = plan_for({"failure_rate": 0.1, "hang_rate": 0.1, "crash_rate": 0.1}, rand=lambda: 0.5)
    assert not never.fail and not never.crash and never.hang == 0


# -- the activities against the shop ---------------------------------------------

@pytest.fixture
def call(shop, settings):
    settings.FLOWDECK_SHOP_URL = shop.url
    shop_activities._client = None  # built again for this URL

    def run(name, data, *, idempotency_key=None, attempt=1):
        ctx = ActivityContext(run_id="r", node_id=name, step_id=1, attempt=attempt,
                              idempotency_key=idempotency_key or key())
        activity = activity_get(name)
        output = activity.fn(ctx, data)
        import jsonschema
        jsonschema.validate(data, activity.input_schema)
        jsonschema.validate(output, activity.output_schema)
        return output
    yield run
    shop_activities._client = None


def test_activities_send_the_step_key_so_a_retry_charges_once(call, shop):
    first = call("shop.charge_payment", ORDER, idempotency_key="run-1:charge")
    again = call("shop.charge_payment", ORDER, idempotency_key="run-1:charge", attempt=2)
    assert first == again and shop.sql("SELECT idempotency_key FROM shop.charges") == [("run-1:charge",)]
    refund = call("shop.refund_payment", {"charge_id": first["charge_id"], "order_id": "o-1"})
    assert refund["charge_id"] == first["charge_id"]


def test_activity_business_errors_are_named_and_transient_ones_retryable(call, shop):
    shop.faults({"charge": {"declined_amounts": [666]}, "reserve": {"failure_rate": 1}})
    with pytest.raises(ActivityError) as declined:
        call("shop.charge_payment", {**ORDER, "amount_cents": 666})
    assert declined.value.error_type == "CardDeclined"
    with pytest.raises(ActivityError) as unavailable:
        call("shop.reserve_inventory", {"order_id": "o-1", "items": [{"sku": "A", "qty": 1}]})
    assert unavailable.value.error_type == "ShopUnavailable"


def test_every_saga_activity_round_trips(call, shop):
    reservation = call("shop.reserve_inventory", {"order_id": "o-5", "items": [{"sku": "A", "qty": 1}]})
    verdict = call("shop.fraud_check", {"order_id": "o-5", "email": "a@example.com", "amount_cents": 100})
    assert verdict["verdict"] == "accept"
    shipment = call("shop.schedule_shipping", {"order_id": "o-5", "reservation_id": reservation["reservation_id"],
                                               "address": {"city": "Paris"}})
    call("shop.send_confirmation", {"order_id": "o-5", "to": "a@example.com", "shipment_id": shipment["shipment_id"]})
    call("shop.cancel_shipping", {"shipment_id": shipment["shipment_id"]})
    call("shop.release_inventory", {"reservation_id": reservation["reservation_id"]})
    ledger = shop.client.get("/orders/o-5").json()
    assert ledger["reservations"][0]["status"] == "released" and ledger["shipments"][0]["status"] == "cancelled"


def test_an_unreachable_shop_is_a_retryable_error(settings):
    settings.FLOWDECK_SHOP_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    shop_activities._client = None
    try:
        with pytest.raises(ActivityError) as exc:
            activity_get("shop.charge_payment").fn(
                ActivityContext(run_id="r", node_id="charge", step_id=1, attempt=1, idempotency_key=key()), ORDER)
        assert exc.value.error_type == "ShopUnavailable"
    finally:
        shop_activities._client = None
