"""The run page with an event too large to stream (issue 20, item 6a): the socket
carries it without its payload, the console fetches the payload from the events
API and shows it, in order, as if it had come whole."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.flows import chain, node, publish

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_a_large_data_edit_arrives_live_and_its_payload_is_fetched(open_console, operator):
    from engine.models import RunEvent
    from engine.services.runs import run_edit_data, run_start
    publish("bigdata", chain(node("gate", "signal", signal="go")))
    run, _ = run_start(definition_key="bigdata")
    page = open_console(operator)
    page.goto(f"/console/runs/{run.id}")
    expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
    seq = RunEvent.objects.filter(run=run).count() + 1

    with page.expect_response(lambda r: f"/events/?after_seq={seq - 1}&limit=1" in r.url, timeout=20000) as fetched:
        run_edit_data(run_id=run.id, data={"blob": "x" * 200_000 + "END-OF-BLOB"}, reason="a large edit")
    assert fetched.value.status == 200

    expect(page.get_by_test_id("timeline")).to_have_attribute("data-last-seq", str(seq))
    page.locator(f'[data-testid="timeline-row"][data-seq="{seq}"]').click()
    expect(page.get_by_label("Data after")).to_contain_text("END-OF-BLOB")
    run_edit_data(run_id=run.id, data={"small": True}, reason="and a small one")  # still in order after it
    expect(page.get_by_test_id("timeline")).to_have_attribute("data-last-seq", str(seq + 1))
