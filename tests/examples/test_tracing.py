"""Traces: a 4-step run is one trace (the run's id), a span per attempt under the run's span, and the
demo shop receives the charging step's span as a W3C traceparent. Spans are collected with the
OpenTelemetry SDK's in-memory exporter; the run is executed in this process (the real executor)."""
import uuid

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from engine import tracing
from engine.services.runs import run_start
from examples.shop import activities as shop_activities
from tests.support.flows import FAST_RETRY, chain, drain, make_due, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def spans(settings, shop, monkeypatch):
    settings.FLOWDECK_SHOP_URL = shop.url
    monkeypatch.setattr(shop_activities, "_client", None)   # a client for this shop
    exporter = InMemorySpanExporter()
    assert tracing.configure(exporter=exporter, simple=True)
    yield exporter
    tracing.disable()


def _charge():
    return task("charge", activity="shop.charge_payment", input={
        "order_id": "input.order_id", "amount_cents": "input.amount_cents", "currency": "'EUR'"})


def test_a_run_is_one_trace_with_a_span_per_attempt_and_the_shop_sees_its_traceparent(spans, shop):
    publish("traced", chain(task("check", activity="test.flaky", input={"succeed_on": "`2`"}, retry=FAST_RETRY),
                            _charge(), task("pack"), task("notify")))
    order_id = f"T-{uuid.uuid4().hex[:8]}"
    run, _ = run_start(definition_key="traced", input={"order_id": order_id, "amount_cents": 1500})
    for _ in range(3):
        drain(run.id)
        make_due(run.id)
    run.refresh_from_db()
    assert run.status == "completed"

    finished = spans.get_finished_spans()
    trace_id, run_span_id = tracing.run_ids(run.id)
    mine = [s for s in finished if s.context.trace_id == trace_id]
    assert mine and all(s.context.trace_id == trace_id for s in mine)
    (root,) = [s for s in mine if s.name == "run"]
    assert root.context.span_id == run_span_id and root.parent is None
    assert root.attributes["flowdeck.status"] == "completed"
    steps = [s for s in mine if s.name.startswith("step ")]
    # check failed once and was retried: 5 attempts, each a child of the run's span.
    assert sorted((s.attributes["flowdeck.node_id"], s.attributes["flowdeck.attempt"]) for s in steps) == [
        ("charge", 1), ("check", 1), ("check", 2), ("notify", 1), ("pack", 1)]
    assert all(s.parent.span_id == run_span_id for s in steps)
    failed = [s for s in steps if s.attributes["flowdeck.outcome"] == "failed"]
    assert [(s.attributes["flowdeck.node_id"], s.status.status_code.name) for s in failed] == [("check", "ERROR")]
    charge = next(s for s in steps if s.attributes["flowdeck.node_id"] == "charge")
    assert charge.attributes["flowdeck.idempotency_key"].startswith(str(run.id))
    # The run's span covers its attempts (the last one ends just after the commit that ended the run).
    assert root.start_time <= min(s.start_time for s in steps) and root.end_time >= max(s.start_time for s in steps)

    # The shop got the charge step's trace: its traceparent names the run's trace, and a span inside
    # the charge attempt (the attempt's own, or the httpx call's under it).
    (traceparent,) = shop.sql("SELECT traceparent FROM shop.idempotency WHERE endpoint = 'charge' "
                              "AND body->>'charge_id' IS NOT NULL AND key LIKE %s", f"{run.id}%")[0]
    version, sent_trace, sent_span, flags = traceparent.split("-")
    assert version == "00" and int(sent_trace, 16) == trace_id and flags == "01"
    in_charge = {charge.context.span_id} | {s.context.span_id for s in finished
                                           if s.parent is not None and s.parent.span_id == charge.context.span_id}
    assert int(sent_span, 16) in in_charge


def test_tracing_is_off_by_default_and_then_nothing_is_sent(shop, settings, monkeypatch):
    settings.FLOWDECK_SHOP_URL = shop.url
    monkeypatch.setattr(shop_activities, "_client", None)
    assert not tracing.enabled()
    publish("untraced", chain(_charge()))
    order_id = f"U-{uuid.uuid4().hex[:8]}"
    run, _ = run_start(definition_key="untraced", input={"order_id": order_id, "amount_cents": 700})
    drain(run.id)
    assert shop.sql("SELECT traceparent FROM shop.idempotency WHERE key LIKE %s", f"{run.id}%") == [(None,)]
