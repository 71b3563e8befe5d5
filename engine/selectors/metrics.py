"""Gauges read at scrape time (a prometheus-client custom collector): the state of runs, queues and
the engine's processes, from PostgreSQL and the broker. Counted values (runs started, step attempts)
are engine/metrics.py's; these are looked up, so a dead process cannot leave them wrong.

Each scrape costs a few indexed queries (non-terminal runs by status, stuck, incidents) and one broker
round trip per queue; a failing source is left out of that scrape (and logged), never raised."""
from __future__ import annotations

import logging
import time

import dramatiq
from django.db import connection
from prometheus_client.core import GaugeMetricFamily

from engine.selectors.processes import process_list
from engine.selectors.runs import incident_list
from engine.states import RunStatus
from engine.store.outbox import QUEUE
from engine.workflows import workflow_list
from engine.workflows.driver import queue_for

log = logging.getLogger(__name__)
OPEN = sorted(frozenset(RunStatus.ALL) - RunStatus.TERMINAL)


def _runs() -> list:
    with connection.cursor() as cur:
        cur.execute("""SELECT d.key, r.status, count(*), count(*) FILTER (WHERE r.stuck)
                       FROM engine_workflowrun r JOIN engine_workflowdefinition d ON d.id = r.definition_id
                       WHERE r.status = ANY(%s) AND NOT r.is_test GROUP BY 1, 2""", [OPEN])
        rows = cur.fetchall()
    runs = GaugeMetricFamily("flowdeck_runs", "Runs not ended, by definition and status", labels=["definition", "status"])
    waiting = GaugeMetricFamily("flowdeck_runs_waiting", "Runs waiting (a timer, a signal, a child, a person)",
                                labels=["definition"])
    stuck = GaugeMetricFamily("flowdeck_runs_stuck", "Runs flagged stuck (docs/console.md)", labels=["definition"])
    per_def_stuck: dict[str, int] = {}
    for key, status, count, n_stuck in rows:
        runs.add_metric([key, status], count)
        if status == RunStatus.WAITING:
            waiting.add_metric([key], count)
        per_def_stuck[key] = per_def_stuck.get(key, 0) + n_stuck
    for key, n in per_def_stuck.items():
        stuck.add_metric([key], n)
    incident = GaugeMetricFamily("flowdeck_runs_in_incident", "Runs in an incident group (failed, stuck, SLA breached)",
                                 labels=["definition", "kind"])
    groups = GaugeMetricFamily("flowdeck_incident_groups", "Incident groups", labels=["kind"])
    per_kind: dict[tuple[str, str], int] = {}
    kinds: dict[str, int] = {}
    for group in incident_list(limit=1000):
        k = (group["definition"], group["kind"])
        per_kind[k] = per_kind.get(k, 0) + group["count"]
        kinds[group["kind"]] = kinds.get(group["kind"], 0) + 1
    for (key, kind), n in per_kind.items():
        incident.add_metric([key, kind], n)
    for kind, n in kinds.items():
        groups.add_metric([kind], n)
    return [runs, waiting, stuck, incident, groups]


def _queues() -> list:
    broker = dramatiq.get_broker()
    depth = GaugeMetricFamily("flowdeck_queue_messages", "Messages in a Dramatiq queue (ready: due now; delayed: "
                              "retries and timers not due yet)", labels=["queue", "state"])
    age = GaugeMetricFamily("flowdeck_queue_oldest_message_age_seconds",
                            "Age of the oldest ready message in a Dramatiq queue (0 when empty)", labels=["queue"])
    now_ms = time.time() * 1000
    # The engine's queue and each code workflow version's, whether or not this process declared them.
    names = {QUEUE, *(queue_for(w.name, w.version) for w in workflow_list()), *broker.get_declared_queues()}
    for queue in sorted(q for q in names if not q.endswith((".DQ", ".XQ"))):
        ready, delayed, oldest = _queue_state(broker, queue)
        depth.add_metric([queue, "ready"], ready)
        depth.add_metric([queue, "delayed"], delayed)
        if not ready:
            age.add_metric([queue], 0.0)
        elif oldest is not None:
            age.add_metric([queue], max(0.0, (now_ms - oldest) / 1000))
    return [depth, age]


def _queue_state(broker, queue: str) -> tuple[int, int, float | None]:
    """(ready, delayed, timestamp in ms of the oldest ready message or None when unknown)."""
    client = getattr(broker, "client", None)
    if client is not None:   # Redis: a list of message ids (oldest first) and a hash of messages
        key, delayed_key = f"{broker.namespace}:{queue}", f"{broker.namespace}:{queue}.DQ"
        pipe = client.pipeline()
        pipe.llen(key).llen(delayed_key).lindex(key, 0)
        ready, delayed, first = pipe.execute()
        oldest = None
        if first is not None:
            raw = client.hget(f"{key}.msgs", first)
            oldest = dramatiq.Message.decode(raw).message_timestamp if raw else None
        return ready, delayed, oldest
    ready, delayed, _dead = broker.get_queue_message_counts(queue)   # RabbitMQ: counts only
    return ready, delayed, None


def _processes() -> list:
    up = GaugeMetricFamily("flowdeck_process_up", "1 while a worker or scheduler process beats, 0 when dead",
                           labels=["kind", "name"])
    age = GaugeMetricFamily("flowdeck_process_beat_age_seconds", "Seconds since a process last beat",
                            labels=["kind", "name"])
    in_hand = GaugeMetricFamily("flowdeck_worker_steps_in_hand", "Steps a worker process is executing",
                                labels=["name"])
    lag = GaugeMetricFamily("flowdeck_scheduler_lag_seconds", "How late the scheduler's last sweep found its "
                            "most overdue item", labels=["name"])
    sweep = GaugeMetricFamily("flowdeck_scheduler_last_sweep_seconds", "Duration of a scheduler's last sweep",
                              labels=["name"])
    for row in process_list():
        if row["state"] == "stopped":
            continue
        up.add_metric([row["kind"], row["name"]], 1 if row["alive"] else 0)
        age.add_metric([row["kind"], row["name"]], row["beat_age_seconds"])
        if row["kind"] == "worker":
            in_hand.add_metric([row["name"]], row["in_hand"])
        else:
            info = row["info"] or {}
            if "lag_seconds" in info:
                lag.add_metric([row["name"]], float(info["lag_seconds"] or 0))
            if "sweep_ms" in info:
                sweep.add_metric([row["name"]], float(info["sweep_ms"] or 0) / 1000)
    return [up, age, in_hand, lag, sweep]


class StateCollector:
    """Registered on the registry /metrics serves (webapi/metrics.py)."""

    def collect(self):
        for source in (_runs, _queues, _processes):
            try:
                yield from source()
            except Exception:   # a scrape shows what it can; the log says what it could not
                log.exception("metrics: %s failed", source.__name__)

    def describe(self):
        return []   # not described up front: collect() queries the database
