"""The Inbox in Chromium against real processes: an operator finds a human task, claims it,
fills the form drawn from its JSON Schema (the page and then the server check it) and
completes it, and the run completes on the worker; a viewer sees the task with every button
disabled, saying why, and the API refuses the write anyway."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.models import HumanTask, StepRun
from engine.services.runs import run_start
from tests.support.flows import chain, node, publish, task, wait_status
from tests.support.stack import wait_for
from tests.support.users import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
FORM = {"type": "object", "required": ["amount", "decision"],
        "properties": {"amount": {"type": "integer", "title": "Amount", "minimum": 1, "maximum": 500},
                       "decision": {"enum": ["refund", "credit"], "title": "Decision"},
                       "note": {"type": "string", "title": "Note", "maxLength": 100}}}


@pytest.fixture(autouse=True)
def ledger_tables(transactional_db):
    from django.db import connection

    from tests.support.activities import DDL, EFFECTS
    with connection.cursor() as cur:
        cur.execute(DDL)
        cur.execute(EFFECTS)


def _waiting_task(key: str, business_key: str, **fields) -> tuple:
    publish(key, chain(node("approve", "human", title="Refund order {{ input.order }}",
                            description="Customer <b>{{ input.customer }}</b> asks for money back.", form=FORM,
                            due=3600, **fields),
                       task("pay", input={"amount": "data.approve.data.amount"})))
    run, _ = run_start(definition_key=key, input={"order": business_key, "customer": "<img src=x onerror=alert(1)>"},
                       business_key=business_key)
    found = wait_for(lambda: HumanTask.objects.filter(run=run, status="open").first(), timeout=30, message="a task")
    return run, found


def test_an_operator_completes_a_task_from_the_inbox_and_the_run_completes(open_console, operator):
    run, found = _waiting_task("refund-ui", "o-77", assignee={"role": "operator"})
    page = open_console(operator)
    page.goto("/console/")
    expect(page.get_by_test_id("inbox-count")).to_have_text("1")
    page.get_by_role("link", name="Inbox").click()
    row = page.get_by_test_id("inbox-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Refund order o-77")
    row.get_by_role("link", name="Refund order o-77").click()
    expect(page.get_by_test_id("task-title")).to_have_text("Refund order o-77")
    expect(page.get_by_test_id("task-description")).to_have_text(
        "Customer <b><img src=x onerror=alert(1)></b> asks for money back.")   # text, never HTML
    page.get_by_test_id("claim").click()
    expect(page.get_by_test_id("claimed-by")).to_have_text("olga")
    page.get_by_test_id("complete").click()   # the page's own check: required fields
    expect(page.get_by_test_id("error-/amount")).to_have_text("Required")
    page.get_by_label("Amount").fill("900")
    page.get_by_label("Decision").select_option(label="refund")
    page.get_by_test_id("complete").click()   # above the maximum: the page says so, nothing is sent
    expect(page.get_by_test_id("error-/amount")).to_have_text("At most 500")
    page.get_by_label("Amount").fill("120")
    page.get_by_label("Note").fill("goodwill")
    page.get_by_test_id("complete").click()
    expect(page.get_by_test_id("task-notice")).to_have_text("Completed: the run goes on.")
    expect(page.get_by_test_id("task-status")).to_have_text("completed")
    wait_status(run.id, "completed", timeout=60)
    assert StepRun.objects.get(run=run, node_id="approve").output == {
        "data": {"amount": 120, "decision": "refund", "note": "goodwill"}, "completed_by": "olga"}
    assert StepRun.objects.get(run=run, node_id="pay").input == {"amount": 120}
    page.get_by_role("link", name="← Inbox").click()
    expect(page.get_by_test_id("inbox-empty")).to_be_visible()


def test_a_viewer_sees_the_task_with_every_button_disabled_and_the_api_refuses(open_console, transactional_db):
    viewer = make_user("vera", "viewer")
    run, found = _waiting_task("refund-view", "o-78", assignee={"role": "operator"})
    page = open_console(viewer)
    page.goto("/console/inbox")
    page.get_by_role("link", name="Refund order o-78").click()
    expect(page.get_by_test_id("task-title")).to_have_text("Refund order o-78")
    for button in ("claim", "complete", "reject-open"):
        expect(page.get_by_test_id(button)).to_be_disabled()
    expect(page.get_by_test_id("claim")).to_have_attribute("title", "A viewer sees tasks but cannot act on them: "
                                                                      "claiming, completing and rejecting need another role.")
    expect(page.get_by_test_id("task-refused")).to_contain_text("A viewer sees tasks")
    status = page.evaluate("""async (id) => {
        const csrf = decodeURIComponent((document.cookie.split('; ').find(c => c.startsWith('csrftoken=')) || '=').split('=')[1]);
        const r = await fetch(`/api/inbox/${id}/complete/`, {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
            body: JSON.stringify({data: {amount: 1, decision: 'refund'}})});
        return [r.status, (await r.json()).detail];
    }""", found.id)
    assert status[0] == 403 and "a viewer can see tasks" in status[1]
    assert HumanTask.objects.get(pk=found.id).status == "open"
    assert StepRun.objects.get(run=run, node_id="approve").status == "waiting"
