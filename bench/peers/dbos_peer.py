"""DBOS Transact: N workflows of 4 no-op ``@DBOS.step`` steps on a queue.

The worker (``--worker``) is one DBOS process: it registers the queue with a
10 ms polling interval (the 1 s default would make DBOS look slower than it
is) and a worker_concurrency of ``--threads`` (8, like Flowdeck's worker;
unbounded measured slower here), and runs what it dequeues. The driver enqueues with ``DBOSClient`` from
its own process, like Flowdeck's starter, and reads completions from
``dbos.workflow_status`` (``updated_at`` is written with the final status).

    python -m bench.peers.dbos_peer --runs N     (BENCH_DBOS_URL: the system database)
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import uuid

APP = "flowdeckbench"
QUEUE = "bench"
POLLING_INTERVAL = 0.01
URL = os.environ.get("BENCH_DBOS_URL", "postgresql://postgres@127.0.0.1:5432/dbos_bench")
READY = "BENCH-READY"


def worker() -> None:
    from dbos import DBOS

    DBOS(config={"name": APP, "system_database_url": URL, "log_level": "WARNING",
                 "application_version": "bench"})

    @DBOS.step()
    def noop(value):
        return value

    @DBOS.workflow(name="noop4")
    def noop4(value):
        for _ in range(4):
            value = noop(value)
        return value

    DBOS.launch()
    # As many workflows at once as Flowdeck's worker has threads (unbounded measured slower here).
    concurrency = int(os.environ.get("BENCH_DBOS_CONCURRENCY") or 0) or None
    DBOS.register_queue(QUEUE, polling_interval_sec=POLLING_INTERVAL,  # needs the system database
                        worker_concurrency=concurrency)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    print(READY, flush=True)
    while not stopping:
        time.sleep(0.2)
    DBOS.destroy(workflow_completion_timeout_sec=0)


def _drive(args) -> dict:
    import psycopg
    from dbos import DBOSClient

    from bench.peers.common import WARMUP_RUNS, Proc, percentile, python, start_concurrently, wait_until

    _reset_database()
    proc = Proc("dbos-worker", [python(), "-m", "bench.peers.dbos_peer", "--worker"],
                env={**os.environ, "BENCH_DBOS_CONCURRENCY": str(args.threads)})
    client = None
    try:
        wait_until(lambda: READY in proc.tail(10**6) or not proc.alive(), timeout=120, what="the DBOS worker")
        if not proc.alive():
            raise RuntimeError("the DBOS worker exited: " + proc.tail(300))
        client = DBOSClient(system_database_url=URL, application_name=APP)
        observer = psycopg.connect(URL, autocommit=True)
        options = {"queue_name": QUEUE, "workflow_name": "noop4", "app_version": "bench"}

        def progress():
            if not proc.alive():
                raise RuntimeError("the DBOS worker exited: " + proc.tail(300))
            count, bad, last = observer.execute(
                "SELECT count(*) FILTER (WHERE status = 'SUCCESS'), "
                "count(*) FILTER (WHERE status IN ('ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED')), "
                "max(updated_at) FROM dbos.workflow_status WHERE queue_name = %s", [QUEUE]).fetchone()
            if bad:
                raise RuntimeError(f"{bad} DBOS workflows failed")
            return count, (last / 1000 if last is not None else None)

        def clear():
            observer.execute("TRUNCATE dbos.workflow_status CASCADE")

        clear()
        for i in range(WARMUP_RUNS):
            client.enqueue(options, {"i": i})
        wait_until(lambda: progress()[0] >= WARMUP_RUNS, timeout=60, what="warm-up workflows")
        latencies = []
        for i in range(args.latency_runs):
            clear()
            t0 = time.time()
            client.enqueue({**options, "workflow_id": str(uuid.uuid4())}, {"i": i})
            last = wait_until(lambda: progress()[1] if progress()[0] >= 1 else None, timeout=30, interval=0.005,
                              what="a single workflow")
            latencies.append((last - t0) * 1000)
        clear()
        t_first = start_concurrently(args.runs, args.clients, lambda i: client.enqueue(options, {"i": i}))
        t_last = wait_until(lambda: (lambda c, l: l if c >= args.runs else None)(*progress()),
                            timeout=args.timeout, interval=0.1, what=f"{args.runs} DBOS workflows")
        return {"workflows_per_s": args.runs / (t_last - t_first), "span_s": t_last - t_first,
                "single_p50_ms": percentile(latencies, 50), "runs": args.runs}
    finally:
        if client is not None:
            client.destroy()
        proc.stop()


def _reset_database() -> None:
    """A fresh system database each time: the worker's launch creates it."""
    import psycopg
    from urllib.parse import urlsplit, urlunsplit
    parts = urlsplit(URL)
    name = parts.path.lstrip("/")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    from bench.peers.common import emit
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--latency-runs", type=int, default=50)
    parser.add_argument("--threads", type=int, default=8, help="the queue's worker_concurrency")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        emit(_drive(args))
    except Exception as exc:  # the harness prints n/a with the reason
        emit({"na": f"{type(exc).__name__}: {exc}"[:300]})


if __name__ == "__main__":
    main()
