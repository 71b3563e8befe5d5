"""Schedules in Chromium against the real stack: a designer-operator creates a schedule from the
console, triggers it, sees the fire with its outcome and follows the link to the run it started."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.models import AuditEntry, ScheduleFire
from tests.support.flows import chain, node, publish
from tests.support.users import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_create_a_schedule_trigger_it_and_follow_the_fire_to_its_run(open_console):
    publish("ui-report", chain(node("hold", "signal", signal="go")))   # its run waits: no worker needed
    page = open_console(make_user("sam", "designer", "operator"))
    page.goto("/console/schedules")
    expect(page.get_by_role("link", name="Schedules", exact=True)).to_have_attribute("aria-current", "page")   # in the nav
    expect(page.get_by_test_id("schedules-empty")).to_be_visible()
    page.get_by_test_id("schedule-new").click()
    page.get_by_label("Slug", exact=True).fill("ui-nightly")
    page.get_by_label("Name", exact=True).fill("Nightly <b>report</b>")
    page.get_by_label("Definition", exact=True).fill("ui-report")
    page.get_by_label("Cron", exact=True).fill("0 0 1 1 *")
    page.get_by_label("Time zone", exact=True).fill("Mars/Olympus")
    page.get_by_test_id("schedule-save").click()
    expect(page.get_by_test_id("schedule-error")).to_contain_text("unknown time zone")   # the server's 400, in place
    page.get_by_label("Time zone", exact=True).fill("Europe/Berlin")
    page.get_by_label("Input", exact=True).fill('{"region": "eu"}')
    page.get_by_test_id("schedule-save").click()

    expect(page.get_by_test_id("schedule-name")).to_have_text("Nightly <b>report</b>")   # text, never HTML
    expect(page.get_by_test_id("schedule-timing")).to_have_text("cron 0 0 1 1 * (Europe/Berlin)")
    expect(page.get_by_test_id("schedule-upcoming").locator("li")).to_have_count(5)
    expect(page.get_by_test_id("schedule-no-fires")).to_be_visible()
    page.get_by_test_id("schedule-trigger").click()
    expect(page.get_by_test_id("schedule-notice")).to_have_text("Triggered Nightly <b>report</b>: started.")
    row = page.get_by_test_id("fire-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("fire-outcome")).to_have_text("started")
    expect(row).to_contain_text("triggered by sam")

    fire = ScheduleFire.objects.get()
    assert fire.outcome == "started" and fire.run.input == {"region": "eu"} and fire.request_id
    assert list(AuditEntry.objects.filter(object_type="schedule").values_list("action", flat=True)) == [
        "schedule.create", "schedule.trigger"]
    row.get_by_test_id("fire-run").click()
    expect(page).to_have_url(f"{page.url.split('/console/')[0]}/console/runs/{fire.run_id}")
