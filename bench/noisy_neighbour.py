#!/usr/bin/env python
"""A poisoned run of each kind among 200 healthy orders: the healthy orders do not notice.

    python bench/noisy_neighbour.py [--orders 200] [--rate 25] [--threads 8] [--state-dir DIR]
                                    [--postgres URL --redis URL]

One invocation starts its own PostgreSQL and Redis (embedded, data in ``.flowdeck/noisy/``, unless
``--postgres``/``--redis`` name servers), one worker process (``--threads`` threads) and the
scheduler, with the production settings. It runs ``--orders`` healthy orders (charge -> reserve ->
ship -> email: no-op steps, ship waits 20 ms like a call to a carrier) at ``--rate`` starts per
second, twice: alone, then with three poisoned runs started just before them:

- an expression that multiplies its input (``input.blob | [@,@] | ... `` 13 times, on a 200 KB input:
  the validator cannot know the input's size, evaluation stops it: ExpressionLimit);
- an activity that returns 30 MB (OutputTooLarge, refused before anything is written);
- an activity that ignores its 2 s timeout inside one C call (``time.sleep(3600)``), twice: the
  interrupt cannot land, so each attempt's thread is counted lost and replaced, and the scheduler
  expires its lease (LeaseExpired).

The healthy orders' step latency (a step's finish minus when it was scheduled, on the database's
clock) is compared at p99, poisoned phase over alone. Violations: a healthy order not completed,
retried, timed out, or with a gap in its event seqs; a poisoned run still running at the end, or
failed for another reason than its poison; a value of more than a few MB stored; the worker
process gone; the p99 ratio over 2. The last line is
``noisy_neighbour: healthy=200/200 p99_ratio=R violations=0``; the exit status is 1 on any violation.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peers.common import Proc, percentile, python, wait_until  # noqa: E402
from bench.throughput_servers import Servers  # noqa: E402

ORDER, EXPRESSION, OUTPUT, HANG = "bench.order", "bench.poison.expression", "bench.poison.output", "bench.poison.hang"
BLOWUP = "|".join(["input.blob", *["[@,@]"] * 13])  # 2^13 times its input: the validator's ceiling is 10,000
STEPS = ("charge", "reserve", "ship", "email")
MAX_RATIO = 2.0


def _node(id, type, **fields):
    return {"id": id, "type": type, "label": id, **fields}


def _chain(*nodes) -> dict:
    nodes = [_node("start", "start"), *nodes, _node("end", "end")]
    return {"schema_version": 1, "nodes": nodes,
            "edges": [{"id": f"e{i}", "source": a["id"], "target": b["id"]} for i, (a, b) in enumerate(zip(nodes, nodes[1:]))]}


def definitions() -> dict:
    once = {"max_attempts": 1}
    return {
        ORDER: _chain(_node("charge", "task", activity="flowdeck.noop",
                            input={"order": "input.order_id", "amount": "input.amount"}),
                      _node("reserve", "task", activity="flowdeck.noop", input={"items": "input.items"}),
                      _node("ship", "task", activity="flowdeck.sleep", input={"seconds": "`0.02`"}),
                      _node("email", "task", activity="flowdeck.noop", input={"to": "input.email"})),
        EXPRESSION: _chain(_node("blowup", "task", activity="flowdeck.noop", input={"x": BLOWUP}, retry=once)),
        OUTPUT: _chain(_node("huge", "task", activity="bench.big_output", input={"mb": "`30`"}, retry=once)),
        HANG: _chain(_node("hang", "task", activity="bench.hang", input={"seconds": "`3600`"}, timeout=2,
                           retry={"max_attempts": 2, "initial_interval": 0.5, "jitter": 0})),
    }


class Bench:
    def __init__(self, servers: Servers, args):
        self.args = args
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DATABASE_URL", "REDIS_URL", "BROKER_URL", "FLOWDECK_TEST_DB")}
        self.env.update(DATABASE_URL=servers.create_database("flowdeck_noisy"), REDIS_URL=servers.redis(0),
                        DJANGO_SETTINGS_MODULE="flowdeck.settings", FLOWDECK_ACTIVITY_MODULES="bench.noisy_activities",
                        FLOWDECK_THREAD_LOST_AFTER="3", PYTHONUNBUFFERED="1", LOG_LEVEL="WARNING")
        self.log_dir = args.state_dir / "logs"
        self.procs: list[Proc] = []
        self.tag = time.strftime("%H%M%S")
        self.violations: list[str] = []

    def setup(self) -> None:
        subprocess.run([python(), "manage.py", "migrate", "-v0"], cwd=ROOT, env=self.env, check=True)
        os.environ.update({k: self.env[k] for k in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE",
                                                     "FLOWDECK_ACTIVITY_MODULES", "LOG_LEVEL")})
        for key in ("BROKER_URL", "FLOWDECK_TEST_DB"):
            os.environ.pop(key, None)
        import django
        django.setup()
        import dramatiq
        dramatiq.get_broker().flush_all()
        from engine.models import WorkflowDefinition
        from engine.services.definitions import definition_create, version_publish
        from django.db import connection
        with connection.cursor() as cur:  # this invocation's processes beat after this
            cur.execute("SELECT now()")
            self.began = cur.fetchone()[0]
        for key, spec in definitions().items():
            if not WorkflowDefinition.objects.filter(key=key).exists():
                version_publish(definition=definition_create(key=key, name=key, spec=spec), number=1)
        self.procs.append(Proc("worker", [python(), "manage.py", "rundramatiq", "--processes", "1", "--threads",
                                          str(self.args.threads)], env=self.env, log_dir=self.log_dir))
        self.procs.append(Proc("scheduler", [python(), "manage.py", "engine_scheduler"], env=self.env,
                               log_dir=self.log_dir))
        self.orders(5, "warmup")  # the worker is up and its connections are made

    def stop(self) -> None:
        for proc in self.procs:
            proc.stop()

    # -- the orders ---------------------------------------------------------------

    def _start(self, key: str, business_key: str, **input):
        from engine.services.runs import run_start
        return run_start(definition_key=key, business_key=business_key, input=input)[0].id

    def orders(self, n: int, phase: str) -> list:
        ids, began = [], time.monotonic()
        for i in range(n):
            ids.append(self._start(ORDER, f"{self.tag}-{phase}-{i}", order_id=f"ORD-{phase}-{i}", amount=10 + i,
                                   items=[{"sku": f"SKU-{i % 7}", "qty": 1 + i % 3}], email=f"c{i}@example.com"))
            pause = began + (i + 1) / self.args.rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        from engine.models import WorkflowRun
        wait_until(lambda: WorkflowRun.objects.filter(pk__in=ids, status__in=["completed", "failed", "aborted",
                                                                                "compensated", "cancelled"]).count() == n,
                   timeout=self.args.timeout, interval=0.2, what=f"{phase}: {n} orders to settle")
        return ids

    def poison(self) -> dict:
        blob = "b" * 200_000
        return {EXPRESSION: self._start(EXPRESSION, f"{self.tag}-expr", blob=blob),
                OUTPUT: self._start(OUTPUT, f"{self.tag}-output"),
                HANG: self._start(HANG, f"{self.tag}-hang")}

    # -- what happened --------------------------------------------------------------

    def latencies_ms(self, ids) -> list[float]:
        from engine.models import StepRun
        rows = StepRun.objects.filter(run_id__in=ids, node_id__in=STEPS).values_list("scheduled_at", "finished_at")
        return [(finished - scheduled).total_seconds() * 1000 for scheduled, finished in rows if finished]

    def check_healthy(self, ids, phase: str) -> int:
        from engine.models import RunEvent, StepRun, WorkflowRun
        completed = WorkflowRun.objects.filter(pk__in=ids, status="completed").count()
        if completed != len(ids):
            self.violations.append(f"{phase}: {len(ids) - completed} healthy orders not completed")
        bad = StepRun.objects.filter(run_id__in=ids, node_id__in=STEPS).exclude(attempt=1).count()
        if bad:
            self.violations.append(f"{phase}: {bad} healthy steps took more than one attempt (timed out or retried)")
        for run_id in ids:
            seqs = list(RunEvent.objects.filter(run_id=run_id).order_by("seq").values_list("seq", flat=True))
            if seqs != list(range(1, len(seqs) + 1)):
                self.violations.append(f"{phase}: run {run_id} has gaps in its event seqs")
        return completed

    def check_poison(self, runs: dict) -> dict:
        from django.db import connection

        from engine.models import StepRun, WorkflowRun
        expected = {EXPRESSION: ("blowup", "ExpressionLimit"), OUTPUT: ("huge", "OutputTooLarge"),
                    HANG: ("hang", None)}
        try:
            wait_until(lambda: not WorkflowRun.objects.filter(pk__in=runs.values(),
                                                              status__in=["pending", "running"]).exists(),
                       timeout=60, interval=0.5, what="the poisoned runs to stop")
        except TimeoutError as exc:
            self.violations.append(str(exc))
        outcome = {}
        for key, run_id in runs.items():
            node_id, error_type = expected[key]
            run, step = WorkflowRun.objects.get(pk=run_id), StepRun.objects.get(run_id=run_id, node_id=node_id)
            outcome[key] = f"{run.status} ({(step.error or {}).get('type')})"
            if error_type and (step.error or {}).get("type") != error_type:
                self.violations.append(f"{key}: failed with {step.error}, not {error_type}")
            if key == HANG and [a["status"] for a in step.attempts] != ["timed_out", "timed_out"]:
                self.violations.append(f"{key}: attempts {[a['status'] for a in step.attempts]}")
        with connection.cursor() as cur:
            cur.execute('SELECT max(pg_column_size(s.*)) FROM "engine_steprun" s WHERE "run_id" = ANY(%s)',
                        [list(runs.values())])
            largest = cur.fetchone()[0] or 0
        if largest > 4 * 1024 * 1024:
            self.violations.append(f"a poisoned step row of {largest} bytes was stored")
        return outcome


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200, help="healthy orders per phase (default 200)")
    parser.add_argument("--rate", type=float, default=25.0, help="healthy starts per second (default 25)")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds for a phase's orders to settle")
    parser.add_argument("--postgres", help="a PostgreSQL server URL instead of the embedded one")
    parser.add_argument("--redis", help="a Redis URL instead of the embedded one (uses db 0)")
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".flowdeck" / "noisy")
    args = parser.parse_args(argv)
    args.state_dir = args.state_dir.resolve()
    with Servers(args.state_dir, args.postgres, args.redis) as servers:
        bench = Bench(servers, args)
        try:
            bench.setup()
            alone = bench.orders(args.orders, "alone")
            poisoned = bench.poison()
            beside = bench.orders(args.orders, "poisoned")
            outcome = bench.check_poison(poisoned)
            healthy = min(bench.check_healthy(alone, "alone"), bench.check_healthy(beside, "poisoned"))
            worker = bench.procs[0]
            if not worker.alive():
                bench.violations.append(f"the worker process exited: {worker.tail(500)}")
            from engine.models import EngineProcess
            lost = [p.info.get("threads_lost", 0) for p in EngineProcess.objects.filter(kind="worker",
                                                                                       started_at__gte=bench.began)]
            took = {"alone": bench.latencies_ms(alone), "beside": bench.latencies_ms(beside)}
        finally:
            bench.stop()
    p50_alone, p99_alone = percentile(took["alone"], 50), percentile(took["alone"], 99)
    p50_beside, p99_beside = percentile(took["beside"], 50), percentile(took["beside"], 99)
    ratio = p99_beside / p99_alone if p99_alone else float("inf")
    if ratio > MAX_RATIO:
        bench.violations.append(f"healthy step p99 {p99_beside:.1f} ms with the poisoned runs, {p99_alone:.1f} ms "
                                f"without: {ratio:.2f}x (more than {MAX_RATIO}x)")
    print(f"healthy step latency alone: p50 {p50_alone:.1f} ms, p99 {p99_alone:.1f} ms")
    print(f"healthy step latency beside the poisoned runs: p50 {p50_beside:.1f} ms, p99 {p99_beside:.1f} ms")
    print("poisoned runs: " + ", ".join(f"{key.rsplit('.', 1)[1]} {state}" for key, state in outcome.items())
          + f"; worker threads lost: {sum(lost)}")
    for violation in bench.violations:
        print(f"violation: {violation}")
    print(f"noisy_neighbour: healthy={healthy}/{args.orders} p99_ratio={ratio:.2f} violations={len(bench.violations)}")
    return 1 if bench.violations else 0


if __name__ == "__main__":
    sys.exit(main())
