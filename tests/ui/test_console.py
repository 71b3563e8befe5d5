"""The operator console in headless Chromium against the running stack (daphne,
a worker, the scheduler): find a failed order and retry it live, see a
compensation on the graph and the timeline, release an order waiting for
approval, live rows and counts, incidents with a bulk action, a skip refused
by the output schema, user text that stays text, and a viewer who cannot act."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.flows import chain, node, publish, task, wait_status
from tests.support.users import make_user
from tests.ui.helpers import node as graph_node

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

ONCE = {"max_attempts": 1}
EVIL = "<img src=x onerror=alert(1)>"
EVIL_SCRIPT = "<script>alert('data')</script>"


@pytest.fixture(autouse=True)
def ledger_tables(transactional_db):
    """The test activities create their ledger tables on first use; four worker
    threads doing that at once race in PostgreSQL's catalog. Create them first."""
    from django.db import connection

    from tests.support.activities import DDL, EFFECTS
    with connection.cursor() as cur:
        cur.execute(DDL)
        cur.execute(EFFECTS)


def start(key: str, business_key: str | None = None, **input):
    from engine.services.runs import run_start
    run, _ = run_start(definition_key=key, input=input, business_key=business_key)
    return run


def shot(page, name: str) -> None:
    """With FLOWDECK_UI_SHOTS=<dir>, keep a screenshot of this moment (to look at the pages)."""
    folder = os.environ.get("FLOWDECK_UI_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def no_reload_marker(page) -> None:
    page.evaluate("window.__consoleMarker = 'same page'")


def assert_not_reloaded(page) -> None:
    assert page.evaluate("window.__consoleMarker") == "same page", "the page was reloaded"


def confirm(page, reason: str, button: str) -> None:
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Reason").fill(reason)
    dialog.get_by_role("button", name=button, exact=True).click()


def test_operator_finds_a_failed_order_by_its_id_and_watches_the_retry_turn_it_green(open_console, operator):
    publish("orders", chain(task("charge", "test.flaky", label="Charge card", retry=ONCE), task("ship")))
    for n in range(3):
        start("orders", f"order-10{n}", succeed_on=1)
    failed = start("orders", "order-4242", succeed_on=2)  # attempt 1 fails, for good: one attempt allowed
    wait_status(failed.id, "failed")

    page = open_console(operator, login=True)
    page.goto("/console/runs")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/console/runs$"))
    expect(page.get_by_test_id("me")).to_contain_text("olga (operator)")

    page.get_by_test_id("search").fill("order-4242")
    page.get_by_test_id("search").press("Enter")
    expect(page).to_have_url(re.compile(r"q=order-4242"))
    rows = page.locator('[data-testid^="run-row-"]')
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-status", "failed")
    shot(page, "runs-search")
    rows.first.get_by_role("link", name="order-4242").click()

    expect(page.get_by_test_id("run-title")).to_have_text("order-4242")
    expect(page.get_by_test_id("run-status")).to_have_text("failed")
    charge = graph_node(page, "charge").locator(".fd-node")
    expect(charge).to_have_attribute("data-status", "failed")
    expect(page.get_by_test_id("why")).to_contain_text("charge")
    expect(page.get_by_test_id("why")).to_contain_text("attempt 1 fails")
    expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "live")

    # Its attempt, with the error and the traceback.
    charge.click()
    panel = page.get_by_test_id("step-panel")
    expect(panel.get_by_test_id("attempt")).to_have_count(1)
    expect(panel.get_by_test_id("step-error")).to_contain_text("Transient: attempt 1 fails")
    panel.locator("summary", has_text="Traceback").click()
    expect(panel.locator(".fc-traceback")).to_contain_text("ActivityError")
    shot(page, "run-failed-step-panel")

    no_reload_marker(page)
    page.get_by_role("button", name="Retry from failed step…").click()
    expect(page.get_by_test_id("confirm-effect")).to_contain_text("charge")
    expect(page.get_by_role("button", name="Retry now")).to_be_disabled()  # a reason first
    shot(page, "retry-dialog")
    confirm(page, "card limit raised by the customer", "Retry now")

    expect(charge).to_have_attribute("data-status", "succeeded", timeout=30000)
    expect(page.get_by_test_id("status-charge")).to_contain_text("attempt 2")
    expect(graph_node(page, "ship").locator(".fd-node")).to_have_attribute("data-status", "succeeded", timeout=30000)
    expect(page.get_by_test_id("run-status")).to_have_text("completed", timeout=30000)
    expect(panel.get_by_test_id("attempt")).to_have_count(2)
    retry_row = page.locator('[data-testid="timeline-row"][data-type="operator.retry"]')
    expect(retry_row).to_contain_text("by olga: card limit raised by the customer")
    expect(page.locator('[data-testid="timeline-row"][data-type="run.completed"]')).to_have_count(1)
    shot(page, "run-retried-completed")
    assert_not_reloaded(page)
    assert wait_status(failed.id, "completed").status == "completed"


