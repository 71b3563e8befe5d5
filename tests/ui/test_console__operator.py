"""Operator-proof runs (issue 13), in Chromium against real processes:

(a) an inventory outage fails `reserve` (a parallel branch, on_failure: incident) for several
    orders of the order saga on the demo shop; after the outage the operator bulk-retries the
    incident group: every run completes, one charge and one shipment each;
(b) a worker is SIGKILLed in the middle of `ship` while no scheduler runs: the Health page and
    the banner say so, the run page names the dead worker and offers Force retry; the operator
    force-retries, a new worker finishes the run, with one shipment;
(c) for each run status, the buttons the console enables are exactly the server's allowed
    `available_actions`."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from engine.models import EngineProcess, StepRun, WorkflowRun
from engine.services.actions import run_act
from engine.services.runs import run_start
from examples.shop.demo import order
from tests.support.flows import chain, node, publish, task, wait_status
from tests.support.ledger import Ledger
from tests.support.stack import ROOT, wait_for
from tests.ui.helpers import node as graph_node
from tests.ui.operate import api_get, assert_buttons_match_policy, confirm, enabled_buttons

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

ONCE = {"max_attempts": 1}
SAGA = ROOT / "examples" / "definitions" / "order_saga.json"


@pytest.fixture(autouse=True)
def ledger_tables(transactional_db):
    """The test activities' ledger tables, made before worker threads race to create them."""
    from django.db import connection

    from tests.support.activities import DDL, EFFECTS
    with connection.cursor() as cur:
        cur.execute(DDL)
        cur.execute(EFFECTS)


def start(key: str, business_key: str | None = None, **input) -> WorkflowRun:
    return run_start(definition_key=key, input=input, business_key=business_key)[0]


# (a) ------------------------------------------------------------------------------------------

def publish_outage_saga(key: str) -> None:
    """The shipped order saga, but a `reserve` that runs out of attempts is an incident (the run
    waits for an operator, nothing undone), with two quick attempts."""
    spec = json.loads(SAGA.read_text())["spec"]
    reserve = next(n for n in spec["nodes"] if n["id"] == "reserve")
    reserve["on_failure"] = "incident"
    reserve["retry"] = {**reserve["retry"], "max_attempts": 2, "initial_interval": 0.2, "max_interval": 0.2,
                        "backoff_coefficient": 1}
    publish(key, spec)


