"""bench/throughput.py's Flowdeck measurements: the engine's own stack (rundramatiq workers,
engine_scheduler, runs started through ``engine.services.runs.run_start``) on a
``Servers`` pair, with workflows/s, step-to-step latencies and PostgreSQL statements per step."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.peers.common import WARMUP_RUNS, Proc, percentile, python, start_concurrently, wait_until
from bench.throughput_report import say
from bench.throughput_servers import Servers

ROOT = Path(__file__).resolve().parent.parent
DEFINITION_KEY = "bench.noop4"
CODE_KEY = "bench-noop4-code"          # bench/noop_workflow.py: the same 4 steps as a code workflow
STEPS = ("s1", "s2", "s3", "s4")


def _node(id, type, **fields):
    return {"id": id, "type": type, "label": id, **fields}


SPEC = {
    "schema_version": 1,
    "nodes": [_node("start", "start"), *[_node(s, "task", activity="flowdeck.noop") for s in STEPS],
              _node("end", "end")],
    "edges": [{"id": f"e_{a}_{b}", "source": a, "target": b}
              for a, b in zip(("start",) + STEPS, STEPS + ("end",))],
}


class Flowdeck:
    """Drives the engine: runs are started here, workers are child processes."""

    def __init__(self, servers: Servers, args):
        self.args = args
        self.db_url = servers.create_database("flowdeck_bench")
        self.redis_url = servers.redis(0)
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DATABASE_URL", "REDIS_URL", "BROKER_URL", "FLOWDECK_TEST_DB")}
        self.key = DEFINITION_KEY   # what runs are started of: the graph, or (CODE_KEY) the code workflow
        self.env.update(DATABASE_URL=self.db_url, REDIS_URL=self.redis_url, DJANGO_SETTINGS_MODULE="flowdeck.settings",
                        FLOWDECK_WORKFLOW_MODULES="bench.noop_workflow",
                        PYTHONUNBUFFERED="1", LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "INFO"))
        self.log_dir = args.state_dir / "logs"
        self.procs: list[Proc] = []
        self._observer = None

    # setup
    def setup(self) -> None:
        subprocess.run([python(), "manage.py", "migrate", "-v0"], cwd=ROOT, env=self.env, check=True)
        os.environ.update({k: self.env[k] for k in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE",
                                                    "FLOWDECK_WORKFLOW_MODULES")})
        for key in ("BROKER_URL", "FLOWDECK_TEST_DB"):
            os.environ.pop(key, None)
        import django
        django.setup()
        from engine.models import WorkflowDefinition
        from engine.services.definitions import definition_create, version_publish
        if not WorkflowDefinition.objects.filter(key=DEFINITION_KEY).exists():
            definition = definition_create(key=DEFINITION_KEY, name="Benchmark: 4 no-op steps", spec=SPEC)
            version_publish(definition=definition, number=1)
        self.observer.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    @property
    def observer(self):
        """The harness's own connection for polling and reading results; its
        statements are told apart from the engine's by their ``bench_`` names."""
        if self._observer is None or self._observer.closed:
            import psycopg
            self._observer = psycopg.connect(self.db_url, autocommit=True)
        return self._observer

    # processes
    def start_workers(self, processes: int) -> None:
        self.stop_workers()
        import dramatiq
        dramatiq.get_broker().flush_all()
        self.procs = [
            Proc(f"flowdeck-worker-{processes}p", [python(), "manage.py", "rundramatiq", "--processes",
                                                   str(processes), "--threads", str(self.args.threads)],
                 env=self.env, log_dir=self.log_dir),
            Proc("flowdeck-scheduler", [python(), "manage.py", "engine_scheduler"], env=self.env,
                 log_dir=self.log_dir),
        ]
        self.reset()
        self.start(WARMUP_RUNS)
        self.wait_completed(WARMUP_RUNS, timeout=120)

    def backlog(self, n: int, processes: int) -> dict:
        """N runs queued with no worker up, then drained by ``processes`` worker processes:
        workflows/s from the first claim to the last completion (RunEvent and run times), so
        neither the starts nor the workers' boot count. What a second process adds to the
        workers themselves; in a burst, the starts share the same 2 cores."""
        self.stop_workers()
        import dramatiq
        dramatiq.get_broker().flush_all()
        self.reset()
        self.start(n, self.args.clients)
        self.procs = [Proc(f"flowdeck-worker-backlog-{processes}p", [python(), "manage.py", "rundramatiq",
                                                                    "--processes", str(processes),
                                                                    "--threads", str(self.args.threads)],
                           env=self.env, log_dir=self.log_dir)]
        t_last = self.wait_completed(n, timeout=120 + n * 0.5)
        (t_first,) = self.observer.execute("SELECT extract(epoch FROM min(created_at)) AS bench_first "
                                           "FROM engine_runevent WHERE type = 'step.started'").fetchone()
        self.stop_workers()
        return {"workflows_per_s": n / (t_last - float(t_first)), "runs": n, "processes": processes}

    def stop_workers(self) -> None:
        for proc in self.procs:
            proc.stop()
        self.procs = []

    def _check_alive(self) -> None:
        for proc in self.procs:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited:\n{proc.tail()}")

    # runs
    def reset(self) -> None:
        self.observer.execute("TRUNCATE engine_humantask, engine_runsignal, engine_runevent, engine_steprun, "
                              "engine_workflowrun")

    def start(self, n: int, clients: int = 1) -> float:
        """Start ``n`` runs, here or from ``clients`` processes (bench/start_clients.py, as web
        worker processes would); returns the wall time just before the first start."""
        if clients <= 1:
            from engine.services.runs import run_start
            return start_concurrently(n, 1, lambda i: run_start(definition_key=self.key, input={"i": i}))
        procs = [subprocess.Popen([python(), "-m", "bench.start_clients", "--key", self.key, "--runs", str(n),
                                   "--clients", str(clients), "--index", str(k)], cwd=ROOT, env=self.env,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for k in range(clients)]
        try:
            for proc in procs:  # Django set up and connected in every client before the clock starts
                if proc.stdout.readline().strip() != "ready":
                    raise RuntimeError(f"a start client exited before it was ready (code {proc.wait()})")
            t_first = time.time()
            for proc in procs:
                proc.stdin.write("go\n")
                proc.stdin.flush()
            for proc in procs:
                if proc.stdout.readline().strip() != "done" or proc.wait(timeout=600) != 0:
                    raise RuntimeError(f"a start client failed (code {proc.wait()})")
            return t_first
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()

    def progress(self) -> tuple[int, int, float | None]:
        done, failed, last = self.observer.execute(
            "SELECT count(*) FILTER (WHERE status = 'completed') AS bench_done, "
            "count(*) FILTER (WHERE status NOT IN ('pending', 'running', 'waiting', 'completed')) AS bench_bad, "
            "extract(epoch FROM max(finished_at)) AS bench_last FROM engine_workflowrun").fetchone()
        return done, failed, (float(last) if last is not None else None)

    def wait_completed(self, n: int, *, timeout: float) -> float:
        def check():
            self._check_alive()
            done, failed, last = self.progress()
            if failed:
                raise RuntimeError(f"{failed} runs did not complete")
            return last if done >= n else None
        return wait_until(check, timeout=timeout, interval=0.1, what=f"{n} Flowdeck runs")

    def single_latencies(self, count: int) -> list[float]:
        from engine.services.runs import run_start
        latencies = []
        for i in range(count):
            t0 = time.time()
            run, _ = run_start(definition_key=self.key, input={"i": i})

            def finished():
                self._check_alive()
                row = self.observer.execute("SELECT extract(epoch FROM finished_at) AS bench_finished, status "
                                            "FROM engine_workflowrun WHERE id = %s", [run.id]).fetchone()
                if row[1] not in ("pending", "running", "waiting", "completed"):
                    raise RuntimeError(f"run {run.id} is {row[1]}")
                return float(row[0]) if row[1] == "completed" else None
            latencies.append((wait_until(finished, timeout=30, interval=0.005, what="a single run") - t0) * 1000)
        return latencies

    def step_gaps(self, then: str = "step.started") -> list[float]:
        """Milliseconds from one step's recorded success to the next step's ``then`` event, from
        RunEvent: its start (the issue's step-to-step latency; 0 when the worker that recorded a
        step claimed the next one in that same transaction) or its success (the whole cycle:
        commit, start, the no-op activity, record)."""
        pairs = ", ".join(f"('{a}', '{b}')" for a, b in zip(STEPS, STEPS[1:]))
        rows = self.observer.execute(
            "SELECT extract(epoch FROM (b.created_at - a.created_at)) * 1000 AS bench_gap "
            "FROM engine_runevent a JOIN engine_runevent b ON b.run_id = a.run_id "
            "AND a.type = 'step.succeeded' AND b.type = %s "
            f"WHERE (a.node_id, b.node_id) IN ({pairs})", (then,)).fetchall()
        return [float(r[0]) for r in rows]

    def _latencies(self) -> dict:
        gaps, cycles = self.step_gaps(), self.step_gaps("step.succeeded")
        return {"gap_p50_ms": percentile(gaps, 50), "gap_p99_ms": percentile(gaps, 99),
                "cycle_p50_ms": percentile(cycles, 50), "cycle_p99_ms": percentile(cycles, 99)}

    def statements_reset(self) -> None:
        self.observer.execute("SELECT pg_stat_statements_reset() AS bench_reset")

    def statements(self) -> list[tuple[int, float, str]]:
        """(calls, total ms, query) the engine sent to its database since the reset."""
        rows = self.observer.execute(
            "SELECT s.calls, s.total_exec_time, s.query FROM pg_stat_statements s "
            "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() "
            "AND s.query NOT LIKE '%%bench_%%' AND s.query NOT LIKE '%%pg_stat_statements%%' "
            "AND s.query NOT LIKE '%%FOR KEY SHARE OF x%%' "  # foreign-key checks PostgreSQL runs itself
            "ORDER BY s.calls DESC").fetchall()
        return [(int(c), float(t), q) for c, t, q in rows]

    def burst(self, n: int, *, profile: Path | None = None) -> dict:
        """N runs started back to back; workflows/s over first start to last completion."""
        self.reset()
        self.statements_reset()
        spy = self._py_spy(profile) if profile else None
        try:
            t_first = self.start(n, self.args.clients)
            t_started = time.time()
            t_last = self.wait_completed(n, timeout=120 + n * 0.5)
        finally:
            if spy:
                spy.stop(timeout=60, sig=signal.SIGINT)  # py-spy writes its file on Ctrl-C
        statements = self.statements()
        calls = sum(c for c, _, _ in statements)
        if profile:
            self._write_statements(profile / f"statements-{n}.txt", statements, n)
        return {"workflows_per_s": n / (t_last - t_first), "span_s": t_last - t_first,
                "starts_per_s": n / (t_started - t_first), **self._latencies(),
                "statements_per_step": calls / (n * len(STEPS)), "runs": n, "duplicates": self._duplicates()}

    def paced(self, n: int, rate: float) -> dict:
        """N runs started at ``rate`` per second: step-to-step latency at that load."""
        from engine.services.runs import run_start
        self.reset()
        t_first = time.time()
        for i in range(n):
            delay = t_first + i / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            run_start(definition_key=self.key, input={"i": i})
        t_last = self.wait_completed(n, timeout=120 + n * 0.5)
        return {"workflows_per_s": n / (t_last - t_first), "rate": rate, "runs": n, **self._latencies()}

    def _duplicates(self) -> int:
        """Messages a worker refused as duplicates (the scheduler's re-sends under backlog)."""
        return sum(p.tail(10**9).count("not claimed") for p in self.procs)

    def _py_spy(self, profile: Path):
        profile.mkdir(parents=True, exist_ok=True)
        spy = Path(sys.executable).parent / "py-spy"
        if not spy.exists():
            print("  (py-spy is not installed: pip install py-spy)", file=sys.stderr)
            return None
        worker = self.procs[0]
        return Proc("py-spy", [str(spy), "record", "--pid", str(worker.pid), "--subprocesses", "--nonblocking",
                               "--rate", "20", "--format", "raw", "-o", str(profile / "flowdeck-worker.folded")],
                    log_dir=self.log_dir)

    @staticmethod
    def _write_statements(path: Path, statements, n: int) -> None:
        lines = [f"{n} runs x {len(STEPS)} steps; calls, calls/step, total ms, query"]
        for calls, total, query in statements:
            lines.append(f"{calls:8d} {calls / (n * len(STEPS)):6.2f} {total:10.1f}  {' '.join(query.split())[:300]}")
        path.write_text("\n".join(lines) + "\n")

    def close(self) -> None:
        self.stop_workers()
        if self._observer is not None:
            self._observer.close()


def measure_flowdeck(servers: Servers, args, results: dict) -> None:
    flowdeck = Flowdeck(servers, args)
    try:
        say("Flowdeck: migrate, definition")
        flowdeck.setup()
        say(f"Flowdeck: 1 worker process x {args.threads} threads")
        flowdeck.start_workers(1)
        latencies = flowdeck.single_latencies(args.latency_runs)
        say(f"Flowdeck: {args.runs} runs")
        one = flowdeck.burst(args.runs, profile=args.profile)
        one["single_p50_ms"] = percentile(latencies, 50)
        results["flowdeck-1"] = one
        say(f"Flowdeck code workflow: {args.runs} runs (4 no-op ctx.step calls)")
        flowdeck.key = CODE_KEY
        try:
            results["flowdeck-code"] = flowdeck.burst(args.runs)
        finally:
            flowdeck.key = DEFINITION_KEY
        rate = one["workflows_per_s"] / 2
        paced_n = max(20, args.runs // 4)
        say(f"Flowdeck: {paced_n} runs at {rate:.0f}/s (half the peak)")
        results["flowdeck-half"] = flowdeck.paced(paced_n, rate)
        say(f"Flowdeck: 2 worker processes x {args.threads} threads, {args.runs} runs")
        flowdeck.start_workers(2)
        results["flowdeck-2"] = flowdeck.burst(args.runs)
        for processes in (1, 2):
            say(f"Flowdeck: a backlog of {args.runs} runs drained by {processes} worker process(es)")
            results[f"flowdeck-backlog-{processes}"] = flowdeck.backlog(args.runs, processes)
    finally:
        flowdeck.close()
