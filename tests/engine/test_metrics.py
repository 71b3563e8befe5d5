"""The Prometheus metrics after a known sequence of runs: names, labels and values, scraped from
/metrics as Prometheus would (text format, parsed by prometheus-client's own parser)."""
import json
import re
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from engine.models import WorkflowRun
from engine.services.runs import run_start
from tests.support.flows import FAST_RETRY, chain, drain, make_due, node, publish, task

pytestmark = pytest.mark.django_db(transaction=True)


def _value(name, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _scrape(client=None, **headers) -> dict[str, list]:
    response = (client or Client()).get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {f.name: f.samples for f in text_string_to_metric_families(response.content.decode())}


def _sample(families, family, name, **labels):
    found = [s.value for s in families.get(family, []) if s.name == name and all(s.labels.get(k) == v
                                                                                 for k, v in labels.items())]
    return found[0] if found else None


def test_runs_steps_retries_and_failures_are_counted_by_definition_version_node_and_outcome(ledger):
    publish("m-ok", chain(*(task(n) for n in "abcd")))
    publish("m-bad", chain(task("pay", activity="test.boom", retry=FAST_RETRY)))
    before = {"started": _value("flowdeck_runs_started_total", definition="m-ok", version="1"),
              "completed": _value("flowdeck_runs_finished_total", definition="m-ok", version="1", status="completed"),
              "attempts": _value("flowdeck_step_attempts_total", definition="m-ok", node="b", outcome="succeeded"),
              "failed": _value("flowdeck_runs_finished_total", definition="m-bad", version="1", status="failed"),
              "bad": _value("flowdeck_step_attempts_total", definition="m-bad", node="pay", outcome="failed"),
              "retries": _value("flowdeck_step_retries_total", definition="m-bad", node="pay")}
    for i in range(2):
        run, _ = run_start(definition_key="m-ok", input={"i": i})
        assert drain(run.id) == 4
    bad, _ = run_start(definition_key="m-bad")
    for _ in range(3):
        make_due(bad.id)
        drain(bad.id)
    assert WorkflowRun.objects.get(pk=bad.id).status == "failed"

    assert _value("flowdeck_runs_started_total", definition="m-ok", version="1") - before["started"] == 2
    assert _value("flowdeck_runs_finished_total", definition="m-ok", version="1", status="completed") \
        - before["completed"] == 2
    assert _value("flowdeck_step_attempts_total", definition="m-ok", node="b", outcome="succeeded") \
        - before["attempts"] == 2
    assert _value("flowdeck_runs_finished_total", definition="m-bad", version="1", status="failed") - before["failed"] == 1
    assert _value("flowdeck_step_attempts_total", definition="m-bad", node="pay", outcome="failed") - before["bad"] == 3
    assert _value("flowdeck_step_retries_total", definition="m-bad", node="pay") - before["retries"] == 2

    families = _scrape()
    # The latency histogram has a bucket per bound and a count that agrees with the attempts.
    count = _sample(families, "flowdeck_step_attempt_seconds", "flowdeck_step_attempt_seconds_count",
                    definition="m-ok", node="a")
    assert count is not None and count >= 2
    assert _sample(families, "flowdeck_step_attempt_seconds", "flowdeck_step_attempt_seconds_bucket",
                   definition="m-ok", node="a", le="+Inf") == count
    # State gauges, looked up at scrape time: the failed run is an incident of its definition.
    assert _sample(families, "flowdeck_runs_in_incident", "flowdeck_runs_in_incident",
                   definition="m-bad", kind="failed") == 1
    assert _sample(families, "flowdeck_incident_groups", "flowdeck_incident_groups", kind="failed") == 1
    assert _sample(families, "flowdeck_queue_messages", "flowdeck_queue_messages", queue="flowdeck",
                   state="ready") is not None
    assert "flowdeck_queue_oldest_message_age_seconds" in families
    assert "flowdeck_websocket_clients" in families


def test_waiting_and_stuck_runs_are_gauges_of_their_definition():
    publish("m-wait", chain(node("approve", "signal", signal="approve")))
    runs = [run_start(definition_key="m-wait")[0] for _ in range(3)]
    for run in runs:
        drain(run.id)
    WorkflowRun.objects.filter(pk=runs[0].id).update(stuck=True, stuck_reason="test")
    families = _scrape()
    assert _sample(families, "flowdeck_runs_waiting", "flowdeck_runs_waiting", definition="m-wait") == 3
    assert _sample(families, "flowdeck_runs", "flowdeck_runs", definition="m-wait", status="waiting") == 3
    assert _sample(families, "flowdeck_runs_stuck", "flowdeck_runs_stuck", definition="m-wait") == 1


def test_metrics_are_served_to_allowed_networks_or_with_the_token(settings):
    settings.FLOWDECK_METRICS_TOKEN = "s3cret"
    outside = Client(REMOTE_ADDR="10.9.8.7")
    assert outside.get("/metrics").status_code == 403
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert "flowdeck_runs_started" in _scrape(outside, HTTP_AUTHORIZATION="Bearer s3cret")
    settings.FLOWDECK_METRICS_ALLOW = ["10.9.0.0/16"]
    assert outside.get("/metrics").status_code == 200
    assert Client().get("/metrics").status_code == 403   # loopback is no longer listed


def test_the_grafana_dashboard_uses_only_metrics_that_exist():
    """docs/grafana-flowdeck.json: every metric its panels query is one /metrics serves."""
    dashboard = json.loads((Path(__file__).resolve().parents[2] / "docs" / "grafana-flowdeck.json").read_text())
    used = {re.sub(r"_(bucket|count|sum)$", "", name)
            for panel in dashboard["panels"] for target in panel["targets"]
            for name in re.findall(r"flowdeck_[a-z_]+", target["expr"])}
    publish("m-any", chain(task("a")))
    run, _ = run_start(definition_key="m-any")
    drain(run.id)
    served = set()
    for family, samples in _scrape().items():
        served |= {family, f"{family}_total"} | {s.name for s in samples}
    assert len(used) >= 15 and used - served == set()