def test_an_outage_incident_in_a_parallel_branch_is_bulk_retried_and_every_order_ships_once(
        open_console, operator, own_stack, shop):
    own_stack.pause("worker")  # the session's worker knows no shop
    own_stack.worker(threads=8, env={"FLOWDECK_SHOP_URL": shop.url})
    key = "order-saga-outage"
    publish_outage_saga(key)
    # Inventory down: every reserve answers 503, a little late (the fraud check, side by side, gets through).
    shop.client.put("/faults/reserve", json={"failure_rate": 1.0, "latency_ms": 200}).raise_for_status()
    orders = [order(f"ORD-OUT-{n}", amount_cents=4990 + n, items=[{"sku": "SKU-MUG", "qty": 1}]) for n in range(5)]
    runs = [run_start(definition_key=key, input=o, business_key=o["order_id"])[0] for o in orders]
    for run in runs:
        failed = wait_status(run.id, "failed", timeout=60, stack=own_stack)
        assert failed.error["node_id"] == "reserve" and failed.error["type"] == "ShopUnavailable", failed.error
    for run in runs:  # the other branch got through; nothing was undone
        steps = {s.node_id: s for s in StepRun.objects.filter(run=run, kind="node")}
        assert steps["reserve"].status == "failed" and steps["reserve"].attempt == 2
        assert wait_for(lambda: StepRun.objects.get(run=run, kind="node", node_id="fraud").status == "succeeded",
                        message="the fraud check to succeed")
        assert not StepRun.objects.filter(run=run, kind="compensation").exists()
        assert "ship" not in steps
    for o in orders:
        held = shop.client.get(f"/orders/{o['order_id']}").json()
        assert [c["status"] for c in held["charges"]] == ["captured"] and held["reservations"] == [], held

    page = open_console(operator)
    # One of them, as an operator sees it: the buttons are the server's.
    page.goto(f"/console/runs/{runs[0].id}")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "failed")
    expect(graph_node(page, "reserve").locator(".fd-node")).to_have_attribute("data-status", "failed")
    expect(graph_node(page, "fraud").locator(".fd-node")).to_have_attribute("data-status", "succeeded")
    expect(page.locator('[data-testid="why-line"][data-node-id="reserve"]')).to_contain_text(
        "waits for an operator (nothing undone)")
    detail = assert_buttons_match_policy(page, runs[0].id, status="failed")
    assert {("retry", None, None), ("retry_step", "reserve", "node"), ("skip", "reserve", "node")} <= \
        enabled_buttons(page), detail["available_actions"]

    shop.client.delete("/faults").raise_for_status()  # the outage is over
    page.goto("/console/incidents")
    group = page.locator(f'[data-testid="incident"][data-definition="{key}"][data-node="reserve"]')
    expect(group).to_have_count(1)
    expect(group).to_have_attribute("data-error-type", "ShopUnavailable")
    expect(group.get_by_test_id("incident-count")).to_have_text("5")
    expect(group.get_by_test_id("incident-title")).not_to_contain_text("#")  # no placeholder shown to people
    group.get_by_role("button", name="Act on all…").click()
    dialog = page.get_by_role("dialog")
    expect(page.get_by_test_id("bulk-count")).to_have_count(0)  # nothing preselected
    page.get_by_test_id("bulk-action").select_option("retry")
    expect(page.get_by_test_id("bulk-count")).to_have_text("5")
    expect(page.get_by_test_id("confirm-effect")).to_contain_text("reserve")
    confirm(page, "inventory service is back", "Retry 5 runs")
    expect(page.get_by_test_id("incidents-notice")).to_have_text("Retried 5 of 5 runs.")
    expect(dialog).to_have_count(0)

    page.goto(f"/console/runs?definition={key}")
    for run in runs:
        expect(page.get_by_test_id(f"run-row-{run.id}")).to_have_attribute("data-status", "completed", timeout=60000)
    expect(page.locator('[data-testid^="run-row-"]')).to_have_count(5)
    page.goto("/console/incidents")
    expect(page.get_by_test_id("incidents")).to_be_visible()
    expect(page.locator(f'[data-testid="incident"][data-definition="{key}"]')).to_have_count(0)

    for run, o in zip(runs, orders):
        done = wait_status(run.id, "completed", timeout=5, stack=own_stack)
        assert done.output["order_id"] == o["order_id"] and done.output["shipment_id"]
        assert StepRun.objects.get(run=run, kind="node", node_id="reserve").attempt == 3
        assert StepRun.objects.get(run=run, kind="node", node_id="fraud").attempt == 1  # not run again
        held = shop.client.get(f"/orders/{o['order_id']}").json()
        assert [c["status"] for c in held["charges"]] == ["captured"], held
        assert [s["status"] for s in held["shipments"]] == ["scheduled"], held
        assert [r["status"] for r in held["reservations"]] == ["held"], held
        assert held["refunds"] == [] and len(held["emails"]) == 1, held
        assert held["shipments"][0]["id"] == done.output["shipment_id"]


# (b) ------------------------------------------------------------------------------------------

FAST_LIVENESS = {"FLOWDECK_BEAT_INTERVAL": "0.5", "FLOWDECK_WORKER_DEAD_AFTER": "3"}


def live_worker_row(exclude=()) -> EngineProcess:
    return wait_for(lambda: EngineProcess.objects.filter(kind="worker", stopped_at__isnull=True)
                    .exclude(name__in=exclude).first(), timeout=60, message="a worker's first beat")


