"""Metrics of real worker and scheduler processes, added up by /metrics the way prometheus-client's
multiprocess mode does (a shared PROMETHEUS_MULTIPROC_DIR), as under `make run`."""
import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from engine.services.runs import run_start
from tests.support.flows import chain, publish, task, wait_status
from tests.support.stack import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _samples(monkeypatch, directory) -> list:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    response = Client().get("/metrics")
    assert response.status_code == 200
    return [s for f in text_string_to_metric_families(response.content.decode()) for s in f.samples]


def _value(samples, name, **labels):
    found = [s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    return sum(found) if found else None


def test_worker_and_scheduler_metrics_are_collected_from_the_multiprocess_directory(stack, tmp_path, monkeypatch):
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    stack.worker(env=env)
    stack.scheduler(env=env)
    publish("mp", chain(task("a"), task("b")))
    run, _ = run_start(definition_key="mp")
    wait_status(run.id, "completed", stack=stack)
    samples = wait_for(lambda: (s := _samples(monkeypatch, tmp_path)) and
                       _value(s, "flowdeck_scheduler_sweep_seconds_count") and s, message="a scheduler sweep counted")
    # Counted in the worker process: its attempts and the run's end (the worker committed it).
    assert _value(samples, "flowdeck_step_attempts_total", definition="mp", node="a", outcome="succeeded") == 1
    assert _value(samples, "flowdeck_step_attempt_seconds_count", definition="mp", node="b") == 1
    assert _value(samples, "flowdeck_runs_finished_total", definition="mp", version="1", status="completed") == 1
    # Looked up at scrape time: the live worker and scheduler, from their beats.
    assert _value(samples, "flowdeck_process_up", kind="worker") >= 1
    assert _value(samples, "flowdeck_process_up", kind="scheduler") >= 1
