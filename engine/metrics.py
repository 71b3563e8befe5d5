"""The engine's Prometheus metrics (prometheus-client), counted where things happen.

Every process counts its own: the web (runs it starts, websocket clients), each worker (step attempts
and what they commit), the scheduler (its sweeps and what they commit). With PROMETHEUS_MULTIPROC_DIR
set (``make run`` sets it), each process writes its values to files there and ``/metrics`` adds them
up, prometheus-client's multiprocess mode (webapi/metrics.py); without it the values live in this
process's default registry. Gauges of state (runs waiting, stuck, in incident; queue depth; process
liveness) are read at scrape time instead (engine/selectors/metrics.py), so they are right whichever
process died.

Run and step counts come from the events each transaction commits (``events_committed``, called by
RunTx after commit): one place, so no status change is counted twice or missed.
"""
from __future__ import annotations

import glob
import os
import re
import threading

from prometheus_client import Counter, Gauge, Histogram, CollectorRegistry, multiprocess

from engine.models import WorkflowVersion

RUNS_STARTED = Counter("flowdeck_runs_started_total", "Runs started", ["definition", "version"])
RUNS_FINISHED = Counter("flowdeck_runs_finished_total", "Runs that reached a terminal status",
                        ["definition", "version", "status"])
STEP_ATTEMPTS = Counter("flowdeck_step_attempts_total", "Step attempts run by workers, by outcome",
                        ["definition", "node", "outcome"])
STEP_SECONDS = Histogram("flowdeck_step_attempt_seconds", "Duration of one step attempt (the activity and its record)",
                         ["definition", "node"],
                         buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, float("inf")))
STEP_RETRIES = Counter("flowdeck_step_retries_total", "Retries scheduled after a failed attempt", ["definition", "node"])
STEP_TIMEOUTS = Counter("flowdeck_step_timeouts_total", "Attempts that ran past their timeout", ["definition", "node"])
COMPENSATIONS = Counter("flowdeck_compensations_total", "Runs that started compensating", ["definition", "version"])
SLA_BREACHES = Counter("flowdeck_sla_breaches_total", "SLA breaches (steps and runs)", ["definition"])
SWEEP_SECONDS = Histogram("flowdeck_scheduler_sweep_seconds", "Duration of one scheduler sweep",
                          buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, float("inf")))
SWEEP_ITEMS = Counter("flowdeck_scheduler_items_total", "Items the scheduler's sweeps handled", ["sweep"])
# livesum: a process that died stops counting (webapi/metrics.py forgets the files of dead pids).
WEBSOCKET_CLIENTS = Gauge("flowdeck_websocket_clients", "Console websocket clients connected",
                          multiprocess_mode="livesum")

_FINISHED = {"run.completed": "completed", "run.failed": "failed", "run.compensated": "compensated",
             "run.compensation_failed": "compensation_failed", "run.cancelled": "cancelled",
             "run.aborted": "aborted"}
_labels: dict[int, tuple[str, str]] = {}
_lock = threading.Lock()


def version_labels(version_id: int | None) -> tuple[str, str]:
    """(definition key, version label) of a version, read once per process: versions never change.
    A test version is "test": test runs must not add a label value each."""
    if version_id is None:
        return "unknown", "unknown"
    found = _labels.get(version_id)
    if found is None:
        row = (WorkflowVersion.objects.filter(pk=version_id)
               .values_list("definition__key", "number", "is_test").first())
        found = ("unknown", "unknown") if row is None else (row[0], "test" if row[2] else str(row[1]))
        with _lock:
            _labels[version_id] = found
    return found


def events_committed(*, version_id: int | None, events) -> None:
    """Count what one committed transaction of one run did (``events``: its NewEvent records)."""
    definition = version = None
    for event in events:
        kind = event.type
        if kind == "run.started" or kind in _FINISHED or kind.startswith(("step.", "compensation.", "sla.")):
            if definition is None:
                definition, version = version_labels(version_id)
            if kind == "run.started":
                RUNS_STARTED.labels(definition, version).inc()
            elif kind in _FINISHED:
                RUNS_FINISHED.labels(definition, version, _FINISHED[kind]).inc()
            elif kind == "step.retry_scheduled":
                STEP_RETRIES.labels(definition, event.node_id).inc()
            elif kind == "step.timed_out":
                STEP_TIMEOUTS.labels(definition, event.node_id).inc()
            elif kind == "compensation.started":
                COMPENSATIONS.labels(definition, version).inc()
            elif kind == "sla.breached":
                SLA_BREACHES.labels(definition).inc()


def step_attempt_observe(*, version_id: int | None, node_id: str, outcome: str, seconds: float) -> None:
    definition = version_labels(version_id)[0]
    STEP_ATTEMPTS.labels(definition, node_id, outcome).inc()
    STEP_SECONDS.labels(definition, node_id).observe(seconds)


def sweep_observe(*, seconds: float, counts: dict) -> None:
    SWEEP_SECONDS.observe(seconds)
    for sweep, n in counts.items():
        if n:
            SWEEP_ITEMS.labels(sweep).inc(n)


_LIVE_FILE = re.compile(r"gauge_live\w*?_(\d+)\.db$")


def multiprocess_registry(directory: str) -> CollectorRegistry:
    """A registry adding up every process's values in ``directory`` (prometheus-client's multiprocess
    mode), after forgetting the live gauges of processes of this host that died (SIGKILLed ones
    never say so themselves)."""
    for path in glob.glob(os.path.join(directory, "gauge_live*.db")):
        match = _LIVE_FILE.search(os.path.basename(path))
        if match and not _alive(int(match.group(1))):
            multiprocess.mark_process_dead(int(match.group(1)), directory)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return registry


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