def test_a_worker_killed_mid_step_with_no_scheduler_is_named_and_force_retried(open_console, operator, own_stack):
    own_stack.pause("worker", "scheduler")
    EngineProcess.objects.all().delete()  # this stack has never had a scheduler
    url = own_stack.daphne(FAST_LIVENESS)
    first = own_stack.worker(threads=2, env=FAST_LIVENESS)
    dead = live_worker_row()
    publish("shipping", chain(task("charge"),
                              task("ship", "test.sleep_once", label="Ship", timeout=120,
                                   retry={"max_attempts": 3, "initial_interval": 0.2}),
                              task("email")))
    run = start("shipping", "order-kill-1", seconds=120)
    ship_key = f"{run.id}:ship"
    ledger = Ledger()
    wait_for(lambda: [c for c in ledger.calls("ship:begin") if c[1] == ship_key], message="ship to begin")
    step = StepRun.objects.get(run=run, kind="node", node_id="ship")
    assert step.status == "running" and step.worker.startswith(dead.name + ":"), (step.status, step.worker)

    page = open_console(operator, base_url=url)
    page.goto(f"/console/runs/{run.id}")
    why = page.locator('[data-testid="why-line"][data-node-id="ship"]')
    expect(why).to_have_attribute("data-status", "running")
    expect(why).to_contain_text(f"on worker {dead.name}")
    assert_buttons_match_policy(page, run.id, status="running")
    assert ("force_retry", "ship", "node") not in enabled_buttons(page)  # alive, within its lease
    expect(why.locator("button[data-action]")).to_have_count(0)

    first.kill()  # SIGKILL, the dramatiq parent and its worker process together

    page.goto("/console/health")
    row = page.locator(f'[data-testid="worker-row"][data-name="{dead.name}"]')
    expect(row).to_have_attribute("data-state", "dead", timeout=20000)
    expect(row).to_have_attribute("data-alive", "false")
    expect(row).to_have_attribute("data-pid", str(dead.pid))
    expect(page.get_by_test_id("scheduler-summary")).to_have_attribute("data-alive", "false")
    expect(page.get_by_test_id("last-sweep")).to_have_text("never")
    banner = page.get_by_test_id("health-banner")
    expect(banner).to_have_attribute("role", "alert")
    expect(banner.locator('[data-testid="health-alert"][data-code="scheduler.down"]')).to_contain_text(
        "No scheduler has swept yet", timeout=20000)
    expect(banner.locator('[data-testid="health-alert"][data-code="workers.none"]')).to_contain_text(
        "No worker is alive", timeout=20000)
    health = api_get(page, "/api/health/")
    assert [a["code"] for a in health["alerts"]] == ["scheduler.down", "workers.none"], health["alerts"]
    assert [(w["name"], w["state"]) for w in health["workers"]] == [(dead.name, "dead")], health["workers"]
    assert health["schedulers"] == [] and health["scheduler"]["last_sweep_at"] is None
    assert StepRun.objects.get(pk=step.pk).status == "running"  # nothing recovers it on its own

    page.goto(f"/console/runs/{run.id}")
    expect(page.get_by_test_id("health-alert")).to_have_count(2)  # on every console page
    expect(why).to_contain_text(re.compile(rf"worker {re.escape(dead.name)}\S* last seen [^;]+ ago; retry it now"))
    force = why.locator('button[data-action="force_retry"]')
    expect(force).to_be_enabled()
    expect(force).to_have_text("Force retry…")
    assert_buttons_match_policy(page, run.id, status="running")
    assert ("force_retry", "ship", "node") in enabled_buttons(page)
    force.click()
    dialog = page.get_by_test_id("force-retry-dialog")
    expect(dialog).to_contain_text(dead.name)
    expect(dialog).to_contain_text("starts attempt 2")
    confirm(page, "worker host died mid-shipment", "Force retry")
    expect(dialog).to_have_count(0)
    retried = page.locator('[data-testid="timeline-row"][data-type="operator.force_retry"]')
    expect(retried).to_contain_text("by olga: worker host died mid-shipment")

    own_stack.worker(threads=2, env=FAST_LIVENESS)  # a worker again
    expect(page.get_by_test_id("run-status")).to_have_text("completed", timeout=30000)
    expect(graph_node(page, "ship").locator(".fd-node")).to_have_attribute("data-status", "succeeded")
    expect(graph_node(page, "email").locator(".fd-node")).to_have_attribute("data-status", "succeeded")
    ship = StepRun.objects.get(run=run, kind="node", node_id="ship")
    assert ship.attempt == 2 and ship.attempts[0]["status"] == "abandoned", ship.attempts
    assert [c[2] for c in ledger.calls("ship:begin") if c[1] == ship_key] == [1, 2]
    assert [c[2] for c in ledger.calls("ship") if c[1] == ship_key] == [2]  # one shipment

    page.goto("/console/health")
    expect(page.locator('[data-testid="worker-row"][data-state="alive"]')).to_have_count(1, timeout=15000)
    expect(page.locator(f'[data-testid="worker-row"][data-name="{dead.name}"]')).to_have_attribute("data-state", "dead")


# (c) ------------------------------------------------------------------------------------------

