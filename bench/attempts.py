#!/usr/bin/env python
"""Per-attempt cost: one step retried 1,000 times, attempts/s near its 10th and its 1,000th attempt.

    python bench/attempts.py [--attempts 1000] [--postgres URL] [--state-dir DIR]

One invocation starts its own PostgreSQL (embedded, data in ``.flowdeck/bench-attempts/``, unless
``--postgres`` names a server), publishes one task of ``flowdeck.fail`` with 1,000 attempts 1 ms
apart, and runs every attempt in this process through the real executor (claim, the activity,
the record of its failure and the retry it schedules): no worker, no queue, only what an attempt
costs the engine and the database. It prints attempts/s (the median attempt's) over attempts 1-50 and over the last 50,
the bytes of the step's row at both, and their ratio: flat means about 1.0 (the issue measured
37 -> 8.5 attempts/s before StepRun.attempts kept only the last ones, engine/store/steps.py).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peers.common import python  # noqa: E402
from bench.throughput_servers import Servers  # noqa: E402

KEY = "bench.attempts"
WINDOW = 50


def spec(attempts: int) -> dict:
    retry = {"max_attempts": attempts, "initial_interval": 0.001, "backoff_coefficient": 1, "max_interval": 0.001,
             "jitter": 0}
    nodes = [{"id": "start", "type": "start", "label": "start"},
             {"id": "flaky", "type": "task", "label": "flaky", "activity": "flowdeck.fail", "retry": retry,
              "on_failure": "incident", "input": {"message": "'attempt failed on purpose'", "type": "'Transient'"}},
             {"id": "end", "type": "end", "label": "end"}]
    return {"schema_version": 1, "nodes": nodes, "edges": [{"id": "e1", "source": "start", "target": "flaky"},
                                                           {"id": "e2", "source": "flaky", "target": "end"}]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=1000, help="attempts of the one step (at most 1000)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL instead of the embedded one")
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".flowdeck" / "bench-attempts")
    args = parser.parse_args(argv)
    with Servers(args.state_dir.resolve(), args.postgres, "redis://127.0.0.1:1/0") as servers:
        url = servers.create_database("flowdeck_attempts")
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "flowdeck.settings", "LOG_LEVEL": "WARNING"}
        subprocess.run([python(), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "LOG_LEVEL")})
        import django
        django.setup()
        return _measure(args.attempts)


def _measure(attempts: int) -> int:
    from django.db import connection

    from engine import events
    from engine.store import outbox as messages
    from engine.executor import step_execute
    from engine.models import StepRun, WorkflowDefinition
    from engine.services.definitions import definition_create, version_publish
    from engine.services.runs import run_start

    messages.send = lambda *args, **kwargs: None  # no broker: this process runs every attempt itself
    events.publish = lambda *args, **kwargs: None  # and no console to tell
    key = f"{KEY}.{attempts}.{int(time.time())}"
    if not WorkflowDefinition.objects.filter(key=key).exists():
        version_publish(definition=definition_create(key=key, name=key, spec=spec(attempts)), number=1)
    run, _ = run_start(definition_key=key)
    step_id = StepRun.objects.get(run=run, node_id="flaky").id

    def row_bytes() -> int:
        with connection.cursor() as cur:
            cur.execute('SELECT pg_column_size(s.*) FROM "engine_steprun" s WHERE "id" = %s', [step_id])
            return cur.fetchone()[0]

    marks, sizes = [time.perf_counter()], {}
    for n in range(1, attempts + 1):
        outcome = step_execute(step_id=step_id)
        if outcome != "failed":
            raise SystemExit(f"attempt {n}: {outcome}")
        marks.append(time.perf_counter())
        if n in (WINDOW, attempts):
            sizes[n] = row_bytes()
    took = [b - a for a, b in zip(marks, marks[1:])]  # seconds per attempt; the median of a window
    first = 1 / statistics.median(took[:WINDOW])     # shrugs off the moments this machine was busy
    last = 1 / statistics.median(took[-WINDOW:])
    step = StepRun.objects.get(pk=step_id)
    print(f"step {step_id}: {step.attempt} attempts, {len(step.attempts)} kept on the step, status {step.status}")
    print(f"row bytes at attempt {WINDOW}: {sizes[WINDOW]}, at attempt {attempts}: {sizes[attempts]}")
    print(f"attempts: {first:.1f}/s over attempts 1-{WINDOW}, {last:.1f}/s over attempts "
          f"{attempts - WINDOW + 1}-{attempts}, ratio {last / first:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
