#!/usr/bin/env python
"""Retention at scale: pruning 1,000,000 old runs (10,000,000 events) beside a loaded engine.

    python bench/retention.py [--runs 1000000] [--events-per-run 10] [--steps-per-run 2] [--rate 20]
                              [--idle-seconds 30] [--running-seconds 20 --paused-seconds 10]
                              [--batch N] [--pause S] [--threads 8] [--state-dir DIR] [--postgres URL --redis URL]

One invocation starts its own PostgreSQL and Redis (embedded, data in ``.flowdeck/bench-retention/``,
unless ``--postgres``/``--redis`` name servers), one worker process (``--threads`` threads) and the
scheduler, with the production settings (the scheduler's own daily prune off: FLOWDECK_RETENTION_AT="").
It writes ``--runs`` completed runs that ended 60 days ago, with ``--steps-per-run`` steps and
``--events-per-run`` events each, in SQL (INSERT ... SELECT over generate_series: copies of a real run's
rows, every column), then VACUUM ANALYZE. The load: 4-step no-op runs (bench/throughput_flowdeck.py's)
started at ``--rate`` per second, alone for ``--idle-seconds``, then for as long as ``manage.py
runs_prune`` (archiving to the state directory, FLOWDECK_RETENTION_BATCH/PAUSE from ``--batch``/``--pause``)
takes to delete every old run. The prune is stopped (SIGSTOP) for ``--paused-seconds`` after each
``--running-seconds``, so the load alone is measured again beside it, on the same (shared, noisy) machine.

A step's latency is its finish minus when it was scheduled; a step counts for the window (prune running,
or not) that holds all of it, but for a window's first second. The last line:

    retention: runs=N events=E pruned_in=Xs idle_p99=Ams prune_p99=Bms ratio=R

(pruned_in: the prune's running time, paused windows left out). The exit status is 1 when an old run is
left, a load run did not complete, runs_prune failed, or the worker died.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peers.common import Proc, percentile, python, wait_until  # noqa: E402
from bench.throughput_flowdeck import DEFINITION_KEY, SPEC, STEPS  # noqa: E402
from bench.throughput_servers import Servers, machine  # noqa: E402

CHUNK = 50_000          # old runs per generating statement
MARGIN = 1.0            # seconds after a window opens whose steps are not counted (they straddle the change)
# The old runs' ids: b0000000-0000-0000-0000-<n in hex>; a uuid4 (the engine's) has a 4 where these have 0.
OLD_PREFIX = "b" + "0" * 19


OLD_RANGE = "'b0000000-0000-0000-0000-000000000000' AND 'b0000000-0000-0000-0000-ffffffffffff'"


def _old_id(expr: str) -> str:
    return f"('{OLD_PREFIX}' || lpad(to_hex({expr}), 12, '0'))::uuid"


class Bench:
    def __init__(self, servers: Servers, args):
        self.args = args
        self.archive = args.state_dir / "archive"
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DATABASE_URL", "REDIS_URL", "BROKER_URL", "FLOWDECK_TEST_DB")}
        self.db_url = servers.create_database(args.database)
        self.env.update(DATABASE_URL=self.db_url, REDIS_URL=servers.redis(0), DJANGO_SETTINGS_MODULE="flowdeck.settings",
                        FLOWDECK_RETENTION_AT="", FLOWDECK_ARCHIVE_URL=str(self.archive), PYTHONUNBUFFERED="1",
                        LOG_LEVEL="WARNING")
        if args.batch:
            self.env["FLOWDECK_RETENTION_BATCH"] = str(args.batch)
        if args.pause is not None:
            self.env["FLOWDECK_RETENTION_PAUSE"] = str(args.pause)
        self.log_dir = args.state_dir / "logs"
        self.procs: list[Proc] = []
        self.violations: list[str] = []

    def say(self, text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    def sql(self, statement: str, params=None):
        import psycopg
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            conn.execute("SET statement_timeout = 0")
            cur = conn.execute(statement, params)
            return cur.fetchall() if cur.description else None

    # -- set up --------------------------------------------------------------------------

    def setup(self) -> None:
        subprocess.run([python(), "manage.py", "migrate", "-v0"], cwd=ROOT, env=self.env, check=True)
        os.environ.update({k: self.env[k] for k in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE",
                                                     "FLOWDECK_RETENTION_AT", "LOG_LEVEL")})
        for key in ("BROKER_URL", "FLOWDECK_TEST_DB"):
            os.environ.pop(key, None)
        import django
        django.setup()
        import dramatiq
        dramatiq.get_broker().flush_all()
        from engine.models import WorkflowDefinition
        from engine.services.definitions import definition_create, version_publish
        if not WorkflowDefinition.objects.filter(key=DEFINITION_KEY).exists():
            version_publish(definition=definition_create(key=DEFINITION_KEY, name=DEFINITION_KEY, spec=SPEC), number=1)
        shutil.rmtree(self.archive, ignore_errors=True)   # this invocation's archives only
        self.sql("TRUNCATE engine_humantask, engine_runsignal, engine_runevent, engine_steprun, engine_workflowrun")
        self.procs.append(Proc("worker", [python(), "manage.py", "rundramatiq", "--processes", "1", "--threads",
                                          str(self.args.threads)], env=self.env, log_dir=self.log_dir))
        self.procs.append(Proc("scheduler", [python(), "manage.py", "engine_scheduler"], env=self.env,
                               log_dir=self.log_dir))
        self.template = self.load_for(lambda: len(self._started) >= 10, "warmup")[0]

    def _copy(self, conn, table: str, overrides: dict, source: str, params) -> None:
        """INSERT INTO ``table`` every column of alias ``x`` in ``source``, but ``overrides``: the
        template's rows, whatever columns the schema has, with new ids, seqs and times."""
        columns = [r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                                              "ORDER BY ordinal_position", [table]).fetchall()]
        exprs = ", ".join(overrides.get(c, f'x."{c}"') for c in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        conn.execute(f"INSERT INTO {table} ({names}) SELECT {exprs} FROM {source}", params)

    def generate(self) -> None:
        """The old runs: copies of the template run's rows, with new ids, seqs and times, ended 60 days
        ago, one a second further back."""
        n, per_run, steps = self.args.runs, self.args.events_per_run, self.args.steps_per_run
        (template_events,) = self.sql("SELECT count(*) FROM engine_runevent WHERE run_id = %s", [self.template])[0]
        step_ids = [r[0] for r in self.sql("SELECT id FROM engine_steprun WHERE run_id = %s ORDER BY id LIMIT %s",
                                           [self.template, steps])]
        began = time.monotonic()
        at = "(now() - interval '60 days' - i * interval '1 second')"
        import psycopg
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            # Rows consistent by construction: no foreign-key checks while they are written (the bench's
            # own database; the engine's triggers guard UPDATE and DELETE only).
            conn.execute("SET statement_timeout = 0; SET session_replication_role = replica; SET synchronous_commit = off")
            for low in range(1, n + 1, CHUNK):
                high = min(n, low + CHUNK - 1)
                self._copy(conn, "engine_workflowrun", {
                    "id": _old_id("i"), "business_key": "NULL", "input": "jsonb_build_object('i', i)",
                    "created_at": f"{at} - interval '1 minute'", "updated_at": at, "finished_at": at,
                    "last_progress_at": at, "next_seq": str(per_run + 1)},
                    "engine_workflowrun x, generate_series(%s::int, %s::int) i WHERE x.id = %s",
                    [low, high, self.template])
                self._copy(conn, "engine_steprun", {
                    "id": "nextval('engine_steprun_id_seq')", "run_id": _old_id("i"), "scheduled_at": at,
                    "finished_at": at, "updated_at": at},
                    "generate_series(%s::int, %s::int) i CROSS JOIN engine_steprun x WHERE x.id = ANY(%s)",
                    [low, high, step_ids])
                self._copy(conn, "engine_runevent", {
                    "id": "nextval('engine_runevent_id_seq')", "run_id": _old_id("i"), "seq": "g", "created_at": at},
                    "generate_series(%s::int, %s::int) i CROSS JOIN generate_series(1, %s::int) g "
                    "JOIN engine_runevent x ON x.run_id = %s AND x.seq = (g - 1) %% %s::int + 1",
                    [low, high, per_run, self.template, template_events])
                self.say(f"generated {high} of {n} old runs ({time.monotonic() - began:.0f}s)")
            conn.execute("SET session_replication_role = origin")
            self.say("VACUUM ANALYZE, CHECKPOINT")
            conn.execute("VACUUM (ANALYZE) engine_workflowrun, engine_steprun, engine_runevent")
            conn.execute("CHECKPOINT")
        self.generated_s = time.monotonic() - began

    def old_left(self) -> int:
        return self.sql(f"SELECT count(*) FROM engine_workflowrun WHERE id BETWEEN {OLD_RANGE}")[0][0]

    def old_events(self) -> int:
        return self.sql(f"SELECT count(*) FROM engine_runevent WHERE run_id BETWEEN {OLD_RANGE}")[0][0]

    # -- the load --------------------------------------------------------------------------

    def load_for(self, done, phase: str, tick=None) -> list:
        """Start runs at --rate until ``done()`` (calling ``tick`` between starts); wait for them all to
        complete; their ids."""
        from engine.models import WorkflowRun
        from engine.services.runs import run_start
        self._started, began = [], time.monotonic()
        while not done():
            self._started.append(run_start(definition_key=DEFINITION_KEY, input={"phase": phase})[0].id)
            pause = began + len(self._started) / self.args.rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            if tick is not None:
                tick()
            if not self.procs[0].alive():
                raise RuntimeError(f"the worker exited:\n{self.procs[0].tail()}")
        ids = list(self._started)
        try:
            wait_until(lambda: WorkflowRun.objects.filter(pk__in=ids, status="completed").count() == len(ids),
                       timeout=120, interval=0.2, what=f"{phase}: {len(ids)} runs to complete")
        except TimeoutError as exc:
            self.violations.append(str(exc))
        return ids

    def latencies_ms(self, ids, windows, pruning: bool) -> list[float]:
        """Latencies of the steps scheduled and finished inside one window of the kind asked (the prune
        running, or not), but for its first MARGIN seconds."""
        from engine.models import StepRun
        rows = StepRun.objects.filter(run_id__in=ids, node_id__in=STEPS).values_list("scheduled_at", "finished_at")
        spans = [(start + MARGIN, end) for start, end, on in windows if on == pruning]
        return [(finished - scheduled).total_seconds() * 1000 for scheduled, finished in rows
                if finished and any(a <= scheduled.timestamp() and finished.timestamp() <= b for a, b in spans)]

    def idle(self) -> tuple[list, tuple]:
        began = time.time()
        until = time.monotonic() + self.args.idle_seconds
        ids = self.load_for(lambda: time.monotonic() >= until, "idle")
        return ids, (began, time.time(), False)

    def prune(self) -> tuple[list, list]:
        """runs_prune beside the load; with --paused-seconds, stopped (SIGSTOP) for that long after each
        --running-seconds: the load alone and the load beside the prune, on the same noisy machine."""
        pruner = Proc("prune", [python(), "manage.py", "runs_prune", "--archive-url", str(self.archive)],
                      env=self.env, log_dir=self.log_dir)
        windows, state = [], {"on": True, "since": time.time()}

        def tick():
            now = time.time()
            length = self.args.running_seconds if state["on"] else self.args.paused_seconds
            if self.args.paused_seconds > 0 and now - state["since"] >= length and pruner.alive():
                windows.append((state["since"], now, state["on"]))
                pruner._signal(signal.SIGSTOP if state["on"] else signal.SIGCONT)
                state["on"], state["since"] = not state["on"], now
        try:
            ids = self.load_for(lambda: not pruner.alive(), "prune", tick)
            windows.append((state["since"], time.time(), state["on"]))
            if pruner.popen.returncode != 0:
                self.violations.append(f"runs_prune exited {pruner.popen.returncode}: {pruner.tail()}")
            self.pruned_line = pruner.tail().strip().splitlines()[-1:] or [""]
        finally:
            pruner._signal(signal.SIGCONT)
            pruner.stop()
        return ids, windows

    def stop(self) -> None:
        for proc in self.procs:
            proc.stop()


def _ms(value, unit=" ms") -> str:
    return "n/a" if value is None else f"{value:.1f}{unit}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1_000_000, help="old runs to prune (default 1,000,000)")
    parser.add_argument("--events-per-run", type=int, default=10, help="events of each old run (default 10)")
    parser.add_argument("--steps-per-run", type=int, default=2, help="steps of each old run (default 2)")
    parser.add_argument("--rate", type=float, default=20.0, help="load runs started per second (default 20)")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="the load alone, before the prune (default 30)")
    parser.add_argument("--batch", type=int, default=None, help="FLOWDECK_RETENTION_BATCH for the prune")
    parser.add_argument("--pause", type=float, default=None, help="FLOWDECK_RETENTION_PAUSE for the prune (seconds)")
    parser.add_argument("--running-seconds", type=float, default=20.0,
                        help="the prune runs this long, then is paused (default 20)")
    parser.add_argument("--paused-seconds", type=float, default=10.0,
                        help="... for this long, in turn, to measure the load alone again (0: never paused)")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (superuser) instead of the embedded one")
    parser.add_argument("--redis", help="a Redis URL instead of the embedded one (uses db 0)")
    parser.add_argument("--database", default="flowdeck_retention", help="the database it makes (and empties) "
                                                                         "on that server (default flowdeck_retention)")
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".flowdeck" / "bench-retention")
    args = parser.parse_args(argv)
    args.state_dir = args.state_dir.resolve()
    with Servers(args.state_dir, args.postgres, args.redis) as servers:
        bench = Bench(servers, args)
        try:
            bench.say(f"{machine()}; {servers.describe()}")
            bench.setup()
            bench.say(f"generating {args.runs} old runs x {args.events_per_run} events, {args.steps_per_run} steps")
            bench.generate()
            events = bench.old_events()
            bench.say(f"the load alone: {args.rate:g} runs/s for {args.idle_seconds:g}s")
            idle_ids, first = bench.idle()
            bench.say("the load beside runs_prune" + (f" ({args.running_seconds:g}s running, {args.paused_seconds:g}s "
                                                       "paused, in turn)" if args.paused_seconds else ""))
            pruned_ids, windows = bench.prune()
            windows = [first, *windows]
            ids = idle_ids + pruned_ids
            idle, beside = bench.latencies_ms(ids, windows, False), bench.latencies_ms(ids, windows, True)
            took = sum(end - start for start, end, on in windows if on)
            wall = windows[-1][1] - windows[1][0]
            left = bench.old_left()
            if left:
                bench.violations.append(f"{left} old runs left after the prune")
            if not bench.procs[0].alive():
                bench.violations.append("the worker process exited")
        finally:
            bench.stop()
    idle_p99, prune_p99 = percentile(idle, 99), percentile(beside, 99)
    ratio = f"{prune_p99 / idle_p99:.2f}" if idle_p99 and prune_p99 else "n/a"
    print(f"generated {args.runs} old runs, {events} events in {bench.generated_s:.0f}s")
    print(f"step latency, the load alone: p50 {_ms(percentile(idle, 50))}, p99 {_ms(idle_p99)} ({len(idle)} steps)")
    print(f"step latency beside the prune: p50 {_ms(percentile(beside, 50))}, p99 {_ms(prune_p99)} "
          f"({len(beside)} steps)")
    archived = sum(p.stat().st_size for p in bench.archive.glob("*.jsonl.gz")) if bench.archive.exists() else 0
    print(f"runs_prune: {bench.pruned_line[0]} ({took:.0f}s running, {wall:.0f}s wall); "
          f"archives {archived / 2**20:.0f} MiB")
    for violation in bench.violations:
        print(f"violation: {violation}")
    print(f"retention: runs={args.runs} events={events} pruned_in={took:.1f}s idle_p99={_ms(idle_p99, '')}ms "
          f"prune_p99={_ms(prune_p99, '')}ms ratio={ratio}")
    return 1 if bench.violations else 0


if __name__ == "__main__":
    sys.exit(main())