def test_a_compensated_order_shows_its_compensation_on_the_graph_and_the_timeline(open_console, operator):
    undo = {"activity": "test.compensate"}
    publish("saga", chain(task("charge", compensation=undo), task("reserve", compensation=undo),
                          task("ship", "test.boom", retry=ONCE), task("email")))
    run = start("saga", "order-7001", message="carrier down", type="CarrierDown")
    wait_status(run.id, "compensated")

    page = open_console(operator)
    page.goto(f"/console/runs/{run.id}")
    expect(page.get_by_test_id("run-status")).to_have_text("compensated")
    for step in ("charge", "reserve"):
        view = graph_node(page, step).locator(".fd-node")
        expect(view).to_have_attribute("data-status", "succeeded")
        expect(view).to_contain_text("compensation succeeded")
    expect(graph_node(page, "ship").locator(".fd-node")).to_have_attribute("data-status", "failed")
    expect(graph_node(page, "email").locator(".fd-node")).to_have_attribute("data-status", "")
    expect(page.get_by_test_id("why")).to_contain_text("CarrierDown: carrier down")

    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator('[data-type="compensation.started"]')).to_have_count(1)
    expect(timeline.locator('[data-type="step.succeeded"]', has_text="compensation of reserve")).to_have_count(1)
    expect(timeline.locator('[data-type="step.succeeded"]', has_text="compensation of charge")).to_have_count(1)
    expect(timeline.locator('[data-type="run.compensated"]')).to_have_count(1)
    # Reverse completion order: reserve is undone before charge.
    texts = timeline.locator('[data-type="step.succeeded"]').all_inner_texts()
    undone = [t for t in texts if "compensation of" in t]
    assert "reserve" in undone[0] and "charge" in undone[1], undone
    shot(page, "run-compensated")

    graph_node(page, "charge").locator(".fd-node").click()
    expect(page.get_by_test_id("step-compensation")).to_contain_text("succeeded")
    expect(page.get_by_test_id("step-compensation").get_by_test_id("step-output")).to_contain_text('"undone": "charge"')


def test_the_approval_signal_releases_a_waiting_order(open_console, operator):
    publish("large-orders", chain(task("charge"), node("approval", "signal", signal="order.approved", timeout=3600),
                                  task("ship")))
    run = start("large-orders", "order-9000", amount_cents=250000)
    wait_status(run.id, "waiting")

    page = open_console(operator)
    page.goto(f"/console/runs/{run.id}")
    approval = graph_node(page, "approval").locator(".fd-node")
    expect(approval).to_have_attribute("data-status", "waiting")
    expect(page.get_by_test_id("why")).to_contain_text("awaiting signal order.approved")
    shot(page, "run-waiting-approval")
    expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
    no_reload_marker(page)

    page.get_by_role("button", name="Send signal…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Signal")).to_have_value("order.approved")
    expect(page.get_by_test_id("confirm-effect")).to_contain_text("approval")
    dialog.get_by_label("Payload (JSON)").fill('{"approved": true, "by": "risk desk"}')
    shot(page, "signal-dialog")
    confirm(page, "large order checked with the customer", "Send signal")

    expect(approval).to_have_attribute("data-status", "succeeded", timeout=30000)
    expect(graph_node(page, "ship").locator(".fd-node")).to_have_attribute("data-status", "succeeded", timeout=30000)
    expect(page.get_by_test_id("run-status")).to_have_text("completed", timeout=30000)
    expect(page.locator('[data-testid="timeline-row"][data-type="signal.received"]')).to_contain_text(
        "by olga: large order checked with the customer")
    page.get_by_role("tab", name="Data").click()
    expect(page.get_by_test_id("run-data")).to_contain_text('"by": "risk desk"')
    assert_not_reloaded(page)


