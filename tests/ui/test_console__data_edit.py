"""Editing a run's data and correcting its input in Chromium: the per-field editor, the change as
paths in the confirm dialog and in the run's history, and the corrected input read by the retry."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.models import StepRun
from engine.services.runs import run_start
from tests.support.flows import chain, publish, task, wait_status
from tests.ui.test_console import shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture(autouse=True)
def ledger_tables(transactional_db):
    from django.db import connection

    from tests.support.activities import DDL, EFFECTS
    with connection.cursor() as cur:
        cur.execute(DDL)
        cur.execute(EFFECTS)


def test_correct_the_input_and_edit_the_data_field_by_field(open_console, operator):
    publish("address", chain(task("a", input="input"),
                             task("b", activity="test.fail_first", input={"fail": "input.bad", "to": "input.customer.email"},
                                  retry={"max_attempts": 1})))
    start_input = {"customer": {"email": "ann@example", "name": "Ann"}, "bad": True}
    run = run_start(definition_key="address", input=start_input, business_key="addr-1")[0]
    wait_status(run.id, "failed", timeout=30)

    page = open_console(operator)
    page.goto(f"/console/runs/{run.id}")
    expect(page.get_by_test_id("run-status")).to_have_text("failed")

    # The input, corrected field by field; the dialog shows the change as paths.
    page.get_by_role("button", name="Edit input…").click()
    dialog = page.get_by_test_id("edit-input-dialog")
    dialog.get_by_label("input.customer.email", exact=True).fill("ann@example.com")
    dialog.get_by_label("input.bad", exact=True).select_option("false")
    diff = dialog.get_by_test_id("edit-diff")
    expect(diff.locator("li")).to_have_text(['input.bad: true -> false',
                                             'input.customer.email: "ann@example" -> "ann@example.com"'])
    dialog.get_by_label("Reason").fill("customer called: typo in the email")
    shot(page, "edit-input-dialog")
    dialog.get_by_role("button", name="Save input").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    edited = page.locator('[data-testid="timeline-row"][data-type="operator.input_edited"]')
    expect(edited).to_contain_text("run input corrected: input.")
    edited.click()
    expect(page.get_by_test_id("event-changes").locator("li")).to_have_count(2)
    expect(page.get_by_test_id("event-changes")).to_contain_text('input.customer.email: "ann@example" -> "ann@example.com"')
    shot(page, "input-edited-history")

    # The data: a field added in the tree, the raw JSON still there; the history shows the path.
    page.get_by_role("button", name="Edit data…").click()
    dialog = page.get_by_test_id("edit-data-dialog")
    dialog.get_by_label("New field in data", exact=True).fill("ticket")
    dialog.get_by_role("button", name="Add field to data", exact=True).click()
    dialog.get_by_label("data.ticket", exact=True).fill("INC-42")
    expect(dialog.get_by_test_id("edit-diff").locator("li")).to_have_text(['data.ticket: added "INC-42"'])
    dialog.get_by_role("button", name="Raw JSON").click()
    assert '"ticket": "INC-42"' in dialog.get_by_label("Run data (JSON)").input_value()
    dialog.get_by_label("Reason").fill("ticket noted")
    dialog.get_by_role("button", name="Save data").click()
    data_edit = page.locator('[data-testid="timeline-row"][data-type="operator.data_edited"]')
    expect(data_edit).to_contain_text('run data edited: data.ticket: added "INC-42"')

    # The retry reads the corrected input; the step that ran before keeps what it read.
    page.get_by_role("button", name="Retry from failed step…").click()
    page.get_by_role("dialog").get_by_label("Reason").fill("address fixed")
    page.get_by_role("dialog").get_by_role("button", name="Retry now").click()
    expect(page.get_by_test_id("run-status")).to_have_text("completed", timeout=30000)
    steps = {s.node_id: s for s in StepRun.objects.filter(run=run, kind="node")}
    assert steps["a"].input == start_input
    assert steps["b"].input == {"fail": False, "to": "ann@example.com"}
