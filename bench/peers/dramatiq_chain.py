"""Raw Dramatiq: the floor of our own stack.

A chain is four no-op actors, each sending the next. With ``--variant pg``
each step also writes three small rows (the run, a step record, an event)
in one psycopg transaction: the practical limit of any design that records
each step in PostgreSQL. The last actor pushes its wall-clock time to a
Redis list; the driver reads the span from there.

Worker:  dramatiq bench.peers.dramatiq_chain --processes 1 --threads 8
Driver:  python -m bench.peers.dramatiq_chain --variant plain|pg --runs N
"""
from __future__ import annotations

import argparse
import os
import threading
import time
import uuid

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AgeLimit, CurrentMessage, Retries

REDIS_URL = os.environ.get("BENCH_CHAIN_REDIS_URL", "redis://127.0.0.1:6379/15")
PG_URL = os.environ.get("BENCH_CHAIN_PG_URL", "")
DONE_KEY = "bench-chain:done"
QUEUE = "bench-chain"

# The same middleware Flowdeck's broker runs, less the Django connection one.
broker = RedisBroker(url=REDIS_URL, namespace="bench-chain",
                     middleware=[AgeLimit(), Retries(max_retries=0), CurrentMessage()])
dramatiq.set_broker(broker)
_local = threading.local()

SCHEMA = """
CREATE TABLE IF NOT EXISTS chain_run (id uuid PRIMARY KEY, step int NOT NULL, updated_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS chain_step (id bigserial PRIMARY KEY, run_id uuid NOT NULL, step int NOT NULL,
                                       output jsonb, finished_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS chain_event (id bigserial PRIMARY KEY, run_id uuid NOT NULL, seq int NOT NULL,
                                        type text NOT NULL, payload jsonb, created_at timestamptz NOT NULL);
"""


def _conn():
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        import psycopg
        conn = _local.conn = psycopg.connect(PG_URL)
    return conn


def _record(chain_id: str, step: int) -> None:
    """Three small rows, one transaction."""
    conn = _conn()
    with conn.transaction():
        conn.execute("INSERT INTO chain_run (id, step, updated_at) VALUES (%s, %s, now()) "
                     "ON CONFLICT (id) DO UPDATE SET step = EXCLUDED.step, updated_at = now()", (chain_id, step))
        conn.execute("INSERT INTO chain_step (run_id, step, output, finished_at) VALUES (%s, %s, '{}', now())",
                     (chain_id, step))
        conn.execute("INSERT INTO chain_event (run_id, seq, type, payload, created_at) "
                     "VALUES (%s, %s, 'step.succeeded', '{}', now())", (chain_id, step))


def _step(chain_id: str, step: int, pg: bool, next_actor) -> None:
    if pg:
        _record(chain_id, step)
    if next_actor is not None:
        next_actor.send(chain_id, pg)
    else:
        broker.client.rpush(DONE_KEY, repr(time.time()))


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def chain_d(chain_id: str, pg: bool) -> None:
    _step(chain_id, 4, pg, None)


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def chain_c(chain_id: str, pg: bool) -> None:
    _step(chain_id, 3, pg, chain_d)


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def chain_b(chain_id: str, pg: bool) -> None:
    _step(chain_id, 2, pg, chain_c)


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def chain_a(chain_id: str, pg: bool) -> None:
    _step(chain_id, 1, pg, chain_b)


# -- driver -------------------------------------------------------------------

def _drive(args) -> dict:
    from bench.peers.common import WARMUP_RUNS, Proc, percentile, python, start_concurrently, wait_until
    pg = args.variant == "pg"
    redis = broker.client
    if pg:
        import psycopg
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(SCHEMA)

    def reset():
        if pg:
            import psycopg
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute("TRUNCATE chain_run, chain_step, chain_event")
        redis.delete(DONE_KEY)

    broker.flush_all()
    reset()
    worker = Proc(f"dramatiq-{args.variant}-worker",
                  [python(), "-m", "dramatiq", "bench.peers.dramatiq_chain", "--processes", str(args.processes),
                   "--threads", str(args.threads)])
    try:
        for _ in range(WARMUP_RUNS):
            chain_a.send(str(uuid.uuid4()), pg)
        wait_until(lambda: redis.llen(DONE_KEY) >= WARMUP_RUNS or not worker.alive(), timeout=60,
                   what="warm-up chains")
        if not worker.alive():
            raise RuntimeError("the worker exited:\n" + worker.tail())
        latencies = []
        for _ in range(args.latency_runs):
            redis.delete(DONE_KEY)
            t0 = time.time()
            chain_a.send(str(uuid.uuid4()), pg)
            _key, value = redis.blpop([DONE_KEY], timeout=30)
            latencies.append((float(value) - t0) * 1000)
        reset()
        t_first = start_concurrently(args.runs, args.clients, lambda i: chain_a.send(str(uuid.uuid4()), pg))
        wait_until(lambda: redis.llen(DONE_KEY) >= args.runs, timeout=args.timeout, interval=0.1,
                   what=f"{args.runs} chains")
        t_last = max(float(v) for v in redis.lrange(DONE_KEY, 0, -1))
        return {"workflows_per_s": args.runs / (t_last - t_first), "span_s": t_last - t_first,
                "single_p50_ms": percentile(latencies, 50), "runs": args.runs}
    finally:
        worker.stop()


def main() -> None:
    from bench.peers.common import emit
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant", choices=["plain", "pg"], default="plain")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--latency-runs", type=int, default=50)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    try:
        emit(_drive(args))
    except Exception as exc:  # the harness prints n/a with the reason
        emit({"na": f"{type(exc).__name__}: {exc}"[:300]})


if __name__ == "__main__":
    main()