def test_rows_appear_and_change_live_and_counts_follow(open_console, operator):
    publish("live", chain(node("approval", "signal", signal="go"), task("ship")))
    publish("other", chain(task("ship")))
    page = open_console(operator)
    page.goto("/console/runs?definition=live")
    expect(page.get_by_test_id("runs-empty")).to_be_visible()
    expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
    no_reload_marker(page)

    run = start("live", "order-live-1")
    start("other", "order-other-1")  # another definition: not listed under this filter
    row = page.get_by_test_id(f"run-row-{run.id}")
    expect(row).to_have_attribute("data-status", "waiting", timeout=30000)
    expect(page.get_by_test_id("count-waiting")).to_contain_text("1", timeout=10000)

    from engine.services.runs import run_signal
    run_signal(run_id=run.id, name="go", payload={})
    expect(row).to_have_attribute("data-status", "completed", timeout=30000)
    expect(page.get_by_test_id("count-completed")).to_contain_text("1", timeout=10000)
    expect(page.locator('[data-testid^="run-row-"]')).to_have_count(1)
    shot(page, "runs-live")

    # Filters live in the URL; a status chip filters, and rows that stop matching leave.
    page.get_by_test_id("count-waiting").click()
    expect(page).to_have_url(re.compile(r"status=waiting"))
    expect(page.get_by_test_id("runs-empty")).to_be_visible()
    second = start("live", "order-live-2")
    expect(page.get_by_test_id(f"run-row-{second.id}")).to_be_visible(timeout=30000)
    run_signal(run_id=second.id, name="go", payload={})
    expect(page.get_by_test_id(f"run-row-{second.id}")).to_have_count(0, timeout=30000)
    assert_not_reloaded(page)


def test_incidents_group_failures_and_a_bulk_retry_shows_its_count_first(open_console, operator):
    publish("bulky", chain(task("charge", "test.flaky", retry=ONCE)))
    runs = [start("bulky", f"order-b{n}", succeed_on=2) for n in range(2)]
    for run in runs:
        wait_status(run.id, "failed")

    page = open_console(operator)
    page.goto("/console/incidents")
    group = page.locator('[data-testid="incident"][data-definition="bulky"]')
    expect(group).to_have_count(1)
    expect(group).to_contain_text("charge")
    expect(group).to_contain_text("Transient")
    expect(group.get_by_test_id("incident-count")).to_have_text("2")
    shot(page, "incidents")
    group.get_by_role("button", name="Act on all…").click()
    # Nothing is preselected: no count and no way to confirm until an action is chosen.
    expect(page.get_by_test_id("bulk-count")).to_have_count(0)
    expect(page.get_by_role("dialog").get_by_role("button", name="Choose an action")).to_be_disabled()
    page.get_by_test_id("bulk-action").select_option("retry")
    expect(page.get_by_test_id("bulk-count")).to_have_text("2")
    expect(page.get_by_test_id("confirm-effect")).to_contain_text("bulky, failed at charge")
    shot(page, "bulk-dialog")
    confirm(page, "payments provider back up", "Retry 2 runs")
    expect(page.get_by_test_id("incidents-notice")).to_have_text("Retried 2 of 2 runs.")
    for run in runs:
        wait_status(run.id, "completed")
    page.reload()
    expect(page.locator('[data-testid="incident"][data-definition="bulky"]')).to_have_count(0)

    # The runs list offers the same on any filtered selection.
    page.goto("/console/runs?definition=bulky&status=completed")
    page.get_by_test_id("bulk-open").click()
    page.get_by_test_id("bulk-action").select_option("retry")
    expect(page.get_by_test_id("bulk-count")).to_have_text("0")  # completed runs cannot be retried
    expect(page.get_by_role("dialog").get_by_role("button", name="Retry", exact=True)).to_be_disabled()
    page.get_by_role("button", name="Cancel", exact=True).click()


