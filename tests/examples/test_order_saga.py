"""The order saga definition on real worker processes against the real shop."""
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from engine.models import StepRun
from engine.services.runs import run_signal, run_start
from engine.spec.validate import validate_spec
from examples.shop.demo import DEMO_ORDERS, SOLD_OUT_SKU, order
from tests.support.flows import assert_gapless, wait_status

DEFINITION = Path(__file__).resolve().parents[2] / "examples" / "definitions" / "order_saga.json"
LINES = DEFINITION.with_name("order_saga_lines.json")   # the same saga, stock reserved per line by a map


def test_the_definition_is_valid_and_uses_every_shop_activity():
    document = json.loads(DEFINITION.read_text())
    assert document["key"] == "order-saga"
    assert validate_spec(document["spec"]) == []
    used = {n.get("activity") for n in document["spec"]["nodes"]} | {
        n["compensation"]["activity"] for n in document["spec"]["nodes"] if "compensation" in n}
    assert {"shop.charge_payment", "shop.refund_payment", "shop.reserve_inventory", "shop.release_inventory",
            "shop.schedule_shipping", "shop.cancel_shipping", "shop.send_confirmation", "shop.fraud_check"} <= used


@pytest.fixture
def saga(stack, shop):
    call_command("load_definitions", str(DEFINITION), verbosity=0)
    env = {"FLOWDECK_SHOP_URL": shop.url}
    stack.worker(threads=8, env=env)
    stack.scheduler()
    return stack




@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_orders_complete_compensate_fail_and_wait_for_approval(saga, shop):
    shop.faults({"charge": {"declined_amounts": [666], "flaky_orders": {"T-RETRY": 2}},
                 "reserve": {"out_of_stock_skus": [SOLD_OUT_SKU]}})
    orders = {
        "ok": order("T-OK", amount_cents=4990, items=[{"sku": "A", "qty": 1}]),
        "retry": order("T-RETRY", amount_cents=1200, items=[{"sku": "A", "qty": 1}]),
        "oos": order("T-OOS", amount_cents=2500, items=[{"sku": "A", "qty": 1}, {"sku": SOLD_OUT_SKU, "qty": 1}]),
        "fraud": order("T-FRAUD", amount_cents=3000, items=[{"sku": "B", "qty": 1}], email="eve@fraud.test"),
        "declined": order("T-DECLINED", amount_cents=666, items=[{"sku": "A", "qty": 1}]),
        "large": order("T-LARGE", amount_cents=250000, items=[{"sku": "C", "qty": 1}]),
    }
    runs = {name: run_start(definition_key="order-saga", input=o, business_key=o["order_id"])[0]
            for name, o in orders.items()}
    done = wait_status(runs["ok"].id, "completed", timeout=60, stack=saga)
    assert set(done.output) == {"order_id", "charge_id", "reservation_id", "shipment_id", "message_id"}
    retried = wait_status(runs["retry"].id, "completed", timeout=60, stack=saga)
    assert StepRun.objects.get(run=retried, node_id="charge").attempt == 3
    oos = wait_status(runs["oos"].id, "compensated", timeout=60, stack=saga)
    assert oos.error["type"] == "OutOfStock"
    fraud = wait_status(runs["fraud"].id, "compensated", timeout=60, stack=saga)
    assert fraud.error["type"] == "FraudSuspected"
    compensations = StepRun.objects.filter(run=fraud, kind="compensation").order_by("completion_order")
    assert [s.node_id for s in compensations] == ["reserve", "charge"]  # reverse completion order
    declined = wait_status(runs["declined"].id, "aborted", timeout=60, stack=saga)
    assert declined.error["type"] == "CardDeclined"
    wait_status(runs["large"].id, "waiting", timeout=60, stack=saga)

    ledger = {o["order_id"]: shop.client.get(f"/orders/{o['order_id']}").json() for o in orders.values()}
    assert [c["status"] for c in ledger["T-OK"]["charges"]] == ["captured"]
    assert [c["status"] for c in ledger["T-RETRY"]["charges"]] == ["captured"]
    assert [c["status"] for c in ledger["T-OOS"]["charges"]] == ["refunded"] and len(ledger["T-OOS"]["refunds"]) == 1
    assert ledger["T-OOS"]["reservations"] == []
    assert [r["status"] for r in ledger["T-FRAUD"]["reservations"]] == ["released"]
    assert [c["status"] for c in ledger["T-FRAUD"]["charges"]] == ["refunded"]
    assert ledger["T-DECLINED"]["charges"] == [] and ledger["T-LARGE"]["charges"] == []

    run_signal(run_id=runs["large"].id, name="order.approved", payload={"approved": True}, reason="test")
    wait_status(runs["large"].id, "completed", timeout=60, stack=saga)
    for run in runs.values():
        assert_gapless(run.id)


@pytest.mark.django_db(transaction=True)
def test_the_demo_command_starts_one_order_of_each_kind_once(shop, settings):
    settings.FLOWDECK_SHOP_URL = shop.url
    call_command("load_definitions", str(DEFINITION), verbosity=0)
    call_command("shop_demo", verbosity=0)
    call_command("shop_demo", verbosity=0)  # again: the same runs, by business key
    from engine.models import WorkflowRun
    for key in ("order-saga", "order-saga-lines", "order-saga-code"):   # the graph sagas' orders, the code one's
        keys = sorted(WorkflowRun.objects.filter(definition__key=key).values_list("business_key", flat=True))
        assert keys == sorted(o["order_id"] for _, o in DEMO_ORDERS)
    faults = shop.client.get("/faults").json()
    assert SOLD_OUT_SKU in faults["reserve"]["out_of_stock_skus"] and faults["charge"]["flaky_orders"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_the_per_line_saga_holds_a_reservation_per_line_and_releases_each_when_a_line_is_sold_out(stack, shop):
    assert validate_spec(json.loads(LINES.read_text())["spec"]) == []
    call_command("load_definitions", str(LINES), verbosity=0)
    shop.faults({"reserve": {"out_of_stock_skus": [SOLD_OUT_SKU]}})
    stack.worker(threads=8, env={"FLOWDECK_SHOP_URL": shop.url})
    stack.scheduler()
    lines = [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}, {"sku": "C", "qty": 1}]
    ok = run_start(definition_key="order-saga-lines", input=order("L-OK", amount_cents=4990, items=lines),
                   business_key="L-OK")[0]
    oos = run_start(definition_key="order-saga-lines", business_key="L-OOS", input=order(
        "L-OOS", amount_cents=2500, items=[*lines, {"sku": SOLD_OUT_SKU, "qty": 1}]))[0]
    done = wait_status(ok.id, "completed", timeout=90, stack=stack)
    assert StepRun.objects.get(run=done, node_id="reserve", kind="node").output["succeeded"] == 3
    undone = wait_status(oos.id, "compensated", timeout=90, stack=stack)
    assert undone.error["type"] == "MapItemsFailed" and undone.error["failed"] == [3]
    ledger = {key: shop.client.get(f"/orders/{key}").json() for key in ("L-OK", "L-OOS")}
    assert [r["status"] for r in ledger["L-OK"]["reservations"]] == ["held"] * 3
    assert sorted(r["status"] for r in ledger["L-OOS"]["reservations"]) == ["released"] * 3
    assert [c["status"] for c in ledger["L-OOS"]["charges"]] == ["refunded"]
    for run in (done, undone):
        assert_gapless(run.id)
