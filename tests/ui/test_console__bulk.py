"""The runs list in Chromium: search by an input field, check rows (shift-click a range, the whole
page), approve the checked orders with one bulk signal (the count and the refusals shown first,
each run decided by the policy), and keep the filters as a saved view."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from engine.models import WorkflowRun
from engine.services.runs import run_start
from tests.support.flows import chain, node, publish, task, wait_status
from tests.support.stack import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture(autouse=True)
def ledger_tables(transactional_db):
    from django.db import connection

    from tests.support.activities import DDL, EFFECTS
    with connection.cursor() as cur:
        cur.execute(DDL)
        cur.execute(EFFECTS)


def confirm(page, reason: str, button: str) -> None:
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Reason").fill(reason)
    dialog.get_by_role("button", name=button, exact=True).click()


def test_search_check_rows_approve_them_in_bulk_and_save_the_view(open_console, operator):
    publish("approvals", chain(task("charge"), node("approval", "signal", signal="approve"), task("ship")))
    emails = ["ann@example.com", "bob@example.com", "ann@example.com", "cy@example.com"]
    runs = [run_start(definition_key="approvals", business_key=f"appr-{n}",
                      input={"customer": {"email": email}, "amount_cents": 4990 + n})[0] for n, email in enumerate(emails)]
    for run in runs:
        wait_status(run.id, "waiting", timeout=30)

    page = open_console(operator)
    page.goto("/console/runs?definition=approvals")
    rows = page.locator('[data-testid^="run-row-"]')
    expect(rows).to_have_count(4)

    # A bare email says how to name the field; the field term finds Ann's two orders.
    search = page.get_by_test_id("search")
    search.fill("ann@example.com")
    search.press("Enter")
    expect(page.get_by_test_id("search-hint")).to_contain_text("customer.email=ann@example.com")
    search.fill("customer.email=ann@example.com")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"q=customer.email%3Dann%40example.com"))
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("search-hint")).to_have_count(0)
    search.fill("customer.email=ann@example.com amount_cents=4992")
    search.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-business-key", "appr-2")
    search.fill("customer..email=x")
    search.press("Enter")
    expect(page.get_by_test_id("runs-error")).to_contain_text("not a field path")

    # Saved view of Ann's orders; back to every run, then the view brings the filter back.
    search.fill("customer.email=ann@example.com")
    search.press("Enter")
    expect(rows).to_have_count(2)
    page.get_by_test_id("save-view").click()
    page.get_by_role("dialog").get_by_label("View name").fill("Ann's orders")
    page.get_by_role("dialog").get_by_role("button", name="Save view").click()
    menu = page.get_by_test_id("views-menu")
    expect(menu.locator("option:checked")).to_have_text("Ann's orders")
    page.goto("/console/runs?definition=approvals")
    expect(rows).to_have_count(4)
    menu.select_option(label="Ann's orders")
    expect(page).to_have_url(re.compile(r"q=customer.email"))
    expect(rows).to_have_count(2)

    # Every run again: check the first, shift-click the third: three checked.
    page.goto("/console/runs?definition=approvals")
    expect(rows).to_have_count(4)
    ids = [rows.nth(i).get_attribute("data-testid").removeprefix("run-row-") for i in range(4)]
    page.get_by_test_id(f"check-{ids[0]}").click()
    page.get_by_test_id(f"check-{ids[2]}").click(modifiers=["Shift"])
    expect(page.get_by_test_id("checked-count")).to_have_text("3 checked")
    page.get_by_test_id("bulk-checked").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_test_id("bulk-action").select_option("signal")
    dialog.get_by_label("Signal name").fill("approve")
    expect(dialog.get_by_test_id("bulk-count")).to_have_text("3")
    dialog.get_by_label("Payload (JSON)").fill('{"approved_by": "olga"}')
    confirm(page, "approve these 3", "Send signal approve on 3 runs")
    expect(page.get_by_test_id("runs-notice")).to_contain_text("done for 3 runs")
    approved = set(ids[:3])
    for run in runs:
        if str(run.id) in approved:
            wait_status(run.id, "completed", timeout=30)
    assert WorkflowRun.objects.get(pk=ids[3]).status == "waiting"
    assert {WorkflowRun.objects.get(pk=i).data["approval"]["approved_by"] for i in approved} == {"olga"}

    # The whole page checked: the three done are refused, each with the policy's reason; one applies.
    page.reload()
    expect(rows.locator('[data-status="completed"]')).to_have_count(0)
    wait_for(lambda: page.locator('[data-testid^="run-row-"][data-status="completed"]').count() == 3,
             message="the approved runs to show completed")
    page.get_by_test_id("check-page").check()
    expect(page.get_by_test_id("checked-count")).to_have_text("4 checked")
    page.get_by_test_id("bulk-checked").click()
    dialog.get_by_test_id("bulk-action").select_option("signal")
    dialog.get_by_label("Signal name").fill("approve")
    expect(dialog.get_by_test_id("bulk-count")).to_have_text("1")
    expect(dialog.get_by_test_id("bulk-refused")).to_contain_text("the run is completed")
    expect(dialog.get_by_test_id("bulk-refused").locator("li")).to_have_count(3)
    confirm(page, "the last one", "Send signal approve on 1 run")
    expect(page.get_by_test_id("runs-notice")).to_contain_text("done for 1 run; 3 refused")
    expect(page.get_by_test_id("bulk-result-refused").locator("li")).to_have_count(3)
    wait_status(ids[3], "completed", timeout=30)