def test_skip_is_checked_against_the_activity_output_schema(open_console, operator):
    publish("skippy", chain(task("charge", "shop.charge_payment", retry=ONCE), task("ship")))
    run = start("skippy", "order-s1")
    wait_status(run.id, "failed")

    page = open_console(operator)
    page.goto(f"/console/runs/{run.id}")
    graph_node(page, "charge").locator(".fd-node").click()
    page.get_by_test_id("step-actions").get_by_role("button", name="Skip with output…").click()
    dialog = page.get_by_role("dialog")
    output = dialog.get_by_label("Output (JSON)")
    expect(output).to_have_value(re.compile(r'"charge_id": ""'))  # the schema's required fields
    output.fill('{"charge_id": "ch_manual", "status": "captured"}')
    confirm(page, "charged by phone", "Skip step")
    expect(page.get_by_test_id("confirm-error")).to_contain_text("output schema")
    expect(page.get_by_test_id("confirm-error")).to_contain_text("'amount_cents' is a required property")
    shot(page, "skip-refused")

    output.fill('{"charge_id": "ch_manual", "status": "captured", "amount_cents": 4200}')
    dialog.get_by_role("button", name="Skip step", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(graph_node(page, "charge").locator(".fd-node")).to_have_attribute("data-status", "skipped", timeout=30000)
    expect(page.get_by_test_id("run-status")).to_have_text("completed", timeout=30000)
    expect(page.locator('[data-testid="timeline-row"][data-type="operator.skip"]')).to_contain_text("by olga: charged by phone")


def test_user_text_is_shown_as_text_and_no_script_runs(open_console, operator):
    from engine.services.runs import run_edit_data
    publish("evil", chain(task("charge", "test.boom", label=EVIL, retry=ONCE)))
    key = f"order-{EVIL}"
    run = start("evil", key, message=EVIL, note=EVIL_SCRIPT)
    wait_status(run.id, "failed")
    run_edit_data(run_id=run.id, data={"note": EVIL_SCRIPT}, user=operator, reason=EVIL)

    page = open_console(operator)
    page.goto("/console/runs?q=order-%3Cimg")
    row = page.get_by_test_id(f"run-row-{run.id}")
    expect(row).to_contain_text(key)
    expect(row).to_contain_text(f"charge: Boom: {EVIL}")
    row.get_by_role("link", name=key).click()

    expect(page.get_by_test_id("run-title")).to_have_text(key)
    expect(page.get_by_test_id("label-charge")).to_have_text(EVIL)
    expect(page.get_by_test_id("why")).to_contain_text(EVIL)
    edited = page.locator('[data-testid="timeline-row"][data-type="operator.data_edited"]')
    expect(edited.get_by_test_id("event-actor")).to_have_text(f"by olga: {EVIL}")
    edited.click()
    expect(page.get_by_test_id("event-detail")).to_contain_text(EVIL_SCRIPT)
    shot(page, "evil-text")

    # Edit the data through the console, with markup in the data and the reason.
    page.get_by_role("button", name="Edit data…").click()
    page.get_by_role("dialog").get_by_role("button", name="Raw JSON").click()   # the field tree is the default
    page.get_by_role("dialog").get_by_label("Run data (JSON)").fill('{"note": "%s", "fixed": true}' % EVIL_SCRIPT.replace('"', '\\"'))
    confirm(page, f"again {EVIL}", "Save data")
    expect(page.locator('[data-testid="timeline-row"][data-type="operator.data_edited"]')).to_have_count(2, timeout=15000)
    page.get_by_role("tab", name="Data").click()
    expect(page.get_by_test_id("run-data")).to_contain_text(EVIL_SCRIPT)
    expect(page.get_by_test_id("run-data")).to_contain_text('"fixed": true')

    assert page.locator("img").count() == 0
    assert page.locator("script:not([src])").count() == 0
    assert page.evaluate("document.body.innerHTML.includes('<img src=x')") is False
    # dialogs: checked empty by the fixture


def test_a_viewer_sees_no_enabled_action_and_the_api_refuses_anyway(open_console, transactional_db):
    viewer = make_user("vera", "viewer")
    publish("watched", chain(task("charge", "test.flaky", retry=ONCE)))
    run = start("watched", "order-v1", succeed_on=2)
    wait_status(run.id, "failed")

    page = open_console(viewer)
    page.goto(f"/console/runs/{run.id}")
    expect(page.get_by_test_id("run-status")).to_have_text("failed")
    expect(page.get_by_test_id("read-only-note")).to_contain_text("viewer")
    actions = page.get_by_test_id("run-actions").get_by_role("button")
    expect(actions.first).to_be_visible()
    assert actions.count() == 6   # retry, signal, edit data, edit input, compensate, cancel
    expect(page.locator('[data-testid="run-actions"] button:enabled')).to_have_count(0)
    graph_node(page, "charge").locator(".fd-node").click()
    expect(page.locator('[data-testid="step-actions"] button')).not_to_have_count(0)
    expect(page.locator('[data-testid="step-actions"] button:enabled')).to_have_count(0)
    shot(page, "viewer")

    status = page.evaluate("""async (id) => {
        const csrf = decodeURIComponent((document.cookie.split('; ').find(c => c.startsWith('csrftoken=')) || '=').split('=')[1]);
        const r = await fetch(`/api/runs/${id}/retry/`, {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf}, body: JSON.stringify({reason: 'try'})});
        return r.status;
    }""", str(run.id))
    assert status == 403

    page.goto("/console/runs")
    expect(page.get_by_test_id("bulk-open")).to_be_disabled()
    page.goto("/console/incidents")
    expect(page.locator('[data-testid="incident"][data-definition="watched"]')).to_have_count(1)
    expect(page.locator('[data-testid="incidents"] button:enabled')).to_have_count(0)
    assert wait_status(run.id, "failed").status == "failed"


def test_home_shows_the_last_hour_per_definition(open_console, operator):
    publish("charted", chain(task("charge", "test.flaky", retry=ONCE)))
    ok = start("charted", "order-c1", succeed_on=1)
    bad = start("charted", "order-c2", succeed_on=2)
    wait_status(ok.id, "completed")
    wait_status(bad.id, "failed")
    page = open_console(operator)
    page.goto("/console/")
    card = page.get_by_test_id("stats-charted")
    expect(card).to_be_visible()
    expect(card.get_by_test_id("failure-rate")).to_have_text("50.0%")
    expect(card.get_by_role("img", name=re.compile("runs finished per minute"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Step latency per definition"))).to_be_visible()
    expect(page.get_by_test_id("tile-failed")).to_contain_text("1")
    shot(page, "home")


def test_compensate_and_cancel_from_the_console(open_console, operator):
    undo = {"activity": "test.compensate"}
    publish("held", chain(task("charge", compensation=undo), node("approval", "signal", signal="order.approved"),
                          task("ship")))
    undo_me, stop_me = start("held", "order-h1"), start("held", "order-h2")
    wait_status(undo_me.id, "waiting")
    wait_status(stop_me.id, "waiting")
    page = open_console(operator)

    page.goto(f"/console/runs/{undo_me.id}")
    page.get_by_test_id("run-actions").get_by_role("button", name="Compensate…").click()
    expect(page.get_by_test_id("confirm-effect")).to_contain_text("charge")
    confirm(page, "customer withdrew the order", "Compensate")
    expect(page.get_by_test_id("run-status")).to_have_text("compensated", timeout=30000)
    expect(graph_node(page, "charge").locator(".fd-node")).to_contain_text("compensation succeeded")
    expect(graph_node(page, "approval").locator(".fd-node")).to_have_attribute("data-status", "cancelled")
    expect(page.locator('[data-testid="timeline-row"][data-type="operator.compensate"]')).to_contain_text(
        "by olga: customer withdrew the order")

    page.goto(f"/console/runs/{stop_me.id}")
    page.get_by_role("button", name="Cancel…").click()
    expect(page.get_by_test_id("confirm-effect")).to_contain_text("nothing is undone")
    confirm(page, "duplicate order", "Cancel run")
    expect(page.get_by_test_id("run-status")).to_have_text("cancelled", timeout=30000)
    expect(graph_node(page, "charge").locator(".fd-node")).not_to_contain_text("compensation")
    # A second cancel is refused by the server and said so, in place.
    expect(page.get_by_role("button", name="Cancel…")).to_be_disabled()


def test_the_run_page_rides_out_a_server_restart_without_losing_or_repeating_events(open_console, operator,
                                                                                   live_stack, stack_env):
    from engine.models import RunEvent
    from engine.services.runs import run_signal
    from tests.support.stack import Proc
    publish("restarts", chain(task("charge"), node("approval", "signal", signal="go"), task("ship"), task("email")))
    run = start("restarts", "order-r1")
    wait_status(run.id, "waiting")
    page = open_console(operator)
    page.goto(f"/console/runs/{run.id}")
    live = page.get_by_test_id("live-state")
    expect(live).to_have_attribute("data-state", "live")
    no_reload_marker(page)

    daphne = live_stack["procs"][0]
    daphne.stop()
    expect(live).to_have_attribute("data-state", "reconnecting")
    run_signal(run_id=run.id, name="go", payload={"ok": True})  # events happen while no server is up
    wait_status(run.id, "completed")
    live_stack["procs"][0] = Proc("daphne", daphne.popen.args, stack_env)  # same port: the page comes back by itself

    expect(live).to_have_attribute("data-state", "live", timeout=30000)
    expect(page.get_by_test_id("run-status")).to_have_text("completed", timeout=15000)
    expect(graph_node(page, "email").locator(".fd-node")).to_have_attribute("data-status", "succeeded")
    last = RunEvent.objects.filter(run_id=run.id).count()
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_have_attribute("data-last-seq", str(last))
    seqs = [int(s) for s in page.locator('[data-testid="timeline-row"]').evaluate_all(
        "rows => rows.map(r => r.dataset.seq)")]
    assert seqs == list(range(1, last + 1))  # every event once, in order
    assert_not_reloaded(page)



def test_a_stuck_run_says_why_in_plain_words(open_console, operator):
    publish("slow-approvals", chain(node("approval", "signal", signal="order.approved", stuck_after=1), task("ship")))
    run = start("slow-approvals", "order-st1")
    wait_status(run.id, "waiting")
    page = open_console(operator)
    page.goto(f"/console/runs/{run.id}")
    why = page.get_by_test_id("why")
    # The scheduler flags it (stuck_after: 1s); an open page learns it from the run.stuck event.
    expect(why).to_contain_text("Why it is stuck", timeout=30000)
    expect(page.get_by_test_id("stuck-reason")).to_contain_text("approval: awaiting signal order.approved for")
    expect(page.locator('[data-testid="timeline-row"][data-type="run.stuck"]')).to_have_count(1)
    shot(page, "run-stuck")

    page.goto("/console/runs?stuck=true")
    row = page.get_by_test_id(f"run-row-{run.id}")
    expect(row).to_contain_text("stuck")
    # The row's duration is live ("stuck for 3s"); the scheduler's words are its title.
    where = row.locator(".fc-where")
    expect(where).to_contain_text(re.compile(r"stuck for \d+s"))
    expect(where).to_have_attribute("title", re.compile("awaiting signal order.approved"))
    expect(page.get_by_test_id("count-stuck")).to_contain_text("1")