def test_for_each_run_status_the_enabled_buttons_are_the_servers_available_actions(open_console, operator):
    slow = {"seconds": 15}  # a window to look at "running" and "compensating"
    publish("st-slow", chain(task("pack", "test.sleep"), task("ship")))
    publish("st-retrying", chain(task("charge", "test.flaky", retry={"max_attempts": 3, "initial_interval": 3600,
                                                                     "max_interval": 3600})))
    publish("st-undo-slow", chain(task("charge", compensation={"activity": "test.sleep"}),
                                  task("ship", "test.boom", retry=ONCE)))
    publish("st-wait", chain(task("charge"), node("approval", "signal", signal="order.approved"), task("ship")))
    publish("st-fail", chain(task("charge"), task("ship", "test.flaky", retry=ONCE)))
    publish("st-undo-fails", chain(task("charge", compensation={"activity": "test.boom", "retry": ONCE}),
                                   task("ship", "test.boom", retry=ONCE)))
    publish("st-abort", chain(task("charge", "test.boom", retry={"max_attempts": 3, "non_retryable_errors": ["Fatal"]})))
    running = start("st-slow", "st-running", **slow)
    compensating = start("st-undo-slow", "st-compensating", **slow)
    retrying = start("st-retrying", "st-retrying", succeed_on=2)
    waiting, cancelled = start("st-wait", "st-waiting"), start("st-wait", "st-cancelled")
    failed = start("st-fail", "st-failed", succeed_on=2)
    comp_failed = start("st-undo-fails", "st-compensation-failed", message="refund service down")
    aborted = start("st-abort", "st-aborted", type="Fatal", message="card stolen")
    # The engine never leaves a run pending (run_start begins it in the same transaction):
    # a run row as written before it began stands for one.
    pending = WorkflowRun.objects.create(definition=running.definition, version=running.version, input={},
                                         business_key="st-pending")

    page = open_console(operator)
    checked = []

    def check(run, status, *, must=(), must_not=()):
        page.goto(f"/console/runs/{run.id}")
        expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", status, timeout=20000)
        detail = assert_buttons_match_policy(page, run.id, status=status)
        enabled = enabled_buttons(page)
        for key in must:
            assert key in enabled, (status, key, enabled)
        for key in must_not:
            assert key not in enabled, (status, key, enabled)
        checked.append(status)
        return detail

    wait_status(running.id, "running")
    wait_for(lambda: StepRun.objects.filter(run=running, node_id="pack", status="running").exists(),
             message="pack to run")
    check(running, "running", must=[("cancel", None, None), ("compensate", None, None), ("edit_data", None, None)],
          must_not=[("force_retry", "pack", "node"), ("retry", None, None), ("skip", "pack", "node")])
    wait_for(lambda: StepRun.objects.filter(run=compensating, kind="compensation", status="running").exists(),
             message="the compensation to run")
    check(compensating, "compensating", must=[("cancel", None, None)],
          must_not=[("compensate", None, None), ("force_retry", "charge", "compensation")])
    wait_for(lambda: StepRun.objects.filter(run=retrying, node_id="charge", status="scheduled", attempt=1).exists(),
             message="charge to wait for its retry")
    check(retrying, "running", must=[("retry_step", "charge", "node"), ("skip", "charge", "node")])

    wait_status(waiting.id, "waiting")
    check(waiting, "waiting", must=[("signal", "approval", "node"), ("skip", "approval", "node")])
    wait_status(cancelled.id, "waiting")
    run_act(run_id=cancelled.id, action="cancel", reason="duplicate order", user=operator)
    check(cancelled, "cancelled")
    wait_status(failed.id, "failed")
    check(failed, "failed", must=[("retry", None, None), ("retry_step", "ship", "node"), ("skip", "ship", "node")])
    wait_status(comp_failed.id, "compensation_failed")
    check(comp_failed, "compensation_failed", must=[("retry", None, None), ("skip", "charge", "compensation")],
          must_not=[("retry_step", "ship", "node")])
    wait_status(aborted.id, "aborted")
    detail = check(aborted, "aborted", must_not=[("retry", None, None)])
    expect(page.get_by_test_id("run-status-meaning")).to_have_text("failed, nothing undone")
    assert detail["error"]["type"] == "Fatal"
    check(pending, "pending", must=[("cancel", None, None), ("compensate", None, None)])

    wait_status(running.id, "completed")
    check(running, "completed")
    wait_status(compensating.id, "compensated")
    check(compensating, "compensated")
    # Terminal: nothing at all is enabled.
    for run in (running, compensating, cancelled, aborted):
        page.goto(f"/console/runs/{run.id}")
        expect(page.get_by_test_id("run-actions")).to_be_visible()
        expect(page.locator("button[data-action]:not(:disabled)")).to_have_count(0)
    assert sorted(set(checked)) == sorted(["pending", "running", "waiting", "completed", "failed", "compensating",
                                           "compensated", "compensation_failed", "cancelled", "aborted"])
