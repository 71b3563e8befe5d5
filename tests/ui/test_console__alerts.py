"""The Alerts page in Chromium against real processes: an admin creates a rule in its dialog (the
server refusing a host first), sends a test message to a local receiver, and once a run fails and
the rules are evaluated sees the group firing and the message in the log, its text as text."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from alerts.services import alerts_evaluate
from engine.services.runs import run_start
from tests.alerts.conftest import Receiver
from tests.support.flows import chain, publish, task, wait_status
from tests.support.users import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture(autouse=True)
def ledger_tables(transactional_db):
    from django.db import connection

    from tests.support.activities import DDL, EFFECTS
    with connection.cursor() as cur:
        cur.execute(DDL)
        cur.execute(EFFECTS)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_an_admin_creates_a_rule_tests_it_and_sees_it_fire(open_console, receiver, settings):
    settings.FLOWDECK_ALERT_ALLOWED_HOSTS = ["127.0.0.1"]
    page = open_console(make_user("ada", "admin"))
    page.goto("/console/alerts")
    expect(page.get_by_test_id("no-rules")).to_be_visible()
    expect(page.get_by_test_id("no-firing")).to_be_visible()
    page.get_by_test_id("rule-new").click()
    page.get_by_label("Name").fill("Payments failing")
    page.get_by_label("Channel 1 URL").fill("http://10.1.2.3/hook")
    page.get_by_test_id("rule-save").click()
    expect(page.get_by_test_id("rule-error")).to_contain_text("FLOWDECK_ALERT_ALLOWED_HOSTS")
    page.get_by_label("Channel 1 URL").fill(receiver.url("/hook"))
    page.get_by_test_id("rule-save").click()
    expect(page.get_by_test_id("alerts-notice")).to_have_text('Created the rule "Payments failing".')
    expect(page.get_by_test_id("rule-row")).to_contain_text("webhook: " + receiver.url("/hook"))

    page.get_by_test_id("rule-test").click()
    expect(page.get_by_test_id("alerts-notice")).to_have_text('Test of "Payments failing": sent to 1 channel(s).')
    assert [b["status"] for b in receiver.bodies("/hook")] == ["test"]

    publish("pay-ui", chain(task("charge", "test.boom", retry={"max_attempts": 1}, on_failure="incident",
                                 input={"message": "`\"<b>card</b> declined\"`"})))
    run, _ = run_start(definition_key="pay-ui")
    wait_status(run.id, "failed", timeout=30)
    assert alerts_evaluate()["firing"] == 1
    page.reload()
    row = page.get_by_test_id("firing-row")
    expect(row).to_contain_text("1 run(s) of pay-ui at charge failed: Boom: <b>card</b> declined")
    expect(page.get_by_test_id("log-row").first).to_have_attribute("data-kind", "firing")
    expect(page.get_by_test_id("log-row").first).to_contain_text("sent (200)")
    assert [b["status"] for b in receiver.bodies("/hook")] == ["test", "firing"]
